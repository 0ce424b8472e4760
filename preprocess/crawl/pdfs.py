"""PDF side of the crawl: safe file names, validation, batch and single downloads, atomic saves.

A PDF is saved only whole: downloaded into memory, checked (`preprocess/pdf/sniff.py`: `%PDF-` header,
`%%EOF` at the end, not HTML, not empty), written to a temp file beside the target and renamed over it.
Anything else is reported through `on_error` and nothing is written.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from tqdm import tqdm

from preprocess.core.jsonl import atomic_open
from preprocess.pdf.sniff import bytes_problem

PDF_BATCH = 50  # API v2 `/attachment?ids=` takes at most 50 ids and answers a zip
log = logging.getLogger(__name__)

MAX_PDF_BYTES = 200 << 20  # a zip member larger than this is not read (zip-bomb guard)
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


@dataclass(frozen=True)
class PdfJob:
    """One submission whose PDF is wanted: its forum id and submission number."""

    forum: str
    number: int | None = None

    @property
    def filename(self) -> str:
        return pdf_filename(self.forum)


def pdf_filename(forum_id: str) -> str:
    """A file name for a forum id that cannot leave its folder.

    Ids OpenReview issues (`[A-Za-z0-9_-]`) map to `<id>.pdf` unchanged; any other id keeps its safe
    characters plus a hash of the original, so two odd ids never share a file.
    """
    clean = _UNSAFE.sub("_", forum_id)[:80]
    if clean != forum_id or not clean:
        digest = hashlib.sha256(forum_id.encode("utf-8", "surrogatepass")).hexdigest()[:12]
        clean = f"{clean.strip('_')[:64] or 'id'}_{digest}"
    return clean + ".pdf"


def match_zip_members(names: Sequence[str], jobs: Sequence[PdfJob]) -> dict[str, PdfJob]:
    """Zip member -> job: by forum id (`<id>.pdf`) or by a submission number unique in the batch
    (`<number>_pdf.pdf`). Member names are only compared, never used as paths (no zip-slip).
    """
    by_id = {job.forum: job for job in jobs}
    numbers = Counter(job.number for job in jobs)
    by_number = {str(job.number): job for job in jobs if job.number is not None and numbers[job.number] == 1}
    found: dict[str, PdfJob] = {}
    for name in names:
        stem = PurePosixPath(name).name
        stem = stem[:-4] if stem.lower().endswith(".pdf") else stem
        number = re.match(r"(\d+)(?:_|$)", stem)
        job = by_id.get(stem) or (by_number.get(number.group(1)) if number else None)
        if job:
            found[name] = job
    return found


class PdfFetcher:
    """Downloads PDFs with an openreview-py client: zips of up to 50 on API v2, one by one otherwise."""

    def __init__(self, client: Any, api: str, pdf_dir: Path, before_call: Callable[[], None],
                 on_error: Callable[[str, str], None], describe: Callable[[BaseException], str]):
        self.client, self.api, self.pdf_dir = client, api, pdf_dir
        self.before_call, self.on_error, self.describe = before_call, on_error, describe
        self.saved = 0

    def clean_temp_files(self) -> int:
        """Remove temp files a killed run left behind (only ours: `.<name>.pdf.*.tmp`)."""
        stale = list(self.pdf_dir.glob(".*.pdf.*.tmp"))
        for path in stale:
            path.unlink(missing_ok=True)
        return len(stale)

    def fetch(self, jobs: Sequence[PdfJob], desc: str = "pdfs") -> int:
        """Fetch every job's PDF; returns how many were saved."""
        self.pdf_dir.mkdir(parents=True, exist_ok=True)
        with tqdm(total=len(jobs), desc=desc, unit="pdf") as bar:
            for start in range(0, len(jobs), PDF_BATCH):
                batch = jobs[start:start + PDF_BATCH]
                left = self._fetch_zip(batch, bar) if self.api == "v2" and len(batch) > 1 else batch
                for job in left:
                    self._fetch_one(job)
                    bar.update()
        return self.saved

    def _fetch_zip(self, batch: Sequence[PdfJob], bar: tqdm) -> list[PdfJob]:
        """Save what one `/attachment?ids=` zip holds; return the jobs it did not cover."""
        self.before_call()
        try:
            blob = self.client.get_attachment(field_name="pdf", ids=[job.forum for job in batch])
            with zipfile.ZipFile(io.BytesIO(blob)) as archive:
                members = match_zip_members(archive.namelist(), batch)
                if len(members) < len(archive.namelist()):
                    log.warning("zip member names not matched to ids: %s", archive.namelist()[:3])
                for name, job in members.items():
                    if archive.getinfo(name).file_size <= MAX_PDF_BYTES:
                        data = archive.read(name)
                        if bytes_problem(data) is None and self._save(job, data):
                            bar.update()
        except Exception as exc:  # any failure of the batch: fall back to single downloads
            log.warning("zip of %d PDFs failed (%s); fetching them one by one", len(batch),
                        self.describe(exc))
        return [job for job in batch if not (self.pdf_dir / job.filename).exists()]

    def _fetch_one(self, job: PdfJob) -> None:
        self.before_call()
        try:
            data = self.client.get_pdf(job.forum)
        except Exception as exc:  # OpenReviewException after retries, requests errors: log, go on
            self.on_error(job.forum, self.describe(exc))
            return
        problem = bytes_problem(data)
        if problem:
            self.on_error(job.forum, problem)
        else:
            self._save(job, data)

    def _save(self, job: PdfJob, data: bytes) -> bool:
        target = self.pdf_dir / job.filename
        if target.resolve().parent != self.pdf_dir.resolve():  # belt and braces after pdf_filename
            self.on_error(job.forum, "unsafe file name")
            return False
        with atomic_open(target, "wb") as handle:
            handle.write(data)
        self.saved += 1
        return True
