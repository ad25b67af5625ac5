"""Review before customers see a change, in the browser (issue 20 part 3):
writer A saves a change to a published public article under review, a
customer's page keeps the old text, writer B finds it in the review queue
and approves it, and the customer's page shows the new text; the writers'
list marks an article past its verify-by date "Needs check"."""
import random
import string
import time

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import USERS, add_user, login, make_driver, quit_driver

WRITER_B = ("writer-review-b", "writer-b-pass-123")


def wait(drv, cond, timeout=10):
    return WebDriverWait(drv, timeout, poll_frequency=0.05).until(cond)


def css(drv, sel):
    return drv.find_element(By.CSS_SELECTOR, sel)


def csss(drv, sel):
    return drv.find_elements(By.CSS_SELECTOR, sel)


def text_of(drv, sel):
    els = csss(drv, sel)
    return els[0].text if els else ""


def word():
    return "zr" + "".join(random.choice(string.ascii_lowercase) for _ in range(10))


def api(server, role=None, creds=None):
    s = requests.Session()
    s.headers["Origin"] = server.base
    name, pw = creds or USERS[role]
    r = s.post(server.url("/api/v1/login"), json={"username": name, "password": pw}, timeout=10)
    assert r.status_code == 200, r.text
    return s


def login_as(drv, server, name, pw):
    drv.get(server.url("/login"))
    css(drv, "input[name=username]").send_keys(name)
    css(drv, "input[name=password]").send_keys(pw)
    css(drv, "form button[type=submit]").click()
    wait(drv, lambda d: "/login" not in d.current_url)


@pytest.fixture
def review_topic(server, kb_data):
    """A topic of its own under review (other tests' articles are not)."""
    try:
        add_user(kb_data, *WRITER_B, "writer")
    except AssertionError:
        pass  # added by an earlier run against the same data
    slug = "review-ui-" + word()
    admin = api(server, "admin")
    r = admin.put(server.url("/api/v1/admin/review"), json={"mode": "topics", "topics": [slug]},
                  timeout=10)
    assert r.status_code == 200, r.text
    yield slug
    admin.put(server.url("/api/v1/admin/review"), json={"mode": "off"}, timeout=10)


def test_change_in_review_is_invisible_to_customers_until_another_writer_approves(
        server, browser, review_topic):
    old, new = word(), word()
    writer_a = api(server, "writer")
    r = writer_a.post(server.url("/api/v1/articles"), timeout=10, json={
        "title": "Reset the hub " + word(), "category": review_topic,
        "body": "Press the %s button for ten seconds." % old})
    assert r.status_code == 201, r.text
    ref = r.json()["ref"]
    # Publishing into a reviewed topic is itself reviewed: writer B approves it.
    p = writer_a.post(server.url("/api/v1/articles/%s/publish" % ref), timeout=10)
    assert p.status_code == 202, p.text
    a = api(server, creds=WRITER_B).post(server.url("/api/v1/articles/%s/approve" % ref),
                                         timeout=10)
    assert a.status_code == 200, a.text
    a = writer_a.get(server.url("/api/v1/articles/%s" % ref), timeout=10).json()
    assert a["status"] == "published"

    b = browser
    login(b, server, "writer")
    b.get(server.url("/write#" + ref))
    wait(b, lambda d: ref in text_of(d, "#editor-h"))
    body = css(b, "#body")
    body.clear()
    body.send_keys("Press the %s button for three seconds." % new)
    css(b, "#save").click()
    wait(b, lambda d: "Saved for review" in text_of(d, "#editor-msg"))
    wait(b, lambda d: css(d, "#review-box").is_displayed())
    assert not css(b, "#review-approve").is_enabled()  # one's own change

    customer = make_driver()
    try:
        customer.get(server.url(a["url"]))
        wait(customer, lambda d: old in d.find_element(By.TAG_NAME, "main").text)
        time.sleep(1.2)  # long past when an edit would have gone live
        customer.refresh()
        page = customer.find_element(By.TAG_NAME, "body").text
        assert old in page and new not in page
        assert new not in customer.page_source
        assert not [h for h in requests.get(server.url("/api/v1/search"), params={"q": new},
                                            timeout=10).json()["hits"]]
        # An agent's console marks the article as in review; a customer's
        # search results never say so.
        agent = make_driver()
        try:
            login(agent, server, "agent")
            agent.get(server.url("/agent"))
            css(agent, "#kb-q").send_keys(old + Keys.ENTER)
            hit = "#kb-results li.hit[data-ref='%s']" % ref
            wait(agent, lambda d: csss(d, hit))
            assert css(agent, hit + " .badge.in-review").text.lower() == "in review"
        finally:
            quit_driver(agent)
        customer.get(server.url("/search?q=" + old))
        wait(customer, lambda d: ref in d.find_element(By.TAG_NAME, "main").text)
        assert "in review" not in customer.find_element(By.TAG_NAME, "body").text.lower()
        j = requests.get(server.url("/api/v1/search"), params={"q": old + " hub"},
                         timeout=10).json()
        assert j["hits"] and j["hits"][0]["ref"] == ref
        assert all("in_review" not in h for h in j["hits"])
        customer.get(server.url(a["url"]))

        # Writer B sees it in the review queue, looks at the change and approves.
        b.delete_all_cookies()
        login_as(b, server, *WRITER_B)
        b.get(server.url("/write"))
        item = "#review-list [data-ref='%s']" % ref
        wait(b, lambda d: csss(d, item) and css(d, "#review-queue").is_displayed())
        css(b, item).click()
        wait(b, lambda d: ref in text_of(d, "#editor-h") and css(d, "#review-box").is_displayed())
        css(b, "#review-diff").click()
        wait(b, lambda d: new in text_of(d, "#review-diff-out .add"))
        assert old in text_of(b, "#review-diff-out .del")
        wait(b, lambda d: css(d, "#review-approve").is_enabled())
        css(b, "#review-approve").click()
        wait(b, lambda d: "Approved" in text_of(d, "#editor-msg"))
        assert not css(b, "#review-box").is_displayed()

        deadline = time.monotonic() + 1.0
        while True:
            customer.refresh()
            text = customer.find_element(By.TAG_NAME, "main").text
            if new in text or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert new in text and old not in customer.find_element(By.TAG_NAME, "body").text
    finally:
        quit_driver(customer)


