"""pytest picks up the shared fixtures from kbtest.py (a module with a name of
its own, so the browser tests can import it too) and the real Request Tracker
from rt.py."""
from kbtest import data_dir, demo_kb  # noqa: F401
from rt import missing, rt, rt_template  # noqa: F401


def pytest_terminal_summary(terminalreporter):
    """Says why the Request Tracker tests skipped, even under -q."""
    why = missing()
    if why:
        terminalreporter.write_line("Request Tracker tests skipped: %s (scripts/deps-test.sh "
                                    "installs request-tracker5 rt5-db-sqlite)" % why)
