"""A scripted OpenAI-compatible `/v1/chat/completions` server on 127.0.0.1 for the eval client tests."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# script(messages) -> (HTTP status, text): with status 200 the text is wrapped as the assistant's chat reply,
# otherwise sent as the body; status 299 sends the text verbatim with a 200 (a malformed "success").
Script = Callable[[list[dict]], tuple[int, str]]


class StubChatServer:
    """Answers each POST with `script(messages)`; records every request (body and headers)."""

    def __init__(self, script: Script):
        self.script = script
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with stub.lock:
                    stub.requests.append({"path": self.path, "body": body,
                                          "auth": self.headers.get("Authorization")})
                status, text = stub.script(body["messages"])
                if status == 200:
                    message = {"role": "assistant", "content": text}
                    text = json.dumps({"choices": [{"index": 0, "message": message}]})
                payload = text.encode()
                self.send_response(200 if status == 299 else status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> StubChatServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
