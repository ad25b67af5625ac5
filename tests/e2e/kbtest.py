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
GNOME_HELP = "/usr/share/help/C/gnome-help"


def run_indexer(data, *args, check=True, timeout=600, input=None):
    """Runs kb-indexer --data DATA ARGS; returns the CompletedProcess."""
    p = subprocess.run([INDEXER, "--data", str(data), *args], capture_output=True, text=True,
                       timeout=timeout, input=input)
    if check and p.returncode != 0:
        raise AssertionError("kb-indexer %s failed (%d):\nstdout: %s\nstderr: %s"
                             % (" ".join(args), p.returncode, p.stdout, p.stderr))
    return p


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
