"""What reaches a review (issue 24): TITLE, ABSTRACT and PDF pass through real `make review` verbatim (`$`,
backslashes, both quote kinds), and the text a review reads is capped by tokens before any work, with a note
saying where it was cut (a 20 MB paste costs what a long paper costs)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from types import SimpleNamespace

import pytest
from conftest import REPO

from lifecycle.review.page import ReviewPage
from lifecycle.review.paper import CHARS_PER_TOKEN, MAX_FIELD_CHARS, MAX_PAPER_TOKENS, cap_sections, read_paper
from preprocess.core.record import Section
from preprocess.pdf.record import ParsedPaper
from preprocess.prompt.tokenizer import load_tokenizer

TITLE = "Learning $k$-sparse codes in $O(n)$ time"  # the probe
ABSTRACT = "We bound \\(\\ell_1\\) \"error\" by $\\epsilon$; it's $$x$$, $(HOME), ${PATH} and `date` \\n \\\\ %"
PDF = "my $paper's \"draft\".pdf"


@pytest.fixture
def fake_python(tmp_path):
    """A VENV whose setup stamp is current and whose python writes its argv to $ARGV_OUT: `make review` runs its
    real recipe line, and the test reads what Python would have been given."""
    digest = hashlib.sha256((REPO / "requirements.txt").read_bytes()).hexdigest()[:16]
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / f".stamp-{digest}").write_text("")
    python = venv / "bin" / "python"
    python.write_text("#!/usr/bin/env python3\nimport json, os, sys\n"
                      "json.dump(sys.argv[1:], open(os.environ['ARGV_OUT'], 'w'))\n")
    python.chmod(0o755)
    return venv


def make_review(venv, out, variables: dict[str, str], environ: dict[str, str] | None = None) -> dict[str, str]:
    cmd = ["make", "--no-print-directory", "review", f"VENV={venv}", "RECIPE=tiny",
           *(f"{k}={v}" for k, v in variables.items())]
    env = {k: v for k, v in os.environ.items() if k not in ("TITLE", "ABSTRACT", "PDF")}
    env.update(ARGV_OUT=str(out), **(environ or {}))
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    argv = json.loads(out.read_text())
    return {flag: argv[argv.index(flag) + 1] for flag in ("--pdf", "--title", "--abstract")}


def test_make_review_passes_title_abstract_and_pdf_verbatim(fake_python, tmp_path):
    given = make_review(fake_python, tmp_path / "argv.json", {"TITLE": TITLE, "ABSTRACT": ABSTRACT, "PDF": PDF})
    assert given == {"--pdf": PDF, "--title": TITLE, "--abstract": ABSTRACT}


def test_make_review_takes_them_from_the_environment_verbatim_too(fake_python, tmp_path):
    given = make_review(fake_python, tmp_path / "argv.json", {}, {"TITLE": TITLE, "ABSTRACT": ABSTRACT})
    assert given == {"--pdf": "", "--title": TITLE, "--abstract": ABSTRACT}


@pytest.mark.parametrize("target", ["train", "predict", "review"])
def test_a_recipe_name_reaches_python_as_one_word_and_the_shell_runs_nothing_of_it(fake_python, tmp_path, target):
    """RECIPE with `;`, `$(...)` and quotes is one argument for Python's name check; nothing of it runs."""
    marker = tmp_path / "ran"
    recipe = f"x;touch {marker}; $(touch {marker}) \"q\" 'x'"
    out = tmp_path / "argv.json"
    env = {k: v for k, v in os.environ.items() if k not in ("TITLE", "ABSTRACT", "PDF", "RECIPE")}
    done = subprocess.run(["make", "--no-print-directory", target, f"VENV={fake_python}", f"RECIPE={recipe}"],
                          cwd=REPO, capture_output=True, text=True, env={**env, "ARGV_OUT": str(out)}, timeout=60)
    assert done.returncode == 0, done.stderr
    assert recipe in json.loads(out.read_text()) and not marker.exists()


# ---------- the text cap ----------

@pytest.fixture(scope="module")
def tok(tiny_model):
    return load_tokenizer(str(tiny_model))


def test_a_20_mb_paste_is_cut_by_tokens_before_any_work_and_the_note_says_where(tok):
    """The probe: 20 MB of main text in the page's box. Only a bounded prefix is tokenized; the rest is never
    cleaned, counted or fitted."""
    text = "We prove the bound holds for every sparse code in the family. " * 340_000  # ~21 MB
    page = ReviewPage(SimpleNamespace(fit_tok=tok))
    start = time.perf_counter()
    paper, cuts = page.paper(None, "T", "A", "", text)
    seconds = time.perf_counter() - start
    body = "".join(s.text for s in paper.sections)
    assert len(body) <= MAX_PAPER_TOKENS * CHARS_PER_TOKEN and tok.count(body) <= MAX_PAPER_TOKENS
    assert len(cuts) == 1 and cuts[0].startswith(f"The paper's text was cut at {tok.count(body):,} tokens")
    assert f"of {len(text):,}, in the main text; the rest was not read" in cuts[0]
    assert seconds < 20, f"{seconds:.1f} s for a 21 MB paste"


def test_a_parsed_pdf_is_capped_at_the_section_that_crosses_the_cap(tok):
    sections = [Section("Intro", "Short intro words here. " * 20), Section("Appendix C", "proof step " * 5_000),
                Section("Appendix D", "never read " * 100)]
    kept, note = cap_sections(sections, tok, max_tokens=1_000)
    assert [s.heading for s in kept] == ["Intro", "Appendix C"] and kept[0] == sections[0]
    assert sum(tok.count(s.text) for s in kept) <= 1_000 and kept[1].text.startswith("proof step")
    assert "in section 'Appendix C'; the rest was not read" in note
    paper, cuts = read_paper(ParsedPaper(sections=sections), "", "", "", "", tok, max_tokens=1_000)
    assert [s.heading for s in paper.sections] == ["Intro", "Appendix C"] and cuts == [note]


def test_a_paper_under_the_cap_is_untouched_and_typed_fields_are_capped(tok):
    sections = [Section("Intro", "Short intro words here. " * 20)]
    assert cap_sections(sections, tok) == (sections, None)
    paper, cuts = read_paper(None, "t" * (MAX_FIELD_CHARS + 5), "A", "", "Our method works. " * 30, tok)
    assert len(paper.title) == MAX_FIELD_CHARS
    assert cuts == [f"The typed title was cut at {MAX_FIELD_CHARS:,} of {MAX_FIELD_CHARS + 5:,} characters."]
