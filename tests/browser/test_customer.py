"""The customer side in a real browser: typeahead, results, articles, the contact
page's deflection and the embeddable widget, each as a person uses them.

    /usr/bin/python3 -m pytest -q tests/browser/test_customer.py
"""
import functools
import glob
import http.server
import json
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
import urllib.parse

import pytest
import requests
from selenium.common.exceptions import (NoAlertPresentException, NoSuchElementException,
                                        StaleElementReferenceException)
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from kbtest import SAMPLES, sid_number

WAIT = 10
INTERNAL_WORDS = ["Kestrel", "nimbusctl", "NR-4471", "Osprey"]
HERE = os.path.dirname(os.path.abspath(__file__))


def _conftest():
    """tests/browser/conftest.py as pytest loaded it (its make_driver)."""
    want = os.path.join(HERE, "conftest.py")
    for m in list(sys.modules.values()):
        if os.path.abspath(getattr(m, "__file__", None) or "") == want:
            return m
    raise RuntimeError("tests/browser/conftest.py is not loaded")


@pytest.fixture(scope="module")
def shared_browser():
    """One desktop browser (1280x900) for the whole module: starting Chromium
    takes seconds, and these tests need no state from each other (customers
    have no cookies; each test starts by loading a page)."""
    c = _conftest()
    drv = c.make_driver()
    yield drv
    c.quit_driver(drv)


@pytest.fixture
def browser(request, shared_browser):
    """The module's browser, registered for the conftest's screenshot on failure."""
    request.node._kb_driver = shared_browser
    shared_browser.get("about:blank")
    shared_browser.delete_all_cookies()
    shared_browser.get_log("browser")  # read now: what the last test left behind
    yield shared_browser
    try:
        shared_browser.execute_script("try { sessionStorage.clear(); } catch (e) {}")
    except Exception:
        pass


# ---- helpers ----------------------------------------------------------------

def wait(drv, cond, timeout=WAIT, msg=""):
    return WebDriverWait(drv, timeout, poll_frequency=0.05,
                         ignored_exceptions=(NoSuchElementException,
                                             StaleElementReferenceException)).until(
        lambda d: cond(d), msg)


def as_phone(drv):
    """Headless Chromium will not make a window narrower than 500 px, so emulate
    a real phone viewport (390 x 844, touch, mobile layout)."""
    drv.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                        {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})
    return drv


def fetched(drv, suffix):
    """Whether the page has finished a request whose URL ends with suffix."""
    return js(drv, "return performance.getEntriesByType('resource')"
                   ".some(e => e.name.endsWith(arguments[0]))", suffix)


def requests_to(drv, suffix):
    return js(drv, "return performance.getEntriesByType('resource')"
                   ".filter(e => e.name.endsWith(arguments[0])).length", suffix)


def settle(drv, suffix, before, quiet=0.5):
    """Waits until the page has made more requests to suffix than before and
    then none for quiet seconds (the debounced suggestions have caught up with
    the typing), so that what a test reads is what it then clicks."""
    deadline = time.time() + WAIT
    n = requests_to(drv, suffix)
    while n <= before and time.time() < deadline:
        time.sleep(0.05)
        n = requests_to(drv, suffix)
    assert n > before, "no request to %s" % suffix
    while time.time() < deadline:
        time.sleep(quiet)
        m = requests_to(drv, suffix)
        if m == n:
            time.sleep(0.05)  # the answer is in; let it render
            return
        n = m


def keys(drv, *k):
    """Types into whatever has focus. (WebElement.send_keys on an element in a
    shadow root blurs and refocuses it first, which closes a listbox.)"""
    ActionChains(drv).send_keys(*k).perform()


def js(drv, script, *args):
    return drv.execute_script(script, *args)


def api_login(server, username, password):
    """A requests.Session logged in as a staff user; the Origin header satisfies
    the server's same-origin check for cookie-authenticated writes."""
    s = requests.Session()
    s.headers["Origin"] = server.base
    r = s.post(server.url("/api/v1/login"), json={"username": username, "password": password},
               timeout=30)
    assert r.status_code == 200, r.text
    return s


@pytest.fixture(scope="module")
def admin(server):
    return api_login(server, "admin1", "admin-pass-123")


def deflection(admin, server):
    r = admin.get(server.url("/api/v1/analytics/deflection"), timeout=30)
    assert r.status_code == 200, r.text
    d = r.json()
    return d["solved"], d["submitted"]


