"""PDF parsing, default backend: made-up under-review papers, the real fixture PDFs, bad files, the batch
(bench/parse.py end to end: tests/e2e/test_benchmarks_e2e.py)."""

from __future__ import annotations

import json
import os
import time
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import REPO, SHARED_FIXTURES, shared_fixture
from fpdf import FPDF

from preprocess.pdf.__main__ import main
from preprocess.pdf.backends import BACKENDS, parse_pdf
from preprocess.pdf.errors import PdfError
from preprocess.pdf.layout.clean import strip_line_numbers
from preprocess.pdf.layout.sections import split_references
from preprocess.pdf.lines import Line, join_lines
from preprocess.pdf.optional.grobid import tei_to_record
from preprocess.pdf.optional.pymupdf import available as pymupdf_available
from preprocess.pdf.quality import (
    body_headings,
    heading_recall,
    headings_match,
    margin_number_runs,
    record_text,
)
from preprocess.pdf.record import ParsedPaper
from preprocess.pdf.vocab import heading_kind, tidy_heading
from preprocess.pdf.workers.batch import list_pdfs, parse_batch

# ---------------------------------------------------------------- a made-up under-review paper (fpdf2)

TITLE = "Sparse Routing Makes Long-Context Transformers Cheaper to Train"
ABSTRACT = (
    "We study sparse routing for long-context transformers. Our method assigns each token to a small set of "
    "experts and reduces training cost by a third while matching dense quality on four benchmarks."
)
SECTIONS = [  # (number, heading, kind, text)
    ("1", "Introduction", "body", "Long documents are expensive because attention grows with length. " * 6),
    ("2", "Related Work", "body", "Mixture of experts models route tokens to specialised blocks. " * 6),
    ("3", "Method", "body", "Our router scores each token against expert keys and keeps the top two. " * 6),
    ("3.1", "Training Setup", "body", "We train on books and papers for one hundred thousand steps. " * 5),
    ("4", "Experiments", "body", "We compare against dense and sparse baselines on four benchmarks. " * 12),
    ("5", "Conclusion", "body", "Sparse routing is a cheap way to train long-context models. " * 4),
    ("", "Acknowledgments", "acknowledgements", "We thank the anonymous reviewers for their comments. " * 2),
    ("", "References", "references", ""),
    ("A", "Proof of Theorem 1", "appendix", "The proof follows from a union bound over experts. " * 6),
]
REFERENCES = [
    "Alice Author and Bob Builder. Attention is not all you need for long documents. In International "
    "Conference on Learning Representations, 2021.",
    "Carol Coder, Dan Dev, and Eve Engineer. Switch routing at scale with many experts and little memory. "
    "Journal of Machine Learning Research, 23(1):1-40, 2022.",
    "Frank Fitter. Sparse mixtures of experts. In Advances in Neural Information Processing Systems, 2020.",
]
HYPHENATED = ("This line ends in a hyphen-", "ated word and a repre-", "sentation that the parser joins.")
HEADER = {"iclr": "Under review as a conference paper at ICLR 2023", "neurips": "Submitted to NeurIPS 2022."}


class _Paper(FPDF):
    """Letter page, running header, page-number footer, and the template's margin line numbers."""

    def __init__(self, style: str):
        super().__init__(format="letter", unit="pt")
        self.style, self.line_no = style, 0
        self.set_margins(108, 72, 108)
        self.set_auto_page_break(False)

    def header(self) -> None:
        self.set_font("Times", "", 10)
        self.set_xy(108, 40)
        self.cell(0, 12, HEADER[self.style])
        if self.style == "iclr":  # fixed rulers in both margins, 000-053 | 054-107 on page 1
            self.set_font("Helvetica", "", 7)
            base = (self.page_no() - 1) * 108
            for k in range(54):
                self.text(70, 80 + k * 12.3, f"{base + k:03d}")
                self.text(self.w - 90, 80 + k * 12.3, f"{base + 54 + k:03d}")

    def footer(self) -> None:
        self.set_font("Times", "", 10)
        self.set_xy(0, self.h - 50)
        self.cell(self.w, 12, str(self.page_no()), align="C")

    def row(self, text: str, font: tuple[str, str, float], align: str = "L", indent: float = 0.0) -> None:
        self.set_font(*font)
        height = font[2] * 1.25
        if self.get_y() + height > self.h - 80:
            self.add_page()
            self.set_y(72)
        if self.style == "neurips":  # lineno: one number per text line, continuing over pages
            self.line_no += 1
            self.set_font("Helvetica", "", 7)
            self.text(80, self.get_y() + height * 0.75, str(self.line_no))
            self.set_font(*font)
        self.set_x(108 + indent)
        self.cell(self.epw - indent, height, text, align=align, new_x="LMARGIN", new_y="NEXT")

    def para(self, text: str, font=("Times", "", 10), indent: float = 0.0, hanging: float = 0.0) -> None:
        self.set_font(*font)
        rows = self.multi_cell(self.epw - indent - hanging, font[2] * 1.25, text, dry_run=True, output="LINES")
        for i, row in enumerate(rows):
            self.row(row, font, indent=indent + (hanging if i else 0))


