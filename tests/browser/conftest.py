"""Browser tests: Debian's chromium, headless, driven by Selenium, against a
real kb-server on 127.0.0.1. On failure a test saves a screenshot to
tests/browser/screenshots/<test>.png."""
import os
import shutil
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

from kbtest import GNOME_HELP, SAMPLES, run_indexer  # noqa: E402
from server import KbServer, add_user  # noqa: E402

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402

SHOTS = os.path.join(HERE, "screenshots")
USERS = {"agent": ("agent1", "agent-pass-123"), "writer": ("writer1", "writer-pass-123"),
         "admin": ("admin1", "admin-pass-123")}


def make_driver(width=1280, height=900):
    opts = Options()
    opts.binary_location = "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=%d,%d" % (width, height)):
        opts.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="kb-chromium-")
    opts.add_argument("--user-data-dir=" + profile)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    drv.implicitly_wait(0)
    drv._kb_profile = profile
    return drv


def quit_driver(drv):
    try:
        drv.quit()
    finally:
        shutil.rmtree(getattr(drv, "_kb_profile", ""), ignore_errors=True)


@pytest.fixture(scope="session")
def kb_data():
    """The demo knowledge base (sample product + GNOME help) and one user per staff role."""
    d = tempfile.mkdtemp(prefix="kb-browser-")
    run_indexer(d, "add", os.path.join(SAMPLES, "articles"))
    run_indexer(d, "topics", os.path.join(SAMPLES, "topics.json"))
    run_indexer(d, "add", os.path.join(SAMPLES, "tickets.jsonl"))
    run_indexer(d, "add", GNOME_HELP)
    for role, (name, pw) in USERS.items():
        add_user(d, name, pw, role)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def server(kb_data):
    with KbServer(kb_data) as s:
        yield s


@pytest.fixture
def browser(request):
    drv = make_driver()
    request.node._kb_driver = drv
    yield drv
    quit_driver(drv)


@pytest.fixture
def phone(request):
    drv = make_driver(390, 844)
    request.node._kb_driver = drv
    yield drv
    quit_driver(drv)


def login(drv, server, role):
    """Logs drv in through the login page as the user of that role."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    name, pw = USERS[role]
    drv.get(server.url("/login"))
    drv.find_element(By.NAME, "username").send_keys(name)
    drv.find_element(By.NAME, "password").send_keys(pw)
    drv.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(drv, 10).until(lambda d: "/login" not in d.current_url)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    drv = getattr(item, "_kb_driver", None)
    if rep.when == "call" and rep.failed and drv is not None:
        os.makedirs(SHOTS, exist_ok=True)
        try:
            drv.save_screenshot(os.path.join(SHOTS, item.name + ".png"))
        except Exception:
            pass
