"""Realistic ticket streams for the emerging-problems tests and figures.

A steady background resampled from the hand-written sample tickets
(samples/tickets.jsonl: every subject, description and resolution as
written, with fresh ids and created times of a Poisson process), plus
injected bursts of paraphrased reports of one new symptom, at any size.

    bg = background(days=30, per_day=200, end=time.time(), seed=1)
    burst = burst("spam", n=8, hours=2, end=time.time(), seed=2)
    jsonl(bg + burst)
"""
import datetime as dt
import json
import os
import random

SAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "samples", "tickets.jsonl")

# Paraphrased reports of new symptoms nobody saw before, as different
# customers would put them: subject and description variants, combined at
# random, with the odd detail added.
SYMPTOMS = {
    "spam": {
        "product": "Nimbus Router 5",
        "subjects": [
            "Router sending spam emails", "Strange emails going out from my network",
            "My contacts get spam from me", "Spam mails sent from my home connection",
            "ISP says my router sends spam", "Erroneous emails being sent out",
            "Emails I never wrote are being sent", "Outgoing spam - router hacked?",
            "Bounce messages for emails I did not send", "Provider blocked my email for spam",
        ],
        "bodies": [
            "Since this morning my contacts are getting spam emails that I never sent.",
            "My internet provider warned me that my router is sending out spam emails.",
            "Friends say they received weird emails from my address with links in them. I did not send any of them.",
            "I am getting dozens of bounce messages for emails I never sent. The router lights blink constantly.",
            "Erroneous emails are being sent out from our network, all with the same spam link.",
            "The router seems to be sending emails by itself, our ISP blocked outgoing mail on port 25.",
            "People in my address book keep receiving spam from me since yesterday evening.",
            "Our office router is sending spam, the provider suspended email sending for the account.",
        ],
        "extras": [
            "", " Firmware was updated automatically last night.", " Already changed my email password.",
            " It happens even when all computers are switched off.", " Please help, this is urgent.",
        ],
    },
    "clock": {
        "product": "Nimbus Router 5 Pro",
        "subjects": [
            "Certificate errors on every website", "Browser says connection not private everywhere",
            "All sites show certificate warnings", "Router clock reset to 1970",
            "HTTPS broken on all devices", "Security certificate error since this morning",
        ],
        "bodies": [
            "Every website shows a certificate error on all our devices, the router admin page says the date is 1 January 1970.",
            "Since this morning every browser says the connection is not private. The router clock shows 1970.",
            "Certificate warnings on all sites, phones and laptops. Router system time looks wrong.",
            "HTTPS pages fail with certificate date invalid errors on every device behind the router.",
            "All devices get security certificate errors; the router log timestamps start in 1970.",
        ],
        "extras": ["", " Rebooting did not help.", " Only on Wi-Fi, mobile data works.",
                   " Started after a power cut."],
    },
}