def summary(admin, server):
    r = admin.get(server.url("/api/v1/analytics/summary"), timeout=30)
    assert r.status_code == 200, r.text
    d = r.json()
    return d["click_through"]["clicks"], d["feedback"]["unhelpful"]


def wait_summary(admin, server, want, timeout=WAIT):
    deadline = time.time() + timeout
    got = None
    while time.time() < deadline:
        got = summary(admin, server)
        if got == want:
            return got
        time.sleep(0.1)
    raise AssertionError("(clicks, unhelpful votes) are %r, expected %r" % (got, want))


def wait_counts(admin, server, want, timeout=WAIT):
    """Polls the deflection analytics until they equal want (solved, submitted)."""
    deadline = time.time() + timeout
    got = None
    while time.time() < deadline:
        got = deflection(admin, server)
        if got == want:
            return got
        time.sleep(0.1)
    raise AssertionError("deflection counts are %r, expected %r" % (got, want))


def no_alert(drv):
    try:
        alert = drv.switch_to.alert
    except NoAlertPresentException:
        return True
    text = alert.text
    alert.dismiss()
    raise AssertionError("an alert appeared: %r" % text)


def suggestion_titles(drv, list_id):
    return js(drv, "return Array.from(document.getElementById(arguments[0]).children)"
                   ".map(li => (li.querySelector('.suggest-title') || li).textContent)", list_id)


def labelled(drv, root_js="document"):
    """Every form field under root (visible or not, except hidden and buttons)
    that has no label a screen reader can use: returns their descriptions."""
    return js(drv, """
        const root = %s;
        const bad = [];
        for (const f of root.querySelectorAll('input, textarea, select')) {
            if (['hidden', 'submit', 'button', 'reset', 'image'].includes(f.type)) continue;
            const ok = (f.getAttribute('aria-label') || '').trim() ||
                (f.getAttribute('aria-labelledby') || '').split(/\\s+/).some(
                    id => id && root.getElementById && root.getElementById(id)) ||
                (f.labels && Array.from(f.labels).some(l => l.textContent.trim()));
            if (!ok) bad.push(f.outerHTML.slice(0, 120));
        }
        for (const b of root.querySelectorAll('button')) {
            if (!(b.textContent.trim() || (b.getAttribute('aria-label') || '').trim()))
                bad.push(b.outerHTML.slice(0, 120));
        }
        return bad;
    """ % root_js)


# ---- what a customer must never see ------------------------------------------

def _front_matter_title(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"^title:\s*(.+)$", text, re.M)
    return m.group(1).strip().strip('"\'') if m else None


@pytest.fixture(scope="module")
def secrets(server):
    """Titles of internal articles and subjects and ids of tickets, minus anything
    that is also the title of a public article."""
    internal = [t for t in (_front_matter_title(p) for p in
                            glob.glob(os.path.join(SAMPLES, "articles", "internal", "*.md"))) if t]
    tickets, ids = [], []
    with open(os.path.join(SAMPLES, "tickets.jsonl"), encoding="utf-8") as f:
        for line in f:
            t = json.loads(line)
            tickets.append(t["subject"])
            ids.append(t["id"])
    public = set()
    for p in glob.glob(os.path.join(SAMPLES, "articles", "**", "*.md"), recursive=True):
        if "/internal/" not in p:
            public.add(_front_matter_title(p))
    titles = sorted({t for t in internal + tickets if t not in public and len(t) > 8})
    assert len(internal) >= 10 and len(tickets) >= 100
    return {"titles": titles, "ids": ids, "internal": internal}


def assert_clean(text, secrets, where, typed=""):
    """No internal title, ticket subject or ticket id in text, except what the
    customer typed themselves (a search page repeats the query)."""
    typed = typed.lower()
    for t in secrets["titles"]:
        if typed and t.lower() in typed:
            continue
        assert t not in text, "%s shows the internal title or ticket %r" % (where, t)
    for i in secrets["ids"]:
        if typed and i.lower() in typed:
            continue
        assert not re.search(r"\b%s\b" % re.escape(i), text), "%s shows ticket %s" % (where, i)


# ---- 1. typeahead ------------------------------------------------------------

