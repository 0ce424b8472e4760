"""PDF writers (fpdf2, our own text) for first-page and contents-page layouts of real templates.

`smallcaps_title_paper`: the ICLR 2025 template's first page (ICLR/Master-Template `iclr2025_conference.pdf`,
no licence stated, so only its layout is reproduced): a running head "Under review as a conference paper at
ICLR 2025", margin rulers "000", "001", ... on both sides, and a title set in capitals over two lines with
small capitals (each word's first letter at 17.2 pt, the other letters at 13.8 pt, as LaTeX's `\\sc` fakes
them in Times). `contents_paper`: a report-style paper with a "Contents" page (dotted leaders, an
"Appendix A" and a "References" entry), as in arXiv 0807.3577 and long ML papers' appendices.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

BIG, SMALL, BODY = 17.2, 13.8, 10.0
HEAD = "Under review as a conference paper at ICLR 2025"
SENTENCE = "The method reads the whole paper and writes a review of it in plain words for the authors. "


class _Paper(FPDF):
    def __init__(self, rulers: bool) -> None:
        super().__init__(format="letter", unit="pt")
        self.rulers, self.ruler_no = rulers, 0
        self.set_auto_page_break(False)
        self.set_margins(108, 72, 108)

    def header(self) -> None:
        self.set_font("Times", "", 10)
        self.text(108, 50, HEAD)
        if self.rulers:  # ICLR's rulers: three-digit numbers every 12 pt in both margins
            self.set_font("Helvetica", "B", 7.5)
            for k in range(56):
                y = 81 + 12 * k
                self.text(73, y, f"{self.ruler_no:03d}")
                self.text(526, y, f"{self.ruler_no + 54:03d}")
                self.ruler_no += 1
            self.ruler_no += 54
        self.set_y(72)

    def footer(self) -> None:
        self.set_font("Times", "", 10)
        self.text(self.w / 2 - 3, self.h - 40, str(self.page_no()))

    def smallcaps(self, y: float, text: str) -> None:
        """One title line in small capitals: a word's first letter large, the rest small, one baseline."""
        x = 108.0
        for n, word in enumerate(text.split()):
            for part, size in ((word[:1], BIG), (word[1:], SMALL)) if word[:1].isalpha() else ((word, BIG),):
                self.set_font("Times", "", size)
                self.text(x, y, part)
                x += self.get_string_width(part)
            self.set_font("Times", "", SMALL)
            x += self.get_string_width(" ") if n < len(text.split()) - 1 else 0

    def para(self, text: str, size: float = BODY, style: str = "") -> None:
        self.set_font("Times", style, size)
        self.multi_cell(0, size * 1.25, text, new_x="LMARGIN", new_y="NEXT")

    def heading(self, text: str) -> None:
        self.ln(8)
        self.para(text, 12, "B")
        self.ln(2)


def _sections(pdf: _Paper, headings: list[str], sentences: int = 9) -> None:
    for heading in headings:
        if pdf.get_y() > 560:
            pdf.add_page()
        pdf.heading(heading)
        pdf.para(SENTENCE * sentences)


def smallcaps_title_paper(path: Path, title: tuple[str, str]) -> Path:
    """A two-page ICLR-2025-like submission whose title is `title`'s two lines in small capitals."""
    pdf = _Paper(rulers=True)
    pdf.add_page()
    pdf.smallcaps(96, title[0])
    pdf.smallcaps(114, title[1])
    pdf.set_y(132)
    pdf.para("Anonymous authors", BODY, "B")
    pdf.para("Paper under double-blind review")
    pdf.ln(12)
    pdf.set_x(280)
    pdf.para("ABSTRACT", 12)
    pdf.para("We study how a model can write peer reviews for long papers. " * 5)
    _sections(pdf, ["1 INTRODUCTION", "2 RELATED WORK", "3 METHOD", "4 EXPERIMENTS", "5 CONCLUSION"])
    pdf.output(str(path))
    return path


CONTENTS = [
    ("1 Introduction", 2), ("2 Related work", 3), ("3 Method", 4), ("3.1 Encoder", 4), ("3.2 Decoder", 5),
    ("4 Experiments", 6), ("5 Conclusion", 8), ("Appendix A Proofs", 9), ("References", 11),
]


def contents_paper(path: Path, leaders: bool = True) -> Path:
    """A paper with a contents list (dotted leaders, or the page number alone) on its first page."""
    pdf = _Paper(rulers=False)
    pdf.add_page()
    pdf.para("Long Reviews for Long Papers", 18, "B")
    pdf.para("A. Author and B. Writer")
    pdf.ln(6)
    pdf.para("Abstract. We study how a model can write peer reviews for long papers. " * 4)
    pdf.ln(6)
    pdf.para("Contents", 12, "B")
    for entry, page in CONTENTS:
        pdf.set_font("Times", "B" if entry[:1].isdigit() and "." not in entry else "", BODY)
        pdf.cell(300, 14, entry)
        pdf.cell(0, 14, (". " * 40 if leaders else "") + str(page), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()
    _sections(pdf, [e for e, _ in CONTENTS[:-2]])
    pdf.heading("References")
    for n in range(6):
        pdf.para(f"[{n + 1}] A. Author. A study of reviews number {n}. In Proceedings, 2020.")
    pdf.heading("Appendix A Proofs")
    pdf.para(SENTENCE * 3)
    pdf.output(str(path))
    return path
