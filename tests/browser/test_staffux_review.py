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


from test_review_ui import WRITER_B, api, login_as, review_topic, wait, word  # noqa: E402,F401


def test_approving_asks_before_dropping_what_the_reviewer_typed(server, browser, review_topic):
    """Writer B opened a change in review, typed a fix in the body, then
    pressed Approve: the editor reloaded the article and B's typing was
    gone without a word (the queue and the list both ask first)."""
    w = api(server, "writer")
    r = w.post(server.url("/api/v1/articles"), json={
        "title": "Staffux approve " + word(), "body": "Old text.", "category": review_topic},
        timeout=10)
    ref = r.json()["ref"]
    admin = api(server, "admin")
    admin.put(server.url("/api/v1/admin/review"), json={"mode": "off"}, timeout=10)
    assert w.post(server.url("/api/v1/articles/%s/publish" % ref), timeout=10).status_code == 200
    admin.put(server.url("/api/v1/admin/review"), json={"mode": "topics", "topics": [review_topic]},
              timeout=10)
    r = w.put(server.url("/api/v1/articles/" + ref), json={
        "title": r.json()["title"], "body": "New text.", "category": review_topic}, timeout=10)
    assert r.status_code == 202, r.text
    b = browser
    login_as(b, server, *WRITER_B)
    b.get(server.url("/write#" + ref))
    approve = wait(b, lambda d: [e for e in d.find_elements(By.ID, "review-approve")
                                 if e.is_displayed() and e.is_enabled()])[0]
    body = b.find_element(By.ID, "body")
    wait(b, lambda d: body.get_attribute("value") == "Old text.")
    body.send_keys(" B's unsaved fix.")
    approve.click()
    from selenium.webdriver.support import expected_conditions as EC
    WebDriverWait(b, 3).until(EC.alert_is_present(), "Approve dropped the typing without asking")
    b.switch_to.alert.dismiss()
    assert body.get_attribute("value") == "Old text. B's unsaved fix."
    assert w.get(server.url("/api/v1/articles/" + ref), timeout=10).json()["in_review"] is True


def test_the_author_sees_why_their_change_was_rejected(server, browser, review_topic):
    """The review box asks the rejecting writer for a 'Note for the author',
    but the editor never showed it: the author reopened the article and
    found their change simply gone."""
    w = api(server, "writer")
    admin = api(server, "admin")
    admin.put(server.url("/api/v1/admin/review"), json={"mode": "off"}, timeout=10)
    a = w.post(server.url("/api/v1/articles"), json={
        "title": "Staffux reject " + word(), "body": "Old text.", "category": review_topic},
        timeout=10).json()
    assert w.post(server.url("/api/v1/articles/%s/publish" % a["ref"]), timeout=10).status_code == 200
    admin.put(server.url("/api/v1/admin/review"), json={"mode": "topics", "topics": [review_topic]},
              timeout=10)
    assert w.put(server.url("/api/v1/articles/" + a["ref"]), json={
        "title": a["title"], "body": "New text.", "category": review_topic},
        timeout=10).status_code == 202
    b_api = api(server, creds=WRITER_B)
    r = b_api.post(server.url("/api/v1/articles/%s/reject" % a["ref"]),
                   json={"note": "Step 3 names the wrong menu"}, timeout=10)
    assert r.status_code == 200, r.text
    login(browser, server, "writer")
    browser.get(server.url("/write#" + a["ref"]))
    box = browser.find_element(By.ID, "review-box")
    wait(browser, lambda d: box.is_displayed() and "Step 3 names the wrong menu" in box.text,
         timeout=10)
    assert "rejected" in box.text and WRITER_B[0] in box.text
    assert not browser.find_element(By.ID, "review-approve").is_displayed()


