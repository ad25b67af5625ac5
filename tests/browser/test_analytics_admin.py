"""The admin dashboard's analytics an admin can act on (issue 20), as the
admin sees them: the least-helpful rule stated and applied, a table's
"Download CSV" link answering that table as CSV, a content gap's "Write an
article" link carrying the gap's words, the views chart as inline SVG with
a text alternative."""
import csv
import io
import urllib.parse

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import USERS, login


def wait(drv, cond, timeout=15):
    return WebDriverWait(drv, timeout, poll_frequency=0.05).until(cond)


def text_of(drv, sel):
    els = drv.find_elements(By.CSS_SELECTOR, sel)
    return els[0].text if els else ""


def public_articles(server, n):
    admin = server.login(*USERS["admin"])
    r = admin.get(server.url("/api/v1/articles"),
                  params={"status": "published", "audience": "public", "per_page": 50}, timeout=30)
    assert r.status_code == 200, r.text
    body = r.json()
    items = body.get("articles") or body.get("items") or body.get("results")
    return [a["number"] for a in items][-n:]


def vote(server, n, helpful):
    r = requests.post(server.url("/api/v1/articles/%d/feedback" % n), json={"helpful": helpful},
                      timeout=30)
    assert r.status_code < 300, r.text


def test_admin_acts_on_least_helpful_gaps_views_and_csv(server, browser):
    always, sixth, viewed = public_articles(server, 3)
    for _ in range(6):
        vote(server, always, True)
    for i in range(6):
        vote(server, sixth, i == 0)
    assert requests.get(server.url("/kb/%d" % viewed), timeout=30).status_code == 200
    for q in ("Quasar Toaster Offline", "offline quasar toaster"):
        r = requests.get(server.url("/api/v1/search"), params={"q": q}, timeout=30)
        assert r.status_code == 200, r.text  # found nothing, or nothing clicked: a gap

    b = browser
    login(b, server, "admin")
    b.get(server.url("/admin"))
    # The rule is stated, and applied: 1 of 6 in, 6 of 6 out.
    wait(b, lambda d: "KB-%d" % sixth in text_of(d, "#least-helpful"))
    rule = text_of(b, "#lh-rule")
    assert "at least 5 votes" in rule and "under 50% helpful" in rule
    assert "KB-%d" % always not in text_of(b, "#least-helpful")

    # The least-helpful table's CSV link, fetched in the admin's session.
    link = b.find_element(By.CSS_SELECTOR, "a.csv[data-csv*='least_helpful']")
    href = link.get_attribute("href")
    assert "format=csv" in href
    got = b.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "fetch(arguments[0], {credentials: 'same-origin'}).then(function (r) {"
        "  return r.text().then(function (t) {"
        "    done({status: r.status, type: r.headers.get('Content-Type'),"
        "          cd: r.headers.get('Content-Disposition'), text: t}); }); });", href)
    assert got["status"] == 200 and got["type"] == "text/csv; charset=utf-8"
    assert got["cd"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(got["text"], newline="")))
    assert rows[0] == ["ref", "title", "votes", "helpful", "unhelpful", "helpful_ratio", "url"]
    row = [r for r in rows if r[0] == "KB-%d" % sixth]
    assert row and row[0][2:5] == ["6", "1", "5"]
    assert not [r for r in rows if r[0] == "KB-%d" % always]

    # A content gap's "Write an article" opens a draft prefilled with its words.
    wait(b, lambda d: "offline quasar toaster" in text_of(d, "#gaps-table"))
    write = [a for a in b.find_elements(By.CSS_SELECTOR, "#gaps-table a.write-article")
             if "quasar" in a.get_attribute("href")][0]
    url = urllib.parse.urlsplit(write.get_attribute("href"))
    qs = urllib.parse.parse_qs(url.query)
    assert url.path == "/write" and qs["new"] == ["1"]
    assert set(qs["title"][0].split()) == {"quasar", "toaster", "offline"}
    assert "quasar toaster offline" in qs["body"][0] and "offline quasar toaster" in qs["body"][0]

    write_href = write.get_attribute("href")

    # The views chart: inline SVG, named and described for screen readers.
    wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, "#views-chart svg"))
    chart = b.find_element(By.CSS_SELECTOR, "#views-chart svg")
    assert chart.get_attribute("role") == "img"
    ids = chart.get_attribute("aria-labelledby").split()
    texts = [b.find_element(By.ID, i).get_attribute("textContent") for i in ids]
    assert texts[0] == "Most viewed articles" and "customer views" in texts[1]
    # No script came from elsewhere.
    srcs = [s.get_attribute("src") for s in b.find_elements(By.CSS_SELECTOR, "script[src]")]
    assert all(s.startswith(server.url("/static/")) for s in srcs), srcs
    errors = [e for e in b.get_log("browser") if e.get("level") == "SEVERE"
              and e.get("source") != "network"]
    assert not errors, errors

    # Followed, the gap's link lands in the editor with that draft filled in.
    b.get(write_href)
    wait(b, lambda d: d.find_element(By.ID, "title").get_attribute("value") == qs["title"][0])
    body = b.find_element(By.ID, "body").get_attribute("value")
    assert "offline quasar toaster" in body and "quasar toaster offline" in body
