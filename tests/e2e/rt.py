"""A real Request Tracker 5 on 127.0.0.1 for the tests (issue 17): Debian's
request-tracker5 with rt5-db-sqlite (scripts/deps-test.sh installs both),
standalone (rt-server, Starlet) with a scratch SQLite database, and
$MailCommand = 'testfile' so RT's own mail (its autoreply to requestors) is
written to a file in the temp dir instead of being sent.

One template database per test session is made with rt-setup-database (RT's
schema and core data, then deploy/rt/kb-initialdata: the "KB Request Key"
custom field desks load too), a queue and an auth token for root; each RtServer
copies it, so a test starts from a fresh RT in a few seconds.

    def test_x(rt):                     # the fixture: a running RT, killed after
        rt.api("GET", "queues/all").json()
        rt.tickets("Queue = 'KB Support'")

Tests skip with a printed reason only when RT is not installed.
"""
import base64
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse

import pytest
import requests

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
INITIALDATA = os.path.join(ROOT, "deploy", "rt", "kb-initialdata")
RT_LIB = "/usr/share/request-tracker5/lib"
RT_SERVER = "/usr/share/request-tracker5/libexec/rt-server"
QUEUE = "KB Support"
KEY_FIELD = "KB Request Key"

# Creates the test queue and an auth token for root; prints the token.
SETUP_PL = r"""
use strict; use warnings;
use lib '%(lib)s';
use RT; RT::LoadConfig(); RT::Init();
my $queue = shift;
my $q = RT::Queue->new(RT->SystemUser);
$q->Load($queue);
unless ($q->Id) { my ($ok, $m) = $q->Create(Name => $queue); die "queue '$queue': $m\n" unless $ok; }
my $root = RT::CurrentUser->new(RT->SystemUser);
$root->Load('root');
my $t = RT::AuthToken->new($root);
my ($ok, $msg, $auth) = $t->Create(Owner => $root->Id, Description => 'kb tests');
die "auth token: $msg\n" unless $ok;
print "$auth\n";
"""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def setup_database_tool():
    """RT's rt-setup-database as Debian installs it, or None."""
    for p in ("/usr/sbin/rt-setup-database-5", "/usr/sbin/rt-setup-database",
              "/opt/rt5/sbin/rt-setup-database"):
        if os.access(p, os.X_OK):
            return p
    return shutil.which("rt-setup-database-5") or shutil.which("rt-setup-database")


def missing():
    """Why RT cannot run here, or None."""
    if not os.access(RT_SERVER, os.X_OK):
        return "request-tracker5 is not installed (no %s)" % RT_SERVER
    if not setup_database_tool():
        return "request-tracker5 is not installed (no rt-setup-database)"
    p = subprocess.run(["perl", "-MDBD::SQLite", "-e1"], capture_output=True)
    if p.returncode != 0:
        return "rt5-db-sqlite is not installed (no DBD::SQLite)"
    return None


def site_config(folder, db, port):
    """Writes folder/RT_SiteConfig.pm and an empty RT_SiteConfig.d; returns
    the environment that makes RT read them (and nothing in /etc)."""
    for sub in ("RT_SiteConfig.d", "mason_data", "session_data"):
        os.makedirs(os.path.join(folder, sub), exist_ok=True)
    cfg = os.path.join(folder, "RT_SiteConfig.pm")
    with open(cfg, "w") as f:
        f.write("""Set($rtname, 'kbtest');
Set($Organization, 'kbtest.example');
Set($DatabaseType, 'SQLite');
Set($DatabaseName, '%(db)s');
Set($WebDomain, '127.0.0.1');
Set($WebPort, %(port)d);
Set($WebPath, '');
Set($MailCommand, 'testfile');
Set($CorrespondAddress, 'support@kbtest.example');
Set($CommentAddress, 'support-comment@kbtest.example');
Set($LogToSTDERR, 'warning');
Set($LogToSyslog, undef);
Set($LogToFile, undef);
Set($MasonDataDir, '%(folder)s/mason_data');
Set($MasonSessionDir, '%(folder)s/session_data');
Set($Timezone, 'UTC');
1;
""" % {"db": db, "port": port, "folder": folder})
    env = dict(os.environ)
    env.update(RT_SITE_CONFIG=cfg, RT_SITE_CONFIG_DIR=os.path.join(folder, "RT_SiteConfig.d"),
               TMPDIR=folder, PERL5LIB=RT_LIB)
    return env


def _run(cmd, env, what, timeout=300):
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError("RT %s failed (%d): %s%s" % (what, p.returncode, p.stdout[-2000:],
                                                        p.stderr[-2000:]))
    return p.stdout


