"""A registry stand-in on 127.0.0.1 for the tests: answers each request from a script of (status, body, delay),
optionally with headers and a body sent a byte at a time (`drip` seconds apart), and records what it was asked."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Script:
    answers: list[tuple[int, bytes, float]]  # popped in order; the last one repeats
    requests: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # sent with every answer
    drip: float = 0.0  # seconds between the body's bytes (0: all at once)


@contextmanager
def registry_server(script: Script) -> Iterator[str]:
    """The server's base URL, http://127.0.0.1:PORT, while the block runs."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            script.requests.append(self.path)
            status, body, delay = script.answers.pop(0) if len(script.answers) > 1 else script.answers[0]
            if delay:
                time.sleep(delay)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in script.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if not script.drip:
                    self.wfile.write(body)
                for byte in body if script.drip else b"":
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(script.drip)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
