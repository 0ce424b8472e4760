"""A stand-in for a GROBID server on 127.0.0.1: replays recorded TEI for the PDFs it knows.

`POST /api/processFulltextDocument` with the PDF as multipart field `input` answers the TEI whose
PDF has the same SHA-256, 500 for an unknown PDF; `GET /api/isalive` answers `true`. `busy` makes
the next N requests answer 503 (GROBID's "all workers busy"); `delay` stalls every answer.
Every request's form field names are kept in `requests` so tests can check what the client sent.
"""

from __future__ import annotations

import hashlib
import threading
import time
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class GrobidStub:
    """Context manager running the stand-in server on a free port; `url` is its base address."""

    def __init__(self, tei_by_pdf: dict[Path, Path], busy: int = 0, delay: float = 0.0):
        self.tei = {hashlib.sha256(pdf.read_bytes()).hexdigest(): tei.read_bytes() for pdf, tei in tei_by_pdf.items()}
        self.busy, self.delay = busy, delay
        self.requests: list[list[str]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def _answer(self, code: int, body: bytes, ctype: str = "text/plain") -> None:
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if self.path == "/api/isalive":
                    self._answer(200, b"true")
                else:
                    self._answer(404, b"not found")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                if self.path != "/api/processFulltextDocument":
                    return self._answer(404, b"not found")
                head = f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode()
                form = BytesParser(policy=HTTP).parsebytes(head + raw)
                fields = {part.get_param("name", header="content-disposition"): part for part in form.iter_parts()}
                stub.requests.append(sorted(fields))
                if stub.delay:
                    time.sleep(stub.delay)
                if stub.busy > 0:
                    stub.busy -= 1
                    return self._answer(503, b"")
                pdf = fields.get("input")
                tei = stub.tei.get(hashlib.sha256(pdf.get_payload(decode=True)).hexdigest()) if pdf else None
                if tei is None:
                    return self._answer(500, b"[GENERAL] An exception occurred while running Grobid.")
                self._answer(200, tei, "application/xml")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False  # do not wait for a stalled (delay) answer on exit
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> GrobidStub:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