def typeahead_flow(drv, server, start="/"):
    drv.get(server.url(start))
    box = drv.find_element(By.CSS_SELECTOR, "form.search input[name=q]")
    box.clear()
    list_id = box.get_attribute("aria-controls")
    assert box.get_attribute("role") == "combobox"
    assert list_id and box.get_attribute("aria-expanded") == "false"
    lst = drv.find_element(By.ID, list_id)
    assert lst.get_attribute("role") == "listbox"

    box.send_keys("p")
    time.sleep(0.3)
    assert not lst.is_displayed(), "suggestions after one character"
    box.send_keys("a")
    wait(drv, lambda d: lst.is_displayed() and suggestion_titles(d, list_id), msg="no suggestions")
    assert box.get_attribute("aria-expanded") == "true"
    # Typing on: the same list element is updated in place and never hidden
    # (every prefix of "password" has suggestions in the demo KB).
    js(drv, """const l = document.getElementById(arguments[0]); window.__hidden = 0;
               new MutationObserver(() => { if (l.hidden) window.__hidden++; })
                   .observe(l, {attributes: true, attributeFilter: ['hidden']});""", list_id)
    for ch in "ssword":
        box.send_keys(ch)
        time.sleep(0.03)
    wait(drv, lambda d: any("assword" in t for t in suggestion_titles(d, list_id))
         and all("paper" not in t.lower() for t in suggestion_titles(d, list_id)),
         msg="suggestions did not follow the typing")
    assert js(drv, "return window.__hidden") == 0, "the list flickered while typing"
    assert drv.find_element(By.ID, list_id) == lst
    options = lst.find_elements(By.CSS_SELECTOR, "[role=option]")
    assert 1 <= len(options) <= 8

    # Arrow keys move the active option; Enter opens it.
    box.send_keys(Keys.ARROW_DOWN)
    first = options[0]
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    assert first.get_attribute("aria-selected") == "true"
    if len(options) > 1:
        box.send_keys(Keys.ARROW_DOWN)
        assert box.get_attribute("aria-activedescendant") == options[1].get_attribute("id")
        assert first.get_attribute("aria-selected") == "false"
        box.send_keys(Keys.ARROW_UP)
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    title = drv.find_element(By.CSS_SELECTOR, "#%s .suggest-title" % first.get_attribute("id")).text
    box.send_keys(Keys.ENTER)
    wait(drv, lambda d: "/kb/" in d.current_url, msg="Enter did not open the article")
    assert drv.find_element(By.TAG_NAME, "h1").text == title

    # Escape closes the list and keeps the text.
    box = drv.find_element(By.CSS_SELECTOR, "form.search input[name=q]")
    list_id = box.get_attribute("aria-controls")
    box.send_keys("router")
    wait(drv, lambda d: d.find_element(By.ID, list_id).is_displayed(), msg="no suggestions")
    box.send_keys(Keys.ESCAPE)
    wait(drv, lambda d: not d.find_element(By.ID, list_id).is_displayed())
    assert box.get_attribute("aria-expanded") == "false"
    assert box.get_attribute("value") == "router"
    assert not box.get_attribute("aria-activedescendant")
    # Down opens it again; a mouse click on an option opens that article.
    box.send_keys(Keys.ARROW_DOWN)
    opt = wait(drv, lambda d: d.find_element(By.ID, list_id + "_opt0"))
    assert opt.is_displayed()
    want = opt.find_element(By.CSS_SELECTOR, ".suggest-title").text
    opt.click()
    wait(drv, lambda d: d.find_element(By.TAG_NAME, "h1").text == want, msg="click did not open")


def test_typeahead_desktop_and_phone(server, browser, phone):
    typeahead_flow(browser, server, "/")
    as_phone(phone)
    typeahead_flow(phone, server, "/search?q=wifi")
    assert js(phone, "return innerWidth") == 390
    # On a phone the list fits the screen.
    box = phone.find_element(By.CSS_SELECTOR, "form.search input[name=q]")
    box.clear()
    box.send_keys("reset")
    lst = phone.find_element(By.ID, box.get_attribute("aria-controls"))
    wait(phone, lambda d: lst.is_displayed())
    rect = lst.rect
    assert rect["x"] >= 0 and rect["x"] + rect["width"] <= 390


# ---- 2. nothing internal -----------------------------------------------------

