"""pytest picks up the shared fixtures from kbtest.py (a module with a name of
its own, so the browser tests can import it too)."""
from kbtest import data_dir, demo_kb  # noqa: F401
