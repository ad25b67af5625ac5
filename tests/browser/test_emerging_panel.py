"""The emerging-problems panel as agents and admins see it: a burst of
paraphrased tickets over 10 days of background shows up in the agent
console and on the admin dashboard with its words, an hourly chart, the
"no article answers this" draft button, and no personal data."""
import os
import sys
import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import USERS, login
from kbtest import SAMPLES, run_indexer
from server import KbServer, add_user

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
import ticket_stream as ts  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    d = tmp_path_factory.mktemp("kb-emerging-panel")
    now = time.time()
    tickets = ts.background(days=10, per_day=200, end=now - 60, seed=21)
    burst = ts.burst("spam", n=8, hours=2, end=now - 30, seed=3)
    burst[0]["description"] += " Write to me at jane.doe@example.com"
    (d / "t.jsonl").write_text(ts.jsonl(tickets + burst))
    run_indexer(d, "add", os.path.join(SAMPLES, "articles"))
    run_indexer(d, "add", str(d / "t.jsonl"))
    for role, (name, pw) in USERS.items():
        add_user(d, name, pw, role)
    with KbServer(d) as s:
        yield s


@pytest.mark.parametrize("role,page", [("agent", "/agent"), ("admin", "/admin")])
def test_panel_shows_the_burst(server, browser, role, page):
    login(browser, server, role)
    browser.get(server.url(page))
    WebDriverWait(browser, 10, poll_frequency=0.1).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#emerging .emerging-problem"))
    item = browser.find_element(By.CSS_SELECTOR, "#emerging .emerging-problem")
    text = item.text
    assert "spam" in text
    assert "tickets" in text
    assert len(item.find_elements(By.CSS_SELECTOR, "svg.emerging-chart rect.bar")) == 6
    assert "No article answers this." in text
    assert item.find_elements(By.CSS_SELECTOR, "button.make-draft")
    assert "jane.doe@example.com" not in browser.page_source
    errors = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"
              and e.get("source") != "network"]
    assert not errors, errors


def test_admin_drafts_the_missing_article_from_the_panel(server, browser):
    login(browser, server, "admin")
    browser.get(server.url("/admin"))
    WebDriverWait(browser, 10, poll_frequency=0.1).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#emerging button.make-draft"))
    browser.find_element(By.CSS_SELECTOR, "#emerging button.make-draft").click()
    WebDriverWait(browser, 10, poll_frequency=0.1).until(lambda d: "/write#KB-" in d.current_url)
    WebDriverWait(browser, 10, poll_frequency=0.1).until(
        lambda d: "spam" in d.find_element(By.CSS_SELECTOR, "#title").get_attribute("value").lower()
        or "mail" in d.find_element(By.CSS_SELECTOR, "#title").get_attribute("value").lower())


@pytest.fixture(scope="module")
def search_server(tmp_path_factory):
    """A wave of customers' searches with no ticket about it."""
    d = tmp_path_factory.mktemp("kb-emerging-searches")
    now = time.time()
    (d / "t.jsonl").write_text(ts.jsonl(ts.background(days=10, per_day=200, end=now - 60,
                                                      seed=22)))
    run_indexer(d, "add", os.path.join(SAMPLES, "articles"))
    run_indexer(d, "add", str(d / "t.jsonl"))
    ts.put_searches(str(d / "kb.sqlite3"),
                    ts.searches(days=10, per_day=300, end=now - 60, seed=23)
                    + ts.search_wave("noise", 10, 1, now - 30, seed=24))
    for role, (name, pw) in USERS.items():
        add_user(d, name, pw, role)
    with KbServer(d) as s:
        yield s


def test_search_problem_drafted_by_a_writer_not_offered_to_agents(search_server, browser):
    login(browser, search_server, "agent")
    browser.get(search_server.url("/agent"))
    WebDriverWait(browser, 10, poll_frequency=0.1).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#emerging .emerging-problem"))
    item = browser.find_element(By.CSS_SELECTOR, "#emerging .emerging-problem")
    assert "customers searched for this" in item.text
    assert "No article answers this." in item.text
    time.sleep(0.5)  # the role arrives after the list
    assert not [b for b in item.find_elements(By.CSS_SELECTOR, "button.make-draft")
                if b.is_displayed()]
    login(browser, search_server, "admin")
    browser.get(search_server.url("/admin"))
    WebDriverWait(browser, 10, poll_frequency=0.1).until(
        lambda d: [b for b in d.find_elements(By.CSS_SELECTOR, "#emerging button.make-draft")
                   if b.is_displayed()])
    browser.find_element(By.CSS_SELECTOR, "#emerging button.make-draft").click()
    WebDriverWait(browser, 10, poll_frequency=0.1).until(lambda d: "/write#KB-" in d.current_url)
    WebDriverWait(browser, 10, poll_frequency=0.1).until(
        lambda d: "buzz" in d.find_element(By.CSS_SELECTOR, "#title").get_attribute("value")
        .lower() or "nois" in d.find_element(By.CSS_SELECTOR, "#title").get_attribute("value")
        .lower())
