"""`make review-ui` in a real headless browser (Debian's chromium driven by Playwright, from PyPI), and under
load through Gradio's own Python client.

The page runs as `make review-ui` in its own process group on a free port, serving the tiny model as
`saves/tiny/merged` under pytest's temp dir; screenshots land in the test's temp dir.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from conftest import free_port, generated_pdf, serving
from raw_pdfs import slow_pdf

pytestmark = pytest.mark.slow
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# Headless flags that work on these machines: without the background-networking ones Chromium keeps
# calling Google's hosts, which a closed network refuses.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
UPLOAD_CAP_MB = 2  # small, so the cap itself is tested; the generated paper is ~10 KB, the slow one ~1 MB
PARSE_TIMEOUT_S = 60


def need_browser() -> None:
    """Skip without chromium or playwright, except under CI=true, where both must be installed."""
    missing = [what for what, ok in (("Debian's chromium at " + str(CHROMIUM), CHROMIUM.exists()),
                                     ("the playwright package", importlib.util.find_spec("playwright")))
               if not ok]
    if missing:
        message = (f"{' and '.join(missing)} missing: `apt-get install chromium` and "
                   "`.venv/bin/pip install -r requirements.txt` (never `playwright install`)")
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("review_ui")


@pytest.fixture(scope="module")
def page_url(work: Path, tiny_model: Path) -> Iterator[str]:
    """`make review-ui` serving the tiny model; yields its URL; the process group is stopped after."""
    (work / "saves" / "tiny").mkdir(parents=True)
    (work / "saves" / "tiny" / "merged").symlink_to(tiny_model)
    port = free_port()
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_TEMP_DIR": str(work / "gradio")}
    log_path = work / "ui.log"
    cmd = ["make", "--no-print-directory", "review-ui", "RECIPE=tiny", f"SAVES_DIR={work / 'saves'}",
           f"ARGS=--max-upload-mb {UPLOAD_CAP_MB} --parse-timeout {PARSE_TIMEOUT_S}"]
    url = f"http://127.0.0.1:{port}/"
    with serving(cmd, url, log_path, env, timeout=180) as proc:  # imports + tiny model load: ~15 s on 2 cores
        yield url
        assert proc.poll() is None, "the server died during the test"


def choose(page, path: Path) -> None:
    """Put `path` in the PDF box, clearing the file already there (the box then hides its file input)."""
    if page.locator("#pdf table").count():  # a file is listed
        page.locator("#pdf button[aria-label='Clear']").click()
    page.locator("#pdf input[type=file]").set_input_files(path)


def test_upload_a_pdf_get_a_review_and_bad_files_show_errors(page_url: str, tmp_path: Path):
    need_browser()
    from playwright.sync_api import expect, sync_playwright

    paper = generated_pdf(tmp_path / "paper.pdf")
    fake = tmp_path / "fake.pdf"
    fake.write_text("<!doctype html><html><body>Sign in to continue</body></html>")
    text = tmp_path / "notes.txt"
    text.write_text("not a paper")
    big = tmp_path / "big.pdf"
    shutil.copy(paper, big)
    with open(big, "ab") as handle:
        handle.write(b"%" + b"x" * int(UPLOAD_CAP_MB * 1024 * 1024) + b"\n%%EOF\n")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(page_url)
            expect(page.locator("#pdf input[type=file]")).to_have_count(1)  # the page has rendered
            note, review = page.locator("#note"), page.locator("#review")

            # A PDF with a typed title: a review appears, with the note on kept tokens.
            choose(page, paper)
            expect(page.locator("#pdf").get_by_role("cell", name="paper.pdf")).to_be_visible()
            page.locator("#title textarea").fill("A typed title")
            page.click("#review-button")
            expect(note).to_contain_text("Paper tokens kept:", timeout=120_000)
            expect(note).to_contain_text("Prompt")
            assert review.inner_text().strip(), "no review on the page"
            page.screenshot(path=tmp_path / "review.png", full_page=True)
            expect(page.locator("#review-2")).to_have_text("")  # one reviewer: no committee

            # Three reviewers: three reviews side by side, the meta-review and the decision line.
            page.locator("#reviewers input[type=number]").fill("3")
            page.locator("#reviewers input[type=number]").press("Enter")
            choose(page, paper)
            page.click("#review-button")
            expect(page.locator("#review-3")).to_contain_text("Review 3 (seed 44", timeout=180_000)
            expect(page.locator("#review")).to_contain_text("Review 1 (seed 42")
            expect(page.locator("#meta-review")).to_contain_text("Consensus strengths")
            expect(page.locator("#decision")).to_contain_text("Decision")
            expect(note).to_contain_text("3 reviewers at temperature 0.4")
            page.screenshot(path=tmp_path / "committee.png", full_page=True)
            page.locator("#reviewers input[type=number]").fill("1")
            page.locator("#reviewers input[type=number]").press("Enter")

            # A file named .pdf that is HTML: our parser's error, naming the file; the old review goes.
            choose(page, fake)
            expect(page.locator("#pdf").get_by_role("cell", name="fake.pdf")).to_be_visible()
            page.click("#review-button")
            expect(note).to_contain_text("Error: fake.pdf could not be read: not a PDF (HTML", timeout=60_000)
            expect(review).to_have_text("")
            page.screenshot(path=tmp_path / "error.png", full_page=True)

            # Not a PDF by name, and a PDF over the upload cap: Gradio refuses both before we see them.
            choose(page, text)
            expect(page.get_by_text("Invalid file type")).to_be_visible()
            choose(page, big)
            expect(page.get_by_text("File size exceeds the maximum allowed size")).to_be_visible()
            page.screenshot(path=tmp_path / "refused.png", full_page=True)
        finally:
            browser.close()
    assert requests.get(page_url, timeout=5).status_code == 200, "the server stopped answering"
    assert all((tmp_path / name).stat().st_size > 0
               for name in ("review.png", "committee.png", "error.png", "refused.png"))


def test_a_slow_pdf_does_not_hold_up_the_requests_behind_it(page_url: str, work: Path, tmp_path: Path):
    """One slow PDF (~6 s to parse alone) sent first, four normal ones right after: each normal one is
    answered in well under the slow one's time, and every upload is gone from the server afterwards."""
    from gradio_client import Client, handle_file

    slow = slow_pdf(tmp_path / "slow_upload.pdf", 200_000)
    normal = [generated_pdf(tmp_path / f"normal_upload{i}.pdf") for i in range(4)]
    client = Client(page_url, verbose=False)
    start = time.monotonic()

    def ask(pdf: Path) -> tuple[float, str, str]:
        review, note, box, *_ = client.predict(handle_file(str(pdf)), "", "", "", "", 0.0, 16, 1,
                                               api_name="/review")
        assert box is None, "the upload box is emptied"
        return time.monotonic() - start, review, note

    with ThreadPoolExecutor(5) as pool:
        slow_job = pool.submit(ask, slow)
        time.sleep(1.0)  # the slow parse has begun
        normal_jobs = [pool.submit(ask, pdf) for pdf in normal]
        answers = [job.result(timeout=300) for job in normal_jobs]
        slow_time, _, slow_note = slow_job.result(timeout=300)
    for seconds, review, note in answers:
        assert review and "Paper tokens kept:" in note, note
        assert seconds < slow_time / 2, f"a normal request took {seconds:.1f} s, the slow one {slow_time:.1f} s"
    assert "no paper body" in slow_note, slow_note  # parsed in the end: one page of overdrawn words, no body
    print(f"slow {slow_time:.1f} s; normal {', '.join(f'{a[0]:.1f}' for a in answers)} s")
    left = [p.name for p in (work / "gradio").rglob("*_upload*.pdf")]
    assert left == [], f"uploads left on the server: {left}"
