"""Token budget with the tiny model's real tokenizer: the fit's guarantees, and the fast paths' equivalence."""

from __future__ import annotations

import pytest

from preprocess.core.record import Paper, Section
from preprocess.prompt.budget import fit_paper, paper_budget
from preprocess.prompt.layout import laid_out, paper_text
from preprocess.prompt.tokenizer import Tokenizer, load_tokenizer

WORDS = "attention sparse gradient bound kernel layer noise prior sample token benchmark ablation".split()


def words(n: int, seed: int) -> str:
    return " ".join(f"{WORDS[(i * seed) % len(WORDS)]}{i % 7}" for i in range(n))


@pytest.fixture(scope="module")
def tok(tiny_model) -> Tokenizer:
    return load_tokenizer(str(tiny_model))


def long_paper() -> Paper:
    return Paper(forum="f", venue="v", year=None, api="v2", title="A long paper", abstract="We study X.",
                 keywords=["k"], sections=[
                     Section("1 Introduction", words(100, 1)), Section("2 Method", words(900, 3)),
                     Section("3 Experiments", words(500, 5)), Section("4 Related", words(30, 7)),
                     Section("5 Conclusion", words(50, 11)), Section("Acknowledgements", "Thanks.", "acknowledgements"),
                     Section("A Proofs", words(400, 13), "appendix")])


def test_fit_keeps_intro_and_conclusion_drops_appendix_and_trims_the_longest(tok):
    paper = long_paper()
    text, used = fit_paper(paper, tok, 2048, 682)
    budget = paper_budget(tok, 2048, 682)
    assert used == tok.count(text) <= budget < tok.count(paper_text(paper))
    assert "Acknowledgements" not in text and "A Proofs" not in text
    body = {s.heading: s.text for s in paper.sections}
    assert f"1 Introduction\n{body['1 Introduction']}\n\n" in text and text.endswith(body["5 Conclusion"])
    assert f"4 Related\n{body['4 Related']}\n\n" in text, "a short section under the cap stays whole"
    method = text.split("2 Method\n")[1].split("\n\n3 Experiments")[0]
    experiments = text.split("3 Experiments\n")[1].split("\n\n4 Related")[0]
    assert body["2 Method"].startswith(method) and body["3 Experiments"].startswith(experiments)
    assert abs(tok.count(method) - tok.count(experiments)) <= 3, "both long sections cut to one common cap"
    assert fit_paper(paper, tok, 2048, 682) == (text, used), "deterministic: same prompt in training and review"


def test_a_paper_that_fits_is_untouched(tok):
    paper = Paper(forum="f", venue="v", year=None, api="v2", title="T", sections=[Section("1 Intro", "Short.")])
    assert fit_paper(paper, tok, 2048, 682) == (paper_text(paper), tok.count(paper_text(paper)))


def test_backend_counter_equals_the_wrapper(tok):
    light = Tokenizer.from_backend(tok.backend_json())
    samples = ["", "  two  spaces", "naïve café ✓\n\n## x", words(300, 5)]
    for text in samples:
        assert light.count(text) == len(tok.hf(text, add_special_tokens=False)["input_ids"]) == tok.count(text)
        assert light.cut(text, 7) == tok.cut(text, 7)
    assert light.count_many(samples) == [tok.count(t) for t in samples]
    assert fit_paper(long_paper(), light, 1024, 341) == fit_paper(long_paper(), tok, 1024, 341)


def test_layout_spans_even_with_odd_characters_in_headings():
    paper = Paper(forum="f", venue="v", year=None, api="v2", title="T \ue000", keywords=["a", "b"],
                  sections=[Section("H \ue001", "x y"), Section("", "z")])
    text, spans = laid_out(paper, paper.sections)
    assert text == paper_text(paper) and [text[a:b] for a, b in spans] == ["x y", "z"]
