"""Cleaning steps on literal records: each step's effect and the funnel it records."""

from preprocess.core.record import Paper, Review, Section
from preprocess.dataset import clean, dedup
from preprocess.dataset.funnel import Funnel, FunnelRow
from preprocess.notes.text import clean_review_text, fold

WORDS = ("the method improves calibration on three benchmarks while the ablations isolate each component "
         "and the writing is clear but the baselines are weak and the theory assumes bounded gradients").split()


def text(seed: int, n: int = 80) -> str:
    return " ".join(WORDS[(seed * 7 + i * (seed % 5 + 1)) % len(WORDS)] + str(i % (seed + 3)) for i in range(n))


def paper(forum: str, *reviews: Review, **kw) -> Paper:
    return Paper(forum=forum, venue="ICLR.cc/2024/Conference", year=2024, api="v2", title=f"T {forum}",
                 reviews=list(reviews), **kw)


def test_review_text_fixes_urls_and_boilerplate_lines():
    assert clean_review_text("See https://arxiv.org/abs/1234.5678, and www.x.org/a.\nN/A\n\n\n\nok") == \
        "See arxiv.org/abs/1234.5678, and x.org/a.\n\nok"  # what was cited stays readable
    assert clean_review_text("Please see the main review.\nReal text\x00 here  ") == "Real text here"


def test_paper_boilerplate_and_section_problems():
    sections = [Section("1 Intro", "Under review as a conference paper at ICLR 2024\nWe study X.\nCode: "
                                   "https://github.com/a/b")]
    cleaned, changed = clean.clean_sections(sections)
    assert changed and cleaned[0].text == "We study X.\nCode: github.com/a/b"
    config = clean.CleanConfig(min_body_words=5, max_body_words=50)
    assert clean.section_problem([], config) == "no parsed text"
    assert clean.section_problem([Section("A", "only appendix " * 10, kind="appendix")], config) == "no parsed text"
    assert clean.section_problem([Section("1", "four words only here")], config) == "too little text"
    assert clean.section_problem([Section("1", "word " * 51)], config) == "extreme paper length"
    assert clean.section_problem([Section("1", "word " * 20)], config) is None


def test_near_duplicates_catch_small_edits_not_different_reviews():
    base = text(1, 200)
    edited = base.replace(WORDS[0] + "0", "changed", 2)
    flags = dedup.near_duplicates([base, text(2, 200), edited, text(3, 200)], 0.8)
    assert flags == [False, False, True, False]
    signature = dedup.minhash_many([fold(base)])
    assert signature.tolist() == dedup.minhash_many([fold(base)]).tolist()  # deterministic


def test_note_steps_count_every_step():
    good = [Review(id=f"g{i}", text=text(i)) for i in range(4)]
    papers = [
        paper("A", good[0], Review(id="empty"), Review(id="short", text="Good paper, accept."),
              Review(id="long", text=text(9, 200)), Review(id="url", text=text(5) + " https://example.com/x")),
        paper("B", good[1], Review(id="exact", text=good[1].text.upper()),
              Review(id="near", text=good[1].text.replace(WORDS[1], "tweak", 1))),
        paper("W", good[2], withdrawn=True),
        paper("N", Review(id="only-short", text="Too short.")),
        paper("C", good[3]),
    ]
    funnel = Funnel()
    funnel.extend([FunnelRow.left("start", papers)])
    config = clean.CleanConfig(min_review_words=40, max_review_words=150)
    kept = papers
    for step in (clean.drop_withdrawn, lambda ps: clean.clean_review_texts(ps, config),
                 lambda ps: clean.dedup_reviews(ps, config)):
        kept, rows = step(kept)
        funnel.extend(rows)
    assert [p.forum for p in kept] == ["A", "B", "C"]
    assert [[r.id for r in p.reviews] for p in kept] == [["g0", "url"], ["g1"], ["g3"]]
    assert kept[0].reviews[1].text.endswith(" example.com/x")
    steps = {r["step"].split(" (")[0]: r for r in funnel.rows}
    assert steps["withdrawn / desk-rejected"]["papers_dropped"] == 1
    assert steps["URLs / boilerplate fixed in reviews"]["fixed"] == 1
    assert steps["empty reviews"]["reviews_dropped"] == 1
    assert steps["short reviews"]["reviews_dropped"] == 2
    assert steps["extreme reviews"]["reviews_dropped"] == 1
    assert steps["exact duplicate reviews"]["reviews_dropped"] == 1
    assert steps["near-duplicate reviews"]["reviews_dropped"] == 1
    assert steps["papers left without reviews"]["papers_dropped"] == 1
    assert funnel.rows[-1]["papers"] == 3 and funnel.rows[-1]["reviews"] == 4
    assert papers[0].reviews[4].text.endswith("https://example.com/x"), "input records must not be modified"


def test_funnel_table_and_png(tmp_path):
    funnel = Funnel()
    funnel.add("notes read", 10, 40)
    funnel.add("withdrawn", 8, 33)
    funnel.add("URLs fixed", 8, 33, fixed=5)
    table = funnel.table().splitlines()
    assert table[0].split() == ["step", "papers", "reviews", "-papers", "-reviews", "fixed"]
    assert table[2].split() == ["withdrawn", "8", "33", "2", "7"] and table[3].split()[-1] == "5"
    png = funnel.plot(tmp_path / "f.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
