"""The science-parse family: PeerRead and ASAP-Review, one paper per JSON file, its text parsed by AllenAI's
science-parse (`{"name", "metadata": {"title", "sections": [{"heading", "text"}], "abstractText", ...}}`).

PeerRead (allenai/PeerRead `data/<section>/<split>/`): `reviews/<id>.json` holds `title`, `abstract`,
`accepted`, `reviews[...]` (official reviews with `comments`, `RECOMMENDATION`, `REVIEWER_CONFIDENCE`,
`OTHER_KEYS` = the reviewer; plus `IS_META_REVIEW` copies, empty pre-review question stubs, public comments and,
for ICLR 2017, the committee's decision note) and `parsed_pdfs/<id>.pdf.json` the text. Some files list their
entries twice; a review is read once.
ASAP-Review (neulab/ReviewAdvisor, `<VENUE_YEAR>/`): `<VENUE_YEAR>_paper/<id>_paper.json` the metadata
(`conference`, `decision`, `title`, ...), `..._content/<id>_content.json` the parse, `..._review/<id>_review.json`
`reviews[{"review", "rating", "confidence"}]` and `metaReview`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from preprocess.core.record import Paper, Review, Section
from preprocess.core.venues import venue_id
from preprocess.notes.normalize import leading_int
from preprocess.sources.common import ImportLog, SourceError, decision_of, paper, read_json, review, text
from preprocess.sources.markup import finish

# Venue ids per dataset section, as data (a section not listed keeps its folder name as the venue).
PEERREAD_VENUES = {"iclr_2017": "ICLR.cc/2017/conference", "acl_2017": "ACL 2017", "conll_2016": "CoNLL 2016"}
# The aspect scores ACL 2017 / CoNLL 2016 (and some ICLR 2017) reviews carry beside RECOMMENDATION, kept in the
# review's `aspects` (their 1-5 scale: `preprocess/core/venues.py` ASPECT_SCALE).
ASPECTS = ("ORIGINALITY", "CLARITY", "SOUNDNESS_CORRECTNESS", "SUBSTANCE", "IMPACT", "MEANINGFUL_COMPARISON",
           "APPROPRIATENESS", "REPLICABILITY")
PEERREAD_DECISION_TITLE = re.compile(r"final decision", re.IGNORECASE)  # ICLR 2017: "ICLR committee final decision"


def parse_sections(parsed: Any) -> tuple[list[Section], str]:
    """Sections and abstract of a science-parse JSON (`metadata.sections`, `metadata.abstractText`), cleaned as a
    parsed PDF is (`markup.finish`: the margin line numbers review copies carry, "1 000\\n011\\n012 ...", go)."""
    meta = parsed.get("metadata") if isinstance(parsed, dict) else None
    if not isinstance(meta, dict):
        raise SourceError("science-parse JSON without `metadata`")
    sections = [Section(text(s.get("heading")), text(s.get("text"))) for s in meta.get("sections") or []
                if isinstance(s, dict)]
    return finish(sections), text(meta.get("abstractText"))


def _aspects(entry: dict[str, Any]) -> dict[str, int]:
    """PeerRead's aspect scores ("ORIGINALITY": "3") as numbers, by lower-case name."""
    return {k.lower(): v for k in ASPECTS if (v := leading_int(entry.get(k))) is not None}


def _peerread_reviews(pid: str, entries: list[Any]) -> tuple[list[Review], str]:
    """The official reviews of a PeerRead file (each text once) and the decision note as the meta-review."""
    reviews, seen, meta_review = [], set(), ""
    for entry in (e for e in entries if isinstance(e, dict)):
        body = text(entry.get("comments"))
        if PEERREAD_DECISION_TITLE.search(text(entry.get("TITLE"))):
            meta_review = meta_review or body
            continue
        if entry.get("IS_META_REVIEW") or not body or entry.get("RECOMMENDATION") is None or body in seen:
            continue
        seen.add(body)
        reviews.append(review(f"{pid}-r{len(reviews) + 1}", entry.get("RECOMMENDATION"),
                              entry.get("REVIEWER_CONFIDENCE"), title=entry.get("TITLE"), text=body))
        reviews[-1].signature = text(entry.get("OTHER_KEYS"))
        reviews[-1].aspects = _aspects(entry)
    return reviews, meta_review


