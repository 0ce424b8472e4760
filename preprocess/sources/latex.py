"""A LaTeX paper body (DeepReview-13K's `\\title{}`, `\\begin{abstract}`, `\\section{}` text) into the sections record a
parsed PDF gives, parsed by pylatexenc (its LaTeX walker for the structure, its latex2text for the words) rather
than by patterns.

What becomes what: `\\title{..}` the title, the `abstract` environment the abstract, each `\\section` /
`\\subsection` / `\\subsubsection` / `\\chapter` (starred too) a section; `\\appendix` starts an "Appendix" section
whose kind the following sections keep; `\\bibliography`, `thebibliography` and what follows are dropped (as the
PDF side drops references). A figure or table becomes its caption ("Figure: ..."); math stays LaTeX, as the
Markdown backends keep it; macro definitions (`\\def`, `\\newcommand`, ...) and their bodies are left out. Section
kinds and the cleaning are the Markdown path's (`markup.kinds`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from pylatexenc import latex2text, latexwalker, macrospec

from preprocess.core.record import Section
from preprocess.sources.markup import kinds

SECTIONING = {"chapter", "section", "subsection", "subsubsection"}
DEFINITIONS = {"def", "gdef", "edef", "newcommand", "renewcommand", "providecommand", "newenvironment",
               "renewenvironment", "DeclareMathOperator", "newtheorem", "let"}
FLOATS = {"figure": "Figure", "figure*": "Figure", "table": "Table", "table*": "Table", "wrapfigure": "Figure",
          "algorithm": "Algorithm", "algorithm*": "Algorithm"}
REFERENCES = {"bibliography", "printbibliography"}
_SECTION_LINE = re.compile(r"(?m)^[ \t]*(?=\\(?:chapter|section|subsection|subsubsection)\*?\s*[\[{])")
_DOCUMENT = re.compile(r"\\(?:begin|end)\{document\}")
# A text is LaTeX when it uses the markup a paper body has (sectioning, an abstract environment, a title).
_LATEX_MARKS = re.compile(r"\\(?:section|subsection|begin\{abstract\}|title)\*?\{")

_WALKER = latexwalker.get_default_latex_context_db()
_WALKER.add_context_category("papers", prepend=True, macros=[
    macrospec.MacroSpec("caption", "*[{"), macrospec.MacroSpec("appendix", ""),
    macrospec.MacroSpec("chapter", "*[{")])
_TEXT = latex2text.get_default_latex_context_db()
_TEXT.add_context_category("papers", prepend=True, macros=[
    *(latex2text.MacroTextSpec(name, simplify_repl=words) for name, words in
      (("eg", "e.g."), ("ie", "i.e."), ("etal", "et al."), ("cf", "cf."), ("wrt", "w.r.t."), ("etc", "etc."))),
    *(latex2text.MacroTextSpec(name, discard=True) for name in ("label", "includegraphics", "vspace", "hspace",
                                                                "centering", "noindent", "maketitle"))])
_TO_TEXT = latex2text.LatexNodes2Text(latex_context=_TEXT, math_mode="verbatim", keep_comments=False)


@dataclass
class LatexPaper:
    """What a LaTeX body gives the record."""

    title: str = ""
    abstract: str = ""
    sections: list[Section] = field(default_factory=list)


def is_latex(body: str) -> bool:
    """True for a paper body written in LaTeX (sectioning, an abstract environment or a title macro)."""
    return bool(_LATEX_MARKS.search(body))


def words(nodes: list[latexwalker.LatexNode]) -> str:
    """Plain text of LaTeX nodes: paragraphs kept, a paragraph's source line breaks joined, spaces squeezed."""
    out = _TO_TEXT.nodelist_to_text(nodes).replace("\xa0", " ")  # `~` ties are spaces in running text
    out = re.sub(r"[ \t]*\n[ \t]*(?!\n)", "\n", out)
    out = re.sub(r"(?<!\n)\n(?!\n)", " ", out)
    return re.sub(r"\n{3,}", "\n\n", re.sub(r"[ \t]{2,}", " ", out)).strip()


def _argument(node: latexwalker.LatexMacroNode) -> list[latexwalker.LatexNode]:
    """The last given argument of a macro (`\\section*[short]{Long}` -> Long)."""
    args = [a for a in (node.nodeargd.argnlist if node.nodeargd else []) if a is not None]
    last = args[-1] if args else None
    return list(getattr(last, "nodelist", None) or ([last] if last is not None else []))


