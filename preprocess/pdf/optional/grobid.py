"""GROBID backend: post a PDF to a GROBID server ($GROBID_URL), turn its TEI into the paper record.

The request is the one scipdf-parser 0.52 sends (`POST {url}/api/processFulltextDocument`, the PDF
as multipart field `input`, `teiCoordinates` fields), made here with `requests` because scipdf's own
client has no timeout, no retry on 503 and no status check (an error page is parsed as if it were
TEI), and `import scipdf` pulls spacy and textstat in. The GROBID tests check that both send
the same request and that scipdf's `parse_pdf_to_dict` agrees with this record on the real TEI. The TEI
is read with the standard library; GROBID's sections, back matter and bibliography map onto the same
record as the default backend.
"""

from __future__ import annotations

import logging
import os
import re
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from preprocess.core.record import Section
from preprocess.pdf.errors import PdfError
from preprocess.pdf.record import ParsedPaper
from preprocess.pdf.vocab import heading_kind

log = logging.getLogger(__name__)

TEI = "{http://www.tei-c.org/ns/1.0}"
DEFAULT_URL = "http://localhost:8070"
FULLTEXT = "/api/processFulltextDocument"
COORDINATES = ("persName", "figure", "ref", "formula", "biblStruct")  # what scipdf asks for
RETRY_WAIT_S = 1.0  # first wait after a 503; doubles per retry, at most 10 s


def grobid_url() -> str:
    """The GROBID server to use: $GROBID_URL, else GROBID's default local port."""
    return os.environ.get("GROBID_URL", DEFAULT_URL).rstrip("/")


def server_problem() -> str | None:
    """Why GROBID cannot be used now (not answering at `grobid_url()`), or None."""
    import requests

    try:
        requests.get(grobid_url() + "/api/isalive", timeout=5).raise_for_status()
    except requests.RequestException as exc:
        return f"GROBID is not answering at {grobid_url()} (set GROBID_URL): {type(exc).__name__}"
    return None


def fetch_tei(path: str | Path, url: str | None = None, timeout: float = 120.0, retries: int = 3) -> str:
    """POST one PDF to GROBID and return the TEI XML; retries while GROBID answers 503 (busy)."""
    import requests

    endpoint = (url or grobid_url()) + FULLTEXT
    data = [("teiCoordinates", name) for name in COORDINATES]
    for attempt in range(retries + 1):
        with open(path, "rb") as handle:
            try:
                resp = requests.post(endpoint, files={"input": handle}, data=data, timeout=timeout)
            except requests.RequestException as exc:
                raise PdfError(path, f"GROBID request to {endpoint} failed ({type(exc).__name__})") from exc
        if resp.status_code == 503 and attempt < retries:
            time.sleep(min(RETRY_WAIT_S * 2.0**attempt, 10.0))
            continue
        if resp.status_code == 204 or "[NO_BLOCKS]" in resp.text[:200]:
            raise PdfError(path, "GROBID found no text blocks")
        if resp.status_code != 200:
            raise PdfError(path, f"GROBID answered HTTP {resp.status_code}: {resp.text[:120]!r}")
        return resp.text
    raise PdfError(path, "GROBID stayed busy (HTTP 503)")


def _text(node: ET.Element | None) -> str:
    return re.sub(r"\s+", " ", "".join(node.itertext())).strip() if node is not None else ""


def _paragraphs(div: ET.Element) -> str:
    return "\n\n".join(t for child in div if child.tag in (f"{TEI}p", f"{TEI}formula") if (t := _text(child)))


def _reference(bibl: ET.Element) -> str:
    """One bibliography entry as a citation string: GROBID's raw string when it kept one."""
    raw = bibl.find(f"{TEI}note[@type='raw_reference']")
    if raw is not None and _text(raw):  # GROBID keeps line-end hyphens in raw strings: "in- terventions"
        return re.sub(r"(?<=[a-z])- (?=[a-z])", "", _text(raw))
    names = []
    for pers in bibl.iterfind(f".//{TEI}analytic/{TEI}author/{TEI}persName") or []:
        names.append(" ".join(_text(p) for p in pers if p.tag in (f"{TEI}forename", f"{TEI}surname")))
    if not names:
        for pers in bibl.iterfind(f".//{TEI}monogr/{TEI}author/{TEI}persName"):
            names.append(" ".join(_text(p) for p in pers if p.tag in (f"{TEI}forename", f"{TEI}surname")))
    title = _text(bibl.find(f"{TEI}analytic/{TEI}title")) or _text(bibl.find(f"{TEI}monogr/{TEI}title"))
    venue = _text(bibl.find(f"{TEI}monogr/{TEI}title")) if bibl.find(f"{TEI}analytic") is not None else ""
    date = bibl.find(f".//{TEI}imprint/{TEI}date")
    year = (date.get("when") or _text(date))[:4] if date is not None else ""
    parts = [", ".join(n for n in names if n), year, title, venue]
    return ". ".join(p for p in parts if p)