def test_customer_never_sees_internal_articles_or_tickets(server, browser, secrets):
    agent = api_login(server, "agent1", "agent-pass-123")
    # What the agent sees for these words, so that we know they do find something.
    internal_numbers = set()
    for w in INTERNAL_WORDS:
        r = agent.get(server.url("/api/v1/search"), params={"q": w}, timeout=30).json()
        internal_numbers |= {h["number"] for h in r["hits"] if h.get("audience") == "internal"
                             and h.get("kind") == "article"}
    assert internal_numbers, "the demo KB should have internal articles for these words"

    drv = browser
    drv.get(server.url("/"))
    assert_clean(drv.page_source, secrets, "the home page")
    queries = INTERNAL_WORDS + ["kestrl"] + secrets["internal"][:2] + [
        "Forgot Nimbus Cloud password", "NT-10001"]
    for q in queries:
        # The first search from the home page, the others from the results page's box.
        box = drv.find_element(By.CSS_SELECTOR, "form.search input[name=q]")
        box.clear()
        list_id = box.get_attribute("aria-controls")
        box.send_keys(q)
        enc = urllib.parse.quote(q.strip(), safe="")
        # Wait for the typeahead's answer to this exact text, then a beat to render it.
        # (help.js names the page's language: the English help center's.)
        wait(drv, lambda d: fetched(d, "/api/v1/suggest?locale=en&q=" + enc),
             msg="typeahead never asked for %r" % q)
        time.sleep(0.1)
        shown = " | ".join(suggestion_titles(drv, list_id))
        assert_clean(shown, secrets, "typeahead for %r" % q, q)
        for word in INTERNAL_WORDS:
            if word.lower() in q.lower():
                assert word.lower() not in shown.lower(), "typeahead for %r: %s" % (q, shown)
        box.send_keys(Keys.ENTER)
        wait(drv, lambda d: "/search?" in d.current_url)
        src = drv.page_source
        assert_clean(src, secrets, "results for %r" % q, q)
        hrefs = [a.get_attribute("href") for a in drv.find_elements(By.CSS_SELECTOR, "li.result a")]
        for n in internal_numbers:
            assert not any("/kb/%d-" % n in h for h in hrefs), "results for %r link KB-%d" % (q, n)
        if q in INTERNAL_WORDS or q == "kestrl":
            assert not hrefs, "results for %r: %s" % (q, hrefs)
            dym = drv.find_elements(By.CSS_SELECTOR, ".did-you-mean")
            assert not dym or "kestrel" not in dym[0].text.lower(), dym[0].text
            assert drv.find_elements(By.CSS_SELECTOR, ".no-results a[href^='/contact']")

    # Internal articles themselves are the plain 404 page.
    for n in sorted(internal_numbers)[:3]:
        drv.get(server.url("/kb/%d" % n))
        assert "Page not found" in drv.title
        assert_clean(drv.page_source, secrets, "/kb/%d" % n)

    # The contact form's suggestions are public articles only.
    drv.get(server.url("/contact"))
    subject = drv.find_element(By.ID, "subject")
    description = drv.find_element(By.ID, "description")
    box = drv.find_element(By.ID, "deflect")
    for q in INTERNAL_WORDS + secrets["internal"][:1] + ["Forgot Nimbus Cloud password"]:
        before = requests_to(drv, "/api/v1/deflect")
        subject.clear()
        description.clear()
        subject.send_keys(q)
        description.send_keys("Osprey nimbusctl NR-4471 " + q)
        settle(drv, "/api/v1/deflect", before, quiet=0.4)
        text = js(drv, "return arguments[0].textContent", box)
        assert_clean(text, secrets, "contact suggestions for %r" % q, q)
        for word in INTERNAL_WORDS:
            titles = [a.text for a in box.find_elements(By.CSS_SELECTOR, "a.deflect-link")]
            assert not any(word.lower() in t.lower() for t in titles), titles
        for a in box.find_elements(By.CSS_SELECTOR, "a.deflect-link"):
            n = int(a.get_attribute("data-article"))
            assert n not in internal_numbers
    assert_clean(drv.page_source, secrets, "the contact page")


# ---- 3. hostile article content ---------------------------------------------

XSS_TITLE = "Zebrafish <script>window.__xss=1;alert(1)</script> pairing guide"
XSS_BODY = ("<p>Zebrafishxss pairing steps.</p>"
            "<script>window.__xss=4;alert(4)</script>"
            "<img src=x onerror=\"window.__xss=2;alert(2)\">"
            "<p><a href=\"javascript:window.__xss=3;alert(3)\">click me</a></p>"
            "<p onmouseover=\"window.__xss=5\">hover</p>"
            "<iframe src=\"javascript:alert(6)\"></iframe>")


