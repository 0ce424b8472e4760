"""Comment overlap: concern extraction, hit rates with a known-answer matcher, MiniLM matcher, LLM parsing."""

import pytest

from eval.scores.concerns import MAX_CONCERNS, extract_concerns, json_array, llm_concerns
from eval.scores.hitrate import EMBED_THRESHOLD, EmbedMatcher, LLMMatcher, derangement, hit_rates, parse_matches


class ExactMatcher:
    """Two concerns match when their texts are equal: hit rates become set arithmetic."""

    name = "exact"

    def __init__(self):
        self.pairs = []

    def match_many(self, pairs):
        self.pairs.extend(pairs)
        return [([x in b for x in a], [y in a for y in b]) for a, b in pairs]


def test_concerns_are_the_rejection_bullets():
    text = ("## Significance and novelty\nNovel idea here.\n\n"
            "## Reasons for acceptance\n- Clear and well written.\n\n"
            "## Reasons for rejection\n- The gains are small on CIFAR-10.\n"
            "- Baselines are\n  not tuned at all.\n"
            "- Too short.\n\n## Suggestions for improvement\nRun more seeds please.\n\nRating: 5")
    assert extract_concerns(text) == ["The gains are small on CIFAR-10.", "Baselines are not tuned at all."]


def test_numbered_items_and_sentences():
    numbered = "## Reasons for rejection\n1. First real concern here.\n2) Second real concern here."
    assert extract_concerns(numbered) == ["First real concern here.", "Second real concern here."]
    prose = "## Reasons for rejection\nThe proofs are incomplete. Experiments use one seed only! Why so?"
    assert extract_concerns(prose) == ["The proofs are incomplete.", "Experiments use one seed only!"]


def test_unstructured_review_is_taken_whole_and_structured_without_the_part_has_none():
    free = "The method is not novel at all. The experiments lack baselines.\nRating: 3\nDecision: Reject"
    assert extract_concerns(free) == ["The method is not novel at all.", "The experiments lack baselines."]
    assert extract_concerns("## Reasons for acceptance\n- Everything is great here.") == []


def test_free_text_review_gives_its_weakness_section():
    text = ("Summary:\nThe paper proposes a new masking scheme for pretraining.\n\n"
            "Strengths:\nThe method is practical: it reuses losses from the forward pass.\n\n"
            "Weaknesses:\nAll experiments use a single seed. The ELECTRA baseline is missing.\n\n"
            "Questions:\nHow does memory scale with vocabulary size?\nRating: 6")
    assert extract_concerns(text) == ["All experiments use a single seed.", "The ELECTRA baseline is missing."]
    inline = "**Pros:** Clear writing throughout.\n**Cons:** The proofs are not complete.\n- Too few tasks used."
    assert extract_concerns(inline) == ["The proofs are not complete.", "Too few tasks used."]
    heading = "## Main weaknesses\n- The scope is narrow overall.\n## Minor\n- Typo in Eq. 3 here."
    assert extract_concerns(heading) == ["The scope is narrow overall."]
    prose = "Weaknesses:\nThe main claim is weak: it rests on one seed only.\nMinor comments:\nFix the typo in Eq. 3."
    assert extract_concerns(prose) == ["The main claim is weak: it rests on one seed only."]


def test_concerns_are_capped():
    text = "## Reasons for rejection\n" + "\n".join(f"- Concern number {i} here." for i in range(40))
    assert len(extract_concerns(text)) == MAX_CONCERNS


def test_derangement_has_no_fixed_point_and_is_seeded():
    for n in (2, 3, 7, 50):
        for seed in range(5):
            perm = derangement(n, seed)
            assert sorted(perm) == list(range(n))
            assert all(perm[i] != i for i in range(n))
    assert derangement(10, 1) == derangement(10, 1)
    with pytest.raises(ValueError):
        derangement(1, 0)


def test_hit_rates_known_answers():
    model = [["x", "y", "z"], ["p"]]
    humans = [[["x", "q"], ["y", "x", "w"]], [["p", "r"], [], ["r", "z"]]]
    m = hit_rates(model, humans, ExactMatcher())
    mh, sh, hh = m["model_vs_human"], m["shuffled_control"], m["human_vs_human"]
    # paper 0: 1/3 vs H1, 2/3 vs H2 -> 1/2; paper 1: 1 vs H1, 0 vs H3 (empty H2 left out) -> 1/2
    assert mh["pairwise"] == pytest.approx(0.5)
    assert mh["any_human"] == pytest.approx((2 / 3 + 1) / 2)
    assert mh["human_concerns_raised"] == pytest.approx(((1 / 2 + 2 / 3) / 2 + (1 / 2 + 0) / 2) / 2)
    # two papers: the shuffle swaps them; model 0 vs paper 1's humans hits z once in H3
    assert sh["pairwise"] == pytest.approx(((0 + 1 / 3) / 2 + 0) / 2)
    assert sh["any_human"] == pytest.approx((1 / 3 + 0) / 2)
    # paper 0: H1->H2 1/2, H2->H1 1/3; paper 1: H1->H3 1/2, H3->H1 1/2
    assert hh["pairwise"] == pytest.approx(((1 / 2 + 1 / 3) / 2 + 1 / 2) / 2)
    assert hh["n_papers"] == 2
    assert m["n_papers_scored"] == 2 and m["model_without_concerns"] == 0


