"""The crawler against a local stand-in for OpenReview: real openreview-py client, real HTTP, no network."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO
from openreview_stub import Fault, OpenReviewStub, fake_pdf

from preprocess.core.venues import venue_slug
from preprocess.crawl.__main__ import main
from preprocess.crawl.pdfs import PdfJob, match_zip_members, pdf_filename
from preprocess.pdf.sniff import bytes_problem

V1, V2 = "Stub.cc/2020/Conference", "Stub.cc/2024/Conference"  # not in KNOWN_VENUES: auto-detected
FAST = ["--sleep", "0", "--retries", "2", "--backoff", "0.01", "--max-wait", "2", "--timeout", "10"]
PASSWORD = "s3cret-Pa55word!"


@pytest.fixture(autouse=True)
def no_openreview_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("OPENREVIEW_"):
            monkeypatch.delenv(key)


@pytest.fixture
def stub():
    with OpenReviewStub(credentials=("reviewer@example.org", PASSWORD)) as server:
        yield server


def crawl(stub: OpenReviewStub, venue: str, out: Path, *extra: str) -> int:
    args = ["--venue", venue, "--out", str(out), "--baseurl", stub.url, "--page-size", "3"]
    return main([*args, *FAST, *extra])


def stored(out: Path, venue: str) -> list[dict]:
    return [json.loads(line) for line in (out / venue_slug(venue) / "notes.jsonl").read_text().splitlines()]


def errors(out: Path, venue: str) -> list[dict]:
    path = out / venue_slug(venue) / "errors.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


# ---- pure helpers


@pytest.mark.parametrize("forum", ["../../../etc/passwd", "/abs/path", "a/../../b", "..", ".", "", "a\\b",
                                   "x" * 300, "ünï/cødé", "id with space"])
def test_hostile_ids_give_plain_file_names(forum: str) -> None:
    name = pdf_filename(forum)
    assert name.endswith(".pdf") and "/" not in name and "\\" not in name and not name.startswith(".")
    assert len(name) < 100 and (Path("/base") / name).parent == Path("/base")


def test_openreview_ids_are_kept_and_odd_ids_do_not_collide() -> None:
    assert pdf_filename("aB3dE5fG7h") == "aB3dE5fG7h.pdf"
    assert pdf_filename("-x_Y9") == "-x_Y9.pdf"
    assert pdf_filename("a/b") != pdf_filename("a_b") != pdf_filename("a:b")


@pytest.mark.parametrize(("data", "problem"), [
    (fake_pdf("ok"), None),
    (b"", "empty file"),
    (b"  \n", "empty file"),
    (b"<!DOCTYPE html><html><body>Rate limited</body></html>", "not a PDF (HTML"),
    (b'{"name": "NotFoundError"}', "not a PDF (JSON"),
    (fake_pdf("t")[:700], "truncated"),
    (b"GIF89a" + b"x" * 100 + b"%%EOF", "not a PDF (unknown bytes"),
])
def test_downloads_get_the_parsers_pdf_sniff(data: bytes, problem: str | None) -> None:
    found = bytes_problem(data)
    assert found is None if problem is None else problem in found


def test_zip_members_match_by_id_or_unique_number_only() -> None:
    jobs = [PdfJob("abc", 7), PdfJob("xyz", 12), PdfJob("dup1", 3), PdfJob("dup2", 3)]
    names = ["7_pdf.pdf", "dir/xyz.pdf", "../../99_pdf.pdf", "readme.txt", "3_pdf.pdf", "dup2.pdf"]
    found = {name: job.forum for name, job in match_zip_members(names, jobs).items()}
    assert found == {"7_pdf.pdf": "abc", "dir/xyz.pdf": "xyz", "dup2.pdf": "dup2"}


def test_list_venues(capsys: pytest.CaptureFixture) -> None:
    assert main(["--list-venues"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "ICLR.cc/2023/Conference\tv1" in lines and "ICLR.cc/2024/Conference\tv2" in lines


# ---- crawls against the stub


@pytest.mark.parametrize("api", ["v1", "v2"])
def test_crawl_stores_raw_notes_pages_and_pdfs(stub: OpenReviewStub, tmp_path: Path, api: str) -> None:
    venue = V1 if api == "v1" else V2
    served = stub.add_venue(venue, api, papers=7, replies=4)
    assert crawl(stub, venue, tmp_path) == 0
    assert stored(tmp_path, venue) == served.notes  # byte-for-byte the API's objects, replies included
    root = tmp_path / venue_slug(venue)
    assert json.loads((root / "crawl.json").read_text())["api"] == api  # detected through /groups
    pages = stub.calls("/notes")
    assert len(pages) == 4 and "after" not in pages[0] and all(p["limit"] == "3" for p in pages)
    assert {p["details"] for p in pages} == {"directReplies" if api == "v1" else "replies"}
    for note in served.notes:
        assert (root / "pdfs" / f"{note['id']}.pdf").read_bytes() == served.pdfs[note["id"]]
    if api == "v2":  # batched: one zip for all 7
        assert len(stub.calls("/attachment")) == 1 and not stub.calls("/pdf")
    else:
        assert len(stub.calls("/pdf")) == 7
    assert errors(tmp_path, venue) == []


def test_crawled_notes_feed_the_normalizer(stub: OpenReviewStub, tmp_path: Path) -> None:
    from preprocess.notes.normalize import normalize_note

    for venue, api in (("ICLR.cc/2021/Conference", "v1"), ("ICLR.cc/2024/Conference", "v2")):
        stub.add_venue(venue, api, papers=2, replies=4)
        assert crawl(stub, venue, tmp_path, "--no-pdf") == 0
        papers = [normalize_note(note, venue) for note in stored(tmp_path, venue)]
        assert [len(p.reviews) for p in papers] == [2, 2] and all(p.meta_review for p in papers)
        assert all(r.rating in (3, 5, 6, 8) for p in papers for r in p.reviews)


@pytest.mark.parametrize("api", ["v1", "v2"])
def test_the_review_form_is_saved_once_and_gives_the_build_its_scale(stub: OpenReviewStub, tmp_path: Path,
                                                                     api: str) -> None:
    from preprocess.notes.read import read_papers

    venue = "Example.cc/2099/Workshop"  # in no table: only the saved form can say its scale
    served = stub.add_venue(venue, api, papers=3, replies=4)
    served.rating_options = ["9: superb", "8: good", "6: fine", "5: borderline", "3: weak", "0: void"]
    assert crawl(stub, venue, tmp_path, "--no-pdf") == 0
    forms = json.loads((tmp_path / venue_slug(venue) / "invitations.json").read_text())
    assert sorted(forms) == ["decision", "meta_review", "review"]
    assert forms["review"]["id"].endswith("/-/Official_Review")  # the raw invitation the API answered
    assert crawl(stub, venue, tmp_path, "--no-pdf") == 0
    assert len(stub.calls("/invitations")) == 3, "a rerun does not ask again"
    crawl_notes = read_papers(tmp_path)
    assert {r.rating_scale for p in crawl_notes.papers for r in p.reviews} == {(0, 3, 5, 6, 8, 9)}
    assert crawl_notes.warnings == []
    served.notes[0]["details"]["directReplies" if api == "v1" else "replies"][0]["content"]["rating"] = (
        "7: off the form" if api == "v1" else {"value": 7})
    (tmp_path / venue_slug(venue) / "notes.jsonl").write_text("".join(json.dumps(n) + "\n" for n in served.notes))
    warned = read_papers(tmp_path).warnings
    assert len(warned) == 1 and "notes.jsonl:1: review" in warned[0] and "rating 7 is not on" in warned[0]


def test_known_venue_skips_detection(stub: OpenReviewStub, tmp_path: Path) -> None:
    stub.add_venue("ICLR.cc/2024/Conference", "v2", papers=2)
    assert crawl(stub, "ICLR.cc/2024/Conference", tmp_path, "--no-pdf") == 0
    assert not stub.calls("/groups") and not stub.calls("/attachment")


def test_rerun_skips_what_is_complete(stub: OpenReviewStub, tmp_path: Path) -> None:
    stub.add_venue(V1, "v1", papers=5)
    assert crawl(stub, V1, tmp_path) == 0
    before = (tmp_path / venue_slug(V1) / "notes.jsonl").read_bytes()
    stub.requests.clear()
    assert crawl(stub, V1, tmp_path) == 0
    assert (tmp_path / venue_slug(V1) / "notes.jsonl").read_bytes() == before
    assert [p.get("after") for p in stub.calls("/notes")] == [stored(tmp_path, V1)[-1]["id"]]
    assert not stub.calls("/pdf") and not stub.calls("/groups")  # API remembered in crawl.json


def test_429_with_retry_after_and_500_then_success(stub: OpenReviewStub, tmp_path: Path) -> None:
    served = stub.add_venue(V2, "v2", papers=7)
    stub.faults += [Fault("/notes", 429, skip=1, headers={"Retry-After": "1"}),
                    Fault("/notes", 500, skip=3),
                    Fault("/attachment", 503)]
    started = time.monotonic()
    assert crawl(stub, V2, tmp_path) == 0
    assert time.monotonic() - started >= 1.0  # Retry-After honoured
    assert stored(tmp_path, V2) == served.notes
    assert len(stub.calls("/notes")) == 4 + 2 and len(stub.calls("/attachment")) == 2
    assert len(list((tmp_path / venue_slug(V2) / "pdfs").glob("*.pdf"))) == 7
    assert errors(tmp_path, V2) == []


def test_persistent_5xx_is_logged_and_the_run_goes_on(stub: OpenReviewStub, tmp_path: Path) -> None:
    served = stub.add_venue(V1, "v1", papers=7)
    broken = served.notes[1]["id"]
    stub.faults += [Fault("/notes", 500, skip=2, times=None),  # page 3 never answers
                    Fault("/pdf", 502, times=None, params={"id": broken})]
    assert crawl(stub, V1, tmp_path) == 1  # listing incomplete: not a crash, a non-zero status
    assert stored(tmp_path, V1) == served.notes[:6]
    assert len(stub.calls("/notes")) == 2 + 3  # page 3: first try + 2 retries, then given up
    failed = {(e["item"], e["id"]) for e in errors(tmp_path, V1)}
    assert failed == {("page", f"after={served.notes[5]['id']}"), ("pdf", broken)}
    assert len(list((tmp_path / venue_slug(V1) / "pdfs").glob("*.pdf"))) == 5

    stub.faults.clear()
    assert crawl(stub, V1, tmp_path) == 0
    assert stored(tmp_path, V1) == served.notes
    assert len(list((tmp_path / venue_slug(V1) / "pdfs").glob("*.pdf"))) == 7
    assert errors(tmp_path, V1) == []


def test_a_second_run_is_refused_and_leaves_the_live_error_log_alone(stub: OpenReviewStub, tmp_path: Path,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    stub.add_venue(V1, "v1", papers=2)
    root = tmp_path / venue_slug(V1)
    root.mkdir(parents=True)
    live = '{"item": "pdf", "id": "abc", "reason": "HTTP 502"}\n'
    (root / "errors.jsonl").write_text(live)
    with open(root / ".lock", "w") as lock:  # a live crawl holds the lock
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert crawl(stub, V1, tmp_path) == 2
    assert "another crawl is writing" in caplog.text
    assert (root / "errors.jsonl").read_text() == live
    assert not (root / "notes.jsonl").exists() and stub.calls("/notes") == []


@pytest.mark.parametrize("api", ["v1", "v2"])
def test_html_empty_and_truncated_pdfs_are_not_saved(stub: OpenReviewStub, tmp_path: Path, api: str) -> None:
    venue = V1 if api == "v1" else V2
    served = stub.add_venue(venue, api, papers=6)
    ids = [n["id"] for n in served.notes]
    served.pdfs[ids[0]] = b"<!DOCTYPE html><html><title>Too many requests</title></html>"
    served.pdfs[ids[1]] = b""
    served.pdfs[ids[2]] = fake_pdf(ids[2])[:900]
    stub.faults.append(Fault("/pdf", 200, times=None, params={"id": ids[3]}, content_type="text/html",
                             body=b"<html><body>Please log in</body></html>"))
    assert crawl(stub, venue, tmp_path) == 0
    pdf_dir = tmp_path / venue_slug(venue) / "pdfs"
    saved = sorted(p.name for p in pdf_dir.iterdir())
    expected = [f"{ids[4]}.pdf", f"{ids[5]}.pdf"] + ([f"{ids[3]}.pdf"] if api == "v2" else [])
    assert saved == sorted(expected)  # v2's zip still had a good copy of ids[3]
    reasons = {e["id"]: e["reason"] for e in errors(tmp_path, venue)}
    assert "HTML" in reasons[ids[0]] and "empty" in reasons[ids[1]] and "truncated" in reasons[ids[2]]
    assert (ids[3] in reasons) == (api == "v1")


def test_hostile_forum_id_stays_inside_out(stub: OpenReviewStub, tmp_path: Path) -> None:
    served = stub.add_venue(V1, "v1", papers=2)
    evil = dict(served.notes[0], id="../../../../escape", forum="../../../../escape")
    stub.add_note(V1, evil, pdf=fake_pdf("evil"))
    out = tmp_path / "out"
    assert crawl(stub, V1, out) == 0
    assert any(n["id"] == evil["id"] for n in stored(out, V1))  # raw id kept in notes.jsonl
    assert [p for p in tmp_path.rglob("*") if out not in p.parents and p != out] == []
    pdfs = list((out / venue_slug(V1) / "pdfs").iterdir())
    assert len(pdfs) == 3 and any(p.read_bytes() == fake_pdf("evil") for p in pdfs)


def test_torn_last_line_is_cut_and_the_note_fetched_again(stub: OpenReviewStub, tmp_path: Path) -> None:
    served = stub.add_venue(V2, "v2", papers=5)
    root = tmp_path / venue_slug(V2)
    root.mkdir(parents=True)
    whole = "".join(json.dumps(n, ensure_ascii=False) + "\n" for n in served.notes[:3]).encode()
    fragment = json.dumps(served.notes[3]).encode()[:100]
    (root / "notes.jsonl").write_bytes(whole + fragment)
    assert crawl(stub, V2, tmp_path, "--no-pdf") == 0
    data = (root / "notes.jsonl").read_bytes()
    assert data.startswith(whole)  # complete lines untouched
    assert stored(tmp_path, V2) == served.notes  # every note exactly once
    assert (root / "notes.torn").read_bytes() == fragment + b"\n"
    assert stub.calls("/notes")[0]["after"] == served.notes[2]["id"]


def test_credentials_are_used_and_never_shown(stub: OpenReviewStub, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture,
                                              caplog: pytest.LogCaptureFixture) -> None:
    stub.add_venue(V2, "v2", papers=3)
    stub.faults.append(Fault("/attachment", 500, times=None, body=f"echo {PASSWORD}".encode()))
    monkeypatch.setenv("OPENREVIEW_USERNAME", "reviewer@example.org")
    monkeypatch.setenv("OPENREVIEW_PASSWORD", PASSWORD)
    assert crawl(stub, V2, tmp_path) == 0
    assert stub.calls("/pdf") and all(auth for _, path, _, auth in stub.requests if path == "/notes")
    monkeypatch.setenv("OPENREVIEW_PASSWORD", PASSWORD + "-wrong")
    assert crawl(stub, V2, tmp_path / "b") == 2  # login refused: the crawl does not start
    shown = capsys.readouterr()
    files = "".join(p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file())
    assert PASSWORD not in shown.out + shown.err + caplog.text + files
    assert "login failed" in caplog.text


def test_folder_keeps_one_api(stub: OpenReviewStub, tmp_path: Path) -> None:
    stub.add_venue(V1, "v1", papers=2)
    assert crawl(stub, V1, tmp_path, "--no-pdf") == 0
    assert crawl(stub, V1, tmp_path, "--no-pdf", "--api", "v2") == 2


def test_kill_9_and_resume(stub: OpenReviewStub, tmp_path: Path) -> None:
    served = stub.add_venue(V1, "v1", papers=12, replies=3)
    stub.page_delay, stub.pdf_delay = 0.15, 0.08
    root = tmp_path / venue_slug(V1)
    cmd = [sys.executable, "-m", "preprocess.crawl", "--venue", V1, "--out", str(tmp_path),
           "--baseurl", stub.url, "--page-size", "2", *FAST]
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENREVIEW_")}

    def run_until(ready) -> None:
        with open(tmp_path / "stderr.txt", "w") as log:
            proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=log)
            deadline = time.monotonic() + 20
            while not ready() and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.01)
            os.kill(proc.pid, signal.SIGKILL)
            assert proc.wait() == -signal.SIGKILL, (tmp_path / "stderr.txt").read_text()[-2000:]

    def lines() -> int:
        path = root / "notes.jsonl"
        return path.read_bytes().count(b"\n") if path.exists() else 0

    def pdfs() -> int:
        return len(list((root / "pdfs").glob("*.pdf"))) if (root / "pdfs").exists() else 0

    run_until(lambda: lines() >= 3)
    assert 3 <= lines() < 12 and pdfs() == 0  # killed while listing
    run_until(lambda: pdfs() >= 2)
    assert lines() == 12 and 2 <= pdfs() < 12  # killed while downloading
    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert stored(tmp_path, V1) == served.notes  # every note exactly once, in order
    for note in served.notes:
        assert (root / "pdfs" / f"{note['id']}.pdf").read_bytes() == served.pdfs[note["id"]]
    assert sorted(p.name for p in (root / "pdfs").iterdir()) == sorted(f"{n['id']}.pdf" for n in served.notes)


def test_benchmark_runs_small(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "bench/crawl.py", "--papers", "30", "--out", str(tmp_path)],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "notes/s" in done.stdout and "peak RSS" in done.stdout