def assert_inert(drv, where):
    no_alert(drv)
    assert js(drv, "return typeof window.__xss") == "undefined", where
    bad = js(drv, """return Array.from(document.querySelectorAll('*')).filter(e =>
        Array.from(e.attributes).some(a => /^on/i.test(a.name) ||
            /^\\s*javascript:/i.test(a.value))).map(e => e.outerHTML.slice(0, 100))""")
    assert not bad, "%s: %s" % (where, bad)
    scripts = js(drv, "return Array.from(document.scripts).map(s => s.src)")
    assert all(re.search(r"/static/(help|widget)\.js$", s) for s in scripts), \
        "%s runs %s" % (where, scripts)
    assert not drv.find_elements(By.CSS_SELECTOR, "iframe")


@pytest.fixture(scope="module")
def hostile_article(server):
    writer = api_login(server, "writer1", "writer-pass-123")
    made = []
    for fmt in ("html", "markdown"):
        r = writer.post(server.url("/api/v1/articles"), timeout=30,
                        json={"title": XSS_TITLE, "body": XSS_BODY, "format": fmt,
                              "summary": "<b onmouseover=alert(7)>summary</b>"})
        assert r.status_code == 201, r.text
        ref = r.json()["ref"]
        r = writer.post(server.url("/api/v1/articles/%s/publish" % ref), timeout=30)
        assert r.status_code == 200, r.text
        made.append(int(ref.split("-")[1]))
    deadline = time.time() + WAIT
    while time.time() < deadline:
        hits = server.get("/api/v1/search", params={"q": "zebrafishxss"}).json()["hits"]
        if {h["number"] for h in hits} >= set(made):
            return made
        time.sleep(0.1)
    raise AssertionError("the new articles never became searchable")


def test_hostile_article_shows_as_text(server, browser, hostile_article):
    drv = browser
    for n in hostile_article:
        drv.get(server.url("/kb/%d" % n))
        wait(drv, lambda d: "/kb/%d-" % n in d.current_url)
        h1 = drv.find_element(By.CSS_SELECTOR, "article h1")
        assert h1.text == XSS_TITLE
        body = drv.find_element(By.CSS_SELECTOR, ".article-body")
        assert "Zebrafishxss pairing steps." in body.text
        assert XSS_TITLE in drv.title
        for a in drv.find_elements(By.CSS_SELECTOR, ".article-body a"):
            if a.text == "click me":
                a.click()
        time.sleep(0.2)
        assert_inert(drv, "article page KB-%d" % n)

    drv.get(server.url("/search?q=zebrafishxss"))
    links = drv.find_elements(By.CSS_SELECTOR, "li.result h2 a")
    assert [a.text for a in links].count(XSS_TITLE) == 2
    assert_inert(drv, "results page")

    # The typeahead shows the title as text too.
    box = drv.find_element(By.CSS_SELECTOR, "form.search input[name=q]")
    box.clear()
    box.send_keys("zebrafish")
    list_id = box.get_attribute("aria-controls")
    wait(drv, lambda d: XSS_TITLE in suggestion_titles(d, list_id), msg="no suggestion")
    assert_inert(drv, "typeahead")

    # And so does the in-place reader on the contact page (article HTML inserted by script).
    drv.get(server.url("/contact"))
    drv.find_element(By.ID, "subject").send_keys("zebrafishxss pairing")
    settle(drv, "/api/v1/deflect", 0)
    link = wait(drv, lambda d: [a for a in d.find_elements(By.CSS_SELECTOR, "a.deflect-link")
                                if a.text == XSS_TITLE], msg="no suggestion")[0]
    link.click()
    wait(drv, lambda d: "pairing steps" in d.find_element(By.CSS_SELECTOR, ".reader-body").text)
    assert drv.find_element(By.ID, "reader_h").text == XSS_TITLE
    assert_inert(drv, "contact reader")


# ---- 4. the widget on another site --------------------------------------------

class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def other_site(server):
    """A page on another origin (another port) that embeds the widget."""
    d = tempfile.mkdtemp(prefix="kb-host-")
    with open(os.path.join(d, "index.html"), "w", encoding="utf-8") as f:
        f.write("""<!DOCTYPE html><html><head><meta charset="utf-8"><title>Acme shop</title>
<link rel="icon" href="data:,">
<style>
  input { background: rgb(255, 0, 0) !important; }
  li { color: rgb(0, 128, 0); }
</style></head><body>
<h1>Acme shop</h1>
<ul><li class="list" id="host-li">host item</li></ul>
<div class="panel" id="host-panel">host panel</div>
<script src="%s/static/widget.js" data-kb-url="%s" async></script>
</body></html>""" % (server.base, server.base))
    handler = functools.partial(_Quiet, directory=d)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield "http://127.0.0.1:%d/index.html" % httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()
    shutil.rmtree(d, ignore_errors=True)


