"""PDF parsing: a paper's PDF in, a `ParsedPaper` (title, abstract, kind-tagged sections, references) out."""
