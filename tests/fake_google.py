"""A real HTTP server on 127.0.0.1 that plays Google's endpoints for ``tikdb pull``.

Each route answers with scripted replies, in order (the last one repeats): a CSV, a
redirect, a sign-in page, a 429 with Retry-After, a 5xx, a slow answer, a body cut
short. Every request is recorded (method, path, query, headers, body) for the tests to
inspect, e.g. the signed JWT grant that reaches the token endpoint.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: bytes | str | dict | list = b""
    headers: dict[str, str] = field(default_factory=dict)
    cut_to: int | None = None  # send only this many bytes of the body, then hang up
    delay: float = 0.0  # wait this long before answering

    def payload(self) -> tuple[bytes, str]:
        if isinstance(self.body, dict | list):
            return json.dumps(self.body).encode(), "application/json; charset=UTF-8"
        if isinstance(self.body, str):
            return self.body.encode("utf-8"), "text/plain; charset=utf-8"
        return self.body, "application/octet-stream"


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names in lower case
    body: bytes


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up mid-answer (timeouts, bodies cut short) is expected here;
    the standard server would print its traceback on stderr, into another test's output."""

    def handle_error(self, request, client_address) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeGoogle:
    """``with FakeGoogle() as google: google.on("/path", Reply(...)); google.url``."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def on(self, path: str, *replies: Reply) -> None:
        self.routes[path] = list(replies)

    def requests_to(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    def __enter__(self) -> FakeGoogle:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next(self, path: str) -> Reply:
        with self._lock:
            replies = self.routes.get(path)
            if not replies:
                return Reply(404, b"no such route")
            return replies.pop(0) if len(replies) > 1 else replies[0]

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def _answer(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                fake.seen.append(
                    Seen(
                        self.command,
                        urllib.parse.unquote(parts.path),
                        dict(urllib.parse.parse_qsl(parts.query)),
                        {k.lower(): v for k, v in self.headers.items()},
                        body,
                    )
                )
                reply = fake._next(urllib.parse.unquote(parts.path))
                if reply.delay:
                    time.sleep(reply.delay)
                data, content_type = reply.payload()
                self.send_response(reply.status)
                headers = {"Content-Type": content_type, **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(data if reply.cut_to is None else data[: reply.cut_to])
                self.wfile.flush()
                self.close_connection = True

            do_GET = _answer
            do_POST = _answer

        return Handler


def jwt_parts(token: str) -> tuple[dict, dict, bytes, bytes]:
    """A JWT's header, claims, signed bytes and signature (not verified here)."""
    head, claims, signature = token.split(".")

    def decode(part: str) -> bytes:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))

    return (
        json.loads(decode(head)),
        json.loads(decode(claims)),
        f"{head}.{claims}".encode(),
        decode(signature),
    )
