"""A fault-injecting HTTP proxy in front of the real Request Tracker
(tests/e2e/rt.py): every request goes on to RT unchanged, unless a rule
matches its path, which then answers 500, answers garbage with a 200, or
waits before passing it on. The faults are RT's own answers made worse, not
a fake RT.

    with RtProxy(rt.url) as p:          # p.url goes in the sync's settings
        p.fault("/attachments", "500")  # until p.clear()
"""
import http.server
import threading
import time

import requests

from rt import free_port


class RtProxy:
    def __init__(self, target):
        self.target = target.rstrip("/")
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.rules = []      # [path substring, kind, seconds, requests to pass first]
        self.seen = []       # paths asked, in order
        self.faulted = []    # paths a rule answered
        self.lock = threading.Lock()
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def handle_one(self):
                n = int(self.headers.get("Content-Length", "0") or 0)
                body = self.rfile.read(n) if n else None
                with outer.lock:
                    outer.seen.append(self.path)
                    rule = next((r for r in outer.rules if r[0] in self.path), None)
                    if rule and rule[3] > 0:
                        rule[3] -= 1
                        rule = None
                    if rule:
                        outer.faulted.append(self.path)
                if rule and rule[1] == "delay":
                    time.sleep(rule[2])
                elif rule and rule[1] == "500":
                    return self.answer(500, b'{"message":"Internal Server Error"}')
                elif rule and rule[1] == "garbage":
                    return self.answer(200, b"<html><body>Oops \xff\xfe not JSON</body>")
                elif rule and rule[1] == "shape":
                    return self.answer(200, b'{"message": "JSON, but no list of items"}')
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "content-length", "connection")}
                try:
                    r = requests.request(self.command, outer.target + self.path, data=body,
                                         headers=headers, timeout=60)
                except requests.RequestException:
                    return self.answer(502, b'{"message":"RT unreachable behind the proxy"}')
                self.answer(r.status_code, r.content, r.headers.get("Content-Type"))

            def answer(self, status, body, ctype="application/json"):
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype or "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PUT = do_DELETE = handle_one

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), H)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def fault(self, path_part, kind, seconds=0, after=0):
        """kind: "500", "garbage" (not JSON), "shape" (JSON without the
        answer's fields) or "delay" (seconds before passing on); the
        first `after` matching requests pass unharmed."""
        with self.lock:
            self.rules.append([path_part, kind, seconds, after])

    def clear(self):
        with self.lock:
            self.rules = []

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