def test_widget_on_another_origin(server, browser, other_site, admin):
    drv = browser
    solved0, submitted0 = deflection(admin, server)
    drv.get(other_site)
    assert urllib.parse.urlsplit(other_site).netloc != urllib.parse.urlsplit(server.base).netloc
    host = wait(drv, lambda d: d.find_elements(By.CSS_SELECTOR, "div.kb-widget"),
                msg="the widget did not load")[0]
    root = host.shadow_root
    assert not labelled(drv, "document.querySelector('div.kb-widget').shadowRoot")

    launcher = root.find_element(By.CSS_SELECTOR, "button.launcher")
    assert launcher.get_attribute("aria-expanded") == "false"
    launcher.click()
    q = root.find_element(By.CSS_SELECTOR, "#kbw-q")
    wait(drv, lambda d: q.is_displayed())
    assert q.get_attribute("role") == "combobox"
    # The host's CSS does not reach in, ours does not leak out.
    assert q.value_of_css_property("background-color") in ("rgba(255, 255, 255, 1)",
                                                            "rgb(255, 255, 255)")
    assert drv.find_element(By.ID, "host-li").value_of_css_property("color") == "rgba(0, 128, 0, 1)"
    assert drv.find_element(By.ID, "host-panel").value_of_css_property("border-top-width") == "0px"

    # Search: typeahead, then the article in place, then "This solved my problem".
    q.send_keys("router pass")
    lst = root.find_element(By.CSS_SELECTOR, "#kbw-list")
    wait(drv, lambda d: fetched(d, "/api/v1/suggest?q=router%20pass"), msg="no typeahead request")
    wait(drv, lambda d: lst.is_displayed() and lst.find_elements(By.CSS_SELECTOR, "[role=option]"),
         msg="no suggestions in the widget")
    keys(drv, Keys.ARROW_DOWN)
    opt = root.find_element(By.CSS_SELECTOR, "#kbw-opt0")
    assert q.get_attribute("aria-activedescendant") == "kbw-opt0"
    title = opt.text
    keys(drv, Keys.ENTER)
    art_h = root.find_element(By.CSS_SELECTOR, "#kbw-art-title")
    wait(drv, lambda d: art_h.is_displayed() and art_h.text == title)
    body = root.find_element(By.CSS_SELECTOR, ".art-body")
    wait(drv, lambda d: len(body.text) > 100, msg="the article body did not load")
    assert drv.current_url == other_site
    full = root.find_element(By.CSS_SELECTOR, ".actions a")
    assert full.get_attribute("href").startswith(server.base + "/kb/")
    for a in body.find_elements(By.CSS_SELECTOR, "a[href]"):
        href = a.get_attribute("href")
        assert not href.startswith(other_site.rsplit("/", 1)[0] + "/kb"), href
    root.find_element(By.CSS_SELECTOR, "button.solved").click()
    status = root.find_element(By.CSS_SELECTOR, ".art p[role=status]")
    wait(drv, lambda d: "glad" in status.text.lower())
    wait_counts(admin, server, (solved0 + 1, submitted0))

    # Back, then results for Enter with nothing chosen: links into the Help Center.
    root.find_element(By.CSS_SELECTOR, "button.back").click()
    q = root.find_element(By.CSS_SELECTOR, "#kbw-q")
    q.clear()
    q.send_keys("reset router", Keys.ENTER)
    res = root.find_element(By.CSS_SELECTOR, ".results")
    wait(drv, lambda d: res.is_displayed() and
         res.find_elements(By.CSS_SELECTOR, "a[data-article]"))
    for a in res.find_elements(By.CSS_SELECTOR, "a[data-article]"):
        assert a.get_attribute("href").startswith(server.base + "/kb/")

    # The deflection box: describe a problem, open a suggestion, it solved it.
    ask = root.find_element(By.CSS_SELECTOR, ".ask button")
    ask.click()
    subject = root.find_element(By.CSS_SELECTOR, "#kbw-subject")
    subject.clear()
    before = requests_to(drv, "/api/v1/deflect")
    subject.send_keys("wifi slow every evening")
    settle(drv, "/api/v1/deflect", before)
    matches = root.find_element(By.CSS_SELECTOR, ".matches")
    wait(drv, lambda d: matches.is_displayed() and matches.find_elements(By.CSS_SELECTOR, "a"),
         msg="no matching articles")
    first = matches.find_element(By.CSS_SELECTOR, "a[data-article]")
    title = first.text
    first.click()
    wait(drv, lambda d: root.find_element(By.CSS_SELECTOR, "#kbw-art-title").text == title)
    wait(drv, lambda d: len(root.find_element(By.CSS_SELECTOR, ".art-body").text) > 100)
    root.find_element(By.CSS_SELECTOR, "button.solved").click()
    wait_counts(admin, server, (solved0 + 2, submitted0))
    # The widget kept the visitor id the server issued (a valid one: nothing
    # new is issued for it) and sent it with both "solved": one visitor.
    v = js(drv, "return localStorage.getItem(arguments[0])", "kb.visitor:" + server.base)
    assert v and v.startswith("v1."), v
    r = requests.get(server.url("/api/v1/search"), params={"q": "router"}, timeout=30,
                     headers={"X-KB-Visitor": v})
    assert r.status_code == 200 and "X-KB-Visitor" not in r.headers
    con = sqlite3.connect(os.path.join(server.data, "kb.sqlite3"), timeout=10)
    try:
        visitors = con.execute("SELECT count(DISTINCT visitor) FROM (SELECT visitor FROM events "
                               "WHERE type = 'solved' ORDER BY id DESC LIMIT 2)").fetchone()[0]
    finally:
        con.close()
    assert visitors == 1
    contact = root.find_element(By.CSS_SELECTOR, ".ask-form a.contact")
    root.find_element(By.CSS_SELECTOR, "button.back").click()
    assert contact.get_attribute("href") == (
        server.base + "/contact?subject=" + urllib.parse.quote("wifi slow every evening", safe=""))
    assert_inert(drv, "host page")
    errors = [e for e in drv.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


# ---- 5. the contact page -----------------------------------------------------

def test_contact_page_deflects_and_records(server, browser, admin):
    drv = browser
    solved0, submitted0 = deflection(admin, server)
    drv.get(server.url("/contact"))
    send = drv.find_element(By.ID, "contact-send")
    assert send.text == "Send message"
    drv.find_element(By.ID, "subject").send_keys("my wifi is slow in the evening")
    settle(drv, "/api/v1/deflect", 0)
    box = drv.find_element(By.ID, "deflect")
    wait(drv, lambda d: box.is_displayed() and box.find_elements(By.CSS_SELECTOR, "a.deflect-link"),
         msg="no suggestions while typing the subject")
    assert send.text == "Submit anyway"
    first = box.find_element(By.CSS_SELECTOR, "a.deflect-link")
    title = first.text
    assert "slow" in title.lower() or "wi-fi" in title.lower(), title
    assert box.find_elements(By.CSS_SELECTOR, ".snippet mark")
    first.click()
    dialog = drv.find_element(By.CSS_SELECTOR, "dialog.reader")
    wait(drv, lambda d: dialog.is_displayed())
    assert drv.find_element(By.ID, "reader_h").text == title
    wait(drv, lambda d: len(d.find_element(By.CSS_SELECTOR, ".reader-body").text) > 100)
    assert "/contact" in drv.current_url
    drv.find_element(By.CSS_SELECTOR, "dialog.reader button.solved").click()
    notice = drv.find_element(By.CSS_SELECTOR, ".solved-notice")
    wait(drv, lambda d: notice.is_displayed())
    assert not dialog.is_displayed()
    wait_counts(admin, server, (solved0 + 1, submitted0))

    # Another customer reads a suggestion, is not helped, and sends the message anyway.
    drv.get(server.url("/contact?subject=" + urllib.parse.quote("router keeps rebooting")))
    settle(drv, "/api/v1/deflect", 0)
    box = drv.find_element(By.ID, "deflect")
    wait(drv, lambda d: box.is_displayed(), msg="no suggestions for a prefilled subject")
    box.find_element(By.CSS_SELECTOR, "a.deflect-link").click()
    wait(drv, lambda d: d.find_element(By.CSS_SELECTOR, "dialog.reader").is_displayed())
    focused(drv).send_keys(Keys.ESCAPE)
    wait(drv, lambda d: not d.find_element(By.CSS_SELECTOR, "dialog.reader").is_displayed())
    drv.find_element(By.ID, "description").send_keys("It restarts every ten minutes since Monday.")
    drv.find_element(By.ID, "name").send_keys("Ada Lovelace")
    drv.find_element(By.ID, "email").send_keys("ada@example.com")
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
    assert "ada@example.com" in drv.find_element(By.CSS_SELECTOR, ".notice p[role=status]").text
    wait_counts(admin, server, (solved0 + 1, submitted0 + 1))
    # The request was stored with its deflection trail: what the page showed, what was opened.
    con = sqlite3.connect(os.path.join(server.data, "kb.sqlite3"), timeout=10)
    try:
        trail = json.loads(con.execute("SELECT trail FROM contact_requests WHERE email = "
                                       "'ada@example.com' ORDER BY id DESC").fetchone()[0])
    finally:
        con.close()
    assert shown and {a["number"] for a in trail["shown"]} == shown
    assert trail["opened"], trail


# ---- 6. keyboard only, labels ------------------------------------------------

def focused(drv):
    return drv.switch_to.active_element


def tab_until(drv, pred, limit=25):
    for _ in range(limit):
        ActionChains(drv).send_keys(Keys.TAB).perform()
        if pred(focused(drv)):
            return focused(drv)
    raise AssertionError("Tab never reached it (now on %s)" %
                         focused(drv).get_attribute("outerHTML")[:120])


def test_keyboard_only_and_labels(server, browser, admin):
    drv = browser
    clicks0, unhelpful0 = summary(admin, server)
    drv.get(server.url("/"))
    box = tab_until(drv, lambda e: e.get_attribute("id") == "q", limit=5)
    box.send_keys("reset router")
    time.sleep(0.4)  # suggestions open; Enter without choosing one still searches
    box.send_keys(Keys.ENTER)
    wait(drv, lambda d: "/search?q=reset" in d.current_url)
    link = tab_until(drv, lambda e: e.tag_name == "a" and
                     e.find_elements(By.XPATH, "ancestor::li[contains(@class,'result')]"))
    title = link.text
    link.send_keys(Keys.ENTER)
    wait(drv, lambda d: d.find_element(By.TAG_NAME, "h1").text == title)
    wait_summary(admin, server, (clicks0 + 1, unhelpful0))  # the click was logged

    # The feedback form by keyboard: No, a comment, send; thanks shown in place.
    url = drv.current_url
    no = tab_until(drv, lambda e: e.tag_name == "button" and e.text == "No", limit=150)
    no.send_keys(Keys.ENTER)
    comment = focused(drv)
    assert comment.get_attribute("id") == "fb-comment"
    comment.send_keys("It did not mention my model.")
    send = tab_until(drv, lambda e: e.tag_name == "button", limit=3)
    assert send.text == "Send feedback"
    send.send_keys(Keys.ENTER)
    wait(drv, lambda d: "Thanks" in d.find_element(By.ID, "feedback-h").text)
    assert drv.current_url == url
    wait_summary(admin, server, (clicks0 + 1, unhelpful0 + 1))

    # Every field on every customer page has a label.
    for path in ("/", "/search?q=router", "/search?q=qqqzzzx", drv.current_url, "/contact"):
        drv.get(path if path.startswith("http") else server.url(path))
        assert not labelled(drv), "%s: %s" % (path, labelled(drv))
    skip = drv.find_element(By.CSS_SELECTOR, "a.skip")
    assert skip.get_attribute("href").endswith("#main")


def test_pages_work_without_javascript(server, browser):
    """The server-rendered pages still carry the plain forms (help.js only enhances)."""
    drv = browser
    drv.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        drv.get(server.url("/search?q=reset+router"))
        assert drv.find_element(By.ID, "q-top").get_attribute("role") is None  # no script ran
        sid = drv.find_element(By.CSS_SELECTOR, "ol.results").get_attribute("data-search-id")
        # An opaque string (a capability), never a number.
        assert sid and not sid.isdigit() and sid_number(server.data, sid)[0] > 0
        drv.find_element(By.CSS_SELECTOR, "li.result h2 a").click()
        drv.find_element(By.CSS_SELECTOR, "#fb-comment").send_keys("fine")
        drv.find_element(By.CSS_SELECTOR, "form.feedback-form button[value=yes]").click()
        wait(drv, lambda d: "thanks=1" in d.current_url)
        assert "Thanks" in drv.find_element(By.ID, "feedback-h").text
        drv.get(server.url("/contact"))
        drv.find_element(By.ID, "name").send_keys("Ada")
        drv.find_element(By.ID, "email").send_keys("ada@example.com")
        drv.find_element(By.ID, "subject").send_keys("router keeps rebooting")
        drv.find_element(By.ID, "description").send_keys("Every ten minutes.")
        drv.find_element(By.ID, "contact-send").click()
        wait(drv, lambda d: "Thank you" in d.find_element(By.TAG_NAME, "h1").text)
    finally:
        drv.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