def make_paper(path: Path, style: str = "iclr") -> Path:
    """Write an ICLR- or NeurIPS-style under-review paper whose structure the tests know."""
    pdf = _Paper(style)
    pdf.add_page()
    pdf.set_y(80)
    pdf.para(TITLE, ("Times", "B", 17))
    pdf.set_y(pdf.get_y() + 8)
    pdf.row("Anonymous authors", ("Times", "", 10))
    pdf.row("Paper under double-blind review", ("Times", "", 10))
    pdf.set_y(pdf.get_y() + 12)
    pdf.row("ABSTRACT" if style == "iclr" else "Abstract", ("Times", "B", 12), align="C")
    pdf.para(ABSTRACT, indent=36)
    for number, heading, _, text in SECTIONS:
        pdf.set_y(pdf.get_y() + 10)
        shown = heading.upper() if style == "iclr" else heading
        pdf.row(f"{number}  {shown}".strip(), ("Times", "B", 10 if "." in number else 12))
        if heading == "References":
            for ref in REFERENCES:
                pdf.set_y(pdf.get_y() + 2)
                pdf.para(ref, ("Times", "", 9), hanging=12)
            continue
        pdf.set_y(pdf.get_y() + 4)
        pdf.para(text.strip())
        if number == "1":
            for row in HYPHENATED:
                pdf.row(row, ("Times", "", 10))
    pdf.output(str(path))
    return path


