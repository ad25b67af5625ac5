"""Branding set through the admin page (issue 19 part 2) appears on the help
center (name, logo, accent colour, footer links, contact text) and in the
widget on another site. Its own server: the brand would change every other
browser test's pages."""
import functools
import http.server
import os
import shutil
import struct
import tempfile
import threading
import zlib

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import USERS, login, make_driver, quit_driver
from kbtest import SAMPLES, run_indexer
from server import KbServer, add_user

ACCENT = "#0f766e"


def png_file(d):
    raw = b"".join(b"\x00" + b"\x0f\x76\x6e" * 8 for _ in range(8))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    p = os.path.join(d, "logo.png")
    with open(p, "wb") as f:
        f.write(data)
    return p


def rgb(hex_colour):
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


def css_rgb(value):
    nums = value[value.index("(") + 1:value.index(")")].split(",")
    return tuple(int(float(n)) for n in nums[:3])


def wait(drv, cond, timeout=10, msg=""):
    return WebDriverWait(drv, timeout, poll_frequency=0.05).until(lambda d: cond(d), msg)


@pytest.fixture(scope="module")
def site():
    d = tempfile.mkdtemp(prefix="kb-brand-browser-")
    run_indexer(d, "add", os.path.join(SAMPLES, "articles"))
    name, pw = USERS["admin"]
    add_user(d, name, pw, "admin")
    srv = KbServer(d).start()
    host = tempfile.mkdtemp(prefix="kb-brand-host-")
    with open(os.path.join(host, "index.html"), "w", encoding="utf-8") as f:
        f.write('<!DOCTYPE html><html><head><meta charset="utf-8"><title>Shop</title>'
                '<link rel="icon" href="data:,"></head><body><h1>Shop</h1>'
                '<script src="%s/static/widget.js" data-kb-url="%s" async></script>'
                '</body></html>' % (srv.base, srv.base))
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(http.server.SimpleHTTPRequestHandler, directory=host))
    httpd.RequestHandlerClass.log_message = lambda *a: None
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    drv = make_driver()
    yield srv, drv, "http://127.0.0.1:%d/index.html" % httpd.server_address[1], d
    quit_driver(drv)
    httpd.shutdown()
    httpd.server_close()
    srv.stop()
    shutil.rmtree(d, ignore_errors=True)
    shutil.rmtree(host, ignore_errors=True)


def test_branding_set_in_the_admin_page_shows_on_pages_and_widget(site, request):
    srv, drv, other, d = site
    request.node._kb_driver = drv
    login(drv, srv, "admin")
    drv.get(srv.url("/admin#brand-h"))
    form = wait(drv, lambda x: x.find_element(By.ID, "brand-form"))
    name = form.find_element(By.ID, "brand-name")
    wait(drv, lambda x: name.get_attribute("value") == "Help Center", msg="brand not loaded")
    # A colour too light for white text is refused, with the reason shown.
    accent = form.find_element(By.ID, "brand-accent")
    accent.clear()
    accent.send_keys("#ffcc00")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    msg = drv.find_element(By.ID, "brand-msg")
    wait(drv, lambda x: "contrast" in msg.text, msg="no contrast error shown")
    accent.clear()
    accent.send_keys(ACCENT)
    name.clear()
    name.send_keys("Acme Support")
    drv.find_element(By.ID, "brand-links").send_keys("Status page | https://status.example.com/")
    drv.find_element(By.ID, "brand-contact").send_keys("Our team answers within a day.")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(drv, lambda x: "saved" in msg.text, msg="branding not saved: " + msg.text)
    drv.find_element(By.ID, "brand-logo").send_keys(png_file(d))
    drv.find_element(By.CSS_SELECTOR, "#brand-logo-form button[type=submit]").click()
    wait(drv, lambda x: "Logo uploaded" in msg.text, msg="logo not uploaded: " + msg.text)

    # The help center, as a customer (signed out).
    drv.delete_all_cookies()
    drv.get_log("browser")  # the refused colour's 400 above
    drv.get(srv.url("/"))
    assert drv.title == "Acme Support"
    brand = drv.find_element(By.CSS_SELECTOR, "header.site a.brand")
    assert brand.text.strip() == "Acme Support"
    logo = brand.find_element(By.TAG_NAME, "img")
    assert "/brand/logo?v=" in logo.get_attribute("src")
    wait(drv, lambda x: x.execute_script("return arguments[0].complete && "
                                         "arguments[0].naturalWidth", logo) == 8,
         msg="the logo did not load")
    # The accent reaches the page through /static/brand.css (no inline style).
    button = drv.find_element(By.CSS_SELECTOR, "form.search button[type=submit]")
    assert css_rgb(button.value_of_css_property("background-color")) == rgb(ACCENT)
    header_bg = css_rgb(drv.find_element(By.CSS_SELECTOR, "header.site")
                        .value_of_css_property("background-color"))
    assert header_bg != rgb("#1e3a8a") and sum(header_bg) < sum(rgb(ACCENT))
    footer = drv.find_element(By.CSS_SELECTOR, "footer.site")
    link = footer.find_element(By.LINK_TEXT, "Status page")
    assert link.get_attribute("href") == "https://status.example.com/"
    assert not [e for e in drv.get_log("browser") if e["level"] == "SEVERE"]
    drv.get(srv.url("/contact"))
    assert "Our team answers within a day." in drv.find_element(By.TAG_NAME, "main").text

    # The widget on another site.
    drv.get(other)
    host = wait(drv, lambda x: x.find_elements(By.CSS_SELECTOR, "div.kb-widget"),
                msg="the widget did not load")[0]
    root = host.shadow_root
    launcher = root.find_element(By.CSS_SELECTOR, "button.launcher")
    launcher.click()
    title = root.find_element(By.CSS_SELECTOR, "#kbw-title")
    wait(drv, lambda x: title.text.strip() == "Acme Support", msg="widget title: " + title.text)
    img = title.find_element(By.TAG_NAME, "img")
    assert "/brand/logo?v=" in img.get_attribute("src")
    submit = root.find_element(By.CSS_SELECTOR, "form button[type=submit]")
    assert css_rgb(submit.value_of_css_property("background-color")) == rgb(ACCENT)
