"""A stdlib HTTP server on 127.0.0.1 that stands in for OpenReview API v1 and v2, with injectable faults.

It serves what openreview-py's read path calls: `GET /notes` (`after=` cursor paging, always with
`count`, the last page empty), `GET /groups`, `GET /invitations`, `GET /pdf`, `GET /attachment` (`ids=`
answers a zip), `POST /login`. One server holds venues of either API shape. Used by
tests/unit/preprocess/crawl/test_crawl.py and bench/crawl.py; `python tests/openreview_stub.py --papers 20` serves
fixtures until killed.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import threading
import time
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

WORDS = ("model data training loss attention layer sparse gradient benchmark baseline ablation token "
         "transformer convergence theorem bound robust sample efficient policy reward graph kernel "
         "latent diffusion prior variance estimator scaling experiment dataset evaluation").split()
ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
T0 = 1_695_000_000_000  # ms epoch of the fixtures' first note


def fake_pdf(forum: str, size: int = 2048) -> bytes:
    """A small well-formed PDF (header, one page object, `%%EOF`) unique to `forum`."""
    body = f"1 0 obj << /Type /Catalog /Title ({forum}) >> endobj\n".encode()
    pad = b"% " + b"x" * max(0, size - len(body) - 40) + b"\n"
    return b"%PDF-1.5\n" + body + pad + b"trailer << /Root 1 0 R >>\n%%EOF\n"


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def _wrap(api: str, content: dict[str, Any]) -> dict[str, Any]:
    """API v2 wraps every content value as {"value": ...}; v1 keeps plain values."""
    return {k: {"value": v} for k, v in content.items()} if api == "v2" else content


def make_venue(venue: str, api: str, papers: int, replies: int = 4, seed: int = 0,
               review_words: int = 400) -> list[dict[str, Any]]:
    """Submissions in `api` shape, each with `replies` replies (reviews, then meta-review and decision)."""
    rng = random.Random(f"{venue}:{seed}")
    reviews = replies - 2 if replies >= 3 else replies
    kinds = (["Official_Review"] * reviews + ["Meta_Review", "Decision"])[:replies]
    notes = []
    for number in range(1, papers + 1):
        forum = "".join(rng.choice(ID_CHARS) for _ in range(10))
        when = T0 + number * 1000
        content = {"title": _text(rng, 8), "abstract": _text(rng, 150), "keywords": ["stub", "test"],
                   "pdf": f"/pdf/{forum}.pdf", "authors": ["Anonymous"], "authorids": ["Anonymous"]}
        sub: dict[str, Any] = {"id": forum, "forum": forum, "number": number, "cdate": when,
                               "tcdate": when, "tmdate": when, "content": _wrap(api, content),
                               "signatures": [venue], "readers": ["everyone"], "writers": [venue]}
        reply_list = []
        for k, kind in enumerate(kinds, start=1):
            rid = f"{forum}r{k}"
            if kind == "Official_Review":
                rc: dict[str, Any] = {"summary": _text(rng, review_words // 4),
                                      "strengths": _text(rng, review_words // 4),
                                      "weaknesses": _text(rng, review_words // 4),
                                      "questions": _text(rng, review_words // 4),
                                      "rating": rng.choice([3, 5, 6, 8]), "confidence": rng.randint(1, 5)}
                if api == "v1":
                    rc["rating"] = f"{rc['rating']}: marginally above the acceptance threshold"
                    rc["confidence"] = f"{rc['confidence']}: You are confident in your assessment"
            elif kind == "Meta_Review":
                rc = {"metareview": _text(rng, 120), "recommendation": "Accept (Poster)"}
            else:
                rc = {"decision": rng.choice(["Accept (Poster)", "Reject"]), "comment": _text(rng, 20)}
            sig = f"{venue}/Submission{number}/Reviewer_{k}" if kind == "Official_Review" else f"{venue}"
            reply = {"id": rid, "forum": forum, "replyto": forum, "number": k, "cdate": when + k,
                     "tcdate": when + k, "tmdate": when + k, "content": _wrap(api, rc),
                     "signatures": [sig], "readers": ["everyone"], "writers": [venue]}
            if api == "v1":
                reply.update(invitation=f"{venue}/Paper{number}/-/{kind}", original=None, nonreaders=[])
            else:
                reply.update(invitations=[f"{venue}/Submission{number}/-/{kind}"], domain=venue)
            reply_list.append(reply)
        if api == "v1":
            sub.update(invitation=f"{venue}/-/Blind_Submission", original=f"{forum}o", replyto=None,
                       nonreaders=[], details={"directReplies": reply_list})
        else:
            sub.update(invitations=[f"{venue}/-/Submission", f"{venue}/-/Post_Submission"], domain=venue,
                       odate=when, license="CC BY 4.0", details={"replies": reply_list})
        notes.append(sub)
    notes.sort(key=lambda n: n["id"])
    return notes


@dataclass
class Fault:
    """Answer requests to `path` (matching `params`) with this response instead of the normal one.

    Of the requests this fault is asked about (earlier faults that fire stop the search), the first
    `skip` pass; the next `times` are faulted (None: every one after).
    """

    path: str
    status: int = 500
    times: int | None = 1
    skip: int = 0
    params: dict[str, str] = field(default_factory=dict)
    body: bytes = b'{"name": "Error", "message": "stub fault"}'
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    seen: int = 0


RATING_OPTIONS = ["10: Top 5% of accepted papers, seminal paper", "8: Top 50% of accepted papers, clear accept",
                  "6: Marginally above acceptance threshold", "5: Marginally below acceptance threshold",
                  "3: Clear rejection", "1: Trivial or wrong"]  # the stub's reviews rate 3, 5, 6 or 8
CONFIDENCE_OPTIONS = [f"{n}: confidence {n}" for n in range(5, 0, -1)]


def invitation(invitation_id: str, venue: str, api: str, options: list[str]) -> dict[str, Any]:
    """A review form in either API's shape, with `options` for its rating (the option list the build reads)."""
    if api == "v1":
        content = {"review": {"order": 1, "value-regex": "[\\S\\s]{1,200000}"},
                   "rating": {"order": 2, "value-dropdown": options, "required": True},
                   "confidence": {"order": 3, "value-radio": CONFIDENCE_OPTIONS, "required": True}}
        return {"id": invitation_id, "reply": {"forum": None, "content": content}, "signatures": ["~Super_User1"]}
    def enum(labels: list[str]) -> dict[str, Any]:
        return {"param": {"type": "integer", "input": "select",
                          "enum": [{"value": int(o.split(":")[0]), "description": o} for o in labels]}}

    content = {"summary": {"order": 1, "value": {"param": {"type": "string", "input": "textarea"}}},
               "rating": {"order": 2, "value": enum(options)}, "confidence": {"order": 3, "value": enum(
                   CONFIDENCE_OPTIONS)}}
    return {"id": invitation_id, "edit": {"note": {"content": content}}, "domain": venue,
            "signatures": ["~Super_User1"]}


