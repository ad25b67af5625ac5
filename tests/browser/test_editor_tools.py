"""The editor's tools (issue 20) as a writer uses them: the Markdown toolbar
and its shortcuts, the picker that links another article by number, an image
uploaded from the editor and shown on the published page, the warning that
lists what sanitising removed, autosave of a draft (and a published
article's unsaved copy kept in the browser), and the prefill address the
"write an article" actions open."""
import os
import struct
import tempfile
import time
import urllib.parse
import zlib

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from conftest import login


def wait(drv, cond, timeout=10):
    return WebDriverWait(drv, timeout, poll_frequency=0.05).until(cond)


def css(drv, sel):
    return drv.find_element(By.CSS_SELECTOR, sel)


def csss(drv, sel):
    return drv.find_elements(By.CSS_SELECTOR, sel)


def text_of(drv, sel):
    els = csss(drv, sel)
    return els[0].text if els else ""


def body_value(drv):
    return drv.execute_script("return document.getElementById('body').value")


def no_js_errors(drv):
    errors = [e for e in drv.get_log("browser") if e.get("level") == "SEVERE"
              and e.get("source") != "network"]
    assert not errors, errors


def png(w=16, h=12):
    raw = b"".join(b"\x00" + b"\x20\x90\xe0" * w for _ in range(h))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def select_in_body(drv, start, end):
    drv.execute_script("var t = document.getElementById('body'); t.focus();"
                       "t.setSelectionRange(arguments[0], arguments[1]);", start, end)


def test_toolbar_inserts_markdown_at_the_selection(server, browser):
    b = browser
    login(b, server, "writer")
    body = css(b, "#body")
    body.send_keys("Restart the router")
    select_in_body(b, 8, 18)  # "the router"
    css(b, "[data-tool=bold]").click()
    assert body_value(b) == "Restart **the router**"
    wait(b, lambda d: "the router" in [e.text for e in csss(d, "#preview strong")])
    # keyboard: Ctrl+I on a selection, Ctrl+K makes a link
    select_in_body(b, 0, 7)
    css(b, "#body").send_keys(Keys.CONTROL, "i")
    assert body_value(b).startswith("*Restart*")
    b.execute_script("var t = document.getElementById('body'); t.focus();"
                     "t.setSelectionRange(t.value.length, t.value.length);")
    css(b, "#body").send_keys("\n")
    for tool in ("h2", "ul", "ol", "codeblock", "table"):
        css(b, "[data-tool=%s]" % tool).click()
        # the placeholder is selected for typing over; go on after the block
        b.execute_script("var t = document.getElementById('body');"
                         "t.setSelectionRange(t.value.length, t.value.length);")
    v = body_value(b)
    assert "\n## " in v and "\n- " in v and "\n1. " in v and "\n```\n" in v and "| --- |" in v
    wait(b, lambda d: csss(d, "#preview table") and csss(d, "#preview pre"))
    # every button is named and in a keyboard-reachable toolbar
    bar = css(b, "[role=toolbar]")
    assert bar.get_attribute("aria-label")
    for btn in csss(b, "[role=toolbar] button"):
        assert btn.get_attribute("aria-label") or btn.text.strip()
        assert btn.get_attribute("title")
    no_js_errors(b)


def test_link_picker_inserts_a_link_by_number(server, browser):
    b = browser
    login(b, server, "writer")
    staff = requests.Session()
    r = staff.post(server.url("/api/v1/login"),
                   json={"username": "writer1", "password": "writer-pass-123"}, timeout=10)
    assert r.status_code == 200
    art = staff.get(server.url("/api/v1/articles"), params={"q": "password"}, timeout=10).json()
    target = art["articles"][0]
    number = int(target["ref"].split("-")[1])
    css(b, "#body").send_keys("See ")
    css(b, "[data-tool=article]").click()
    q = wait(b, lambda d: css(d, "#link-picker input[type=search]"))
    q.send_keys(target["ref"])
    choice = wait(b, lambda d: [e for e in csss(d, "#link-picker li button")
                                if target["ref"] in e.text])
    choice[0].click()
    assert body_value(b) == "See [%s](/kb/%d)" % (target["title"], number)
    assert not css(b, "#link-picker").is_displayed()
    # the link works for a customer
    assert requests.get(server.url("/kb/%d" % number), timeout=10).status_code == 200
    no_js_errors(b)


def test_uploaded_image_shows_on_the_published_page(server, browser):
    b = browser
    login(b, server, "writer")
    css(b, "#title").send_keys("Where the reset button is %d" % time.time())
    css(b, "#body").send_keys("The button:\n\n")
    path = os.path.join(tempfile.mkdtemp(), "reset-button.png")
    with open(path, "wb") as f:
        f.write(png())
    css(b, "#image-file").send_keys(path)
    wait(b, lambda d: "/kb/media/uploads/" in body_value(d))
    v = body_value(b)
    assert "![reset-button](/kb/media/uploads/sha256-" in v
    url = v[v.index("(/kb/media/") + 1:v.index(".png)") + 4]
    assert requests.get(server.url(url), timeout=10).status_code == 404  # a draft's image
    css(b, "#publish").click()
    wait(b, lambda d: "is published" in text_of(d, "#editor-msg"))
    ref = css(b, "#editor-h").text.split(":")[0]
    assert requests.get(server.url(url), timeout=10).status_code == 200
    b.get(server.url("/kb/%s" % ref.split("-")[1]))
    img = wait(b, lambda d: csss(d, ".article-body img"))[0]
    wait(b, lambda d: d.execute_script("return arguments[0].complete && "
                                       "arguments[0].naturalWidth", img) == 16)
    no_js_errors(b)


