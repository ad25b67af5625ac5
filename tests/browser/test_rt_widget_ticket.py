"""Issue 17 in a browser: a customer describes a problem in the widget on
another site, follows its "Contact support" link, is shown matching articles
on the contact page and presses "Submit anyway": a ticket is filed in a real
Request Tracker 5 (tests/e2e/rt.py) and the page shows its number."""
import functools
import http.server
import os
import re
import shutil
import sqlite3
import tempfile
import threading
import time

import pytest
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from kbtest import SAMPLES, run_indexer
from rt import KEY_FIELD, rt, rt_template  # noqa: F401
from server import KbServer, add_user

ADMIN_PW = "admin-pass-123"


def wait(drv, cond, timeout=15, msg=""):
    return WebDriverWait(drv, timeout, poll_frequency=0.05, ignored_exceptions=(
        NoSuchElementException, StaleElementReferenceException)).until(lambda d: cond(d), msg)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def kb_rt(rt):
    """A kb-server with the sample articles whose rt destination is rt."""
    d = tempfile.mkdtemp(prefix="kb-browser-rt-")
    run_indexer(d, "add", os.path.join(SAMPLES, "articles"))
    add_user(d, "admin1", ADMIN_PW, "admin")
    try:
        with KbServer(d, "--contact-wait-ms", "8000", "--contact-retry-ms", "200") as srv:
            adm = srv.login("admin1", ADMIN_PW)
            r = adm.put(srv.url("/api/v1/admin/contact/destinations/rt"), timeout=30,
                        json={"enabled": True, "url": rt.url, "token": rt.token,
                              "queue": rt.queue})
            assert r.status_code == 200, r.text
            yield srv
    finally:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def host_page(kb_rt):
    d = tempfile.mkdtemp(prefix="kb-host-")
    with open(os.path.join(d, "index.html"), "w", encoding="utf-8") as f:
        f.write("""<!DOCTYPE html><html><head><meta charset="utf-8"><title>Acme shop</title>
<link rel="icon" href="data:,"></head><body><h1>Acme shop</h1>
<script src="%s/static/widget.js" data-kb-url="%s" async></script>
</body></html>""" % (kb_rt.base, kb_rt.base))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            functools.partial(_Quiet, directory=d))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield "http://127.0.0.1:%d/index.html" % httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()
    shutil.rmtree(d, ignore_errors=True)


def test_submit_anyway_files_a_ticket_in_rt_and_shows_its_number(kb_rt, host_page, rt,
                                                                 browser):
    drv = browser
    drv.get(host_page)
    host = wait(drv, lambda d: d.find_elements(By.CSS_SELECTOR, "div.kb-widget"),
                msg="the widget did not load")[0]
    root = host.shadow_root
    root.find_element(By.CSS_SELECTOR, "button.launcher").click()
    ask = root.find_element(By.CSS_SELECTOR, ".ask button")
    wait(drv, lambda d: ask.is_displayed())
    ask.click()
    subject = root.find_element(By.CSS_SELECTOR, "#kbw-subject")
    subject.clear()
    subject.send_keys("router keeps rebooting")
    matches = root.find_element(By.CSS_SELECTOR, ".matches")
    wait(drv, lambda d: matches.is_displayed() and matches.find_elements(By.CSS_SELECTOR, "a"),
         msg="no matching articles in the widget")
    time.sleep(0.5)  # the debounced deflection has settled on the whole subject
    href = root.find_element(By.CSS_SELECTOR, ".ask-form a.contact").get_attribute("href")
    assert href.startswith(kb_rt.base + "/contact?subject=router"), href

    # The link opens the contact page in a new tab: follow it here.
    drv.get(href)
    box = drv.find_element(By.ID, "deflect")
    wait(drv, lambda d: box.is_displayed() and box.find_elements(By.CSS_SELECTOR,
                                                                 "a.deflect-link"),
         msg="no suggestions on the contact page")
    drv.find_element(By.ID, "description").send_keys("It restarts every ten minutes.")
    drv.find_element(By.ID, "name").send_keys("Grace Hopper")
    drv.find_element(By.ID, "email").send_keys("grace@example.com")
    send = drv.find_element(By.ID, "contact-send")
    wait(drv, lambda d: send.text == "Submit anyway")

    def listed():
        return {int(a.get_attribute("data-article"))
                for a in drv.find_elements(By.CSS_SELECTOR, "#deflect a.deflect-link")}
    shown = None
    while shown != listed():  # the description's own suggestions have arrived
        shown = listed()
        time.sleep(0.6)
    send.click()
    wait(drv, lambda d: "Thank you" in d.find_element(By.TAG_NAME, "h1").text)
    status = drv.find_element(By.CSS_SELECTOR, ".notice p[role=status]").text
    assert "grace@example.com" in status
    m = re.search(r"ticket number is (\d+)", status)
    assert m, status
    n = int(m.group(1))
    assert drv.find_element(By.CSS_SELECTOR, ".notice strong.ticket").text == str(n)

    con = sqlite3.connect(os.path.join(kb_rt.data, "kb.sqlite3"), timeout=10)
    try:
        key = con.execute("SELECT key FROM contact_requests").fetchone()[0]
    finally:
        con.close()
    assert rt.tickets_with_key(key) == [n]
    assert rt.requestors(n) == ["grace@example.com"]
    assert rt.ticket(n)["Subject"] == "router keeps rebooting"
    assert rt.cf(n, KEY_FIELD) == [key]
    comments = [text for typ, text in rt.transactions(n) if typ == "Comment"]
    assert len(comments) == 1
    for number in shown:
        assert "KB-%d" % number in comments[0], (shown, comments[0])
