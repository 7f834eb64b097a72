"""A work-group robot for the tests: a real HTTP server on 127.0.0.1 that records what it is sent
and answers with the statuses it is told to, in order (then 200)."""

import json
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Robot:
    def __init__(self, statuses=(), delay_s: float = 0.0):
        self.statuses = list(statuses)
        self.delay_s = delay_s
        self.received: list[dict] = []
        self.lock = threading.Lock()
        self.url = ""

    def answer(self, body: dict) -> int:
        with self.lock:
            self.received.append(body)
            return self.statuses.pop(0) if self.statuses else 200


@contextmanager
def robot(statuses=(), delay_s: float = 0.0):
    """Yields a Robot listening at robot.url until the block ends."""
    state = Robot(statuses, delay_s)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length).decode("utf-8"))
            time.sleep(state.delay_s)
            status = state.answer(body)
            answer = json.dumps({"errcode": 0 if status == 200 else 1, "errmsg": "ok"}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/cgi-bin/webhook/send?key=test"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
