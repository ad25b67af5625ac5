"""pytest picks up the shared fixtures from kbtest.py (a module with a name of
its own, so the browser tests can import it too) and the real Request Tracker
from rt.py."""
from kbtest import data_dir, demo_kb  # noqa: F401
from rt import rt, rt_template  # noqa: F401
