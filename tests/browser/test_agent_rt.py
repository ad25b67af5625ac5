"""Issue 17 part 4 in a browser: an agent opens a Request Tracker ticket in
the console (/agent?rt=N, and the RT field) and sees assist's suggestions for
it without copy and paste: the ticket's words in the form, a similar resolved
ticket synced from RT, the requestor's previous case and the suggested team.
Against a real RT 5 (tests/e2e/rt.py)."""
import os
import tempfile
import shutil

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import USERS
from kbtest import SAMPLES, run_indexer
from rt import rt, rt_template  # noqa: F401
from server import KbServer, add_user


def wait(drv, cond, timeout=20):
    return WebDriverWait(drv, timeout, poll_frequency=0.1).until(cond)


def texts(drv, sel):
    return [e.get_attribute("textContent") for e in drv.find_elements(By.CSS_SELECTOR, sel)]


@pytest.fixture
def kb(rt):  # noqa: F811
    d = tempfile.mkdtemp(prefix="kb-browser-rt-")
    run_indexer(d, "add", os.path.join(SAMPLES, "articles"))
    for role, (name, pw) in USERS.items():
        add_user(d, name, pw, role)
    with KbServer(d, "--rt-sync-interval", "0") as srv:
        yield srv
    shutil.rmtree(d, ignore_errors=True)


def test_agent_opens_rt_ticket_and_sees_suggestions(kb, rt, browser):  # noqa: F811
    srv = kb
    admin = srv.login(*USERS["admin"])
    r = admin.put(srv.url("/api/v1/admin/rt-sync"),
                  json={"url": rt.url, "token": rt.token, "queue": rt.queue})
    assert r.status_code == 200, r.text
    old = rt.create_ticket(Subject="Quuxotron projector flickers green",
                           Requestor="dana@example.com",
                           Content="The quuxotron projector flickers green on HDMI.")
    rt.api("POST", "ticket/%d/correspond" % old,
           json={"Content": "Swapped the HDMI cable for a shielded one.",
                 "ContentType": "text/plain"})
    rt.api("PUT", "ticket/%d" % old, json={"Status": "resolved"})
    r = admin.post(srv.url("/api/v1/admin/rt-sync/run"))
    assert r.status_code == 200 and r.json()["added"] == 1, r.text
    new = rt.create_ticket(Subject="Quuxotron projector picture flickers",
                           Requestor="dana@example.com", Content="Green flicker again.",
                           CustomFields={"Unit": "QX-9"})

    b = browser
    from conftest import login
    login(b, srv, "agent")
    b.get(srv.url("/agent?rt=%d" % new))
    wait(b, lambda d: "rt-%d" % old in " ".join(
        e.get_attribute("data-id") or "" for e in d.find_elements(By.CSS_SELECTOR, "#tickets li")))
    says = b.find_element(By.ID, "says").get_attribute("value")
    assert says.startswith("Quuxotron projector picture flickers") and "Green flicker" in says
    assert b.find_element(By.ID, "customer").get_attribute("value") == "dana@example.com"
    assert b.find_element(By.ID, "unit").get_attribute("value") == "QX-9"
    link = b.find_element(By.CSS_SELECTOR, "#rt-status a")
    assert link.get_attribute("href").endswith("/Ticket/Display.html?id=%d" % new)
    wait(b, lambda d: d.find_element(By.ID, "sug-team").text.startswith(rt.queue))
    assert any("Swapped the HDMI cable" in t for t in texts(b, "#tickets li"))
    wait(b, lambda d: any("Quuxotron" in t for t in texts(d, "#customer-tickets li")))

    # The field: another number, and a clear message for one RT does not have.
    field = b.find_element(By.ID, "rt-number")
    field.clear()
    field.send_keys("99999")
    b.find_element(By.CSS_SELECTOR, "#rt-form button[type=submit]").click()
    wait(b, lambda d: "Cannot open RT ticket 99999" in d.find_element(By.ID, "rt-status").text)
    field.clear()
    field.send_keys(str(old))
    b.find_element(By.CSS_SELECTOR, "#rt-form button[type=submit]").click()
    wait(b, lambda d: d.find_element(By.ID, "says").get_attribute("value")
         .startswith("Quuxotron projector flickers green"))
