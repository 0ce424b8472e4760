"""Rating and confidence scales, taken from the data first and from a table last, never guessed silently.

For each venue and field (rating, confidence) the scale comes from, in order:
1. the invitation the crawl saved (`<venue>/invitations.json`): the form's own options, API v1
   `reply.content.<field>.value-dropdown` / `value-radio`, API v2 `edit.note.content.<field>.value.param.enum`
   (or `.items`), options as "6: ..." strings, integers or `{"value": 6, "description": ...}`; any other shape
   (a scalar, a template string) says nothing, it never stops the build;
2. the option strings in the notes themselves ("6: Marginally above acceptance threshold" -> 6), when every
   value of the field came as such a string (a v2 integer says nothing about the other options) and they name
   at least `MIN_OBSERVED` values; where the table's scale holds every value seen, the table's (it also has the
   options nobody chose);
3. `TABLE` below, by venue family and year;
else the 1-10 default with a warning naming the venue. A venue with no rating field (TMLR) has an empty scale.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from preprocess.core.record import Paper
from preprocess.core.venues import SOURCE_VENUE_SCALES, venue_family, venue_year
from preprocess.notes.fields import REVIEW_FIELDS

ONE_TO = {n: tuple(range(1, n + 1)) for n in (4, 5, 6, 10)}
# family -> field -> [(first year, scale)]: the latest row at or before the venue's year wins. Sources: the
# venues' review forms (ICLR 2018/2020 and TMLR invitations in OpenReview's own repositories; the others from
# the forms' option strings as shown on their forum pages).
TABLE: dict[str, dict[str, list[tuple[int, tuple[int, ...]]]]] = {
    "ICLR": {"rating": [(2017, ONE_TO[10]), (2020, (1, 3, 6, 8)), (2021, ONE_TO[10]), (2022, (1, 3, 5, 6, 8, 10))],
             "confidence": [(2017, ONE_TO[5]), (2020, ()), (2021, ONE_TO[5])]},  # ICLR 2020's form had none
    "NeurIPS": {"rating": [(2019, ONE_TO[10]), (2025, ONE_TO[6])], "confidence": [(2019, ONE_TO[5])]},
    "ICML": {"rating": [(2023, ONE_TO[10]), (2025, ONE_TO[5])],  # 2025: overall_recommendation 1-5
             "confidence": [(2023, ONE_TO[5]), (2025, ())]},
    "TMLR": {"rating": [(2022, ())], "confidence": [(2022, ())]},  # recommendations are words, not numbers
    **SOURCE_VENUE_SCALES,  # venues public datasets hold (PeerRead's ACL 2017, CoNLL 2016): core/venues.py
}
DEFAULT: tuple[int, ...] = ONE_TO[10]
MIN_OBSERVED = 3  # distinct option strings that make a scale on their own (fewer cover too little of it)
_LEADING = re.compile(r"^\s*(-?\d+)\s*(?::|\s|$)")


@dataclass(frozen=True)
class Scale:
    """The values a field could take at a venue, and where that came from."""

    values: tuple[int, ...]
    source: str  # invitation | notes | table | default

    def admits(self, value: int | None) -> bool:
        return value is None or not self.values or value in self.values


def _option_value(option: Any) -> int | None:
    """6 from "6: Marginally above ...", from {"value": 6, "description": ...}, from 6 or 6.0."""
    if isinstance(option, dict):
        option = option.get("value")
    if isinstance(option, bool):
        return None
    if isinstance(option, float) and option.is_integer():
        return int(option)
    if isinstance(option, int):
        return option
    match = _LEADING.match(option) if isinstance(option, str) else None
    return int(match.group(1)) if match else None


def _field_spec(invitation: dict[str, Any], field: str) -> Any:
    """A field's definition in either API's invitation shape (v2 venue-level invitations nest one level more)."""
    for path in (("reply", "content"), ("edit", "note", "content"), ("edit", "invitation", "edit", "note", "content")):
        node: Any = invitation
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict) and field in node:
            return node[field]
    return None


def _options(spec: dict[str, Any]) -> Any:
    """A field's option list as the form gives it: API v1 `value-dropdown` / `value-radio`, API v2
    `value.param.enum` or `value.param.items`; None when there is none."""
    options = spec.get("value-dropdown") or spec.get("value-radio")
    value = spec.get("value")
    param = value.get("param") if isinstance(value, dict) else None
    if options is None and isinstance(param, dict):
        options = param.get("enum") or param.get("items")
    return options


def from_invitation(invitation: dict[str, Any], field: str) -> tuple[int, ...] | None:
    """The scale an invitation's form offers for `field`, or None when it does not say (no options, or options
    that are not a list: `"enum": 3`, a `${...}` template)."""
    spec = _field_spec(invitation, field)
    options = _options(spec) if isinstance(spec, dict) else None
    if not isinstance(options, list):
        return None
    values = {v for v in map(_option_value, options) if v is not None}
    return tuple(sorted(values)) or None


def from_labels(labels: Iterable[Any]) -> tuple[int, ...] | None:
    """The values option strings name ("6: ..."), when every label is such a string; else None."""
    labels = list(labels)
    if not labels or not all(isinstance(x, str) and _LEADING.match(x) for x in labels):
        return None
    return tuple(sorted({_option_value(x) for x in labels}))  # type: ignore[type-var]


def from_table(venue: str, field: str) -> tuple[int, ...] | None:
    rows, year = TABLE.get(venue_family(venue), {}).get(field), venue_year(venue)
    if not rows:
        return None
    if year is None:  # a venue without a year in its id (TMLR): its latest form
        return rows[-1][1]
    chosen = [scale for first, scale in rows if first <= year]
    return chosen[-1] if chosen else None


def resolve(venue: str, field: str, invitations: list[dict[str, Any]], labels: list[Any],
            fields: Iterable[str] = ()) -> tuple[Scale, str | None]:
    """The scale of `field` at `venue` and a warning when none of the sources covered it. `fields` names the
    content keys that play the role (`rating` may be `recommendation` or `overall_recommendation`)."""
    for name in (field, *fields):
        found = next((s for inv in invitations if (s := from_invitation(inv, name))), None)
        if found:
            return Scale(found, "invitation"), None
    observed, table = from_labels(labels), from_table(venue, field)
    if observed and table and set(observed) <= set(table):  # they agree; the table also has the unused options
        return Scale(table, "notes+table"), None
    if observed and len(observed) >= MIN_OBSERVED:
        return Scale(observed, "notes"), None
    if table is not None:
        return Scale(table, "table"), None
    return Scale(DEFAULT, "default"), (f"{venue}: no {field} scale in its invitations, notes or the venue table; "
                                       f"using {DEFAULT[0]}-{DEFAULT[-1]} (add the venue to "
                                       "preprocess/notes/scales.py TABLE)")


def apply(papers: list[tuple[int, Paper]], invitations: list[dict[str, Any]], where: str,
          warnings: list[str]) -> None:
    """Give every review its venue's rating scale; an off-scale rating or confidence is left out and named in
    `warnings` (`file:line: review: reason`). `papers` pairs each paper with its line in `where`."""
    for venue in sorted({p.venue for _, p in papers}):
        here = [(line, p) for line, p in papers if p.venue == venue]
        reviews = [(line, r) for line, p in here for r in p.reviews]
        found = {}
        for field in ("rating", "confidence"):
            raw = [getattr(r, f"raw_{field}") for _, r in reviews if getattr(r, f"raw_{field}") is not None]
            found[field], warning = resolve(venue, field, invitations, raw, REVIEW_FIELDS[field])
            if warning and raw:
                warnings.append(warning)
        for line, review in reviews:
            review.rating_scale = found["rating"].values
            for field in ("rating", "confidence"):
                value = getattr(review, field)
                if not found[field].admits(value):
                    warnings.append(f"{where}:{line}: review {review.id}: {field} {value} is not on {venue}'s "
                                    f"scale {found[field].values} ({found[field].source}); left out")
                    setattr(review, field, None)
