"""The review setting as an admin reads it (issue 20 review): since
publishing a covered article became a publish request another writer
approves, the admin page must not promise that drafts are never reviewed."""
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import login


def test_admin_review_panel_says_publishing_waits_too(server, browser):
    login(browser, server, "admin")
    browser.get(server.url("/admin"))
    hint = WebDriverWait(browser, 10).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "#review p.hint"))
    text = " ".join(hint.text.split())
    assert "Drafts and internal articles are never reviewed" not in text, text
    assert "publish" in text.lower() and "another writer" in text
