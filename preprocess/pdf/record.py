"""`ParsedPaper`: what every PDF backend returns and `make parse` writes as `<out>/<stem>.json`.

    {"title": "...", "abstract": "...", "sections": [{"heading": "1 Introduction", "text": "...", "kind": "body"}],
     "references": ["Vaswani et al. 2017. Attention is all you need. ..."], "pages": 12, "backend": "pypdfium2",
     "warnings": []}

A section's kind is body, acknowledgements or appendix; the reference list is kept out of `sections`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from preprocess.core.record import SECTION_KINDS, Section


@dataclass
class ParsedPaper:
    """One parsed PDF."""

    title: str = ""
    abstract: str = ""
    sections: list[Section] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    pages: int = 0
    backend: str = ""
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "abstract": self.abstract, "sections": [asdict(s) for s in self.sections],
                "references": list(self.references), "pages": self.pages, "backend": self.backend,
                "warnings": list(self.warnings)}

    @classmethod
    def from_dict(cls, obj: Any) -> ParsedPaper:
        """Read a parsed JSON leniently: odd values become empty, unknown section kinds body, and sections
        tagged `references` (a bibliography heading inside the body) are left out."""
        obj = obj if isinstance(obj, dict) else {}
        sections = [section_from_dict(s) for s in obj.get("sections") or []
                    if isinstance(s, dict) and s.get("kind") != "references"]
        return cls(title=str(obj.get("title") or ""), abstract=str(obj.get("abstract") or ""), sections=sections,
                   references=[str(r) for r in obj.get("references") or [] if isinstance(r, str)],
                   pages=int(obj.get("pages") or 0) if str(obj.get("pages") or 0).isdigit() else 0,
                   backend=str(obj.get("backend") or ""),
                   warnings=[str(w) for w in obj.get("warnings") or [] if isinstance(w, str)])


def section_from_dict(obj: dict[str, Any]) -> Section:
    """A `{"heading", "text", "kind"}` dict as a Section (an unknown kind reads as body)."""
    kind = obj.get("kind")
    return Section(heading=str(obj.get("heading") or ""), text=str(obj.get("text") or ""),
                   kind=kind if kind in SECTION_KINDS else "body")