def _sections_of(divs: list[ET.Element], kind: str) -> list[Section]:
    """Sections of `kind` (body, or a back-matter kind) from TEI divs; a bibliography heading inside them
    (kind references) is left out, as every other backend keeps references apart."""
    sections: list[Section] = []
    last_kept = True
    for div in divs:
        head = div.find(f"{TEI}head")
        heading = _text(head)
        text = _paragraphs(div)
        number = head.get("n", "") if head is not None else ""
        if heading:
            this_kind = heading_kind(heading, number if number[:1].isalpha() else "", kind)
            last_kept = this_kind != "references"
            if last_kept:
                sections.append(Section(heading, text, this_kind))
        elif sections and text and last_kept:  # GROBID starts a headless div after a figure: same section
            sections[-1].text = (sections[-1].text + "\n\n" + text).strip()
        elif text and last_kept:
            sections.append(Section("", text, kind))
    return sections


def tei_to_record(tei: str, pages: int = 0) -> ParsedPaper:
    """GROBID TEI XML to a ParsedPaper (the same section kinds as the default backend)."""
    root = ET.fromstring(tei.encode("utf-8") if isinstance(tei, str) else tei)
    header = root.find(f"{TEI}teiHeader")
    title = _text(root.find(f".//{TEI}titleStmt/{TEI}title[@type='main']")) or _text(
        root.find(f".//{TEI}titleStmt/{TEI}title")
    )
    if not title and header is not None:
        title = _text(header.find(f".//{TEI}sourceDesc//{TEI}analytic/{TEI}title"))
    abstract_node = root.find(f".//{TEI}profileDesc/{TEI}abstract")
    abstract = "\n\n".join(_text(p) for p in abstract_node.iter(f"{TEI}p")) if abstract_node is not None else ""
    body = root.find(f"{TEI}text/{TEI}body")
    back = root.find(f"{TEI}text/{TEI}back")
    sections = _sections_of(list(body.iterfind(f"{TEI}div")) if body is not None else [], "body")
    references: list[str] = []
    if back is not None:
        for div in back.iterfind(f"{TEI}div"):
            kind = {
                "acknowledgement": "acknowledgements",
                "annex": "appendix",
                "funding": "acknowledgements",
            }.get(div.get("type", ""), "")
            if div.get("type") == "references":
                references += [_reference(b) for b in div.iter(f"{TEI}biblStruct")]
            elif kind:
                inner = list(div.iterfind(f"{TEI}div")) or [div]
                found = _sections_of(inner, kind)
                for section in found:
                    section.kind = kind if section.kind == "body" else section.kind
                    section.heading = section.heading or kind.capitalize()
                sections += found
    warnings = [] if sections else ["GROBID found no body sections"]
    if pages == 0:
        pages = len(root.findall(f".//{TEI}facsimile/{TEI}surface"))
    return ParsedPaper(title=title, abstract=abstract, sections=sections, references=[r for r in references if r],
                       pages=pages, backend="grobid", warnings=warnings)


def _page_count(path: Path) -> int:
    try:
        import pypdfium2 as pdfium

        doc = pdfium.PdfDocument(str(path))
        try:
            return len(doc)
        finally:
            doc.close()
    except Exception:
        return 0


def parse_grobid(path: str | Path, url: str | None = None, timeout: float = 120.0) -> ParsedPaper:
    """One PDF through GROBID to a ParsedPaper; raises `PdfError` for server or TEI failures."""
    path = Path(path)
    tei = fetch_tei(path, url, timeout)
    try:
        record = tei_to_record(tei, _page_count(path))
    except ET.ParseError as exc:
        raise PdfError(path, f"GROBID returned malformed TEI: {exc}") from exc
    if not record.title and not record.sections:
        raise PdfError(path, "GROBID returned an empty document")
    return record
