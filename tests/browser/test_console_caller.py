"""The agent console puts the caller first (issue 20): the customer's and
unit's previous cases at the top with a repeat-unit flag, its own search
with filters, a similar ticket's solving article as a link, empty states
that say what is empty, and keyboard shortcuts."""
import datetime
import json
import os
import re
import tempfile
import shutil

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import login, make_driver, quit_driver, USERS
from kbtest import SAMPLES, run_indexer
from server import KbServer, add_user


def ago(days):
    t = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=days)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def ticket(tid, customer, unit, days, subject, linked=None):
    t = {"id": tid, "subject": subject, "description": "The zqfrob light blinks amber again.",
         "resolution": "Power-cycled the zqfrob.", "customer": customer, "unit": unit,
         "product": "Nimbus Router 5", "category": "hardware", "team": "Tier 1",
         "created": ago(days), "resolved": ago(days)}
    if linked:
        t["linked_article"] = linked
    return t


TICKETS = [
    ticket("CC-1", "yuki@example.com", "U-LEMON", 5, "Zqfrob cloud password reset mail never arrives",
           "articles/reset-cloud-password"),
    ticket("CC-2", "yuki@example.com", "U-LEMON", 30, "Zqfrob light blinks amber"),
    ticket("CC-3", "Yuki Tanaka", "U-LEMON", 70, "Zqfrob restarts at night"),
    ticket("CC-4", "Bo Lind", "U-TWICE", 10, "Zqfrob fan loud"),
    ticket("CC-5", "Bo Lind", "U-TWICE", 20, "Zqfrob fan loud again"),
]
WORDS = ("Hi, my zqfrob light blinks amber again since this morning and the internet "
         "drops every few minutes. I already restarted it twice. Thanks, Yuki")


@pytest.fixture(scope="module")
def server():
    d = tempfile.mkdtemp(prefix="kb-console-caller-")
    f = os.path.join(d, "t.jsonl")
    with open(f, "w") as out:
        out.write("".join(json.dumps(t) + "\n" for t in TICKETS))
    run_indexer(d, "add", os.path.join(SAMPLES, "articles"))
    run_indexer(d, "add", f)
    for role in ("agent", "admin"):
        name, pw = USERS[role]
        add_user(d, name, pw, role)
    with KbServer(d) as s:
        yield s
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def desk(request):
    drv = make_driver(1366, 900)
    request.node._kb_driver = drv
    yield drv
    quit_driver(drv)


def wait(drv, cond, timeout=10):
    # A list the page re-renders mid-check leaves stale elements: look again.
    return WebDriverWait(drv, timeout, poll_frequency=0.1,
                         ignored_exceptions=[StaleElementReferenceException]).until(cond)


def css(drv, sel):
    return drv.find_element(By.CSS_SELECTOR, sel)


def csss(drv, sel):
    return drv.find_elements(By.CSS_SELECTOR, sel)


def paste(drv, sel, text):
    drv.execute_script("var t = arguments[0]; t.focus(); t.value = arguments[1];"
                       "t.dispatchEvent(new Event('input', {bubbles: true}));", css(drv, sel), text)


def in_viewport(drv, elem):
    return drv.execute_script(
        "var r = arguments[0].getBoundingClientRect();"
        "return r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0 &&"
        " r.bottom <= window.innerHeight && r.right <= window.innerWidth;", elem)


def open_case(drv, server, customer, unit, words=WORDS):
    login(drv, server, "agent")
    drv.get(server.url("/agent"))
    css(drv, "#customer").send_keys(customer)
    css(drv, "#unit").send_keys(unit)
    paste(drv, "#says", words)
    wait(drv, lambda d: csss(d, "#tickets li.ticket"), 15)


def test_previous_cases_and_repeat_flag_show_first(server, desk):
    b = desk
    open_case(b, server, "Yuki", "U-LEMON")
    wait(b, lambda d: len(csss(d, "#customer-tickets li.ticket")) == 3 and
         len(csss(d, "#unit-tickets li.ticket")) == 3)
    assert b.execute_script("return window.scrollY") == 0
    panel = css(b, "#previous-panel")
    assert in_viewport(b, panel), panel.rect
    for sel in ("#customer-tickets li.ticket", "#unit-tickets li.ticket", "#repeat-flag"):
        assert in_viewport(b, css(b, sel)), sel
    # each heading counts its cases, so more below the first in view are known
    assert css(b, "#cust-h").text == "Customer Yuki \u00b7 3 cases"
    assert css(b, "#unit-h").text == "Unit U-LEMON \u00b7 3 cases"
    flag = css(b, "#repeat-flag")
    assert flag.is_displayed()
    assert re.search(r"3 tickets in 90 days", flag.text), flag.text
    # previous cases come before the suggestions
    assert panel.rect["y"] < css(b, "#articles-panel").rect["y"]

    # a unit with two tickets is no repeat unit; a unit with none says so
    unit = css(b, "#unit")
    unit.clear()
    unit.send_keys("U-TWICE")
    wait(b, lambda d: len(csss(d, "#unit-tickets li.ticket")) == 2)
    assert not css(b, "#repeat-flag").is_displayed()
    unit.clear()
    unit.send_keys("U-NONE")
    wait(b, lambda d: "No other tickets for unit U-NONE" in css(d, "#unit-tickets").text)
    cust = css(b, "#customer")
    cust.clear()
    cust.send_keys("Nobody Known")
    wait(b, lambda d: "No previous cases for customer Nobody Known" in
         css(d, "#customer-tickets").text)