def test_saving_over_the_published_text_asks_before_replacing_a_change_in_review(
        server, browser, review_topic):
    """The editor opens an article in review with its published text; the
    change waiting for approval is behind 'Edit the change'. Typing a fix
    and saving replaced the waiting change, a whole revision's work, with
    no warning."""
    w = api(server, "writer")
    admin = api(server, "admin")
    admin.put(server.url("/api/v1/admin/review"), json={"mode": "off"}, timeout=10)
    a = w.post(server.url("/api/v1/articles"), json={
        "title": "Staffux replace " + word(), "body": "Old text.", "category": review_topic},
        timeout=10).json()
    assert w.post(server.url("/api/v1/articles/%s/publish" % a["ref"]), timeout=10).status_code == 200
    admin.put(server.url("/api/v1/admin/review"), json={"mode": "topics", "topics": [review_topic]},
              timeout=10)
    assert w.put(server.url("/api/v1/articles/" + a["ref"]), json={
        "title": a["title"], "body": "A long rewrite.", "category": review_topic},
        timeout=10).status_code == 202
    b = browser
    login_as(b, server, *WRITER_B)
    b.get(server.url("/write#" + a["ref"]))
    body = b.find_element(By.ID, "body")
    wait(b, lambda d: body.get_attribute("value") == "Old text."
         and d.find_element(By.ID, "review-box").is_displayed())
    body.send_keys(" Typo fixed.")
    b.find_element(By.ID, "save").click()
    from selenium.webdriver.support import expected_conditions as EC
    WebDriverWait(b, 3).until(EC.alert_is_present(), "the change in review was replaced silently")
    b.switch_to.alert.dismiss()
    pending = w.get(server.url("/api/v1/articles/%s/pending" % a["ref"]), timeout=10).json()
    assert pending["source"] == "A long rewrite."
    # Loaded with 'Edit the change', saving it is what the writer meant: no question.
    b.find_element(By.ID, "review-load").click()
    wait(b, lambda d: body.get_attribute("value") == "A long rewrite.")
    body.send_keys(" Better.")
    b.find_element(By.ID, "save").click()
    wait(b, lambda d: "Saved for review" in d.find_element(By.ID, "editor-msg").text)
    pending = w.get(server.url("/api/v1/articles/%s/pending" % a["ref"]), timeout=10).json()
    assert pending["source"] == "A long rewrite. Better."


def test_reverting_asks_before_replacing_a_change_in_review(server, browser, review_topic):
    """Revert to an older revision is saved as the pending change under
    review, so it too replaced the waiting change without a word."""
    w = api(server, "writer")
    admin = api(server, "admin")
    admin.put(server.url("/api/v1/admin/review"), json={"mode": "off"}, timeout=10)
    a = w.post(server.url("/api/v1/articles"), json={
        "title": "Staffux revert " + word(), "body": "First.", "category": review_topic},
        timeout=10).json()
    w.put(server.url("/api/v1/articles/" + a["ref"]), json={
        "title": a["title"], "body": "Second.", "category": review_topic}, timeout=10)
    assert w.post(server.url("/api/v1/articles/%s/publish" % a["ref"]), timeout=10).status_code == 200
    admin.put(server.url("/api/v1/admin/review"), json={"mode": "topics", "topics": [review_topic]},
              timeout=10)
    assert w.put(server.url("/api/v1/articles/" + a["ref"]), json={
        "title": a["title"], "body": "A long rewrite.", "category": review_topic},
        timeout=10).status_code == 202
    b = browser
    login_as(b, server, *WRITER_B)
    b.get(server.url("/write#" + a["ref"]))
    revert = wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, "#revs button[aria-label^='Revert']"))
    revert[0].click()
    from selenium.webdriver.support import expected_conditions as EC
    WebDriverWait(b, 3).until(EC.alert_is_present())
    text = b.switch_to.alert.text
    b.switch_to.alert.dismiss()
    assert "waits in review" in text, text
    pending = w.get(server.url("/api/v1/articles/%s/pending" % a["ref"]), timeout=10).json()
    assert pending["source"] == "A long rewrite."
