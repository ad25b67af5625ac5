"""Every language (issue 19 part 6) as a person uses it: the language switcher
lists the locales with public content and goes to that help center, whose
search box searches in its language and whose typeahead suggests its titles;
an article's switcher goes to its translation."""
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait


def wait(drv, cond, timeout=10, msg=""):
    return WebDriverWait(drv, timeout, poll_frequency=0.05).until(lambda d: cond(d), msg)


def switcher(drv):
    return {a.text: a.get_attribute("href")
            for a in drv.find_elements(By.CSS_SELECTOR, "footer.site nav.langs a")}


def test_language_switcher_goes_to_each_help_center(server, browser):
    drv = browser
    drv.get(server.url("/en/"))
    langs = switcher(drv)
    assert {"English", "Français", "Deutsch"} <= set(langs), langs
    current = drv.find_element(By.CSS_SELECTOR, "nav.langs a[aria-current]")
    assert current.text == "English"
    drv.find_element(By.LINK_TEXT, "Français").click()
    wait(drv, lambda d: d.current_url.endswith("/fr/"), msg=drv.current_url)
    assert drv.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
    assert drv.find_element(By.CSS_SELECTOR, "nav.langs a[aria-current]").text == "Français"
    # Typeahead suggests French titles first.
    q = drv.find_element(By.CSS_SELECTOR, "form.search input[name=q]")
    q.send_keys("réseau")
    items = wait(drv, lambda d: [li for li in d.find_elements(By.CSS_SELECTOR, ".suggest-item")
                                 if li.is_displayed()], msg="no suggestions")
    assert any("réseau" in li.text.lower() for li in items), [li.text for li in items]
    q.send_keys(Keys.ESCAPE)
    q.clear()
    q.send_keys("mot de passe wifi")
    q.submit()
    wait(drv, lambda d: "/fr/search" in d.current_url, msg=drv.current_url)
    titles = [h.text for h in drv.find_elements(By.CSS_SELECTOR, "li.result h2")]
    assert titles and "Changer le nom et le mot de passe de votre réseau sans fil" in titles
    assert "Change your Wi-Fi name and password" not in titles
    # Back to English through the switcher.
    drv.find_element(By.LINK_TEXT, "English").click()
    wait(drv, lambda d: d.current_url.endswith("/en/"))
    assert drv.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
