"""The Request Tracker harness itself (rt.py): a real RT 5 started with a
scratch database in which deploy/rt/kb-initialdata made the key field, the
test queue exists and root's token works; a ticket filed over REST2 is found
again by its key, and RT can be stopped and started on the same port."""
from rt import KEY_FIELD


def test_rt_files_a_ticket_and_finds_it_by_key(rt):
    n = rt.create_ticket(Subject="harness", Requestor="ann@example.com", Content="hello",
                         CustomFields={KEY_FIELD: "0123abcd"})
    assert rt.tickets_with_key("0123abcd") == [n]
    assert rt.tickets_with_key("ffff") == []
    assert rt.requestors(n) == ["ann@example.com"]
    assert rt.cf(n, KEY_FIELD) == ["0123abcd"]
    types = [t for t, _ in rt.transactions(n)]
    assert types[0] == "Create"


def test_rt_restarts_on_the_same_port_with_its_tickets(rt):
    n = rt.create_ticket(Subject="before", Requestor="bob@example.com", Content="x")
    rt.stop()
    rt.start()
    assert rt.ticket(n)["Subject"] == "before"
