"""Render a schema paper as a small ICLR-like PDF with fpdf2 (core fonts, fixed dates: deterministic bytes)."""

from __future__ import annotations

from datetime import UTC, datetime

from fpdf import FPDF

from preprocess.sample.fields import YEARS, Json

PDF_DATE = datetime(2024, 1, 1, tzinfo=UTC)
TO_ASCII = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "--", "…": "...",
                          "−": "-", "≤": "<=", "≥": ">=", "≈": "~", "→": "->", "×": "x", "\u00a0": " "})


def latin1(text: str) -> str:
    """Typographic characters as ASCII, anything else outside latin-1 as `?` (core PDF fonts)."""
    return text.translate(TO_ASCII).encode("latin-1", "replace").decode("latin-1")


class PaperPDF(FPDF):
    """Single-column ICLR-like pages with a running header, page numbers and optional line numbers."""

    def __init__(self, header_text: str, line_numbers: bool) -> None:
        super().__init__(format="letter", unit="pt")
        self.header_text, self.line_numbers, self.line_no = header_text, line_numbers, 0
        self.set_margins(108, 72, 108)
        self.set_auto_page_break(False)
        self.set_creation_date(PDF_DATE)
        self.add_page()

    def header(self) -> None:
        """Running header, as in the ICLR template."""
        self.set_font("Times", "", 9)
        self.text(self.l_margin, 50, self.header_text)
        self.set_y(self.t_margin)

    def footer(self) -> None:
        """Centred page number."""
        self.set_font("Times", "", 9)
        self.text(self.w / 2 - 3, self.h - 40, str(self.page_no()))

    def lines(self, text: str, font: tuple[str, str, float], align: str = "L", indent: float = 0) -> None:
        """Wrap `text` and emit it line by line, breaking pages and numbering lines where asked."""
        self.set_font(*font)
        height, width = font[2] * 1.25, self.epw - 2 * indent
        for line in self.multi_cell(width, height, latin1(text), dry_run=True, output="LINES"):
            if self.get_y() + height > self.h - self.b_margin:
                self.add_page()
            if self.line_numbers:
                self.set_font("Helvetica", "", 6)
                self.set_text_color(140)
                self.text(self.l_margin - 36, self.get_y() + 0.75 * height, f"{self.line_no:03d}")
                self.set_text_color(0)
                self.set_font(*font)
                self.line_no += 1
            self.set_x(self.l_margin + indent)
            self.cell(width, height, line, align=align, new_x="LMARGIN", new_y="NEXT")

    def gap(self, points: float) -> None:
        """Vertical space."""
        self.set_y(self.get_y() + points)


def render_pdf(p: Json, year: int) -> bytes:
    """A small paper: title, anonymous authors, abstract, numbered sections, references."""
    pdf = PaperPDF(f"Under review as a conference paper at ICLR {year}", YEARS[year].line_numbers)
    pdf.set_title(latin1(p["title"]))
    pdf.lines(p["title"], ("Times", "B", 16), align="C")
    pdf.gap(10)
    pdf.lines("Anonymous authors\nPaper under double-blind review", ("Times", "I", 10), align="C")
    pdf.gap(14)
    pdf.lines("Abstract", ("Times", "B", 12), align="C")
    pdf.lines(p["abstract"], ("Times", "", 10), indent=36)
    for i, section in enumerate(p["sections"], start=1):
        pdf.gap(12)
        pdf.lines(f"{i}  {section['heading'].upper()}", ("Times", "B", 12))
        for paragraph in section["text"].split("\n\n"):
            pdf.gap(4)
            pdf.lines(paragraph, ("Times", "", 10))
    pdf.gap(12)
    pdf.lines("REFERENCES", ("Times", "B", 12))
    for ref in p["references"]:
        pdf.gap(3)
        pdf.lines(ref, ("Times", "", 9))
    return bytes(pdf.output())