def test_human_any_other_differs_from_pairwise_with_three_reviewers():
    m = hit_rates([[]], [[["a", "b"], ["a"], ["b"]]], ExactMatcher())
    # directed: A->B 1/2, B->A 1, A->C 1/2, C->A 1, B->C 0, C->B 0
    assert m["human_vs_human"]["pairwise"] == pytest.approx(0.5)
    assert m["human_vs_human"]["any_other_human"] == 1.0
    assert m["model_vs_human"]["pairwise"] is None  # the model raised nothing
    assert m["model_without_concerns"] == 1
    assert m["shuffled_control"]["n_papers"] == 0  # one paper: no shuffle


def test_each_human_pair_is_matched_once():
    matcher = ExactMatcher()
    hit_rates([["m"]], [[["x"], ["y"], ["z"]]], matcher)
    human_pairs = [p for p in matcher.pairs if p[0] != ["m"]]
    assert len(human_pairs) == 3  # (H1,H2), (H1,H3), (H2,H3), both directions from one call


@pytest.fixture(scope="module")
def embed():
    return EmbedMatcher()


def test_embedding_matcher_matches_paraphrases_only(embed):
    a = ["The paper does not compare against prefix tuning or other adapter baselines.",
         "The theoretical claim in Section 3 is not proven."]
    b = ["Missing comparison with prefix tuning and other adapter baselines.",
         "The rewiring step scales quadratically with the number of nodes."]
    [(hit_a, hit_b)] = embed.match_many([(a, b)])
    assert hit_a == [True, False]
    assert hit_b == [True, False]
    assert embed.threshold == EMBED_THRESHOLD
    assert embed.match_many([([], b)]) == [([], [False, False])]


@pytest.mark.parametrize("reply, expected", [
    ('[{"a": 1, "b": 2, "similarity": 8}]', ([True, False], [False, True])),
    ('Sure!\n```json\n[{"a": 2, "b": 1, "similarity": 7}]\n```', ([False, True], [True, False])),
    ('[{"a": 1, "b": 1, "similarity": 6}]', ([False, False], [False, False])),  # below 7
    ('[{"a": 9, "b": 1, "similarity": 9}]', ([False, False], [False, False])),  # out of range
    ("[]", ([False, False], [False, False])),
    ("no json here", None),
    ('["a", "b"]', None),
    ('[{"a": "one", "b": 1}]', None),
    ("[1, 2", None),
])
def test_parse_matches(reply, expected):
    assert parse_matches(reply, 2, 2) == expected


class CannedClient:
    def __init__(self, replies):
        self.replies = replies
        self.asked = []

    def chat_many(self, conversations):
        self.asked.extend(conversations)
        return self.replies[: len(conversations)]


def test_llm_matcher_counts_unusable_replies_as_no_match():
    client = CannedClient(['[{"a": 1, "b": 1, "similarity": 9}]', "garbage <s> tokens"])
    matcher = LLMMatcher(client)
    hits = matcher.match_many([(["a1"], ["b1"]), (["a2"], ["b2"]), ([], ["b3"])])
    assert hits == [([True], [True]), ([False], [False]), ([], [False])]
    assert matcher.invalid == 1 and matcher.asked == 2
    assert len(client.asked) == 2  # the pair with an empty side is never sent
    assert "1. a1" in client.asked[0][0]["content"]


def test_json_array_finds_the_list_in_chatter():
    assert json_array('Here you go:\n```json\n["a", "b"]\n```\nHope it helps [1].') == ["a", "b"]
    assert json_array("[1, [2, 3]] tail") == [1, [2, 3]]
    assert json_array("no list") is None and json_array("[unclosed") is None


def test_llm_concerns_fall_back_to_the_rule_on_unusable_replies():
    review = "## Reasons for rejection\n- The baselines are far too weak."
    client = CannedClient(['["The baselines are weak overall.", "ok"]', "<s> garbage", "[1, 2]"])
    extracted, fallbacks = llm_concerns(client, [review, review, review])
    assert extracted[0] == ["The baselines are weak overall."]  # "ok" is under MIN_WORDS
    assert extracted[1] == extracted[2] == ["The baselines are far too weak."]
    assert fallbacks == 2
    assert review in client.asked[0][0]["content"]
