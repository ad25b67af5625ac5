from selenium.webdriver.common.by import By
def test_home_page_renders(server, browser):
    browser.get(server.url("/"))
    assert "Help Center" in browser.title
    assert browser.find_element(By.CSS_SELECTOR, "input[name=q]")


def test_a_dead_link_shows_the_help_centers_404_page(server, browser):
    """Issue 19 part 7: a browser following a dead link outside /kb/ gets our
    page (with its search box and a way home), not raw JSON."""
    browser.get(server.url("/no/such/page"))
    assert "Page not found" in browser.find_element(By.TAG_NAME, "h1").text
    assert browser.find_element(By.CSS_SELECTOR, "input[name=q]")
    home = browser.find_element(By.LINK_TEXT, "contact support")
    assert home.get_attribute("href").endswith("/contact")
    assert "not_found" not in browser.page_source