@dataclass
class Venue:
    id: str
    api: str
    notes: list[dict[str, Any]]
    pdfs: dict[str, bytes] = field(default_factory=dict)
    rating_options: list[str] = field(default_factory=lambda: list(RATING_OPTIONS))

    @property
    def invitation(self) -> str:
        return f"{self.id}/-/{'Blind_Submission' if self.api == 'v1' else 'Submission'}"


class OpenReviewStub:
    """The server: add venues and faults, `start()` (or `with`), read `url`, inspect `requests`."""

    def __init__(self, page_delay: float = 0.0, pdf_delay: float = 0.0,
                 credentials: tuple[str, str] | None = None, zip_names: str = "{number}_pdf.pdf"):
        self.venues: dict[str, Venue] = {}
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str, dict[str, str], bool]] = []  # method, path, params, authorized
        self.page_delay, self.pdf_delay = page_delay, pdf_delay
        self.credentials, self.zip_names = credentials, zip_names
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    def add_venue(self, venue: str, api: str, papers: int, replies: int = 4, **kw: Any) -> Venue:
        notes = make_venue(venue, api, papers, replies, **kw)
        self.venues[venue] = v = Venue(venue, api, notes, {n["id"]: fake_pdf(n["id"]) for n in notes})
        return v

    def add_note(self, venue: str, note: dict[str, Any], pdf: bytes | None = None) -> None:
        v = self.venues[venue]
        v.notes = sorted([*v.notes, note], key=lambda n: n["id"])
        if pdf is not None:
            v.pdfs[note["id"]] = pdf

    def calls(self, path: str) -> list[dict[str, str]]:
        with self.lock:
            return [p for _, pth, p, _ in self.requests if pth == path]

    # -- server lifecycle
    def start(self) -> OpenReviewStub:
        stub = self

        class Handler(_Handler):
            owner = stub

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    @property
    def url(self) -> str:
        assert self.server, "start() first"
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> OpenReviewStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- request handling (runs on server threads)
    def fault_for(self, path: str, params: dict[str, str]) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.path != path or any(params.get(k) != v for k, v in fault.params.items()):
                    continue
                fault.seen += 1
                last = None if fault.times is None else fault.skip + fault.times
                if fault.seen > fault.skip and (last is None or fault.seen <= last):
                    return fault
        return None

    def find_note(self, note_id: str) -> tuple[Venue, dict[str, Any]] | None:
        for venue in self.venues.values():
            for note in venue.notes:
                if note["id"] == note_id:
                    return venue, note
        return None

    def find_invitation(self, invitation_id: str) -> dict[str, Any] | None:
        """The form of any reply invitation one of the venues' notes uses."""
        for venue in self.venues.values():
            for note in venue.notes:
                for reply in (note.get("details") or {}).get("directReplies") or note["details"].get("replies", []):
                    if invitation_id in (reply.get("invitations") or [reply.get("invitation")]):
                        return invitation(invitation_id, venue.id, venue.api, venue.rating_options)
        return None

    def list_notes(self, params: dict[str, str]) -> dict[str, Any]:
        venue = next((v for v in self.venues.values() if v.invitation == params.get("invitation")), None)
        notes = venue.notes if venue else []
        if "id" in params:
            notes = [n for n in notes if n["id"] == params["id"]]
        count = len(notes)
        if "after" in params:
            notes = [n for n in notes if n["id"] > params["after"]]
        offset, limit = int(params.get("offset", 0)), int(params.get("limit", 1000))
        page = notes[offset:offset + limit]
        if "details" not in params:
            page = [{k: v for k, v in n.items() if k != "details"} for n in page]
        return {"notes": page, "count": count}


