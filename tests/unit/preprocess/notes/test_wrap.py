"""Hard-wrapped reviews: lines that end mid-sentence are joined before sentences are cut, and sentences are cut
by pysbd, not at every newline or every full stop."""

from __future__ import annotations

from preprocess.notes.wrap import join_wrapped, sentences
from preprocess.targets.parts import units

# The shape of a PeerRead ACL 2017 `comments` field (allenai/PeerRead data/acl_2017/*/reviews/*.json): the
# reviewer's text wrapped at ~80 columns with single newlines inside sentences, `- Strengths:` style headings
# and blank lines between paragraphs. Our own words.
ACL_2017 = """- Strengths:

The paper proposes a transition-based parser that tags and parses jointly, and
compares it to an extensive set of alternative systems on eight treebanks.
The error analysis in Section 5 is careful and convincing.

- Weaknesses:

The gains over the pipeline baseline of Chen and Manning (2014) are small
(0.3 LAS on average), and no significance test is reported.
1. The beam size is not given.
2. Table 3 mixes gold and predicted tags.

- General Discussion:

Overall a solid paper, e.g. the ablations are thorough, but the claims in the
abstract should be toned down."""


def test_a_sentence_wrapped_over_two_lines_is_one_unit():
    """PeerRead ACL 2017 shape: "... compares it to an extensive set of" and "alternative systems ..." used
    to become two units (and could land in two parts)."""
    found = [s for _, s in units(ACL_2017)]
    assert ("The paper proposes a transition-based parser that tags and parses jointly, and compares it to an "
            "extensive set of alternative systems on eight treebanks.") in found
    assert ("The gains over the pipeline baseline of Chen and Manning (2014) are small (0.3 LAS on average), and "
            "no significance test is reported.") in found
    assert not any(s.startswith(("alternative", "(0.3", "abstract")) for s in found)


def test_lists_headings_and_paragraphs_stay_apart():
    joined = join_wrapped(ACL_2017).split("\n")
    assert "- Strengths:" in joined and "1. The beam size is not given." in joined
    assert "2. Table 3 mixes gold and predicted tags." in joined and joined.count("") == ACL_2017.count("\n\n")
    assert join_wrapped("Summary\nThe paper is clear.") == "Summary\nThe paper is clear."  # a short title line
    code = "```\nx = f(y,\n  z)\n```"
    assert join_wrapped(code) == code


def test_abbreviations_are_not_sentence_ends():
    assert sentences("Overall a solid paper, e.g. the ablations are thorough. See Fig. 2 of Smith et al. for more.") \
        == ["Overall a solid paper, e.g. the ablations are thorough.", "See Fig. 2 of Smith et al. for more."]
