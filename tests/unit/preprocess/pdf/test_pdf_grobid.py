"""GROBID backend: the real HTTP client against a local stand-in replaying GROBID's real TEI answers."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest
from conftest import shared_fixture
from grobid_stub import GrobidStub

from preprocess.pdf.backends import parse_pdf
from preprocess.pdf.errors import PdfError
from preprocess.pdf.optional.grobid import parse_grobid, tei_to_record
from preprocess.pdf.workers.batch import parse_batch

PAIRS = [
    "pdf_tei/s2orc-doc2json/N18-3011",
    "pdf_tei/s2orc-doc2json/2020.acl-main.207",
    "pdf_tei/grobid_client_python/0046d83a-edd6-4631-b57c-755cdcce8b7f",
]


@pytest.fixture()
def stub_tei() -> dict[Path, Path]:
    return {shared_fixture(stem + ".pdf"): shared_fixture(stem + ".tei.xml") for stem in PAIRS}


@pytest.fixture()
def grobid(stub_tei, monkeypatch):
    with GrobidStub(stub_tei) as stub:
        monkeypatch.setenv("GROBID_URL", stub.url)
        yield stub


def _reference_headings(parse: dict) -> list[str]:
    """Section names of an s2orc-doc2json parse, in order, once each."""
    names: list[str] = []
    for para in parse["pdf_parse"]["body_text"]:
        if para["section"] and para["section"] not in names:
            names.append(para["section"])
    return names


def _tei_heads(tei: str) -> list[str]:
    """Body <div><head> texts read with a regex: an independent check on the ElementTree reader."""
    body = tei.split("<body>", 1)[1].split("</body>", 1)[0]
    body = re.sub(r"<figure.*?</figure>", "", body, flags=re.S)
    return [re.sub(r"\s+", " ", h).strip() for h in re.findall(r"<div[^>]*>\s*<head[^>]*>([^<]+)</head>", body)]


@pytest.mark.parametrize("stem", PAIRS[:2])
def test_grobid_record_matches_independent_s2orc_parse(grobid, stem):
    reference = json.loads(shared_fixture(stem + ".json").read_text(encoding="utf-8"))
    record = parse_pdf(shared_fixture(stem + ".pdf"), "grobid")
    assert record.backend == "grobid"
    assert record.title == reference["title"]
    assert [s.heading for s in record.sections if s.kind == "body"] == _reference_headings(reference)
    abstract = " ".join(p["text"] for p in reference["pdf_parse"]["abstract"])
    assert record.abstract.split()[:30] == abstract.split()[:30]
    # s2orc-doc2json leaves out entries without a title; GROBID's list has them all
    assert len(record.references) >= len(reference["pdf_parse"]["bib_entries"])
    assert record.pages == {"N18-3011": 8, "2020.acl-main.207": 13}[Path(stem).name]
    assert all(s.text for s in record.sections if s.kind == "body" and s.heading != "Model 2.1 Overview")


def test_grobid_journal_article_headings_and_back_matter(grobid):
    stem = PAIRS[2]
    tei = shared_fixture(stem + ".tei.xml").read_text(encoding="utf-8")
    record = parse_pdf(shared_fixture(stem + ".pdf"), "grobid")
    assert record.title.startswith("Multi-contact functional electrical stimulation for hand opening")
    body = [s.heading for s in record.sections if s.kind == "body"]
    assert body == [h for h in _tei_heads(tei) if h not in ("Acknowledgements", "Competing interests")]
    back = {s.heading: s.kind for s in record.sections if s.kind != "body"}
    assert back == {"Acknowledgements": "acknowledgements", "Competing interests": "acknowledgements"}
    assert len(record.references) == 49 and record.pages == 9


def test_client_sends_what_scipdf_sends(grobid):
    parse_grobid(shared_fixture(PAIRS[0] + ".pdf"))
    assert grobid.requests == [["input", "teiCoordinates"]]


def test_busy_grobid_is_retried(stub_tei, monkeypatch):
    monkeypatch.setattr("preprocess.pdf.optional.grobid.RETRY_WAIT_S", 0.01)
    with GrobidStub(stub_tei, busy=2) as stub:
        record = parse_grobid(shared_fixture(PAIRS[0] + ".pdf"), url=stub.url)
    assert record.title == "Construction of the Literature Graph in Semantic Scholar"
    assert len(stub.requests) == 3


def test_grobid_failures_raise_pdf_error(stub_tei, tmp_path):
    unknown = shared_fixture("pdf_only/futoma2017improved.pdf")
    with GrobidStub(stub_tei) as stub, pytest.raises(PdfError, match="HTTP 500") as info:
        parse_grobid(unknown, url=stub.url)
    assert str(unknown) in str(info.value)
    with GrobidStub(stub_tei, delay=2.0) as stub, pytest.raises(PdfError, match="ReadTimeout"):
        parse_grobid(shared_fixture(PAIRS[0] + ".pdf"), url=stub.url, timeout=0.5)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with pytest.raises(PdfError, match="ConnectionError"):
        parse_grobid(unknown, url=closed)


def test_grobid_batch_in_workers(grobid, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for stem in PAIRS + ["pdf_only/futoma2017improved"]:
        (src / Path(stem).name).with_suffix(".pdf").write_bytes(shared_fixture(stem + ".pdf").read_bytes())
    summary = parse_batch(src, tmp_path / "out", backend="grobid", workers=2, timeout=30, show_progress=False)
    assert summary["parsed"] == 3 and summary["errors"] == 1 and summary["pages"] == 30
    errors = [json.loads(line) for line in (tmp_path / "out" / "errors.jsonl").open()]
    assert [Path(e["file"]).name for e in errors] == ["futoma2017improved.pdf"]
    assert "HTTP 500" in errors[0]["reason"]


def test_tei_to_record_literal():
    tei = """<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><fileDesc><titleStmt>
      <title level="a" type="main">A  Tiny Paper</title></titleStmt></fileDesc>
      <profileDesc><abstract><div><p>We do one thing.</p><p>It works.</p></div></abstract></profileDesc>
      </teiHeader><text><body>
      <div><head n="1">Introduction</head><p>First <ref>[1]</ref> point.</p></div>
      <div><p>Continues after a figure.</p></div>
      <div><head n="A">Extra Proofs</head><p>Proof.</p></div>
      </body><back><div type="acknowledgement"><div><head>Acknowledgments</head><p>Thanks.</p></div></div>
      <div type="references"><listBibl><biblStruct><analytic><title level="a">Old work</title>
      <author><persName><forename>Ada</forename><surname>Lovelace</surname></persName></author></analytic>
      <monogr><title level="j">Journal</title><imprint><date when="1843-01-01"/></imprint></monogr>
      </biblStruct></listBibl></div></back></text></TEI>"""
    assert tei_to_record(tei, pages=3).to_dict() == {
        "title": "A Tiny Paper",
        "abstract": "We do one thing.\n\nIt works.",
        "sections": [
            {
                "heading": "Introduction",
                "text": "First [1] point.\n\nContinues after a figure.",
                "kind": "body",
            },
            {"heading": "Extra Proofs", "text": "Proof.", "kind": "appendix"},
            {"heading": "Acknowledgments", "text": "Thanks.", "kind": "acknowledgements"},
        ],
        "references": ["Ada Lovelace. 1843. Old work. Journal"],
        "pages": 3,
        "backend": "grobid",
        "warnings": [],
    }


def test_scipdf_client_agrees_when_installed(grobid):
    pytest.importorskip("bs4", reason="scipdf-parser 0.52 imports bs4 (beautifulsoup4), which it does not declare")
    from scipdf.pdf.parse_pdf import parse_pdf_to_dict

    pdf = shared_fixture(PAIRS[0] + ".pdf")
    theirs = parse_pdf_to_dict(str(pdf), grobid_url=grobid.url)
    ours = parse_pdf(pdf, "grobid")
    assert theirs["title"] == ours.title
    assert [s["heading"] for s in theirs["sections"] if s["heading"]] == [s.heading for s in ours.sections]
