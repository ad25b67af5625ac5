"""The editor used as a writer would (issue 20 review): the autosave line
beside the Save button and the review box, built apart, agree with what
was just saved."""
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import login


def css(drv, sel):
    return drv.find_element(By.CSS_SELECTOR, sel)


def wait(drv, cond, timeout=10):
    return WebDriverWait(drv, timeout).until(cond)


def test_saving_a_published_article_clears_the_unsaved_note(server, browser):
    b = browser
    login(b, server, "writer")
    b.get(server.url("/write"))
    wait(b, lambda d: css(d, "#title").is_displayed())
    css(b, "#title").send_keys("Staffux saved note %d" % time.time())
    css(b, "#body").send_keys("Live text.")
    css(b, "#publish").click()
    wait(b, lambda d: "is published" in css(d, "#editor-msg").text)
    css(b, "#body").send_keys(" One more line.")
    wait(b, lambda d: "Unsaved" in css(d, "#autosave-status").text)
    css(b, "#save").click()
    wait(b, lambda d: "Saved" in css(d, "#editor-msg").text)
    assert not css(b, "#dirty").is_displayed()
    assert "Unsaved" not in css(b, "#autosave-status").text, \
        "the editor says 'Saved' and, beside the button, 'Unsaved' at once"


def test_a_prefilled_draft_once_saved_is_not_prefilled_again(server, browser):
    """A content gap's 'Write an article' opens /write?new=1&title=...; once
    that draft saved itself, New article and a reload brought the same
    prefilled text back as yet another new article."""
    from urllib.parse import quote
    b = browser
    login(b, server, "writer")
    title = "Staffux gap draft %d" % time.time()
    b.get(server.url("/write?new=1&title=%s&body=%s" % (quote(title), quote("Customers searched."))))
    wait(b, lambda d: css(d, "#title").get_attribute("value") == title)
    css(b, "#body").send_keys(" Then wrote this.")
    wait(b, lambda d: "Saved at" in css(d, "#autosave-status").text)
    css(b, "#new-article").click()
    b.refresh()
    wait(b, lambda d: css(d, "#title").is_displayed())
    time.sleep(0.5)
    assert css(b, "#title").get_attribute("value") == "", "the saved gap draft came back as a new one"


def test_link_picker_says_which_articles_customers_cannot_open(server, browser):
    """The picker listed internal articles and drafts like any other: a
    writer linked one into a public article and customers got a 404."""
    import requests
    staff = requests.Session()
    staff.headers["Origin"] = server.base
    staff.post(server.url("/api/v1/login"),
               json={"username": "writer1", "password": "writer-pass-123"}, timeout=10)
    tag = "Staffux pick %d" % time.time()
    internal = staff.post(server.url("/api/v1/articles"), json={
        "title": tag + " internal", "body": "x", "audience": "internal"}, timeout=10).json()
    staff.post(server.url("/api/v1/articles/%s/publish" % internal["ref"]), timeout=10)
    draft = staff.post(server.url("/api/v1/articles"), json={"title": tag + " draft", "body": "x"},
                       timeout=10).json()
    b = browser
    login(b, server, "writer")
    b.get(server.url("/write"))
    wait(b, lambda d: css(d, "[data-tool=article]").is_displayed())
    css(b, "[data-tool=article]").click()
    q = wait(b, lambda d: css(d, "#link-picker input[type=search]"))
    q.send_keys(tag)
    rows = wait(b, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#link-picker li button")) >= 2
                and d.find_elements(By.CSS_SELECTOR, "#link-picker li button"))
    by_ref = {r.text.split()[0]: r.text.lower() for r in rows}
    assert "internal" in by_ref[internal["ref"]].replace(tag.lower() + " internal", "")
    assert "draft" in by_ref[draft["ref"]].replace(tag.lower() + " draft", "")