@pytest.fixture(scope="module")
def papers(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("papers")
    return {style: make_paper(folder / f"{style}.pdf", style) for style in ("iclr", "neurips")}


@pytest.mark.parametrize("backend", ["default", "pypdf"])
@pytest.mark.parametrize("style", ["iclr", "neurips"])
def test_under_review_paper_parses_to_known_structure(papers, style, backend):
    record = parse_pdf(papers[style], backend)
    assert set(record.to_dict()) == {"title", "abstract", "sections", "references", "pages", "backend", "warnings"}
    assert record.title == TITLE
    assert record.abstract == ABSTRACT
    assert record.pages == 2 and record.warnings == []
    expected = [(h, k) for _, h, k, _ in SECTIONS if k != "references"]
    assert [(s.heading, s.kind) for s in record.sections] == expected
    intro = record.sections[0].text
    assert intro.startswith("Long documents are expensive")
    assert "hyphenated word and a representation that the parser joins." in intro
    assert record.references == REFERENCES
    text = record_text(record)
    assert margin_number_runs(text) == 0
    assert "000" not in text and "054" not in text and " 12 " not in text
    assert HEADER[style] not in text


def test_record_is_json_and_sections_carry_kinds(papers):
    record = parse_pdf(str(papers["iclr"]))  # str paths work too
    assert ParsedPaper.from_dict(json.loads(json.dumps(record.to_dict()))) == record
    assert {s.kind for s in record.sections} == {"body", "acknowledgements", "appendix"}
    assert record.backend == "pypdfium2"


# ---------------------------------------------------------------- real PDFs (../shared/fixtures)

REAL = {
    "pdf_tei/s2orc-doc2json/N18-3011.pdf": "Construction of the Literature Graph in Semantic Scholar",
    "pdf_tei/s2orc-doc2json/2020.acl-main.207.pdf": (
        "SPECTER: Document-level Representation Learning using Citation-informed Transformers"
    ),
    "pdf_tei/grobid_client_python/0046d83a-edd6-4631-b57c-755cdcce8b7f.pdf": (
        "Multi-contact functional electrical stimulation for hand opening: electrophysiologically driven "
        "identification of the optimal stimulation site"
    ),
    "pdf_only/futoma2017improved.pdf": (
        "An Improved Multi-Output Gaussian Process RNN with Real-Time Validation for Early Sepsis Detection"
    ),
}


@pytest.mark.parametrize("relpath", sorted(REAL))
def test_real_pdf_title_abstract_sections(relpath):
    record = parse_pdf(shared_fixture(relpath))
    assert record.title == REAL[relpath]
    assert len(record.abstract.split()) >= 80
    body = body_headings(record)
    assert len(body) >= 4, body
    assert all(s.text or s.heading for s in record.sections)
    assert margin_number_runs(record_text(record)) == 0
    assert len(record.references) >= 20
    assert not any(s.heading.lower() == "references" for s in record.sections)


GROBID_TESTS = "pdf_only/grobid_tests"  # GROBID's own test PDFs: letters and abstracts, titles read by hand


def grobid_test_titles() -> dict[str, str]:
    titles = json.loads(shared_fixture(f"{GROBID_TESTS}/titles.json").read_text(encoding="utf-8"))
    return {f"{GROBID_TESTS}/{name}": title for name, title in titles.items() if not name.startswith("_")}


def test_real_fixture_folder_has_every_pdf_covered():
    if not SHARED_FIXTURES.exists():
        shared_fixture("pdf_tei")  # skips (or fails under CI) with the helper's reason
    found = {p.relative_to(SHARED_FIXTURES).as_posix() for p in list_pdfs(SHARED_FIXTURES)}
    assert found == set(REAL) | set(grobid_test_titles())


def test_grobid_test_pdfs_give_the_title_read_by_hand():
    """Physics letters and conference abstracts (kermitt2/grobid's test PDFs, Apache-2.0): the title as printed.
    Three print it in capitals, so the comparison ignores case; the words must be the same."""
    titles = grobid_test_titles()
    for relpath, title in titles.items():
        record = parse_pdf(shared_fixture(relpath))
        assert record.title.casefold() == title.casefold(), relpath
        assert record.abstract or record.sections, relpath


@pytest.mark.parametrize(
    "relpath, refs",
    [
        ("pdf_tei/s2orc-doc2json/N18-3011", 27),
        ("pdf_tei/s2orc-doc2json/2020.acl-main.207", 57),
        ("pdf_tei/grobid_client_python/0046d83a-edd6-4631-b57c-755cdcce8b7f", 49),
    ],
)
def test_heading_recall_against_grobid_at_least_90_percent(relpath, refs):
    grobid = tei_to_record(shared_fixture(relpath + ".tei.xml").read_text(encoding="utf-8"))
    record = parse_pdf(shared_fixture(relpath + ".pdf"))
    recall, missed = heading_recall(body_headings(grobid), [s.heading for s in record.sections])
    assert recall >= 0.9, missed
    assert record.title == grobid.title
    assert len(record.references) == len(grobid.references) == refs


def test_real_back_matter_is_split_off():
    record = parse_pdf(shared_fixture("pdf_tei/s2orc-doc2json/2020.acl-main.207.pdf"))
    kinds = {s.heading: s.kind for s in record.sections}
    assert kinds["Acknowledgements"] == "acknowledgements"
    assert kinds["Appendix A - Baseline Details"] == "appendix"
    assert kinds["Related Work"] == "body"
    journal = parse_pdf(shared_fixture("pdf_tei/grobid_client_python/0046d83a-edd6-4631-b57c-755cdcce8b7f.pdf"))
    back = [s.heading for s in journal.sections if s.kind == "acknowledgements"]
    assert back == ["Competing interests", "Authors’ contribution", "Acknowledgements", "Author details"]


# ---------------------------------------------------------------- the project's generated sample PDFs


def _sample_papers() -> list[tuple[Path, dict]]:
    """(pdf, source paper) for every rendered sample PDF whose source is in data/sample_source."""
    source = {}
    for name in ("v1.json", "v2.json"):
        path = REPO / "data" / "sample_source" / name
        if path.exists():
            source.update({p["forum"]: p for p in json.loads(path.read_text(encoding="utf-8"))["papers"]})
    pdfs = sorted((REPO / "data" / "sample").glob("*/pdfs/*.pdf"))
    return [(pdf, source[pdf.stem]) for pdf in pdfs if pdf.stem in source]


def test_sample_pdfs_match_their_source():
    pairs = _sample_papers()
    if not pairs:
        pytest.skip("no rendered sample PDFs: run `make sample` first")
    for pdf, paper in pairs:
        record = parse_pdf(pdf)
        assert record.title.lower() == paper["title"].lower(), pdf
        assert record.abstract[:60].lower() == paper["abstract"][:60].lower(), pdf
        want = [s["heading"].lower() for s in paper["sections"]]
        assert [s.heading.lower() for s in record.sections] == want, pdf
        assert len(record.references) == len(paper["references"]), pdf
        assert margin_number_runs(record_text(record)) == 0, pdf


# ---------------------------------------------------------------- pure helpers


def _plain(texts: list[str], page: int = 0) -> list[Line]:
    return [Line(text=t, page=page) for t in texts]


def test_margin_numbers_without_layout_are_stripped_but_section_numbers_kept():
    texts = [f"{n:03d} line {n} of running text" for n in range(12)]
    texts[3] = "003 1 INTRODUCTION"
    lines, removed = strip_line_numbers(_plain(texts))
    assert removed == 12
    assert lines[3].text == "1 INTRODUCTION"
    assert lines[0].text == "line 0 of running text"
    few = _plain(["1 Introduction", "Some text here.", "2 Method", "More text."])
    assert [line.text for line in strip_line_numbers(few)[0]] == [
        "1 Introduction",
        "Some text here.",
        "2 Method",
        "More text.",
    ]


def test_join_lines_undoes_hyphenation_only_for_word_breaks():
    assert join_lines(["a repre-", "sentation"]) == "a representation"
    assert join_lines(["state-of-the-", "art models"]) == "state-of-the- art models"
    assert join_lines(["Long-", "Context"]) == "Long- Context"


def test_heading_kinds_and_tidy_headings():
    assert heading_kind("References", "", "body") == "references"
    assert heading_kind("Acknowledgements", "", "body") == "acknowledgements"
    assert heading_kind("Appendix", "", "body") == "appendix"
    assert heading_kind("Proofs", "A", "body") == "appendix"
    assert heading_kind("Extra experiments", "", "references") == "appendix"
    assert heading_kind("Results", "4", "body") == "body"
    assert tidy_heading("RELATED WORK AND THE STATE OF THE ART") == "Related Work and the State of the Art"
    assert tidy_heading("Background: Pretrained Transformers") == "Background: Pretrained Transformers"


def test_references_split_on_numbers_and_on_sentence_ends():
    numbered = _plain(["[1] A. Author. A title.", "In Venue, 2019.", "[2] B. Author. Another.", "Venue, 2020."])
    assert split_references(numbered) == [
        "[1] A. Author. A title. In Venue, 2019.",
        "[2] B. Author. Another. Venue, 2020.",
    ]
    plain = _plain(["A. Author and B. Author. A title.", "In Venue, 2019.", "C. Person. Another title. In ICLR, 2020."])
    assert len(split_references(plain)) == 2


def test_quality_helpers():
    assert margin_number_runs("000 text 001 more 002 and 003 then 004") == 1
    assert margin_number_runs("in 2019 we saw 3 of 100 cases") == 0
    assert headings_match("Model 2.1 Overview", "Overview")
    assert headings_match("3.2 Citation Prediction", "Citation prediction")
    assert not headings_match("Results", "Related Work")
    assert heading_recall(["Intro", "Method"], ["intro"]) == (0.5, ["Method"])


# ---------------------------------------------------------------- bad files


@pytest.fixture()
def bad_files(tmp_path, papers) -> dict[str, Path]:
    from pypdf import PdfWriter

    files = {
        "empty": tmp_path / "empty.pdf",
        "html": tmp_path / "html.pdf",
        "truncated": tmp_path / "truncated.pdf",
    }
    files["empty"].write_bytes(b"")
    files["html"].write_bytes(b"<!DOCTYPE html>\n<html><body>Access denied</body></html>")
    files["truncated"].write_bytes(papers["iclr"].read_bytes()[:4000])
    files["garbage"] = tmp_path / "garbage.pdf"  # a PDF header and trailer around noise
    files["garbage"].write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 8 + b"\n%%EOF\n")
    writer = PdfWriter(clone_from=papers["iclr"])
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    files["encrypted"] = tmp_path / "encrypted.pdf"
    with open(files["encrypted"], "wb") as handle:
        writer.write(handle)
    blank = FPDF()
    blank.add_page()
    files["blank"] = tmp_path / "blank.pdf"
    blank.output(str(files["blank"]))
    return files


