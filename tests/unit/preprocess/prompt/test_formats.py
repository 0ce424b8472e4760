"""Row formats on literal records, with a whitespace tokenizer (exact and easy to reason about)."""

import re

from preprocess.core import prompts
from preprocess.core.record import Paper, Review
from preprocess.dataset.write import paper_refs
from preprocess.prompt import formats
from preprocess.prompt.formats import FormatOptions
from preprocess.prompt.tokenizer import Tokenizer


class WordTokenizer:
    """One token per whitespace-separated word; accepts a string or a batch, like an HF tokenizer."""

    def __call__(self, text, add_special_tokens=False, return_offsets_mapping=False):
        if isinstance(text, list):
            return {"input_ids": [self(t)["input_ids"] for t in text]}
        spans = [m.span() for m in re.finditer(r"\S+", text)]
        return {"input_ids": list(range(len(spans))), "offset_mapping": spans}


TOK = Tokenizer(WordTokenizer())
PAPER = Paper(forum="F1", venue="ICLR.cc/2024/Conference", year=2024, api="v2", title="T", decision="accepted",
              reviews=[Review(id="r1", rating=8, rating_scale=(1, 3, 5, 6, 8, 10), confidence=4, text="raw one " * 5),
                       Review(id="r2", rating=3, text="raw two " * 30),
                       Review(id="r3", rating=6, text="raw three " * 10)])
FOUR = "## Significance and novelty\nS\n\n## Reasons for acceptance\nA\n\n## Reasons for rejection\nR\n\n" \
       "## Suggestions for improvement\nU"


def targets(options: FormatOptions) -> list[formats.Target]:
    parts = {"r1": None, "r2": None, "r3": FOUR}
    return [formats.make_target(r, parts[r.id], PAPER, options) for r in PAPER.reviews]


def test_target_text_four_part_or_raw_with_rating_and_decision_lines():
    t = targets(FormatOptions(with_rating=True, with_decision=True))
    assert t[2].four_part and t[2].text == FOUR + "\n\nRating: 6\nDecision: Accept" and t[2].body == FOUR
    assert not t[0].four_part and t[0].text.endswith("raw one\n\nRating: 8\nDecision: Accept")
    raw = targets(FormatOptions(target="raw"))
    assert raw[2].text == PAPER.reviews[2].text.strip() and not raw[2].four_part


def test_alpaca_per_review_and_per_paper():
    opts = FormatOptions()
    rows = formats.plan_rows(targets(opts), opts, TOK, reserve=40)
    assert [[t.review.id for t in row] for row in rows] == [["r1"], ["r3"]]  # r2 (60 words) is over the reserve
    row = formats.build_row(PAPER, "title: T ...", rows[1], opts)
    assert row == {"instruction": prompts.REVIEW_INSTRUCTION, "input": "title: T ...", "output": FOUR, "system": ""}
    per_paper = FormatOptions(per="paper")
    assert [[t.review.id for t in r] for r in formats.plan_rows(targets(per_paper), per_paper, TOK, 40)] == [["r3"]]
    assert [[t.review.id for t in r] for r in formats.plan_rows(targets(opts), per_paper, TOK, 100)] == [["r3"]]
    assert formats.plan_rows(targets(opts), opts, TOK, reserve=5) == []


def test_sharegpt_per_paper_packs_reviews_into_the_reserve_with_varied_follow_ups():
    opts = FormatOptions(format="sharegpt", per="paper")
    opening, more = formats.scaffold_tokens(TOK)
    assert opening > 2 * formats.TURN_MARGIN and more > formats.TURN_MARGIN
    t = targets(opts)
    formats.count_targets(t, TOK)
    reserve = opening + t[0].tokens + more + t[2].tokens  # room for r1 and r3, not r2
    rows = formats.plan_rows(t, opts, TOK, reserve)
    assert [[x.review.id for x in row] for row in rows] == [["r1", "r3"]]
    row = formats.build_row(PAPER, "PAPER", rows[0], opts)
    conv = row["conversations"]
    assert row["system"] == prompts.REVIEW_INSTRUCTION
    assert [m["from"] for m in conv] == ["human", "gpt", "human", "gpt", "human", "gpt"]
    assert conv[2]["value"] == prompts.PAPER_TURN.format(paper="PAPER")
    assert conv[3]["value"] == prompts.REVIEW_REPLY.format(review=t[0].text)
    assert conv[4]["value"] in prompts.MORE_TURNS and conv[5]["value"] == prompts.MORE_REPLY.format(review=FOUR)
    asked = {formats.build_row(p, "P", [t[0], t[2], t[0]], opts)["conversations"][4]["value"]
             for p in (Paper(forum=f"f{i}", venue="v", year=None, api="v2", title="t") for i in range(20))}
    assert len(asked) > 1, "follow-ups should vary between papers"


def test_sharegpt_per_review_and_refs_name_the_last_answer():
    opts = FormatOptions(format="sharegpt", per="review")
    t = targets(opts)
    rows = formats.plan_rows(t, opts, TOK, reserve=200)
    assert len(rows) == 3 and all(len(r) == 1 for r in rows)
    refs = paper_refs(PAPER, [t[0], t[2]], t).to_dict()
    assert refs["target_review_id"] == "r3" and refs["decision"] == "accepted"
    assert refs["reviews"][2] == {"id": "r3", "rating": 6, "confidence": None, "text": FOUR}
    assert set(refs) == {"forum", "venue", "year", "title", "decision", "rating_scale", "target_review_id", "reviews"}


def test_byte_bound_skips_counting_only_when_safe():
    assert formats.fits_by_bytes("a" * 10, 18) and not formats.fits_by_bytes("a" * 11, 18)
    t = targets(FormatOptions())
    formats.count_targets(t, TOK, limit=10_000)
    assert all(x.tokens == -1 for x in t)
    formats.count_targets(t, TOK)
    assert [x.tokens for x in t] == [10, 60, len(FOUR.split())]