def test_console_search_filters(server, desk):
    b = desk
    login(b, server, "agent")
    b.get(server.url("/agent"))
    q = css(b, "#kb-q")
    q.send_keys("password")
    q.send_keys(Keys.ENTER)
    wait(b, lambda d: csss(d, "#kb-results li.hit"))
    assert b.current_url.endswith("/agent")  # not the public /search
    badges = lambda d: [bool(li.find_elements(By.CSS_SELECTOR, ".badge.internal"))
                        for li in csss(d, "#kb-results li.hit")]
    wait(b, lambda d: any(badges(d)) and not all(badges(d)))  # both audiences at first
    Select(css(b, "#kb-audience")).select_by_value("internal")
    wait(b, lambda d: badges(d) and all(badges(d)))
    Select(css(b, "#kb-audience")).select_by_value("public")
    wait(b, lambda d: badges(d) and not any(badges(d)))
    Select(css(b, "#kb-audience")).select_by_value("")
    q.clear()
    q.send_keys("zqfrob")
    Select(css(b, "#kb-kind")).select_by_value("ticket")
    wait(b, lambda d: csss(d, "#kb-results li.hit") and
         all("ticket" in li.get_attribute("class") for li in csss(d, "#kb-results li.hit")))
    Select(css(b, "#kb-kind")).select_by_value("article")
    wait(b, lambda d: csss(d, "#kb-results li.hit") and
         all("article" in li.get_attribute("class") for li in csss(d, "#kb-results li.hit")))
    q.clear()
    q.send_keys("qqxyzzyplugh")
    wait(b, lambda d: "No articles or tickets match “qqxyzzyplugh” with these filters" in
         css(d, "#kb-search-panel").text)


def test_similar_ticket_links_its_article(server, desk):
    b = desk
    open_case(b, server, "Bo", "U-TWICE", "zqfrob cloud password reset mail never arrives")
    wait(b, lambda d: csss(d, "#tickets li[data-id='CC-1'] a.solved-with"))
    link = css(b, "#tickets li[data-id='CC-1'] a.solved-with")
    m = re.search(r"KB-(\d+)", link.text)
    assert m and "Reset your Nimbus Cloud account password" in link.text, link.text
    assert re.search(r"/kb/%s\b" % m.group(1), link.get_attribute("href"))
    assert "articles/reset-cloud-password" not in css(b, "#tickets").text


def test_shortcuts_focus_search_copy_and_solve(server, desk):
    b = desk
    open_case(b, server, "Yuki", "U-LEMON")
    wait(b, lambda d: csss(d, "#articles li.article"))
    help_line = css(b, "#keys-help")
    assert help_line.is_displayed() and "/" in help_line.text and "c" in help_line.text
    b.execute_script("document.activeElement.blur()")
    body = css(b, "body")
    body.send_keys("/")
    assert b.switch_to.active_element.get_attribute("id") == "kb-q"
    assert css(b, "#kb-q").get_attribute("value") == ""  # the key is not typed into it
    b.execute_script("document.activeElement.blur()")
    top = css(b, "#articles li.article").get_attribute("data-ref")
    body.send_keys("c")
    wait(b, lambda d: "Copied " + top in css(d, "#articles li.article .copied").text)
    # in a text field the key is just a letter
    css(b, "#customer").send_keys("c")
    assert css(b, "#customer").get_attribute("value") == "Yukic"
    b.execute_script("document.activeElement.blur()")
    body.send_keys("s")
    wait(b, lambda d: "Marked " + top + " as solved" in css(d, "#articles li.article .copied").text)
    # Both reach the admins' "agents' use" (the copy event and the solved one).
    admin = server.login(*USERS["admin"])

    def used():
        r = admin.get(server.url("/api/v1/analytics/agents"), timeout=10)
        assert r.status_code == 200, r.text
        return [a for a in r.json()["articles"] if a.get("ref") == top]
    wait(b, lambda d: used() and used()[0]["copied"] >= 1 and used()[0]["solved"] >= 1)
