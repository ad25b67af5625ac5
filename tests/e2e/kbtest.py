"""Shared helpers and fixtures (imported by conftest.py and the browser tests): the built programs, throwaway data directories, and one
demo knowledge base (sample product + installed GNOME help) built per run."""
import json
import os
import shutil
import subprocess
import tempfile

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# KB_BIN_DIR=bin-san runs the suites against the sanitizer build (make sanitize).
BIN_DIR = os.path.join(ROOT, os.environ.get("KB_BIN_DIR", "bin"))
INDEXER = os.path.join(BIN_DIR, "kb-indexer")
SERVER = os.path.join(BIN_DIR, "kb-server")
SAMPLES = os.path.join(ROOT, "samples")
# The sanitizer build is several times slower, more so on a loaded 2-core CI
# machine: it checks memory, not speed. Time bounds a user would notice are
# asserted as stated on the release build (make test); against the sanitizer
# build they are TIME_SCALE times as long.
TIME_SCALE = 4.0 if "san" in os.path.basename(BIN_DIR.rstrip("/")) else 1.0
GNOME_HELP = "/usr/share/help/C/gnome-help"


def run_indexer(data, *args, check=True, timeout=600, input=None):
    """Runs kb-indexer --data DATA ARGS; returns the CompletedProcess."""
    p = subprocess.run([INDEXER, "--data", str(data), *args], capture_output=True, text=True,
                       timeout=timeout, input=input)
    if check and p.returncode != 0:
        raise AssertionError("kb-indexer %s failed (%d):\nstdout: %s\nstderr: %s"
                             % (" ".join(args), p.returncode, p.stdout, p.stderr))
    return p


def sid_number(data, sid):
    """(search number, node) inside an opaque search_id, read with the install
    secret in DATA's store (tests only: clients never can). The layout is
    kb/store/capability.c's: base64url of nonce (16) | number and node, XChaCha20
    with a key derived from the secret (12) | macs."""
    import base64
    import ctypes
    import ctypes.util
    import sqlite3
    con = sqlite3.connect(os.path.join(str(data), "kb.sqlite3"), timeout=10)
    try:
        secret = bytes.fromhex(con.execute("SELECT value FROM meta WHERE key = "
                                           "'install_secret'").fetchone()[0])
    finally:
        con.close()
    na = ctypes.CDLL(ctypes.util.find_library("sodium"))
    assert na.sodium_init() >= 0
    key = ctypes.create_string_buffer(32)
    na.crypto_kdf_derive_from_key(key, ctypes.c_size_t(32), ctypes.c_uint64(2), b"kb-caps1",
                                  secret)
    raw = base64.urlsafe_b64decode(sid + "=" * (-len(sid) % 4))
    assert len(raw) == 52, sid
    body = ctypes.create_string_buffer(raw[16:28], 12)
    na.crypto_stream_xchacha20_xor(body, body, ctypes.c_ulonglong(12), raw[:16] + bytes(8), key)
    b = body.raw
    return int.from_bytes(b[:8], "little"), int.from_bytes(b[8:12], "little")


def query_json(data, *args):
    p = run_indexer(data, "query", "--json", *args)
    return json.loads(p.stdout)


def ids(result):
    return [h["id"] for h in result["hits"]]


@pytest.fixture
def data_dir():
    d = tempfile.mkdtemp(prefix="kb-e2e-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def demo_kb():
    """Sample product articles (public and internal), tickets and GNOME help."""
    d = tempfile.mkdtemp(prefix="kb-demo-")
    run_indexer(d, "add", os.path.join(SAMPLES, "articles"))
    run_indexer(d, "add", os.path.join(SAMPLES, "tickets.jsonl"))
    run_indexer(d, "add", GNOME_HELP)
    yield d
    shutil.rmtree(d, ignore_errors=True)
