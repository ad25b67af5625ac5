"""Branding without recompiling (issue 19 part 2): an admin sets the site name,
accent colour, footer links, contact text and logo through the API; the help
center pages, the generated /static/brand.css and the widget's public endpoint
use them. Bad input is refused with an error naming what was wrong; an SVG logo
that could run script is refused, and any SVG is served sandboxed."""
import re
import struct
import zlib

import pytest
import requests

from kbchaos import bearer, make_token
from kbtest import SAMPLES, run_indexer
from server import KbServer

STRICT_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
              "frame-ancestors 'none'")


def png(w=2, h=2, extra=b""):
    raw = b"".join(b"\x00" + b"\x10\x80\xd0" * w for _ in range(h))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + extra + chunk(b"IEND", b""))


CLEAN_SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="28" height="28">'
             b'<circle cx="14" cy="14" r="12" fill="#0f766e"/></svg>')


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    d = tmp_path_factory.mktemp("kb-brand")
    run_indexer(d, "add", SAMPLES + "/articles")
    admin = make_token(d, "admin", "brand-admin")
    agent = make_token(d, "agent", "brand-agent")
    srv = KbServer(d).start()
    yield srv, bearer(admin), bearer(agent)
    srv.stop()


def put_brand(srv, who, body):
    return who.put(srv.url("/api/v1/admin/brand"), json=body, timeout=30)


def put_logo(srv, who, data, ctype):
    return who.put(srv.url("/api/v1/admin/brand/logo"), data=data,
                   headers={"Content-Type": ctype}, timeout=30)


def test_defaults_before_any_branding(env):
    srv, admin, _ = env
    b = srv.get("/api/v1/brand").json()
    assert b["name"] == "Help Center" and b["logo"] is None and b["footer_links"] == []
    home = srv.get("/").text
    assert "<title>Help Center</title>" in home or "- Help Center</title>" in home or \
        "Help Center</title>" in home
    assert "/static/favicon.svg" in home


def test_admin_sets_brand_and_every_page_uses_it(env):
    srv, admin, _ = env
    r = put_brand(srv, admin, {
        "name": "Acme Support", "accent": "#0f766e",
        "footer_links": [{"label": "Status page", "url": "https://status.example.com/"},
                         {"label": "Privacy", "url": "/kb/1000"}],
        "contact_text": "Our team answers within one working day."})
    assert r.status_code == 200, r.text
    b = r.json()
    assert b["name"] == "Acme Support" and b["accent"] == "#0f766e"
    assert re.fullmatch(r"#[0-9a-f]{6}", b["accent_dark"]) and b["accent_dark"] != "#0f766e"
    assert srv.get("/api/v1/brand").json()["name"] == "Acme Support"
    for path in ("/", "/search?q=password", "/contact", "/no/such/page"):
        p = srv.get(path, headers={"Accept": "text/html"})
        assert "Acme Support" in p.text, path
        assert "Help Center" not in p.text, path
        assert 'href="https://status.example.com/"' in p.text and "Status page" in p.text, path
        assert '<link rel="stylesheet" href="/static/brand.css' in p.text, path
        assert p.headers["Content-Security-Policy"] == STRICT_CSP, path
        assert "style=" not in p.text, path
    assert "Our team answers within one working day." in srv.get("/contact").text
    css = srv.get("/static/brand.css")
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    assert "--brand: #0f766e" in css.text and "--brand-dark: " + b["accent_dark"] in css.text
    etag = css.headers["ETag"]
    again = srv.get("/static/brand.css", headers={"If-None-Match": etag})
    assert again.status_code == 304
    put_brand(srv, admin, {"accent": "#7c3aed"})
    changed = srv.get("/static/brand.css", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "#7c3aed" in changed.text
    # Fields not sent are kept.
    assert srv.get("/api/v1/brand").json()["name"] == "Acme Support"


@pytest.mark.parametrize("body,status,words", [
    ({"accent": "red"}, 400, ["accent", "#rrggbb"]),
    ({"accent": "#ffcc00"}, 400, ["accent", "contrast", "4.5"]),
    ({"accent": "#12345"}, 400, ["accent"]),
    ({"name": ""}, 400, ["name"]),
    ({"name": "x" * 81}, 400, ["name", "80"]),
    ({"footer_links": [{"label": "Bad", "url": "javascript:alert(1)"}]}, 400, ["url"]),
    ({"footer_links": [{"label": "", "url": "/x"}]}, 400, ["label"]),
    ({"footer_links": "nope"}, 400, ["footer_links"]),
    ({"contact_text": "x" * 2001}, 400, ["contact_text"]),
    ({"colour": "#000000"}, 400, ["colour"]),
])
def test_bad_brand_is_refused_naming_the_problem(env, body, status, words):
    srv, admin, _ = env
    before = srv.get("/api/v1/brand").json()
    r = put_brand(srv, admin, body)
    assert r.status_code == status, r.text
    msg = r.json()["error"]["message"]
    for w in words:
        assert w in msg, (w, msg)
    assert srv.get("/api/v1/brand").json() == before


def test_only_admins_change_the_brand(env):
    srv, _, agent = env
    assert put_brand(srv, agent, {"name": "Agent Co"}).status_code == 403
    assert requests.put(srv.url("/api/v1/admin/brand"), json={"name": "X"},
                        timeout=30).status_code == 401
    assert put_logo(srv, agent, png(), "image/png").status_code == 403
    assert srv.get("/api/v1/brand").json()["name"] != "Agent Co"


def test_png_logo_is_stored_and_served_safely(env):
    srv, admin, _ = env
    data = png()
    r = put_logo(srv, admin, data, "image/png")
    assert r.status_code == 200, r.text
    logo = r.json()["logo"]
    assert logo.startswith("/brand/logo?v=")
    got = srv.get(logo)
    assert got.status_code == 200 and got.content == data
    assert got.headers["Content-Type"] == "image/png"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert "ETag" in got.headers
    home = srv.get("/").text
    assert '<img src="%s"' % logo.replace("&", "&amp;") in home


def test_svg_logo_served_sandboxed(env):
    srv, admin, _ = env
    r = put_logo(srv, admin, CLEAN_SVG, "image/svg+xml")
    assert r.status_code == 200, r.text
    got = srv.get(r.json()["logo"])
    assert got.headers["Content-Type"] == "image/svg+xml"
    csp = got.headers["Content-Security-Policy"]
    assert "sandbox" in csp and "script-src" not in csp and "default-src 'none'" in csp


@pytest.mark.parametrize("data,ctype,status,words", [
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
     "image/svg+xml", 400, ["svg", "script"]),
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image/svg+xml", 400,
     ["svg", "onload"]),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:alert(1)"><text>x</text>'
     b'</a></svg>', "image/svg+xml", 400, ["svg", "javascript:"]),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>',
     "image/svg+xml", 400, ["svg", "foreignObject"]),
    (b"GIF89a" + b"\x00" * 20, "image/gif", 415, ["PNG", "JPEG", "SVG", "image/gif"]),
    (b"not a png at all", "image/png", 400, ["PNG"]),
    (png(extra=b"\x00\x00\x00\x00tEXt" + b"x" * (600 * 1024)), "image/png", 413, ["logo", "bytes"]),
    (b"", "image/png", 400, ["empty"]),
])
def test_bad_logo_is_refused_naming_the_problem(env, data, ctype, status, words):
    srv, admin, _ = env
    before = srv.get("/api/v1/brand").json()["logo"]
    r = put_logo(srv, admin, data, ctype)
    assert r.status_code == status, r.text
    msg = r.json()["error"]["message"]
    for w in words:
        assert w.lower() in msg.lower(), (w, msg)
    assert srv.get("/api/v1/brand").json()["logo"] == before