REASONS = {
    "empty": "empty file",
    "html": "not a PDF (HTML",
    "truncated": "truncated PDF",
    "encrypted": "encrypted PDF (password required)",
    "blank": "no text layer",
    "garbage": "unreadable PDF",
}


@pytest.mark.parametrize("backend", ["default", "pypdf"])
@pytest.mark.parametrize("kind", sorted(REASONS))
def test_bad_file_raises_pdf_error_naming_file_and_reason(bad_files, kind, backend):
    with pytest.raises(PdfError) as info:
        parse_pdf(bad_files[kind], backend)
    assert isinstance(info.value, ValueError)
    assert str(bad_files[kind]) in str(info.value)
    assert REASONS[kind] in info.value.reason


def test_encrypted_with_empty_user_password_still_parses(tmp_path, papers):
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=papers["iclr"])
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    path = tmp_path / "open.pdf"
    with open(path, "wb") as handle:
        writer.write(handle)
    assert parse_pdf(path).title == TITLE


def test_pdfium_failure_falls_back_to_pypdf_with_a_warning(papers, monkeypatch):
    def broken(path):
        raise RuntimeError("pdfium cannot load this")

    monkeypatch.setattr("preprocess.pdf.layout.default.pdfium_lines", broken)
    record = parse_pdf(papers["iclr"])
    assert record.backend == "pypdf" and record.title == TITLE
    assert record.warnings == ["pypdfium2 failed (pdfium cannot load this); fell back to pypdf"]


