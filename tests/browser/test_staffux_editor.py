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