def test_logo_removed(env):
    srv, admin, _ = env
    put_logo(srv, admin, png(), "image/png")
    r = admin.delete(srv.url("/api/v1/admin/brand/logo"), timeout=30)
    assert r.status_code == 200 and r.json()["logo"] is None
    assert "/static/favicon.svg" in srv.get("/").text


def test_brand_endpoint_is_public_and_cors_for_the_widget(env):
    srv, _, _ = env
    r = srv.get("/api/v1/brand", headers={"Origin": "https://shop.example.com"})
    assert r.status_code == 200
    assert r.headers.get("Access-Control-Allow-Origin") == "*"
    assert set(r.json()) >= {"name", "accent", "accent_dark", "logo", "footer_links",
                             "contact_text"}


def test_home_first_load_stays_under_60kb_with_the_largest_logo(env):
    """The issue's target: the home page under 60 KB on first load, no
    third-party requests, whatever the admin uploads."""
    srv, admin, _ = env
    base = png()
    pad = 16 * 1024 - len(base) - 12
    big = png(extra=struct.pack(">I", pad) + b"tEXt" + b"x" * pad + b"\0\0\0\0")
    assert len(big) <= 16 * 1024
    r = put_logo(srv, admin, big, "image/png")
    assert r.status_code == 200, r.text
    assert put_logo(srv, admin, big + b"x" * 64, "image/png").status_code == 413
    home = srv.get("/")
    total = len(home.content)
    refs = set(re.findall(r'(?:src|href)="([^"#]+)"', home.text))
    assets = {u for u in refs if u.startswith(("/static/", "/brand/"))}
    assert not [u for u in refs if re.match(r"(https?:)?//", u) and "status.example.com" not in u]
    for u in assets:
        got = srv.get(u.replace("&amp;", "&"))
        assert got.status_code == 200, u
        total += len(got.content)
    assert any(u.startswith("/brand/logo") for u in assets)
    assert total < 60 * 1024, (total, sorted(assets))