def test_unknown_backend_is_refused(papers):
    with pytest.raises(ValueError, match="unknown backend"):
        parse_pdf(papers["iclr"], "marker")


# ---------------------------------------------------------------- batch: workers, timeouts, crashes, reruns


def faulty_parser(path: str, backend: str) -> ParsedPaper:
    """A parser that kills its worker on crash*.pdf and hangs on hang*.pdf (module level: picklable)."""
    name = Path(path).name
    if name.startswith("crash"):
        os._exit(7)
    if name.startswith("hang"):
        time.sleep(120)
    if name.startswith("bug"):
        raise RuntimeError("backend bug")
    return parse_pdf(path, backend)


def test_batch_survives_bad_files_crashes_and_timeouts_then_rerun_skips(tmp_path, papers, bad_files):
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    for path in bad_files.values():
        (src / path.name).write_bytes(path.read_bytes())
    (src / "good.pdf").write_bytes(papers["iclr"].read_bytes())
    (src / "sub" / "good2.pdf").write_bytes(papers["neurips"].read_bytes())
    for name in ("crash.pdf", "hang.pdf", "bug.pdf"):
        (src / name).write_bytes(papers["iclr"].read_bytes())
    out = tmp_path / "out"
    start = time.monotonic()
    summary = parse_batch(src, out, workers=2, timeout=10, parser=faulty_parser, show_progress=False)
    assert time.monotonic() - start < 100  # the hang sleeps 120 s: its timeout ended it, and every good file
    # parsed within 10 s of its start even on loaded cores (3 s was not enough under load)
    assert summary["parsed"] == 2 and summary["errors"] == len(REASONS) + 3 and summary["pages"] == 4
    errors = {Path(row["file"]).name: row["reason"] for row in map(json.loads, (out / "errors.jsonl").open())}
    assert errors.keys() == {f"{k}.pdf" for k in REASONS} | {"crash.pdf", "hang.pdf", "bug.pdf"}
    for kind, reason in REASONS.items():
        assert reason in errors[f"{kind}.pdf"]
    assert errors["crash.pdf"] == "worker crashed (exit code 7)"
    assert errors["hang.pdf"] == "timeout after 10 s"
    assert errors["bug.pdf"] == "RuntimeError: backend bug"
    good = json.loads((out / "good.json").read_text(encoding="utf-8"))
    assert good["title"] == TITLE
    assert sorted(p.name for p in out.iterdir()) == ["errors.jsonl", "good.json", "good2.json"]

    stamp = (out / "good.json").stat().st_mtime_ns
    for name in ("crash.pdf", "hang.pdf", "bug.pdf"):
        (src / name).unlink()
    again = parse_batch(src, out, workers=2, timeout=10, parser=faulty_parser, show_progress=False)
    assert again["skipped_done"] == 2 and again["parsed"] == 0 and again["errors"] == len(REASONS)
    assert (out / "good.json").stat().st_mtime_ns == stamp