def test_sanitiser_warning_lists_a_removed_script(server, browser):
    b = browser
    login(b, server, "writer")
    b.execute_script("document.getElementById('format').value = 'html';"
                     "document.getElementById('format').dispatchEvent(new Event('change', {bubbles: true}));")
    css(b, "#body").send_keys('<p onclick="steal()">Hello</p><script>alert(1)</script>')
    warn = wait(b, lambda d: [e for e in csss(d, "#sanitize-warning") if e.is_displayed()])[0]
    wait(b, lambda d: "<script> element (1)" in warn.text and "onclick attribute (1)" in warn.text)
    # saved (autosave), the stored text has lost them: the warning stays
    css(b, "#title").send_keys("Sanitised %d" % time.time())
    wait(b, lambda d: "Saved at" in text_of(d, "#autosave-status"), timeout=15)
    time.sleep(0.5)  # the saved text's own preview has come back
    assert "alert" not in body_value(b)
    assert warn.is_displayed() and "<script> element (1)" in warn.text
    # clean text clears it
    b.execute_script("var t = document.getElementById('body'); t.value = '<p>fine</p>';"
                     "t.dispatchEvent(new Event('input', {bubbles: true}));")
    wait(b, lambda d: not css(d, "#sanitize-warning").is_displayed())


def test_draft_autosaves_and_survives_a_reload(server, browser):
    b = browser
    login(b, server, "writer")
    title = "Autosaved draft %d" % time.time()
    css(b, "#title").send_keys(title)
    css(b, "#body").send_keys("First words of the draft.")
    wait(b, lambda d: "Saved at" in text_of(d, "#autosave-status"), timeout=15)
    ref = wait(b, lambda d: "KB-" in css(d, "#editor-h").text and css(d, "#editor-h").text.split(":")[0])
    css(b, "#body").send_keys(" Second sentence.")
    wait(b, lambda d: "Saving" in text_of(d, "#autosave-status")
         or "Saved at" in text_of(d, "#autosave-status"), timeout=15)
    time.sleep(0.2)
    wait(b, lambda d: "Saved at" in text_of(d, "#autosave-status")
         and not css(d, "#dirty").is_displayed(), timeout=15)
    b.get("about:blank")  # a real reload, not a jump within the page
    b.get(server.url("/write#" + ref))
    wait(b, lambda d: body_value(d) == "First words of the draft. Second sentence.")
    assert css(b, "#title").get_attribute("value") == title
    no_js_errors(b)


def test_published_article_keeps_an_unsaved_copy_in_the_browser(server, browser):
    b = browser
    login(b, server, "writer")
    css(b, "#title").send_keys("Published then edited %d" % time.time())
    css(b, "#body").send_keys("Live text.")
    css(b, "#publish").click()
    wait(b, lambda d: "is published" in text_of(d, "#editor-msg"))
    ref = css(b, "#editor-h").text.split(":")[0]
    css(b, "#body").send_keys(" Not yet saved.")
    time.sleep(3)  # longer than autosave waits: a published article is not saved by it
    assert "Not saved" in text_of(b, "#autosave-status") or "browser" in text_of(b, "#autosave-status")
    staff = requests.Session()
    staff.post(server.url("/api/v1/login"),
               json={"username": "writer1", "password": "writer-pass-123"}, timeout=10)
    assert staff.get(server.url("/api/v1/articles/" + ref), timeout=10).json()["source"] == "Live text."
    b.execute_script("window.onbeforeunload = null;")
    b.get("about:blank")
    b.get(server.url("/write#" + ref))
    restore = wait(b, lambda d: [e for e in csss(d, "#restore-copy button[data-restore]")
                                 if e.is_displayed()])[0]
    assert body_value(b) == "Live text."
    restore.click()
    assert body_value(b) == "Live text. Not yet saved."
    assert css(b, "#dirty").is_displayed()


def test_prefill_address_opens_a_new_article_with_title_and_body(server, browser):
    b = browser
    login(b, server, "writer")
    title = 'Printer says "offline" <b>%d</b>' % time.time()
    body = "Customers searched for this.\n\n<script>x()</script> & more"
    b.get(server.url("/write?" + urllib.parse.urlencode({"new": "1", "title": title,
                                                          "body": body})))
    wait(b, lambda d: css(d, "#title").get_attribute("value") == title)
    assert body_value(b) == body
    assert css(b, "#editor-h").text == "New article"
    assert css(b, "#dirty").is_displayed()
    assert not csss(b, "#title + b, #editor b")  # shown as text, never as markup
    staff = requests.Session()
    staff.post(server.url("/api/v1/login"),
               json={"username": "writer1", "password": "writer-pass-123"}, timeout=10)
    found = staff.get(server.url("/api/v1/articles"), params={"q": "Printer says"},
                      timeout=10).json()
    assert not [a for a in found["articles"] if a["title"] == title]  # nothing saved yet
    no_js_errors(b)
