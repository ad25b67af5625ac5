"""The staff tools used as an agent would (issue 20 review): the caller
comes first, so the previous cases show as soon as the agent enters who
calls, before the customer has said what is wrong."""
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import login


def test_previous_cases_show_before_the_customer_says_anything(server, browser):
    login(browser, server, "agent")
    browser.get(server.url("/agent"))
    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "customer").is_displayed())
    browser.find_element(By.ID, "customer").send_keys("Yuki Tanaka")
    browser.find_element(By.ID, "unit").send_keys("NR5-2K5-00588")
    panel = browser.find_element(By.ID, "previous-panel")
    WebDriverWait(browser, 10).until(
        lambda d: panel.is_displayed() and "Forgot Nimbus Cloud password" in panel.text,
        message="the caller's previous cases stay hidden until the agent types the problem")
    assert "Router light purple on first setup" in panel.text
    # Nothing was searched yet: the article lists still say so.
    assert not browser.find_elements(By.CSS_SELECTOR, "#articles li.article")
    assert "Type what the customer says" in browser.find_element(By.ID, "status").text


def test_a_ticket_found_by_the_console_search_has_a_clean_badge(server, browser):
    """The meta line puts ' · ' before each of its items: a badge that is
    one of them wore the dot inside its coloured box ('· TICKET')."""
    login(browser, server, "agent")
    browser.get(server.url("/agent"))
    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "kb-q").is_displayed())
    browser.find_element(By.ID, "kb-q").send_keys("password reset mail")
    badges = WebDriverWait(browser, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#kb-results li.ticket .badge"))
    for b in badges + browser.find_elements(By.CSS_SELECTOR, "#kb-results .badge, #articles .badge"):
        dot = browser.execute_script("return getComputedStyle(arguments[0], '::before').content", b)
        assert dot in ("none", "normal", ""), "a badge shows %s inside it" % dot


def test_nothing_searched_yet_is_not_called_no_match(server, browser):
    """A fresh console said 'No matching articles.' and 'No similar resolved
    tickets.' before the agent had typed anything."""
    login(browser, server, "agent")
    browser.get(server.url("/agent"))
    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "says").is_displayed())
    arts = browser.find_element(By.ID, "articles-empty")
    tix = browser.find_element(By.ID, "tickets-empty")
    assert "matching" not in arts.text.lower() and "similar" not in tix.text.lower().replace(
        "no similar resolved tickets yet", ""), (arts.text, tix.text)
    browser.find_element(By.ID, "says").send_keys("qzqzqzqz wxwxwxwx vtvtvtvt")
    WebDriverWait(browser, 10).until(lambda d: "No matching articles" in arts.text)
    assert "No similar resolved tickets." == tix.text