def test_review_queue_shows_a_publish_request_another_writer_approves(
        server, browser, review_topic):
    w = word()
    writer_a = api(server, "writer")
    r = writer_a.post(server.url("/api/v1/articles"), timeout=10, json={
        "title": "Launch the hub " + word(), "category": review_topic,
        "body": "The %s hub is new." % w})
    assert r.status_code == 201, r.text
    ref = r.json()["ref"]
    assert writer_a.post(server.url("/api/v1/articles/%s/publish" % ref),
                         timeout=10).status_code == 202
    assert not requests.get(server.url("/api/v1/search"), params={"q": w},
                            timeout=10).json()["hits"]

    b = browser
    b.delete_all_cookies()
    login_as(b, server, *WRITER_B)
    b.get(server.url("/write"))
    item = "#review-list [data-ref='%s']" % ref
    wait(b, lambda d: csss(d, item) and css(d, "#review-queue").is_displayed())
    assert "publish requested" in css(b, item).text.lower()  # the badge is in capitals
    css(b, item).click()
    wait(b, lambda d: css(d, "#review-box").is_displayed())
    assert "Publish requested" in text_of(b, "#review-text")
    wait(b, lambda d: css(d, "#review-approve").is_enabled())
    css(b, "#review-approve").click()
    wait(b, lambda d: "Approved" in text_of(d, "#editor-msg"))
    deadline = time.monotonic() + 1.0
    while not requests.get(server.url("/api/v1/search"), params={"q": w},
                           timeout=10).json()["hits"]:
        assert time.monotonic() < deadline, "approved publish not searchable within 1 s"
        time.sleep(0.05)


def test_writers_list_marks_articles_past_their_verify_by_date(server, browser):
    writer = api(server, "writer")
    stale_title, fresh_title = "Stale " + word(), "Fresh " + word()
    for title, date in ((stale_title, "2001-01-31"), (fresh_title, "2999-01-01")):
        r = writer.post(server.url("/api/v1/articles"), timeout=10,
                        json={"title": title, "body": "Text.", "verify_by": date})
        assert r.status_code == 201, r.text
    b = browser
    login(b, server, "writer")
    b.get(server.url("/write"))
    wait(b, lambda d: stale_title in text_of(d, "#articles"))
    rows = {e.find_element(By.CSS_SELECTOR, ".t").text: e for e in csss(b, "#articles button")}
    assert "needs check" in rows[stale_title].text.lower()
    assert "needs check" not in rows[fresh_title].text.lower()
    Select(css(b, "#f-review")).select_by_value("needs_check")
    wait(b, lambda d: fresh_title not in text_of(d, "#articles")
         and stale_title in text_of(d, "#articles"))
    assert all("needs check" in e.text.lower() for e in csss(b, "#articles button"))
    # The editor shows and keeps the owner and date.
    [e for e in csss(b, "#articles button") if stale_title in e.text][0].click()
    wait(b, lambda d: css(d, "#verify_by").get_attribute("value") == "2001-01-31")
    assert css(b, "#owner").get_attribute("value") == USERS["writer"][0]


def test_admin_requires_review_per_topic_on_the_admin_page(server, browser):
    admin = api(server, "admin")
    topics = admin.get(server.url("/api/v1/topics"), timeout=10).json()["topics"]
    assert topics, "the demo has topics"
    slug = topics[0]["slug"]
    b = browser
    login(b, server, "admin")
    b.get(server.url("/admin#review"))
    try:
        wait(b, lambda d: csss(d, "#review-topic-list input[value='%s']" % slug))
        css(b, "#review-form input[name=mode][value=topics]").click()
        css(b, "#review-topic-list input[value='%s']" % slug).click()
        css(b, "#review-form button[type=submit]").click()
        wait(b, lambda d: "now wait for another writer" in text_of(d, "#review-msg"))
        got = admin.get(server.url("/api/v1/admin/review"), timeout=10).json()
        assert got == {"mode": "topics", "topics": [slug]}
        # Topics mode with nothing checked is refused with a clear message.
        css(b, "#review-topic-list input[value='%s']" % slug).click()
        css(b, "#review-form button[type=submit]").click()
        wait(b, lambda d: "at least one topic" in text_of(d, "#review-msg"))
        css(b, "#review-form input[name=mode][value=off]").click()
        css(b, "#review-form button[type=submit]").click()
        wait(b, lambda d: "Review is off" in text_of(d, "#review-msg"))
        assert admin.get(server.url("/api/v1/admin/review"), timeout=10).json()["mode"] == "off"
    finally:
        admin.put(server.url("/api/v1/admin/review"), json={"mode": "off"}, timeout=10)