def test_cli_parses_one_file_and_a_folder(tmp_path, papers, capsys):
    assert main(["--in", str(papers["neurips"]), "--out", str(tmp_path / "one"), "--workers", "1"]) == 0
    assert json.loads((tmp_path / "one" / "neurips.json").read_text())["title"] == TITLE
    assert (tmp_path / "one" / "errors.jsonl").read_text() == ""
    folder = papers["iclr"].parent
    assert main(["--in", str(folder), "--out", str(tmp_path / "all"), "--backend", "pypdf"]) == 0
    assert "'parsed': 2" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--in", str(folder), "--out", str(tmp_path), "--backend", "marker"])


# ---------------------------------------------------------------- optional pymupdf backend (AGPL extra)

PYMUPDF_MISSING = pymupdf_available()


@pytest.mark.skipif(PYMUPDF_MISSING is not None, reason=str(PYMUPDF_MISSING))
@pytest.mark.parametrize("style", ["iclr", "neurips"])
def test_pymupdf_backend_on_under_review_paper(papers, style):
    record = parse_pdf(papers[style], "pymupdf")
    assert record.backend == "pymupdf4llm"
    assert record.title == TITLE and record.abstract == ABSTRACT
    assert [(s.heading, s.kind) for s in record.sections] == [
        (h, k) for _, h, k, _ in SECTIONS if k != "references"
    ]
    assert "hyphenated word and a representation that the parser joins." in record.sections[0].text
    assert record.references == REFERENCES
    assert margin_number_runs(record_text(record)) == 0


@pytest.mark.skipif(PYMUPDF_MISSING is not None, reason=str(PYMUPDF_MISSING))
def test_pymupdf_backend_on_a_real_pdf():
    stem = "pdf_tei/s2orc-doc2json/N18-3011"
    grobid = tei_to_record(shared_fixture(stem + ".tei.xml").read_text(encoding="utf-8"))
    record = parse_pdf(shared_fixture(stem + ".pdf"), "pymupdf")
    assert record.title == grobid.title
    assert heading_recall(body_headings(grobid), [s.heading for s in record.sections])[0] >= 0.9
    assert len(record.references) == 27


def test_missing_pymupdf_extra_is_reported_once(monkeypatch, tmp_path, papers):
    message = "the pymupdf backend needs pip install pymupdf4llm"
    monkeypatch.setattr("preprocess.pdf.optional.pymupdf.available", lambda: message)
    monkeypatch.setitem(BACKENDS, "pymupdf", replace(BACKENDS["pymupdf"], problem=lambda: message))
    with pytest.raises(ValueError, match="pymupdf4llm"):
        parse_batch(papers["iclr"].parent, tmp_path, backend="pymupdf", show_progress=False)
    with pytest.raises(PdfError, match="pymupdf4llm"):
        parse_pdf(papers["iclr"], "pymupdf")
    with pytest.raises(SystemExit):
        main(["--in", str(papers["iclr"]), "--out", str(tmp_path), "--backend", "pymupdf"])


def test_the_parser_is_linear_in_lines():
    """Reference entries over many pages and a paragraph of many lines: once quadratic (405 s for 40,000 lines),
    now a fraction of a second for 40,000 lines here (a quadratic step would take minutes)."""
    lines = [Line(text=f"{'A. Author' if i % 2 == 0 else 'In Venue'} {i}, 2020.", page=i // 60,
                  x0=72.0 + (6.0 if i % 2 else 0.0), x1=500.0, top=72.0 + (i % 60) * 10, size=9.0,
                  page_width=612.0, page_height=792.0) for i in range(40000)]
    start = time.process_time()  # CPU seconds: the step's own cost, whatever else runs on the cores
    assert len(split_references(lines)) == 20000
    words = [f"word{i} continues the sen-" if i % 3 == 0 else "tence" for i in range(40000)]
    joined = join_lines(words)
    assert time.process_time() - start < 10
    assert joined.startswith("word0 continues the sentence tence word3 continues the sentence")
