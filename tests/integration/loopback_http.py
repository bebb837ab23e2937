"""A tiny HTTP server on the host's loopback for the Bazel fixture tests: it serves the
fixture's external archive (as GitHub serves TF's) and is a Bazel HTTP remote cache
(GET/PUT /ac/<sha256>, /cas/<sha256>, as bazel-remote and nginx WebDAV do). It counts
what it answered, so a test can tell a download or a cache hit from a local build."""

import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, Optional


class LoopbackServer:
    def __init__(self, files: Optional[Path] = None, port: int = 0):
        self.files = files
        self.store: Dict[str, bytes] = {}
        self.counts: Counter = Counter()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # Bazel's client (Netty) keeps connections open
            def log_message(self, *args):
                pass

            def do_GET(self):
                data = server.lookup(self.path)
                kind = self.path.strip("/").split("/")[0]
                server.counts[f"GET {kind} {'hit' if data is not None else 'miss'}"] += 1
                if data is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def body(self) -> bytes:
                if "chunked" in (self.headers.get("Transfer-Encoding") or ""):  # Bazel streams its uploads
                    data = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                        chunk = self.rfile.read(size + 2)[:size]
                        if size == 0:
                            return data
                        data += chunk
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def do_HEAD(self):
                data = server.lookup(self.path)
                self.send_response(200 if data is not None else 404)
                self.send_header("Content-Length", str(len(data or b"")))
                self.end_headers()

            def do_PUT(self):
                server.store[self.path] = self.body()
                server.counts[f"PUT {self.path.strip('/').split('/')[0]}"] += 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def lookup(self, path: str) -> Optional[bytes]:
        if path in self.store:
            return self.store[path]
        if self.files is not None:
            candidate = self.files / Path(path).name
            if candidate.is_file():
                return candidate.read_bytes()
        return None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "LoopbackServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