def _walk(nodes: list[latexwalker.LatexNode]) -> Iterator[latexwalker.LatexNode]:
    for node in nodes or []:
        yield node
        yield from _walk(getattr(node, "nodelist", None) or [])
        if isinstance(node, latexwalker.LatexMacroNode) and node.nodeargd:
            yield from _walk([a for a in node.nodeargd.argnlist if a is not None])


def _float_text(env: latexwalker.LatexEnvironmentNode) -> str:
    """A figure's or table's caption, named by its kind; "" for a float without one."""
    caption = next((n for n in _walk(env.nodelist) if isinstance(n, latexwalker.LatexMacroNode)
                    and n.macroname == "caption"), None)
    return f"{FLOATS[env.environmentname]}: {words(_argument(caption))}" if caption else ""


def _chunks(source: str) -> list[str]:
    """The body cut before each sectioning command that opens a line, each part parsed on its own: a brace a
    paper left open (DeepReview-13K has `\\section{\\textbf{COMM}` with no closing brace) then spoils one section,
    not the rest of the paper. `\\begin{document}` / `\\end{document}` are dropped so no environment spans parts."""
    body = _DOCUMENT.sub("", source)
    cuts = [0, *(m.start() for m in _SECTION_LINE.finditer(body)), len(body)]
    return [body[a:b] for a, b in zip(cuts, cuts[1:], strict=False) if body[a:b].strip()]


def _nodes(chunk: str) -> list[latexwalker.LatexNode]:
    return latexwalker.LatexWalker(chunk, latex_context=_WALKER, tolerant_parsing=True).get_latex_nodes()[0]


def _definition_end(nodes: list[latexwalker.LatexNode], i: int) -> int:
    """Index after a macro definition starting at `i`: `\\def\\name#1{body}` spans up to its first group."""
    node = nodes[i]
    if node.nodeargd and any(a is not None for a in node.nodeargd.argnlist):
        return i + 1  # `\newcommand{\x}[1]{...}`: the walker took its arguments
    j = i + 1
    while j < len(nodes) and not isinstance(nodes[j], latexwalker.LatexGroupNode):
        j += 1
    return min(j + 1, len(nodes))


def latex_paper(source: str) -> LatexPaper:
    """Title, abstract and sections of a LaTeX paper body."""
    got, headed = LatexPaper(), [("", [])]
    for chunk in _chunks(source):
        if not _read_chunk(_nodes(chunk), got, headed):
            break
    got.sections = kinds([(heading, _pieces(parts)) for heading, parts in headed])
    return got


def _heading(node: latexwalker.LatexMacroNode) -> tuple[str, str]:
    """A sectioning command's heading, and text its unclosed argument swallowed (after its first paragraph)."""
    heading, _, spilled = words(_argument(node)).partition("\n\n")
    return " ".join(heading.split()), spilled.strip()


def _read_chunk(nodes: list[latexwalker.LatexNode], got: LatexPaper, headed: list[tuple[str, list]]) -> bool:
    """Adds one part's title, abstract, headings and text; False once the references begin."""
    i = 0
    while i < len(nodes):
        node, i = nodes[i], i + 1
        if isinstance(node, latexwalker.LatexMacroNode):
            name = node.macroname
            if name in DEFINITIONS:
                i = _definition_end(nodes, i - 1)
            elif name == "title":
                got.title = " ".join(words(_argument(node)).split())
            elif name in SECTIONING:
                heading, spilled = _heading(node)
                headed.append((heading, [spilled] if spilled else []))
            elif name == "appendix":
                headed.append(("Appendix", []))
            elif name in REFERENCES:
                return False
            else:
                headed[-1][1].append(node)
        elif isinstance(node, latexwalker.LatexEnvironmentNode):
            env = node.environmentname
            if env == "thebibliography":
                return False
            if env == "abstract":
                got.abstract = words(node.nodelist)
            else:
                headed[-1][1].append(_float_text(node) if env in FLOATS else node)
        else:
            headed[-1][1].append(node)
    return True


def _pieces(parts: list) -> str:
    """Nodes and ready strings (float captions) of one section as text, in order."""
    out, run = [], []
    for part in [*parts, None]:
        if isinstance(part, latexwalker.LatexNode):
            run.append(part)
            continue
        if run:
            out.append(words(run))
            run = []
        if part:
            out.append(part)
    return "\n\n".join(p for p in out if p)
