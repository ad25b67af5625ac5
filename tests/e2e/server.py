"""A real kb-server on 127.0.0.1 with a free port, for the integration tests.

    with KbServer(data_dir) as srv:
        srv.get("/api/v1/search", params={"q": "wifi"}).json()
        agent = srv.login("agent1", "pw")      # a requests.Session with the cookie
"""
import os
import re
import signal
import subprocess
import threading
import time

import requests

from kbtest import SERVER


class KbServer:
    def __init__(self, data, *extra_args):
        self.data = str(data)
        self.extra = list(extra_args)
        self.proc = None
        self.base = None
        self.log = []

    def start(self):
        self.proc = subprocess.Popen([SERVER, "--data", self.data, "--listen", "127.0.0.1:0",
                                      *self.extra], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                if self.proc.poll() is not None:
                    raise RuntimeError("kb-server exited: %s" % self.proc.stderr.read())
                continue
            m = re.search(r"listening on (https?://127\.0\.0\.1:\d+)", line)
            if m:
                self.base = m.group(1)
                break
        if not self.base:
            raise RuntimeError("kb-server did not say where it listens")
        # Keep draining the pipes so the server never blocks on a full one.
        for stream in (self.proc.stdout, self.proc.stderr):
            threading.Thread(target=self._drain, args=(stream,), daemon=True).start()
        return self

    def _drain(self, stream):
        for line in stream:
            self.log.append(line)

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def url(self, path):
        return self.base + path

    def get(self, path, **kw):
        kw.setdefault("timeout", 30)
        return requests.get(self.url(path), **kw)

    def post(self, path, **kw):
        kw.setdefault("timeout", 30)
        return requests.post(self.url(path), **kw)

    def session(self):
        """A requests.Session whose state-changing requests carry our Origin."""
        s = requests.Session()
        s.headers["Origin"] = self.base
        return s

    def login(self, username, password):
        s = self.session()
        r = s.post(self.url("/api/v1/login"), json={"username": username, "password": password},
                   timeout=30)
        assert r.status_code == 200, r.text
        return s


def add_user(data, username, password, role):
    from kbtest import SERVER as binary
    p = subprocess.run([binary, "--data", str(data), "user", "add", "--role", role, username],
                       input=password + "\n", capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
