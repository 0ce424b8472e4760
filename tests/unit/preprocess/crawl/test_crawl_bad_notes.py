"""One bad note never stops a crawl (issue 24): a lone UTF-16 surrogate in one review (`\\ud83d` alone, half an
emoji, as real API answers carry) is stored as U+FFFD; a note that still cannot be stored is named in
errors.jsonl; a rerun works."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from openreview_stub import OpenReviewStub

from preprocess.core.venues import venue_slug
from preprocess.crawl.__main__ import main
from preprocess.crawl.store import ErrorLog, NoteStore

VENUE = "Stub.cc/2024/Conference"
FAST = ["--sleep", "0", "--retries", "2", "--backoff", "0.01", "--max-wait", "2", "--timeout", "10"]


@pytest.fixture(autouse=True)
def no_openreview_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("OPENREVIEW_"):
            monkeypatch.delenv(key)


def crawl(stub: OpenReviewStub, out: Path) -> int:
    return main(["--venue", VENUE, "--out", str(out), "--baseurl", stub.url, "--page-size", "3", "--no-pdf", *FAST])


@pytest.mark.parametrize("api", ["v1", "v2"])
def test_a_lone_surrogate_in_one_review_is_stored_repaired_and_the_crawl_goes_on(tmp_path: Path, api: str) -> None:
    """The probe: `make crawl` stored 2 of 6 notes, exited non-zero, named nothing in errors.jsonl, and failed
    the same way on rerun. The stub serves the surrogate as JSON does, an escape (`"...\\ud83d"`)."""
    with OpenReviewStub() as stub:
        served = stub.add_venue(VENUE, api, papers=6, replies=4)
        review = served.notes[2]["details"]["directReplies" if api == "v1" else "replies"][0]["content"]
        title = served.notes[4]["content"]
        if api == "v2":
            review, title = review["summary"], title["title"]
            review["value"] += " Great work \ud83d"
            title["value"] = "Half \udc00 an emoji"
        else:
            review["summary"] += " Great work \ud83d"
            title["title"] = "Half \udc00 an emoji"
        assert crawl(stub, tmp_path) == 0
        root = tmp_path / venue_slug(VENUE)
        lines = (root / "notes.jsonl").read_bytes().decode("utf-8").splitlines()
        assert len(lines) == 6
        text = "\n".join(lines)
        assert "Great work \ufffd" in text and "Half \ufffd an emoji" in text
        assert (root / "errors.jsonl").read_text() == ""
        assert crawl(stub, tmp_path) == 0  # a rerun reads the stored notes and goes on
        assert len((root / "notes.jsonl").read_text().splitlines()) == 6


def test_a_note_that_cannot_be_stored_is_named_in_errors_and_skipped(tmp_path: Path) -> None:
    with open(tmp_path / "errors.jsonl", "w", encoding="utf-8") as handle:
        errors = ErrorLog(handle)
        with NoteStore(tmp_path / "notes.jsonl", errors) as store:
            assert not store.append({"id": "bad", "content": {"x": {1, 2}}})  # a set is no JSON
            assert store.append({"id": "good", "content": {"title": "Fine \ud83d"}})
    logged = [json.loads(x) for x in (tmp_path / "errors.jsonl").read_text().splitlines()]
    assert [(e["item"], e["id"]) for e in logged] == [("note", "bad")]
    assert "cannot be stored" in logged[0]["reason"]
    assert [json.loads(x)["id"] for x in (tmp_path / "notes.jsonl").read_text().splitlines()] == ["good"]