def _load_samples():
    with open(SAMPLES, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _iso(t):
    return dt.datetime.fromtimestamp(int(t), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def background(days, per_day, end, seed=1, prefix="BG"):
    """Tickets resampled from the samples, created by a Poisson process of
    per_day a day over the days before end."""
    rng = random.Random(seed)
    samples = _load_samples()
    out = []
    t = end - days * 86400.0
    n = 0
    while True:
        t += rng.expovariate(per_day / 86400.0)
        if t >= end:
            break
        s = dict(rng.choice(samples))
        n += 1
        s["id"] = "%s-%d-%06d" % (prefix, seed, n)
        s["created"] = _iso(t)
        s["resolved"] = _iso(min(t + rng.uniform(600, 86400), end))
        out.append(s)
    return out


def burst(symptom, n, hours, end, seed=2, prefix="BURST"):
    """n paraphrased reports of symptom, created at random over the hours
    before end, from different customers (names, e-mail addresses and units
    in the text, as customers write them)."""
    rng = random.Random(seed)
    spec = SYMPTOMS[symptom]
    samples = _load_samples()
    out = []
    times = sorted(end - rng.uniform(0, hours * 3600.0) for _ in range(n))
    for i, t in enumerate(times):
        who = rng.choice(samples)
        body = rng.choice(spec["bodies"]) + rng.choice(spec["extras"])
        if rng.random() < 0.3:
            body += " You can reach me at %s." % (who["customer"].lower().replace(" ", ".")
                                                   + "@example.com")
        out.append({
            "id": "%s-%s-%d-%d" % (prefix, symptom, seed, i),
            "subject": rng.choice(spec["subjects"]),
            "description": body,
            "resolution": "",
            "customer": who["customer"],
            "unit": "NR5-%s-%05d" % (rng.choice(["2K6", "2K5"]), rng.randrange(100000)),
            "product": spec["product"],
            "category": "security",
            "team": "Tier 1",
            "created": _iso(t),
            "resolved": _iso(t),
        })
    return out


def jsonl(tickets):
    return "".join(json.dumps(t) + "\n" for t in tickets)


# ---- customers' searches --------------------------------------------------

# What customers type when a new symptom reaches them before any ticket
# does: short, paraphrased, each visitor in their own words.
SEARCH_SYMPTOMS = {
    "noise": [
        "router makes buzzing noise", "loud buzzing from router", "router buzzing sound",
        "nimbus router noise at night", "router whining noise", "buzzing noise router 5",
        "strange noise from router", "router high pitched buzzing", "router buzzes loudly",
        "why is my router buzzing",
    ],
    "smell": [
        "router smells like burning plastic", "burning smell from router",
    ],
}


def _search_pool(samples):
    """Queries as customers type them, from the sample subjects: the whole
    subject lowercased, or its first few words."""
    pool = []
    for s in samples:
        words = s["subject"].lower().replace("?", "").split()
        pool.append(" ".join(words))
        if len(words) > 3:
            pool.append(" ".join(words[:3]))
    return sorted(set(pool))


def searches(days, per_day, end, seed=1, visitors=3000, networks=1200):
    """Customers' searches by a Poisson process of per_day a day over the
    days before end: queries drawn Zipf-like from a pool made of the sample
    subjects (a few popular, a long tail), by visitors drawn from a pool (a
    tenth of them search a lot), each visitor in one network. Rows are
    dicts: time, query, visitor, network."""
    rng = random.Random(seed)
    pool = _search_pool(_load_samples())
    rng.shuffle(pool)
    weights = [1.0 / (i + 1) ** 0.9 for i in range(len(pool))]
    heavy = max(1, visitors // 10)
    out = []
    t = end - days * 86400.0
    while True:
        t += rng.expovariate(per_day / 86400.0)
        if t >= end:
            break
        v = rng.randrange(heavy) if rng.random() < 0.4 else rng.randrange(visitors)
        q = rng.choices(pool, weights)[0]
        out.append({"time": int(t), "query": q, "visitor": "bg-v%d" % v,
                    "network": "bg-n%d" % (v % networks)})
    return out


def search_wave(symptom, n, hours, end, seed=2):
    """n different customers (each their own visitor and network) searching
    for symptom at random over the hours before end, in their own words."""
    rng = random.Random(seed)
    qs = SEARCH_SYMPTOMS[symptom]
    return [{"time": int(end - rng.uniform(0, hours * 3600.0)), "query": rng.choice(qs),
             "visitor": "wave-%s-%d-%d" % (symptom, seed, i),
             "network": "wave-net-%s-%d-%d" % (symptom, seed, i)} for i in range(n)]


def put_searches(db_path, rows):
    """Writes rows into the search log of the store at db_path, as the
    server logs customers' searches (the past of a live install)."""
    import sqlite3
    con = sqlite3.connect(db_path, timeout=30)
    with con:
        con.executemany(
            "INSERT INTO searches (time, query, role, endpoint, results, locale, visitor, network)"
            " VALUES (?, ?, 'customer', 'search', 3, 'en', ?, ?)",
            [(r["time"], r["query"], r["visitor"], r["network"]) for r in rows])
    con.close()
