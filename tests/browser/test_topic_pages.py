"""Topics in a real browser (issue 19 part 1): the home page's topic cards
carry the sources' own names (GNOME help's guides, the sample product's
topics), a category page lists its sections with their articles, and an
article shows its category > section breadcrumb and the other articles of
its section.

    /usr/bin/python3 -m pytest -q tests/browser/test_topics.py
"""
import re

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

WAIT = 10
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)+$")


def visible_texts(browser, css):
    return [e.text.strip() for e in browser.find_elements(By.CSS_SELECTOR, css) if e.is_displayed()]


def test_home_page_topic_cards_have_real_names(server, browser):
    browser.get(server.url("/"))
    titles = visible_texts(browser, ".cards .card-title")
    assert "Networking, web & email" in titles  # GNOME help's own guide title
    assert "Wi-Fi & network" in titles           # the sample product's topic
    for t in titles:
        assert not SLUG.match(t) and t[:1].isupper(), t
    # GNOME's topics and the sample product's are not interleaved: each keeps its order
    assert titles.index("Getting started") < titles.index("Billing & Nimbus Plus")
    descs = visible_texts(browser, ".cards .card-desc")
    assert any("Connect to wireless and wired networks" in d for d in descs)
    size = browser.execute_script("return document.documentElement.outerHTML.length")
    assert size < 60 * 1024


def test_category_page_shows_sections_and_their_articles(server, browser):
    browser.get(server.url("/"))
    card = next(a for a in browser.find_elements(By.CSS_SELECTOR, ".cards a")
                if "Networking, web & email" in a.text)
    card.click()
    WebDriverWait(browser, WAIT).until(lambda b: "category=net" in b.current_url)
    assert browser.find_element(By.TAG_NAME, "h1").text == "Networking, web & email"
    sections = visible_texts(browser, ".topic-section h2")
    assert "Wireless networking" in sections and "Wired networking" in sections
    links = visible_texts(browser, ".topic-section a")
    assert "Connect to a wireless network" in links


def test_article_breadcrumb_and_section_sidebar(server, browser):
    browser.get(server.url("/search?category=net-wireless"))
    link = next(a for a in browser.find_elements(By.CSS_SELECTOR, "a")
                if a.text.strip() == "Connect to a wireless network")
    link.click()
    WebDriverWait(browser, WAIT).until(lambda b: "/kb/" in b.current_url)
    crumbs = visible_texts(browser, "nav.crumbs li")
    assert crumbs[-2:] == ["Networking, web & email", "Wireless networking"], crumbs
    aside = browser.find_element(By.CSS_SELECTOR, "aside.in-section")
    assert aside.is_displayed()
    assert aside.find_element(By.TAG_NAME, "h2").text == "Articles in this section"
    others = [a.text for a in aside.find_elements(By.TAG_NAME, "a")]
    assert others and "Connect to a wireless network" not in others
    # the step <if:choose> used to leave empty is there
    steps = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "article ol > li")]
    assert all(s.strip() for s in steps) and any("connection is successful" in s for s in steps)
    # a cross-reference is a working link
    xref = next(a for a in browser.find_elements(By.CSS_SELECTOR, "article a")
                if "/kb/page/" in (a.get_attribute("href") or ""))
    xref.click()
    WebDriverWait(browser, WAIT).until(lambda b: "/kb/page/" not in b.current_url)
    assert "Page not found" not in browser.title


def test_admin_edits_a_topic_and_the_home_page_follows(server, browser):
    from conftest import login
    login(browser, server, "admin")
    browser.get(server.url("/admin"))
    WebDriverWait(browser, WAIT).until(
        lambda b: b.find_elements(By.CSS_SELECTOR, "#topics-list tr[data-slug=account]"))
    row = browser.find_element(By.CSS_SELECTOR, "#topics-list tr[data-slug=account]")
    row.find_element(By.XPATH, ".//button[text()='Edit']").click()
    form = browser.find_element(By.ID, "topic-form")
    assert form.find_element(By.NAME, "slug").get_attribute("value") == "account"
    name = form.find_element(By.NAME, "name")
    name.clear()
    name.send_keys("Your Nimbus account")
    pos = form.find_element(By.NAME, "position")
    pos.clear()
    pos.send_keys("-10")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, WAIT).until(
        lambda b: "Saved" in b.find_element(By.ID, "topics-msg").text)
    assert "Your Nimbus account" in browser.find_element(By.ID, "topics-list").text
    # a bad one: the message names what was wrong
    form.find_element(By.NAME, "slug").send_keys("zq-bad")
    form.find_element(By.NAME, "name").send_keys("Bad")
    parent = form.find_element(By.NAME, "parent")
    browser.execute_script("var o = document.createElement('option'); o.value = 'no-such';"
                           "arguments[0].appendChild(o); arguments[0].value = 'no-such';", parent)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, WAIT).until(
        lambda b: "does not exist" in b.find_element(By.ID, "topics-msg").text)
    browser.get(server.url("/"))
    titles = visible_texts(browser, ".cards .card-title")
    assert titles[0] == "Your Nimbus account", titles