class RtTemplate:
    """An RT database made once: schema, core data, kb-initialdata, the test
    queue and root's auth token."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="kb-rt-template-")
        self.db = os.path.join(self.dir, "rt.db")
        env = site_config(self.dir, self.db, 1)
        tool = setup_database_tool()
        try:
            _run([tool, "--action", "init", "--skip-create"], env, "rt-setup-database init")
            _run([tool, "--action", "insert", "--datafile", INITIALDATA], env,
                 "rt-setup-database insert %s" % INITIALDATA)
            script = os.path.join(self.dir, "setup.pl")
            with open(script, "w") as f:
                f.write(SETUP_PL % {"lib": RT_LIB})
            out = _run(["perl", script, QUEUE], env, "queue and token")
        except BaseException:
            self.remove()
            raise
        self.token = out.strip().split("\n")[-1]

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class RtServer:
    """A running RT on its own copy of the template database."""

    def __init__(self, template, port=None):
        self.dir = tempfile.mkdtemp(prefix="kb-rt-")
        self.db = os.path.join(self.dir, "rt.db")
        shutil.copyfile(template.db, self.db)
        self.token = template.token
        self.port = port or free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.queue = QUEUE
        self.key_field = KEY_FIELD
        self.env = site_config(self.dir, self.db, self.port)
        self.proc = None
        self.http = requests.Session()
        self.http.headers["Authorization"] = "token " + self.token

    def start(self, timeout=90):
        log = open(os.path.join(self.dir, "rt-server.log"), "ab")
        self.proc = subprocess.Popen([RT_SERVER, "--host", "127.0.0.1", "--port", str(self.port),
                                      "--max-workers", "3"], env=self.env, cwd=self.dir,
                                     stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        log.close()
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("rt-server exited (%d): %s" % (self.proc.returncode,
                                                                  self.log()[-3000:]))
            try:
                if self.api("GET", "queues/all", timeout=5).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("RT did not answer on %s within %ds: %s" % (self.url, timeout,
                                                                       self.log()[-3000:]))

    def stop(self):
        """Kills RT (the server and its prefork workers)."""
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=30)
        self.http.close()
        self.http = requests.Session()
        self.http.headers["Authorization"] = "token " + self.token

    def remove(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.remove()
            raise

    def __exit__(self, *exc):
        self.remove()

    def log(self):
        try:
            with open(os.path.join(self.dir, "rt-server.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    # ---- REST2 ----------------------------------------------------------------------

    def api(self, method, path, timeout=30, **kw):
        return self.http.request(method, self.url + "/REST/2.0/" + path, timeout=timeout, **kw)

    def tickets(self, query):
        """The ids of the tickets TicketSQL query finds, in id order."""
        out, page = [], 1
        while True:
            r = self.api("GET", "tickets?query=%s&orderby=id&per_page=100&page=%d"
                         % (urllib.parse.quote(query), page))
            assert r.status_code == 200, r.text
            j = r.json()
            out += [int(t["id"]) for t in j["items"]]
            if page >= j.get("pages", 1):
                return out
            page += 1

    def tickets_with_key(self, key):
        return self.tickets("'CF.{%s}' = '%s'" % (self.key_field, key))

    def ticket(self, n):
        r = self.api("GET", "ticket/%d" % n)
        assert r.status_code == 200, r.text
        return r.json()

    def requestors(self, n):
        return [p["id"] for p in self.ticket(n)["Requestor"]]

    def cf(self, n, name):
        for f in self.ticket(n)["CustomFields"]:
            if f["name"] == name:
                return f["values"]
        return None

    def transactions(self, n):
        """[(type, text of its plain-text parts)] of ticket n, oldest first."""
        r = self.api("GET", "ticket/%d/history?fields=Type&per_page=100" % n)
        assert r.status_code == 200, r.text
        out = []
        for t in r.json()["items"]:
            a = self.api("GET", "transaction/%s/attachments" % t["id"])
            text = ""
            for item in a.json().get("items", []) if a.status_code == 200 else []:
                att = self.api("GET", "attachment/%s" % item["id"]).json()
                if att.get("ContentType") == "text/plain" and att.get("Content"):
                    text += base64.b64decode(att["Content"]).decode("utf-8", "replace")
            out.append((t["Type"], text))
        return out

    def create_ticket(self, **fields):
        fields.setdefault("Queue", self.queue)
        r = self.api("POST", "ticket", json=fields)
        assert r.status_code == 201, r.text
        return int(r.json()["id"])


@pytest.fixture(scope="session")
def rt_template():
    why = missing()
    if why:
        pytest.skip(why + " (scripts/deps-test.sh installs request-tracker5 rt5-db-sqlite)")
    t = RtTemplate()
    yield t
    t.remove()


@pytest.fixture
def rt(rt_template):
    """A running RT 5 with a fresh database: queue "KB Support", the "KB
    Request Key" field, root's token (rt.token)."""
    with RtServer(rt_template) as s:
        yield s
