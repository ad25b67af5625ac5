#!/usr/bin/python3
"""The Request Tracker sync on 2,000 resolved tickets (issue 17; not part of
`make test`).

    /usr/bin/python3 tests/bench/rt_sync.py [--tickets 2000] [--per-page 100]

Starts a real RT 5 (tests/e2e/rt.py: standalone, scratch SQLite database),
creates --tickets resolved tickets in it with RT's own Perl API (each: a
requestor, the Category/Product/Unit custom fields, a first message, a reply,
then resolved; the REST2 API takes about a second per ticket for the three
calls, RT's API far less; RT's scrips are off while they are made), then times:
  1. `kb-indexer sync-rt` into an empty data directory (tickets/s),
  2. the same again with nothing new (target: under 1 s), after RT's
     last-updated second is over.
Prints one JSON object with the figures and RT's version.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import rt as R  # noqa: E402
from kbtest import INDEXER  # noqa: E402

CREATE_PL = r"""
use strict; use warnings;
use lib '%(lib)s';
use RT; RT::LoadConfig(); RT::Init();
use MIME::Entity;
my ($queue, $n) = @ARGV;
my @words = qw(router printer vpn mail calendar scanner laptop phone wifi badge license
               backup disk monitor keyboard dock firmware password token invoice);
my @fixes = ('Replaced the cable.', 'Updated the firmware.', 'Reset the password.',
             'Cleared the cache.', 'Reinstalled the driver.', 'Renewed the certificate.');
srand(17);
my $user = RT::CurrentUser->new(RT->SystemUser); $user->Load('root');
# The bench's own data: RT's scrips (autoreplies and notifications, half a
# second a ticket) are turned off while it is made.
my $scrips = RT::Scrips->new(RT->SystemUser); $scrips->UnLimit;
while (my $s = $scrips->Next) { $s->SetDisabled(1) }
my $cat = RT::CustomField->new($user); $cat->LoadByName(Name => 'Category');
$RT::Handle->BeginTransaction;
for my $i (1 .. $n) {
    my ($a, $b) = ($words[rand @words], $words[rand @words]);
    my $t = RT::Ticket->new($user);
    my ($id, undef, $msg) = $t->Create(
        Queue => $queue, Subject => "The $a keeps failing with the $b ($i)",
        Requestor => ['customer' . ($i %% 300) . '@example.com'],
        MIMEObj => MIME::Entity->build(Type => 'text/plain', Charset => 'UTF-8',
            Data => ["Since this morning the $a fails whenever the $b is used. Ticket $i.\n"]),
        'CustomField-' . $cat->Id => $a,
    );
    die "create $i: $msg\n" unless $id;
    $t->AddCustomFieldValue(Field => 'Product', Value => "Model " . ($i %% 7));
    $t->AddCustomFieldValue(Field => 'Unit', Value => "SN-$i");
    my $fix = $fixes[rand @fixes] . ($i %% 10 == 0 ? ' See KB-' . (1000 + $i %% 20) . '.' : '');
    $t->Correspond(MIMEObj => MIME::Entity->build(Type => 'text/plain', Charset => 'UTF-8',
                                                   Data => ["$fix\n"]));
    $t->SetStatus('resolved');
    if ($i %% 200 == 0) { $RT::Handle->Commit; $RT::Handle->BeginTransaction; print "$i\n"; }
}
$RT::Handle->Commit;
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tickets", type=int, default=2000)
    ap.add_argument("--per-page", type=int, default=100)
    args = ap.parse_args()
    why = R.missing()
    if why:
        sys.exit("rt_sync bench: " + why)
    work = tempfile.mkdtemp(prefix="kb-rt-bench-")
    tpl = R.RtTemplate()
    out = {"tickets": args.tickets, "per_page": args.per_page}
    try:
        with R.RtServer(tpl) as s:
            out["rt_version"] = s.api("GET", "rt").json().get("Version")
            script = os.path.join(work, "create.pl")
            with open(script, "w") as f:
                f.write(CREATE_PL % {"lib": R.RT_LIB})
            t0 = time.time()
            subprocess.run(["perl", script, s.queue, str(args.tickets)], env=s.env, check=True,
                           stdout=subprocess.DEVNULL)
            out["create_s"] = round(time.time() - t0, 1)
            total = len(s.tickets("Status = 'resolved'"))
            assert total == args.tickets, total
            cfg = os.path.join(work, "rt.json")
            tok = os.path.join(work, "rt.token")
            with open(cfg, "w") as f:
                json.dump({"url": s.url, "queue": s.queue, "per_page": args.per_page}, f)
            with open(tok, "w") as f:
                f.write(s.token + "\n")
            data = os.path.join(work, "data")
            time.sleep(2.1)  # RT's last second over: the re-run drops what it synced

            def run():
                t = time.perf_counter()
                p = subprocess.run([INDEXER, "--data", data, "sync-rt", "--config", cfg,
                                    "--rt-token-file", tok], capture_output=True, text=True)
                took = time.perf_counter() - t
                if p.returncode != 0:
                    sys.exit("sync-rt failed: %s%s" % (p.stdout, p.stderr))
                return took, p.stdout.strip()

            took, line = run()
            added = int(re.search(r"(\d+) added", line).group(1))
            out.update(first_run_s=round(took, 2), added=added,
                       tickets_per_s=round(added / took, 1), first_run=line)
            took, line = run()
            out.update(rerun_s=round(took, 3), rerun=line,
                       rerun_under_1s=took < 1.0)
    finally:
        tpl.remove()
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