def read_peerread(path: Path, log: ImportLog) -> Iterator[Paper]:
    """Every `reviews/<id>.json` under `path` with its `../parsed_pdfs/<id>.pdf.json`; a review file without its
    paper file, a paper file without a review file and a paper without official reviews (the arXiv sections) are
    named in the log's `skipped`."""
    files = sorted(path.rglob("reviews/*.json")) if path.is_dir() else [path]
    if not files:
        raise FileNotFoundError(f"{path}: no PeerRead reviews/<id>.json under it")
    reviewed = {(f.parent.parent, f.stem) for f in files}
    for parsed in sorted(path.rglob("parsed_pdfs/*.pdf.json")) if path.is_dir() else []:
        if (parsed.parent.parent, parsed.name.removesuffix(".pdf.json")) not in reviewed:
            log.skip(f"{parsed}:1", parsed.name, "paper file without a review file (reviews/<id>.json)")
    for file in files:
        log.rows += 1
        try:
            yield _peerread_paper(file)
        except (SourceError, KeyError, TypeError, AttributeError) as exc:
            log.skip(f"{file}:1", file.stem, str(exc) or type(exc).__name__)


def _peerread_paper(file: Path) -> Paper:
    split_dir = file.parent.parent
    section = next((p for p in file.parts[::-1] if p in PEERREAD_VENUES), split_dir.parent.name)
    data = read_json(file)
    if not isinstance(data, dict):
        raise SourceError("expected a JSON object")
    pid = text(data.get("id")) or file.stem
    reviews, meta_review = _peerread_reviews(pid, data.get("reviews") or [])
    if not reviews:
        raise SourceError("no official review in the file (no entry with comments and a RECOMMENDATION)")
    parsed = split_dir / "parsed_pdfs" / f"{file.stem}.pdf.json"
    if not parsed.exists():
        raise SourceError(f"review file without its paper file ({parsed})")
    sections, parsed_abstract = parse_sections(read_json(parsed))
    decision, decision_text = decision_of(data["accepted"]) if "accepted" in data else ("unknown", "")
    return paper("peerread", f"{file}:1", f"{section}-{pid}", PEERREAD_VENUES.get(section, section),
                 data.get("title"), abstract=text(data.get("abstract")) or parsed_abstract, decision=decision,
                 decision_text=decision_text, sections=sections, reviews=reviews, meta_review=meta_review)


def _asap_paper(venue_dir: Path, stem: str) -> Paper:
    meta_file = venue_dir / f"{venue_dir.name}_paper" / f"{stem}_paper.json"
    reviews_file = venue_dir / f"{venue_dir.name}_review" / f"{stem}_review.json"
    content_file = venue_dir / f"{venue_dir.name}_content" / f"{stem}_content.json"
    for needed, what in ((meta_file, "paper file"), (reviews_file, "review file"), (content_file, "content file")):
        if not needed.exists():
            raise SourceError(f"no {what} ({needed})")
    meta, got = read_json(meta_file), read_json(reviews_file)
    if not isinstance(meta, dict) or not isinstance(got, dict):
        raise SourceError("expected a JSON object")
    reviews = [review(f"{stem}-r{i}", r.get("rating"), r.get("confidence"), text=r.get("review"))
               for i, r in enumerate(got.get("reviews") or [], start=1) if isinstance(r, dict)]
    if not any(r.text for r in reviews):
        raise SourceError(f"no review in {reviews_file}")
    sections, abstract = parse_sections(read_json(content_file))
    decision, decision_text = decision_of(meta.get("decision"))
    venue = venue_id(venue_dir.name) if venue_id(venue_dir.name) != venue_dir.name else venue_id(
        text(meta.get("conference")) or venue_dir.name)
    return paper("asap", f"{meta_file}:1", stem, venue, meta.get("title"), abstract=abstract, sections=sections,
                 decision=decision, decision_text=decision_text, reviews=[r for r in reviews if r.text],
                 meta_review=text(got.get("metaReview")))


_ASAP_FILE = re.compile(r"^(?P<stem>.+)_(?:paper|review|content)\.json$")


def read_asap(path: Path, log: ImportLog) -> Iterator[Paper]:
    """Every paper under `path` that any of its three files names (`<VENUE>_{paper,content,review}/<id>_*.json`):
    one missing a file (490 review files, 489 paper files in the full release) is named in `skipped`."""
    files = sorted(path.rglob("*.json")) if path.is_dir() else [path]
    stems = sorted({(f.parent.parent, m["stem"]) for f in files
                    if (m := _ASAP_FILE.match(f.name)) and f.parent.name.startswith(f.parent.parent.name + "_")})
    if not stems:
        raise FileNotFoundError(f"{path}: no ASAP-Review <VENUE>_paper/<id>_paper.json under it")
    for venue_dir, stem in stems:
        log.rows += 1
        try:
            yield _asap_paper(venue_dir, stem)
        except (SourceError, KeyError, TypeError, AttributeError) as exc:
            log.skip(f"{venue_dir / stem}:1", stem, str(exc) or type(exc).__name__)
