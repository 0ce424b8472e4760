"""Build one submission note with its replies, shaped like openreview-py API v1 or v2 output of its year.

Ids and timestamps are derived from the forum id, year and number, so the output is deterministic.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

from preprocess.sample.fields import AC_TEXT, YEARS, Json, Year

PRIMARY_AREAS = (  # (substring of title or keywords, ICLR 2024+ primary area); first match wins
    ("reinforcement", "reinforcement learning"),
    ("graph", "learning on graphs and other geometries & topologies"),
    ("diffusion", "generative models"), ("generative", "generative models"),
    ("language model", "foundation or frontier models, including LLMs"),
    ("interpretab", "interpretability and explainable AI"), ("optimi", "optimization"),
    ("generalization", "learning theory"), ("time series", "learning on time series and dynamical systems"),
    ("robust", "alignment, fairness, safety, privacy, and societal considerations"),
    ("federated", "infrastructure, software libraries, hardware, systems, etc."),
    ("vision", "applications to computer vision, audio, language, and other modalities"))
DEFAULT_AREA = "other topics in machine learning (i.e., none of the above)"
PROCEEDINGS = {2024: "The Twelfth International Conference on Learning Representations",
               2025: "The Thirteenth International Conference on Learning Representations"}


def epoch_ms(day: str, offset_s: int) -> int:
    """Milliseconds since the epoch at UTC midnight of `day` plus `offset_s` seconds."""
    return (int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp()) + offset_s) * 1000


ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"  # OpenReview id characters


def token(seed: str, n: int, alphabet: str = "abcdefghijklmnopqrstuvwxyz") -> str:
    """Deterministic `n`-character id over `alphabet` derived from `seed`."""
    num = int(hashlib.sha256(seed.encode()).hexdigest(), 16)
    return "".join(alphabet[num // len(alphabet) ** i % len(alphabet)] for i in range(n))


def bibtex(p: Json, year: int, api: int, accepted: bool) -> str:
    """The `_bibtex` OpenReview generates for an anonymous submission."""
    key = "anonymous{}{}".format(year, re.findall(r"[a-z]+", p["title"].lower())[0])
    head = f"{key},\ntitle={{{p['title']}}},\nauthor={{Anonymous}},\n"
    url = f"url={{https://openreview.net/forum?id={p['forum']}}}"
    if api == 1:
        book = "booktitle={Submitted to International Conference on Learning Representations}"
        return f"@inproceedings{{\n{head}{book},\nyear={{{year}}},\n{url},\nnote={{under review}}\n}}"
    if accepted:
        return f"@inproceedings{{\n{head}booktitle={{{PROCEEDINGS[year]}}},\nyear={{{year}}},\n{url}\n}}"
    return f"@misc{{\n{head}year={{{year}}},\n{url}\n}}"


def replies(p: Json, spec: Year, paper: str, decision: str) -> list[tuple[str, str, Json, str]]:
    """(invitation, signature, content, day) of every reply, in posting order."""
    fid, accepted = p["forum"], decision.startswith("Accept")
    out = []
    for k, r in enumerate(p["reviews"], start=1):
        sig = f"Reviewer_{token(f'{fid}/r{k}', 4)}" if spec.hashed_ids else f"AnonReviewer{k}"
        out.append(("Official_Review", f"{paper}/{sig}", {f: fn(r, k) for f, fn in spec.review.items()},
                    spec.dates[1]))
    title = {"title": "Response to reviewers"} if spec.api == 1 else {}
    response = title | {"comment": p["author_response"]}
    out.append(("Official_Comment", f"{paper}/Authors", response, spec.dates[2]))
    ac = f"Area_Chair_{token(f'{fid}/ac', 4)}" if spec.hashed_ids else "Area_Chair1"
    out.append(("Meta_Review", f"{paper}/{ac}", {f: fn(p, decision) for f, fn in spec.meta.items()},
                spec.dates[3]))
    venue = paper.rsplit("/", 1)[0]
    decided = {"title": "Paper Decision", "decision": decision, "comment": AC_TEXT[accepted][0]}
    out.append(("Decision", f"{venue}/Program_Chairs", decided, spec.dates[4]))
    return out


def reply_note(api: int, paper: str, fid: str, i: int, reply: tuple[str, str, Json, str], ms: int) -> Json:
    """The `i`-th reply to forum `fid`, as it appears in `details` of an API v1 or v2 note."""
    kind, sig, content, _day = reply
    venue, rid = paper.rsplit("/", 1)[0], token(f"{fid}/{i}", 10, ALPHABET)
    if api == 1:
        return {"id": rid, "original": None, "number": i, "cdate": ms, "mdate": None, "tcdate": ms,
                "tmdate": ms, "ddate": None, "forum": fid, "replyto": fid, "invitation": f"{paper}/-/{kind}",
                "content": content, "signatures": [sig], "readers": ["everyone"], "nonreaders": [],
                "writers": [venue, sig]}
    return {"id": rid, "forum": fid, "replyto": fid, "number": i, "cdate": ms, "mdate": ms, "tcdate": ms,
            "tmdate": ms, "domain": venue, "invitations": [f"{paper}/-/{kind}", f"{venue}/-/Edit"],
            "content": {k: {"value": v} for k, v in content.items()}, "signatures": [sig],
            "readers": ["everyone"], "writers": [venue, sig], "nonreaders": []}


def build_note(p: Json) -> Json:
    """One submission with its replies, shaped as openreview-py returns it for the paper's year."""
    venue, n, fid = p["venue"], p["number"], p["forum"]
    year = int(venue.split("/")[1])
    spec = YEARS[year]
    bad = [(r["rating"], r["confidence"]) for r in p["reviews"]
           if r["rating"] not in spec.ratings or r["confidence"] not in range(1, 6)]
    if bad:
        raise ValueError(f"{fid}: (rating, confidence) off the ICLR {year} scale: {bad}")
    decision = spec.decisions[p["decision"]]
    accepted = decision.startswith("Accept")
    paper = f"{venue}/{'Paper' if spec.api == 1 else 'Submission'}{n}"
    created = epoch_ms(spec.dates[0], 37 * n)
    pdf = "/pdf/{}.pdf".format(hashlib.sha1(f"{fid}/{p['title']}".encode()).hexdigest())
    notes = [reply_note(spec.api, paper, fid, i, r, epoch_ms(r[3], 37 * n + 3600 * i))
             for i, r in enumerate(replies(p, spec, paper, decision), start=1)]
    bib = bibtex(p, year, spec.api, accepted)
    if spec.api == 1:
        content = {"title": p["title"], "authors": ["Anonymous"], "authorids": [f"{paper}/Authors"],
                   "keywords": p["keywords"], "TL;DR": p["tldr"], "abstract": p["abstract"], "pdf": pdf,
                   "paperhash": "anonymous|" + "_".join(re.findall(r"[a-z0-9]+", p["title"].lower())),
                   "_bibtex": bib}
        return {"id": fid, "original": None, "cdate": created, "pdate": None, "odate": None, "mdate": None,
                "tcdate": created, "tmdate": created, "ddate": None, "number": n, "content": content,
                "forum": fid, "referent": None, "invitation": f"{venue}/-/Blind_Submission", "replyto": None,
                "readers": ["everyone"], "nonreaders": [], "signatures": [venue], "writers": [venue],
                "details": {"directReplies": notes}}
    topic = " ".join([p["title"], *p["keywords"]]).lower()
    tier = decision.split("(")[-1].rstrip(")")
    content = {"title": p["title"], "authors": ["Anonymous"], "keywords": p["keywords"], "TLDR": p["tldr"],
               "abstract": p["abstract"],
               "primary_area": next((a for kw, a in PRIMARY_AREAS if kw in topic), DEFAULT_AREA),
               "venue": f"ICLR {year} {tier}" if accepted else f"Submitted to ICLR {year}",
               "venueid": venue if accepted else f"{venue}/Rejected_Submission", "pdf": pdf, "_bibtex": bib}
    decided = epoch_ms(spec.dates[4], 37 * n)
    return {"id": fid, "forum": fid, "number": n, "cdate": created, "mdate": decided, "tcdate": created,
            "tmdate": decided, "odate": epoch_ms(spec.dates[0], 37 * n + 10 * 86400),
            "pdate": decided if accepted else None, "domain": venue,
            "invitations": [f"{venue}/-/Submission", f"{venue}/-/Post_Submission", f"{venue}/-/Edit"],
            "content": {k: {"value": v} for k, v in content.items()}, "signatures": [f"{paper}/Authors"],
            "readers": ["everyone"], "writers": [venue, f"{paper}/Authors"], "details": {"replies": notes}}

