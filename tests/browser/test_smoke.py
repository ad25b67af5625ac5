from selenium.webdriver.common.by import By
def test_home_page_renders(server, browser):
    browser.get(server.url("/"))
    assert "Help Center" in browser.title
    assert browser.find_element(By.CSS_SELECTOR, "input[name=q]")
