"""Customer attack on the analytics (issue 20): customers' searches, staff
activity and internal articles' titles are in every analytics table, so
every route, JSON or CSV, answers 401 to anyone not signed in, 403 to an
agent or a writer, and no other origin may read them."""
import pytest
import requests

from server import KbServer, add_user

from test_analytics_rules import ADMIN, AGENT, WRITER, ROUTES, kb  # noqa: F401


@pytest.fixture(scope="module")
def srv(kb):  # noqa: F811
    with KbServer(kb) as s:
        yield s


VARIANTS = [{}, {"format": "csv"}, {"format": "csv", "table": "least_helpful"}]


@pytest.mark.parametrize("route", ROUTES)
def test_analytics_refuse_customers_and_staff_below_admin(srv, route):
    url = srv.url("/api/v1/analytics/" + route)
    agent, writer = srv.login(*AGENT), srv.login(*WRITER)
    for params in VARIANTS:
        for headers in ({}, {"Accept": "text/csv"}, {"Origin": "https://evil.example"}):
            r = requests.get(url, params=params, headers=headers, timeout=30)
            assert r.status_code == 401, r.text
            assert "text/csv" not in r.headers.get("Content-Type", "")
            assert "Access-Control-Allow-Origin" not in r.headers
            assert "Content-Disposition" not in r.headers
        for client in (agent, writer):
            r = client.get(url, params=params, timeout=30)
            assert r.status_code == 403, r.text
            assert "Content-Disposition" not in r.headers
    admin = srv.login(*ADMIN)
    assert admin.get(url, params={"format": "csv"}, timeout=30).status_code == 200


def test_a_customer_cannot_forge_staff_use_with_a_copy_event(srv):
    """A customer's "copy" is accepted (the widget cannot tell) but never
    counts as agents' use."""
    admin = srv.login(*ADMIN)
    before = admin.get(srv.url("/api/v1/analytics/agents"), timeout=30).json()["articles"]
    for ref in ("KB-1000", "KB-1001"):
        r = requests.post(srv.url("/api/v1/events"), json={"type": "copy", "article": ref},
                          headers={"X-KB-Role": "agent"}, timeout=30)
        assert r.status_code in (202, 404), r.text
    after = admin.get(srv.url("/api/v1/analytics/agents"), timeout=30).json()["articles"]
    assert after == before