class _Handler(BaseHTTPRequestHandler):
    owner: OpenReviewStub
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms stalls

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, body: bytes, content_type: str = "application/json",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, obj: Any, status: int = 200) -> None:
        self._send(status, json.dumps(obj).encode())

    def _not_found(self, what: str) -> None:
        self._json({"name": "NotFoundError", "message": f"{what} not found", "status": 404}, 404)

    def do_POST(self) -> None:
        stub, url = self.owner, urlparse(self.path)
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        with stub.lock:
            stub.requests.append(("POST", url.path, {"id": str(body.get("id"))}, False))
        if url.path != "/login":
            return self._not_found(url.path)
        if stub.credentials and (body.get("id"), body.get("password")) == stub.credentials:
            user = {"id": body["id"], "profile": {"id": "~Stub_User1"}}
            return self._json({"token": "stub-token", "user": user})
        return self._json({"name": "InvalidCredentials", "message": "Invalid username or password"}, 400)

    def do_GET(self) -> None:
        stub, url = self.owner, urlparse(self.path)
        params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        with stub.lock:
            stub.requests.append(("GET", url.path, params, "Authorization" in self.headers))
        fault = stub.fault_for(url.path, params)
        if fault:
            return self._send(fault.status, fault.body, fault.content_type, fault.headers)
        if url.path == "/notes":
            time.sleep(stub.page_delay)
            return self._json(stub.list_notes(params))
        if url.path == "/groups":
            venue = stub.venues.get(params.get("id", ""))
            if not venue:
                return self._not_found(params.get("id", ""))
            group = {"id": venue.id, "members": [], "readers": ["everyone"], "signatures": ["~Super_User1"]}
            if venue.api == "v2":  # API v2 venue groups carry `domain`; v1 groups do not
                group.update(domain=venue.id, content={"submission_id": {"value": venue.invitation}})
            return self._json({"groups": [group]})
        if url.path in ("/pdf", "/attachment"):
            time.sleep(stub.pdf_delay)
            return self._pdf(params)
        if url.path == "/invitations":
            found = stub.find_invitation(params.get("id", ""))
            return self._json({"invitations": [found]}) if found else self._not_found(params.get("id", ""))
        return self._not_found(url.path)

    def _pdf(self, params: dict[str, str]) -> None:
        stub = self.owner
        ids = params["ids"].split(",") if params.get("ids") else [params.get("id", "")]
        found = [hit for hit in (stub.find_note(i) for i in ids) if hit]
        if not found:
            return self._not_found(",".join(ids))
        if len(ids) == 1:  # like the real API: one id answers the file itself
            venue, note = found[0]
            pdf = venue.pdfs.get(note["id"])
            return self._send(200, pdf, "application/pdf") if pdf is not None else self._not_found(note["id"])
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for venue, note in found:
                if note["id"] in venue.pdfs:
                    name = stub.zip_names.format(number=note.get("number"), id=note["id"])
                    archive.writestr(name, venue.pdfs[note["id"]])
        self._send(200, buffer.getvalue(), "application/zip")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venue", default="ICLR.cc/2024/Conference")
    parser.add_argument("--api", choices=("v1", "v2"), default="v2")
    parser.add_argument("--papers", type=int, default=20)
    parser.add_argument("--replies", type=int, default=4)
    args = parser.parse_args()
    stub = OpenReviewStub()
    stub.add_venue(args.venue, args.api, args.papers, args.replies)
    stub.start()
    print(stub.url, flush=True)  # the parent reads this line
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        stub.stop()


if __name__ == "__main__":
    main()
