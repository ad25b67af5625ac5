#!/usr/bin/env python3
"""Assembles samples/tickets.jsonl from hand-written ticket text.

Every subject, description and resolution below was written by hand; the
script only assigns customers, units, dates, teams and linked articles and
writes one JSON object per line, sorted by creation time, numbered NT-10001...
Deterministic: same output on every run.

    python3 samples/gen_tickets.py            # writes samples/tickets.jsonl
"""
import datetime as dt
import json
import os
import random

rng = random.Random(4471)

# --------------------------------------------------------------------------
# Customers: (name or account id, e-mail, phone, locale, units)
# NR5-2K4/2K5 = Router 5 rev C, NR5-2K6 = newer Router 5, NR5P = Router 5 Pro,
# NMS = Mesh Satellite.
CUSTOMERS = [
    ("Jane Doe", "jane.doe@example.com", "+44 7700 900123", "en", ["NR5-2K4-00123", "NMS-1B2-00456"]),
    ("Marcus Okafor", "marcus.okafor@example.net", "+44 7700 900418", "en", ["NR5-2K5-01877"]),
    ("Priya Raman", "priya.raman@example.com", "+1 555-0142", "en", ["NR5-2K4-00981", "NMS-1B2-01120", "NMS-1B2-01121"]),
    ("Tom Whitfield", "tom.whitfield@example.org", "+44 7700 900771", "en", ["NR5-2K5-02210"]),
    ("Sofia Marino", "sofia.marino@example.com", "+1 555-0187", "en", ["NR5-2K6-00342", "NMS-1C1-00078"]),
    ("ACC-204311", "it@harbourdental.example", "+44 7700 900302", "en", ["NR5P-3A1-00412", "NMS-1C1-00413"]),
    ("Daniel Kowalski", "dkowalski@example.net", "+1 555-0119", "en", ["NR5-2K4-01555"]),
    ("Aisha Bello", "aisha.bello@example.com", "+44 7700 900865", "en", ["NR5-2K5-00730", "NMS-1B2-00912"]),
    ("Kevin O'Brien", "kevob@example.com", "+353 1 555 0174", "en", ["NR5-2K4-02033"]),
    ("Hannah Lindqvist", "hannah.lindqvist@example.se", "+46 70 555 01 63", "en", ["NR5-2K6-01004"]),
    ("Ravi Shah", "ravi.shah@example.com", "+1 555-0163", "en", ["NR5P-3A1-00877", "NMS-1C1-00311"]),
    ("Emily Carter", "emilyc@example.org", "+1 555-0110", "en", ["NR5-2K5-01309"]),
    ("Lucas Ferreira", "lucas.ferreira@example.com", "+44 7700 900517", "en", ["NR5-2K4-00660"]),
    ("Grace Nakamura", "grace.n@example.com", "+1 555-0198", "en", ["NR5-2K6-00815", "NMS-1C1-00540"]),
    ("ACC-310877", "office@brightleaf-accounting.example", "+44 7700 900640", "en", ["NR5P-3A1-01290"]),
    ("Oliver Bennett", "oliver.bennett@example.co.uk", "+44 7700 900233", "en", ["NR5-2K5-00044"]),
    ("Chloe Dubois", "chloe.dubois@example.fr", "+33 1 99 00 41 27", "fr", ["NR5-2K5-03012", "NMS-1B2-02004"]),
    ("Mathieu Lefèvre", "m.lefevre@example.fr", "+33 1 99 00 73 58", "fr", ["NR5-2K6-02260"]),
    ("Camille Rousseau", "camille.rousseau@example.fr", "+33 1 99 00 12 90", "fr", ["NR5-2K4-01741"]),
    ("Jonas Becker", "jonas.becker@example.de", "+49 30 23125 456", "de", ["NR5-2K5-02877"]),
    ("Lena Hoffmann", "lena.hoffmann@example.de", "+49 30 23125 118", "de", ["NR5-2K6-01590", "NMS-1C1-00902"]),
    ("Michael Torres", "mtorres@example.com", "+1 555-0134", "en", ["NR5-2K4-00217"]),
    ("Fatima Al-Sayed", "fatima.alsayed@example.com", "+44 7700 900959", "en", ["NR5-2K5-01466"]),
    ("Ben Gallagher", "ben.gallagher@example.ie", "+353 1 555 0129", "en", ["NR5-2K6-00127", "NMS-1C1-00066"]),
    ("ACC-118452", "admin@pinecrest-vets.example", "+1 555-0171", "en", ["NR5P-3A1-00158", "NMS-1C1-00159"]),
    ("Yuki Tanaka", "yuki.tanaka@example.jp", "+1 555-0156", "en", ["NR5-2K5-00588"]),
    ("Chris Adeyemi", "chris.adeyemi@example.com", "+44 7700 900384", "en", ["NR5-2K4-01093"]),
    ("Sarah Goldberg", "sgoldberg@example.com", "+1 555-0128", "en", ["NR5-2K6-01877", "NMS-1C1-01203"]),
    ("Liam Murphy", "liam.murphy@example.com", "+61 491 570 156", "en", ["NR5-2K5-02455"]),
    ("Zoe Papadopoulos", "zoe.p@example.com", "+44 7700 900696", "en", ["NR5-2K6-00499"]),
    ("ACC-402219", "it@northgate-library.example", "+44 7700 900011", "en", ["NR5P-3A1-02001", "NMS-1C1-01450"]),
    ("Pedro Alvarez", "pedro.alvarez@example.com", "+1 555-0193", "en", ["NR5-2K4-01888"]),
    ("Nadia Petrova", "nadia.petrova@example.com", "+44 7700 900542", "en", ["NR5-2K5-00912"]),
    ("Isaac Mensah", "isaac.mensah@example.org", "+44 7700 900828", "en", ["NR5-2K6-02013"]),
    ("Rachel Kim", "rachel.kim@example.com", "+1 555-0105", "en", ["NR5-2K5-01730", "NMS-1B2-01731"]),
    ("George Hall", "georgehall1958@example.net", "+44 7700 900917", "en", ["NR5-2K4-00304"]),
    ("Mei Lin", "mei.lin@example.com", "+61 491 570 110", "en", ["NR5-2K6-00733"]),
    ("ACC-509934", "support@quayside-cafe.example", "+44 7700 900477", "en", ["NR5-2K5-03188"]),
    ("Anna Svensson", "anna.svensson@example.se", "+46 70 555 01 22", "en", ["NR5-2K6-01322"]),
    ("David Cohen", "david.cohen@example.com", "+1 555-0177", "en", ["NR5P-3A1-00623"]),
    ("Joanna Nowak", "joanna.nowak@example.pl", "+44 7700 900350", "en", ["NR5-2K4-02122", "NMS-1B2-02123"]),
    ("Samuel Osei", "sam.osei@example.com", "+44 7700 900701", "en", ["NR5-2K5-01011"]),
    ("Laura Bianchi", "laura.bianchi@example.it", "+1 555-0148", "en", ["NR5-2K6-02402"]),
    ("Ethan Brooks", "ethan.brooks@example.com", "+1 555-0121", "en", ["NR5-2K4-00777"]),
    ("ACC-227760", "it@fernhill-school.example", "+44 7700 900199", "en", ["NR5P-3A1-01777", "NMS-1C1-01778", "NMS-1C1-01779"]),
    ("Olivia Grant", "olivia.grant@example.co.uk", "+44 7700 900264", "en", ["NR5-2K5-00191"]),
    ("Mohammed Rahman", "m.rahman@example.com", "+44 7700 900588", "en", ["NR5-2K6-00610"]),
    ("Julia Schmidt", "julia.schmidt@example.de", "+49 30 23125 702", "de", ["NR5-2K4-01404"]),
    ("Patrick Doyle", "pdoyle@example.ie", "+353 1 555 0188", "en", ["NR5P-3A1-02799"]),
    ("Kofi Asante", "kofi.asante@example.com", "+1 555-0139", "en", ["NR5-2K6-01155", "NMS-1C1-00777"]),
    ("ACC-615002", "hello@tidewater-yoga.example", "+1 555-0184", "en", ["NR5-2K5-02640"]),
    ("Eleanor Price", "eleanor.price@example.org", "+44 7700 900148", "en", ["NR5-2K4-00845"]),
    ("Arjun Mehta", "arjun.mehta@example.com", "+1 555-0113", "en", ["NR5P-3A1-00990"]),
    ("Claire Martin", "claire.martin@example.fr", "+33 1 99 00 58 03", "fr", ["NR5-2K6-00288"]),
    ("Noah Fischer", "noah.fischer@example.com", "+1 555-0166", "en", ["NR5-2K5-01602"]),
    ("Ivy Chen", "ivy.chen@example.com", "+61 491 570 183", "en", ["NR5-2K6-01948", "NMS-1C1-01949"]),
    ("Robert Palmer", "bob.palmer@example.net", "+1 555-0102", "en", ["NR5-2K4-00052"]),
    ("ACC-733105", "it@millbrook-law.example", "+44 7700 900835", "en", ["NR5P-3A1-00341"]),
    ("Hugo Laurent", "hugo.laurent@example.fr", "+33 1 99 00 66 14", "fr", ["NR5-2K5-02318"]),
    ("Amelia Wright", "amelia.wright@example.com", "+44 7700 900402", "en", ["NR5-2K6-00951"]),
]

# Customers who write in more than one ticket (heavier weight).
FREQUENT = {"Jane Doe", "Priya Raman", "ACC-204311", "Ravi Shah", "Daniel Kowalski",
            "ACC-227760", "George Hall", "Sarah Goldberg", "Lucas Ferreira"}

# --------------------------------------------------------------------------
# Clusters of recurring problems. Each ticket is T(subject, description,
# resolution, **opts), all hand-written. Descriptions may use {email},
# {phone}, {first} (filled from the customer picked for the ticket).

CLUSTERS = []


def cluster(**kw):
    CLUSTERS.append(kw)


def T(subject, description, resolution, **opts):
    """One hand-written ticket. opts: locale, cust (fixed customer), unit
    ("sat"/"revc"/"router" to override the cluster's unit kind), date (fixed
    creation time), team (fixed team), biz (may come from a business
    account), link (article to name if this ticket
    gets one, None = never), link_force (always name this article)."""
    return dict(subject=subject, description=description, resolution=resolution, **opts)


cluster(
    key="vpn-hourly", category="vpn", teams=[("Network Engineering", 8), ("Tier 1", 2)],
    start="2025-10-01", end="2026-01-25", unit_kind="router",
    links=[("articles/internal/vpn-drops-hourly", 8), ("articles/vpn-troubleshooting", 2)], link_rate=0.55,
    tickets=[
        T("VPN disconnects every hour",
          "Since last week the VPN to my home router drops every hour, almost exactly. I reconnect and it works again until the next hour. Firmware says 5.4.1. Nothing changed on my side.",
          "Diag bundle showed the DHCP renew lined up with a forced wg0 rekey (NR-4519). Staged firmware 5.4.2 remotely; customer confirmed no drops over a full working day."),
        T("wireguard tunnel dies every 60 min",
          "My wireguard tunnel back home dies like clockwork every 60 minutes. Handshake just stops. Using the built in VPN server on the Nimbus Router 5. Is this a known thing?",
          "Yes - matched NR-4519: ISP hands out 7200 s leases so the renew every 60 min forced a rekey. Updated router to 5.4.2 and asked customer to monitor for 24 h. Confirmed fixed."),
        T("Remote desktop kicks me out hourly",
          "I work from a client site and RDP into my home PC over the Nimbus VPN. Every hour the session freezes and drops, then I have to reconnect. Really disruptive during calls. You can reach me at {email}.",
          "Unit is rev C on the old bootloader, so did the NR-4471 two-step path first, then 5.4.2. RDP session held for 9 hours the next day; closing.",
          unit="revc"),
        T("VPN keeps dropping",
          "vpn drops every hour. tried reinstalling wireguard on my laptop, same thing. please help",
          "Suggested a router restart and keepalive 25 while we checked logs. Customer reported it was fine afterwards and asked us to close. (Reopened later, see follow-up ticket.)",
          cust="Priya Raman", date="2025-10-02T19:14:00", team="Tier 1",
          link=None),
        T("Home VPN unstable after update",
          "After the router updated itself in September the VPN got unstable. It disconnects at about 14:02, 15:02, 16:02 and so on. Before the update it stayed connected all day.",
          "Timestamps matched dhcp renew + wg0 rekey forced by wan event in the diag bundle. Known issue in 5.4.0/5.4.1; installed 5.4.2 and the hourly disconnects stopped."),
        T("VPN connection lost every 30 minutes",
          "Every half hour my phone loses the VPN to home. Internet at home is fine, only the tunnel goes. My ISP is a cable provider if that matters. Call me on {phone} if easier.",
          "ISP lease is 3600 s, which explains the 30 min interval (renew at half the lease). Updated to 5.4.2, customer confirmed the tunnel held overnight. Called back on the number given."),
        T("Tunnel drops regularly, security cameras unreachable",
          "I use the VPN to check my cameras while travelling. The connection drops regularly, I think every hour, and the camera app then shows offline until I toggle the VPN. Running firmware 5.4.0.",
          "Confirmed NR-4519 from wan.log. Pushed 5.4.2; also set up Nimbus dynamic DNS since the customer's address does change weekly and the profile used a raw IP."),
        T("VPN disconnecting on schedule??",
          "This is weird but my VPN disconnects on a schedule. Timed it: 60 mins each time, give or take a minute. Logs on my Mac say handshake did not complete after 5 seconds. Router is a Nimbus 5.",
          "Customer had automatic updates switched off so was still on 5.4.0. Turned them back on and installed 5.4.2 during the chat. No drops reported after 3 days."),
        T("La connexion VPN se coupe toutes les heures",
          "Bonjour, depuis la mise à jour du routeur la connexion VPN se coupe toutes les heures. Je dois la relancer à chaque fois. Pouvez-vous m'aider ? Mon adresse : {email}",
          "NR-4519 confirmed (DHCP WAN, 5.4.1). Installed 5.4.2 remotely and replied in French; customer confirmed the VPN stays up now.",
          locale="fr"),
        T("VPN trennt jede Stunde",
          "Hallo, mein VPN zum Nimbus Router trennt sich jede Stunde. Danach geht es wieder, bis zur nächsten Stunde. Firmware 5.4.1. Danke für Hilfe.",
          "Known hourly rekey bug; staged 5.4.2. Customer replied 'funktioniert jetzt' two days later.",
          locale="de"),
        T("Office VPN drops for all staff hourly",
          "Three of our staff connect to the office Router 5 Pro via VPN. All of them get dropped at the same time, roughly once an hour. We're a small practice and this interrupts our booking system. Please treat as urgent.",
          "Firmware pinned to 5.4.1 under their business contract, so applied the workaround wan.dhcp.rekey_on_renew=false and keepalive 25 via nimbusctl. Noted on the account to remove it once they approve 5.4.2.",
          cust="ACC-204311", team="Network Engineering"),
        T("re: VPN still dropping",
          "Following up on my earlier ticket - VPN still drops every hour even after you told me to restart the router. Restarting didn't help at all.",
          "Apologised for the earlier advice. Pulled a diag bundle: rev C unit, 5.4.1, DHCP renew every 60 min forcing a rekey. Did bootloader 2.1.7 + 5.4.2; stable for a week now.",
          cust="Priya Raman", date="2025-10-09T08:41:00", team="Network Engineering",
          link_force="articles/internal/vpn-drops-hourly"),
        T("vpn hourly disconnect on phone only when on 4G",
          "When I'm on mobile data the VPN disconnects roughly every hour. On hotel wifi it seemed ok for longer but I'm not sure. Android 14, WireGuard app 1.0.2024.",
          "Mobile carrier NAT times out faster, so the forced rekey on each DHCP renew failed there first. Router updated to 5.4.2; drops stopped on 4G too."),
        T("Persistent VPN drops",
          "My VPN connection to home is not persistent, it drops at regular intervals during the working day. I've set keepalive to 25 like your article says. Still drops. Router firmware 5.4.1 (build 2509).",
          "Keepalive alone doesn't help with NR-4519. Installed 5.4.2; customer confirmed a full day without drops."),
    ],
)

cluster(
    key="slow-evening", category="wifi", teams=[("Tier 1", 9), ("Network Engineering", 1)],
    start="2025-01-08", end="2026-11-10", unit_kind="router",
    links=[("articles/slow-wifi-evening", 1)], link_rate=0.43,
    tickets=[
        T("Wifi really slow in the evenings",
          "Every evening from around 7pm the wifi gets really slow, Netflix buffers and my son complains his games lag. During the day it's fine. We pay for 500 Mbps.",
          "Wired speed test was fine in the evening, Wi-Fi wasn't: 2.4 GHz was fixed on channel 6 with 20+ neighbours. Set channels to Auto and enabled nightly re-scan. Customer reports much better."),
        T("Speed drops at night",
          "Speed drops massively at night. Speedtest on my phone shows 20 Mbps at 9pm vs 300 in the morning. Is the router throttling??",
          "No throttling on the router. Wired test from the app also dropped to 40 Mbps at 9 pm, so the bottleneck is the ISP. Gave the customer the test history to send to their provider."),
        T("Internet slow after 6pm",
          "Hi, internet is slow after 6pm every single day. I live in a block of flats if that helps. Router is in the hallway. {email}",
          "Ran Optimise now, router moved to channel 149 on 5 GHz away from the neighbours. Also suggested moving the router out of the hallway cupboard. Sent the slow Wi-Fi article."),
        T("Buffering on TV every night",
          "The TV in the living room buffers every night when we try to watch anything. Laptop upstairs also slow. Mornings no problem at all. Have restarted the router several times.",
          "TV was stuck on 2.4 GHz because band steering had been turned off. Re-enabled smart band steering; TV now on 5 GHz and no buffering reported."),
        T("Video calls choppy in evening",
          "I teach online classes in the evening (US clients) and my video keeps freezing. Wired is ok-ish but wifi is terrible between 8 and 11 pm. Need this fixed, it's my job.",
          "Set up traffic priority with the Video calls profile on the work laptop and scheduled the family console's downloads for 03:00. Customer says classes are smooth now."),
        T("wifi slow busy times",
          "wifi is slow at busy times, I can see like 25 other networks around me. does the router pick the channel automaticaly or do i need to?",
          "Channel was manually set to 1 from an old tweak. Put both bands back on Auto with nightly re-scan. Explained evening congestion."),
        T("Evening lag gaming",
          "Ping goes from 15 ms to 120 ms in the evening on my PC (wifi). Friends on the same ISP don't have this. Router 5, latest firmware I think.",
          "Someone in the house was running cloud photo backups every evening. Gave the gaming PC the Gaming priority profile and limited the backup to night hours. Ping stable at ~18 ms."),
        T("Slow wifi 2.4 GHz only at night",
          "My older tablet and the printer are on 2.4 GHz and in the evening they are almost unusable. Phones on 5 GHz seem ok. What can I change?",
          "Found an old 802.11g printer dragging 2.4 GHz down; moved it to the guest network and re-scanned channels. Tablet much better."),
        T("Le wifi est très lent le soir",
          "Bonjour, le réseau sans fil est très lent le soir, à partir de 19h environ. Le matin tout va bien. J'ai déjà redémarré le routeur plusieurs fois.",
          "Congestion de canal le soir : passé les deux bandes en automatique avec re-scan nocturne. Client satisfait. (Channel congestion, set to Auto.)",
          locale="fr"),
        T("Slow speeds since neighbours moved in",
          "Since new neighbours moved in next door our evening speeds have dropped a lot. Could their wifi interfere with ours? Call {phone} after 5pm.",
          "Yes, neighbour's network was on the same 5 GHz channel at 80 MHz. Called after 5pm and ran Optimise now; moved to channel 36. Speeds back to normal."),
        T("Streaming quality poor in evening",
          "Streaming quality drops to SD every evening. Upstairs bedroom is worst. Considering buying a mesh satellite but want to know if that would actually fix it.",
          "Bedroom signal was -78 dBm, so coverage rather than congestion. Recommended a Mesh Satellite halfway up the stairs; customer bought one and confirmed HD streaming works.",
          team="Tier 1",
          link="articles/add-mesh-satellite"),
        T("Router slow evenings - work from home",
          "We're two people working from home and in the evening when the kids are online too everything crawls. Is there a way to prioritise our laptops?",
          "Set both work laptops to the Video calls priority profile and the kids' console to Streaming. Explained QoS can't add bandwidth beyond their 100 Mbps plan."),
    ],
)

cluster(
    key="fw-stuck", category="firmware", teams=[("Tier 1", 7), ("Network Engineering", 3)],
    start="2025-06-20", end="2025-12-20", unit_kind="revc",
    links=[("articles/internal/nr-4471-firmware-stall", 7), ("articles/firmware-update-stuck", 3)], link_rate=0.47,
    tickets=[
        T("Firmware update stuck at 99%",
          "The app has said Installing 99% for over an hour now. Light on the router is purple. Should I unplug it?",
          "Rev C unit on bootloader 2.0.9 and the boot log showed the verify watchdog timeout (NR-4471). Staged bootloader 2.1.7 then the current firmware with nimbusctl; router restarted twice and is now up to date.",
          biz=True),
        T("update stuck 99 percent",
          "update stuck at 99 percent again. this is the 3rd time. after I restart it the app asks me to update again and it does the same thing",
          "Confirmed the NR-4471 signature in boot.log. Ran the two-step update remotely while the customer stayed on chat. Completed in 14 minutes."),
        T("Router in update loop",
          "My router seems to be in an update loop. It downloads the update, sits at 99%, then eventually reboots on the old version (5.3.0) and offers the same update. Very annoying.",
          "Classic NR-4471 rollback. Did the bootloader + firmware staged update from our side; the loop has stopped and the app shows no pending update."),
        T("Purple light for hours",
          "The light on my router has been solid purple for about 3 hours. Internet is down. I'm scared to unplug it in case it breaks. Please call {phone}.",
          "Called the customer. Explained the router keeps two firmware copies so a power cycle after 30+ min of solid purple is safe. Back online on 5.3.0, then ran the two-step update remotely."),
        T("Can't update firmware",
          "I can't update the firmware, it gets to the end and then nothing. Tried from the app and from the browser page. Serial is on the ticket. Thanks, {first}",
          "Serial is a rev C unit; wired/browser update hits the same watchdog. Staged bootloader 2.1.7 first, then the firmware. Done."),
        T("Firmware update never completes",
          "Firmware update never completes, I left it overnight. This morning it was back on 5.3.0 and the app shows the update is still available.",
          "NR-4471. Two-step update failed twice with STAGE_FAILED so escalated to Network Engineering, who reflashed slot B manually. Unit now up to date.",
          team="Network Engineering",
          biz=True),
        T("Stuck updating",
          "stuck updating. 99%. have waited 40 min. what do i do",
          "App was showing a stale 99%; the router had already finished and was on 5.3.1. Force-closed the app and it refreshed. Sent the stuck update article for next time.",
          link="articles/firmware-update-stuck"),
        T("Mise à jour bloquée à 99 %",
          "Bonjour, la mise à jour du firmware reste bloquée à 99 % depuis ce matin. Le voyant est violet. Que dois-je faire ? Merci.",
          "Routeur rév. C : lancé la mise à jour en deux étapes (bootloader puis firmware) à distance. Le client confirme la version 5.3.1. (NR-4471 workaround.)",
          locale="fr",
          link_force="articles/fr/mise-a-jour-firmware"),
        T("Update fails, router reverts",
          "Each time I run the update the router reverts to the previous version. I've done it 4 times now and done a factory reset in between which lost all my settings. Not happy.",
          "Apologised; factory resets don't help with this one. Ran the staged two-step update, then restored the customer's settings from their cloud backup (luckily from before the reset)."),
        T("App says update available but won't install",
          "App keeps nagging that an update is available. When I install it it goes to 99 and hangs. Router bought in early 2025.",
          "Early-2025 rev C unit, NR-4471. Staged bootloader then firmware; confirmed current version in the app with the customer."),
        T("Firmware 5.3.1 won't install",
          "5.3.1 won't install on my Nimbus Router 5. Reached 99% and stayed there 30+ minutes, then it rebooted and is still on 5.3.0. Other household router (my parents') updated fine.",
          "Parents' router is a rev B, which isn't affected. Customer's rev C needed the bootloader update first; did the two-step path and 5.3.1 installed."),
        T("Hung firmware update - urgent, business",
          "Our café router hung during the firmware update and we had no internet for two hours until I power cycled it. Now it's back up but on the old firmware. Can you do the update remotely out of hours?",
          "Scheduled the staged bootloader/firmware update for 22:00 as requested. Confirmed next morning the unit is on current firmware. Advised that no factory reset is needed.",
          cust="ACC-509934", team="Network Engineering"),
        T("Update stuck at 99% after 5.4.2 notification",
          "Got a notification about 5.4.2. Tapped install and it's stuck at 99% like last time. My router is from the first batch I think (NR5-2K4).",
          "First-batch rev C, bootloader never updated because earlier attempts rolled back. Ran the NR-4471 two-step path; 5.4.2 installed.",
          cust="Daniel Kowalski", date="2025-12-12T19:30:00"),
    ],
)

cluster(
    key="admin-password", category="account", teams=[("Tier 1", 1)],
    start="2025-01-03", end="2026-11-15", unit_kind="router",
    links=[("articles/admin-password", 1)], link_rate=0.47,
    tickets=[
        T("Forgot router admin password",
          "I forgot the admin password for the router settings page. I can still use the wifi. How do I get back in without losing everything?",
          "Router is linked to the customer's Nimbus Cloud account, so set a new admin password from the app (Settings > Security). No reset needed, settings kept.",
          biz=True),
        T("cant log in to setup.nimbus",
          "cant log in to setup.nimbus, says wrong password. I never changed it?? tried the one on the sticker too",
          "Explained the label password only works before setup; they chose one during setup. Router linked to their account, so reset it from the app."),
        T("Locked out of router settings",
          "I'm locked out of the router settings. Tried a few passwords and now it says wait 5 minutes. My ex set it up and I don't know what password they used.",
          "Router linked to the ex's Nimbus Cloud account, not the customer's. Customer did a factory reset and set it up under their own account; also changed the Wi-Fi password.",
          link="articles/reset-router"),
        T("Password for router page",
          "What is the password for the router page? The one on the label doesn't work. I need to change the wifi name for my new job's laptop. {email}",
          "Label password is replaced at setup. Customer was signed in to the app, so changed the Wi-Fi name there directly - no admin password needed for that."),
        T("Need to reset admin password",
          "Hello, I need to reset the admin password of my Nimbus router. My husband did the setup and passed away last year. I have no idea what he used. Please call me on {phone}, I'm not good with the app.",
          "Called the customer as requested. Router wasn't linked to an account she could access, so talked her through the reset button and a fresh setup, reusing the old Wi-Fi details from the label she'd kept. Also turned off remote management.",
          cust="Eleanor Price",
          link_force="articles/reset-router"),
        T("Forgotten password - router login",
          "Forgotten password for the router login. Do I have to factory reset? I have port forwards for my Plex server I'd rather not redo.",
          "No reset needed: router linked to the app, set a new admin password from Settings > Security. Port forwards untouched."),
        T("J'ai oublié le mot de passe administrateur",
          "J'ai oublié le mot de passe administrateur du routeur. Comment le réinitialiser sans perdre mes paramètres ? Merci d'avance.",
          "Routeur lié au compte Nimbus Cloud : nouveau mot de passe défini depuis l'application, paramètres conservés.",
          locale="fr"),
        T("Admin login not accepted after reset",
          "I did a factory reset because I forgot the admin password but now the admin login still isn't accepted. What's the default?",
          "Reset hadn't completed (button released after ~3 s). Held it the full 10 seconds until the light blinked yellow; setup wizard then asked for a new admin password.",
          link="articles/reset-router"),
        T("Previous owner's password on router",
          "Bought this router second hand and the settings page has the previous owner's password. Seller doesn't reply. What now?",
          "Unit still linked to the previous owner. Verified proof of purchase, released the device, and the customer reset and set it up on their own account.",
          link="articles/reset-router"),
        T("how to change router admin password",
          "how do I change the admin password on the router? Want to make it stronger, it's currently something silly I picked during setup.",
          "Walked customer through Settings > Security > Router admin password in the app; took two minutes."),
        T("Can't access advanced settings",
          "I can't get to the advanced settings because I don't remember the router password. App works fine though, I'm signed in on my phone.",
          "Explained the app can set a new admin password when signed in; customer did it and got into the advanced settings in the browser."),
    ],
)

cluster(
    key="double-nat", category="troubleshooting", teams=[("Network Engineering", 5), ("Tier 1", 5)],
    start="2025-02-01", end="2026-10-30", unit_kind="router",
    links=[("articles/use-with-isp-modem", 6), ("articles/internal/isp-bridge-mode-notes", 4)], link_rate=0.43,
    tickets=[
        T("Double NAT warning in app",
          "The app shows a yellow warning saying double NAT. What does that mean and do I need to do anything? Internet seems to work.",
          "Customer only browses and streams; explained double NAT is harmless for that and no change is needed. Sent the ISP modem article in case they start gaming."),
        T("Strict NAT on Xbox with Nimbus router",
          "Xbox says NAT type Strict since I installed the Nimbus router behind my ISP's hub. Party chat doesn't work. I already turned on UPnP.",
          "WAN IP was 192.168.0.x behind the ISP hub. Customer switched the hub to modem mode; after a WAN renew the router got a public address. Xbox now Open."),
        T("Port forwarding not working behind ISP router",
          "My port forward for the security DVR isn't working. The router WAN address is 192.168.1.34 which looks weird to me? ISP gave me their own router too.",
          "Private WAN address = double NAT. ISP router has no bridge mode, so set DMZ on it pointing at the Nimbus WAN IP. DVR reachable from outside now."),
        T("How to use with cable hub",
          "I have a cable hub from my provider. Do I put it in modem mode? I'm scared I'll lose internet completely. Please advise before I try anything, {email}.",
          "Explained modem mode step by step, including the 5-minute hub power off. Customer did it next day and got a public WAN address."),
        T("VPN server unreachable - private WAN IP",
          "I set up the VPN server but can't connect from outside. I noticed the WAN IP in the app starts with 10. Is my ISP blocking it?",
          "10.x WAN = behind the ISP router. Bridged the ISP box; VPN handshakes immediately."),
        T("Two routers in house - confused",
          "We have the fibre box from the internet company and your Nimbus router. Devices sometimes end up on the wrong wifi and things are just confusing. Should one be turned off?",
          "ISP box doesn't allow bridge mode, so turned off its Wi-Fi and set DMZ to the Nimbus router. One network now, no double NAT issues for the customer's use."),
        T("NAT type 3 on PS5",
          "PS5 says NAT type 3 and i can't join friends games. tried port forwarding from your guide didn't help",
          "Provider requires PPPoE; customer got the credentials from the ISP, we put their box in bridge mode and entered PPPoE on the Nimbus router. PS5 now NAT type 2."),
        T("Can't switch ISP box to bridge",
          "My ISP box doesn't have a bridge mode option anywhere. Support line told me it's not possible. What else can I do to get rid of double NAT?",
          "No bridge and no DMZ on this ISP-locked box. Switched the Nimbus router to access point mode and explained they lose guest isolation and the VPN server."),
        T("Remote access to NAS not working",
          "Since switching to the Nimbus router I can't reach my NAS from outside anymore. Before, with only the ISP router and a port forward, it worked fine.",
          "Old port forward was still on the ISP router, pointing at an address that no longer exists. Bridged the ISP box and recreated the forward on the Nimbus router."),
        T("4G home internet - port forward impossible?",
          "I'm on 4G home internet with the Nimbus router plugged into the 4G box. Port forwarding does nothing. WAN address is 100.72.something.",
          "100.64/10 address = carrier-grade NAT at the ISP. Explained port forwarding can't work until the ISP provides a public IPv4; customer requested one (paid add-on)."),
        T("Bridge mode done, now no internet",
          "I put my ISP modem in bridge mode like the article says and now the Nimbus router light is orange, no internet at all. Help! Call {phone}.",
          "After bridging, the router needed a WAN release/renew and the modem a 5-minute power off. Ran nimbusctl wan renew; public IP within a minute and light went white.",
          biz=True),
    ],
)

cluster(
    key="double-charge", category="billing", teams=[("Billing", 1)],
    start="2025-03-01", end="2026-11-05", unit_kind="router", product="Nimbus Plus",
    links=[("articles/charged-twice", 5), ("articles/internal/billing-duplicate-charge-runbook", 4), ("articles/internal/refund-approval-limits", 1)], link_rate=0.47,
    tickets=[
        T("Charged twice this month",
          "I've been charged twice for Nimbus Plus this month, 4.99 on the 3rd and again on the 4th. Please refund one. My account e-mail is {email}.",
          "Verified two CAPTURED payments for the same period in the ledger. Refunded one with reason DUP; told the customer 5-10 business days.",
          biz=True),
        T("Double charge on my card",
          "There's a double charge on my card from Nimbus Networks. I only have one router. Not impressed, please sort it out.",
          "Ledger showed one CAPTURED payment and one AUTH_ONLY from a card update. Explained the hold drops off within 7 days; customer confirmed it disappeared.",
          biz=True),
        T("Billed twice for subscription",
          "Hi, I was billed twice for the subscription. One says NIMBUS NETWORKS and one says APPLE.COM/BILL. Why?",
          "Customer subscribed in the App Store and directly on the web. Asked them to cancel the App Store one; refunded 3 overlapping months of the direct plan with DOUBLE-SUB."),
        T("duplicate payment nimbus plus",
          "duplicate payment showing on my bank app for nimbus plus family, 7.99 x2 same day. one is greyed out but still. can you check",
          "The greyed-out one is a pending authorisation (AUTH_ONLY), not a charge. Explained; no refund needed.",
          biz=True),
        T("Two charges after updating card",
          "I updated my card details yesterday because the old one expired and now I see two charges. Did you take the money twice?",
          "Card verification hold from the update plus the normal renewal. Only one capture in the ledger. Hold released after 4 days.",
          biz=True),
        T("Refund for double charge",
          "Requesting a refund for the double charge in January. I contacted you already via chat but nobody got back to me. Phone {phone}.",
          "Renewal flagged KESTREL-RETRY in the ledger (January migration). Refunded the duplicate with the pre-granted approval and apologised for the missed chat.",
          date="2026-01-19T10:22:00"),
        T("Charged twice in January - renewal",
          "My yearly renewal was charged twice on 14 January. That's 99.80 instead of 49.90. I need this back asap, it put my account into overdraft.",
          "KESTREL-RETRY duplicate from the billing migration. Refunded 49.90 immediately with DUP and sent a letter the customer can show their bank about the overdraft.",
          date="2026-01-15T08:03:00"),
        T("Prélèvement en double",
          "Bonjour, j'ai été débité deux fois pour l'abonnement Nimbus Plus ce mois-ci. Pouvez-vous me rembourser un des deux paiements ? Cordialement.",
          "Double prélèvement confirmé (deux paiements CAPTURED). Remboursement effectué, raison DUP.",
          locale="fr"),
        T("Why am I paying twice",
          "Why am I paying twice?? Bank statement shows 2 payments to Nimbus every month since March. I only signed up once in the app.",
          "Two active subscriptions: one via Google Play (trial converted) and one direct. Over my limit for 8 months, so requested Billing lead approval; approved and refunded 4.99 x 8 with DOUBLE-SUB. Customer cancelled the Play one."),
        T("Unexpected extra charge",
          "There's an unexpected extra charge of 1.00 from Nimbus on my statement. Is this a scam or is it you?",
          "The 1.00 is a card verification authorisation from the trial start and is never captured. Customer reassured."),
        T("Charged for two routers",
          "We were charged for two routers on the Family plan but we only have one now (returned the other one in spring). Can you adjust and refund?",
          "Family plan is a flat price, not per router; the extra invoice line was a proration from a plan change. Explained the invoice and offered a downgrade to Plus; customer kept Family."),
        T("Doppelte Abbuchung",
          "Guten Tag, für Nimbus Plus wurde diesen Monat zweimal abgebucht. Bitte erstatten Sie eine Zahlung. Danke.",
          "Eine Zahlung war nur eine Autorisierung (AUTH_ONLY). Erklärt, keine Erstattung nötig. Customer confirmed after a week.",
          locale="de"),
    ],
)

cluster(
    key="app-find", category="mobile-app", teams=[("Mobile", 6), ("Tier 1", 4)],
    start="2025-01-10", end="2026-11-18", unit_kind="router", product="Nimbus Cloud app",
    links=[("articles/app-cannot-find-router", 1)], link_rate=0.39,
    tickets=[
        T("App can't find router",
          "The Nimbus Cloud app can't find my router during setup. It just says No router found. The light is flashing white.",
          "Phone had a VPN app active which blocks local discovery. Customer disabled it during setup and the router was found straight away."),
        T("No router found on iPhone",
          "iPhone 15, app stuck on searching for router then No router found. Tried 5 times standing right next to it.",
          "iOS Local Network permission was off for Nimbus Cloud. Turned it on and the router appeared."),
        T("App says router offline but internet works",
          "The app says my router is offline but the internet is working perfectly fine. Can't change any settings remotely.",
          "Customer was signed in with a different account (Sign in with Apple vs e-mail). Signed in with the right one and the router showed online."),
        T("setup app won't detect nimbus",
          "setup app wont detect the nimbus router. android phone, bluetooth on. do I need location on for some reason?",
          "Yes - Android needs the location permission for Bluetooth scanning. Enabled it; setup completed."),
        T("Router belongs to another account",
          "When I try to add my router the app says it belongs to another account. I bought it on a marketplace. Seller email was seller123@example.org but he doesn't answer.",
          "Verified the marketplace receipt and released the router from the previous account. Customer added it after a factory reset.",
          link_force="articles/internal/account-recovery-verification"),
        T("Can't add router to app",
          "Hello, I can't add my new router to the app, it spins forever. My phone has a work VPN profile installed if that matters. Contact me at {email}.",
          "It did matter: the always-on work VPN blocked local discovery. Set the router up from a laptop browser and linked it with Add device > Link existing router."),
        T("Wife can't see router in app",
          "My wife installed the app on her phone and signed in but she doesn't see our router. I set it up on my account.",
          "Invited her under Settings > Members; explained each person needs an invite rather than just signing in.",
          cust="Robert Palmer"),
        T("L'application ne trouve pas le routeur",
          "L'application Nimbus Cloud ne trouve pas mon routeur pendant l'installation. Le Bluetooth est activé. Que faire ?",
          "Autorisation de localisation refusée sur Android ; activée, routeur trouvé.",
          locale="fr"),
        T("App stuck on 'Looking for your router'",
          "App stuck on Looking for your router for 10 minutes. Tried restarting phone. Router light is solid white already, not flashing.",
          "Solid white means it was already set up - by the customer's son on his own account. Son invited the customer as a member."),
        T("Router disappeared from app",
          "My router disappeared from the app after I updated the app yesterday. It's still working, just not listed. Android 9 phone.",
          "App 4.1.0 on Android 9 had a listing bug; updated to 4.1.2 from the Play Store and the router reappeared."),
        T("QR code scan doesn't work",
          "The QR code on the bottom of the router doesn't scan, camera just doesn't pick it up. Label is a bit scuffed. Any other way?",
          "Typed the serial manually via Add device > Enter manually. Worked."),
        T("App shows offline for all routers - office",
          "We manage 3 routers for our practice from one account. App shows all three as offline this morning but our staff have internet everywhere.",
          "Expired session after a password change by another admin. Signed out and in again; all routers online.",
          cust="ACC-118452"),
    ],
)

cluster(
    key="port-forward", category="troubleshooting", teams=[("Tier 1", 1)],
    start="2025-01-15", end="2026-11-12", unit_kind="router",
    links=[("articles/port-forwarding", 1)], link_rate=0.43,
    tickets=[
        T("Port forwarding for PS5",
          "How do I set up port forwarding for my PS5? NAT type is Moderate and my son can't voice chat with his friends.",
          "Reserved the console's IP and added the PS5 preset. NAT type now 2; voice chat works."),
        T("Open NAT on Xbox Series X",
          "Need open NAT on Xbox Series X. Which ports do I need and where do I put them in the Nimbus app?",
          "UPnP had been switched off; re-enabled it and restarted the Xbox. NAT Open without manual rules."),
        T("Minecraft server not reachable",
          "I'm hosting a Minecraft server on my PC, port 25565 forwarded in the app, but friends can't connect. Port check in the app says Closed.",
          "Windows Firewall was blocking Java; allowed it and the in-app port check showed Open."),
        T("nintendo switch nat type",
          "nintendo switch says NAT type D. kids cant play online splatoon. what settings",
          "Added the Nintendo Switch preset to a reserved IP. Switch now reports NAT type B."),
        T("Port forwarding rule has no effect",
          "The port forwarding rule I created for my home assistant has no effect at all. Port 8123. Checked the IP is correct, {first}.",
          "WAN IP was private - double NAT behind the ISP box. Sent the ISP modem article; customer bridged the ISP box and the forward now works.",
          link="articles/use-with-isp-modem"),
        T("Two consoles same ports",
          "We have two Xboxes in the house. Forwarded the ports to one of them and now the other one has strict NAT. Can both be open?",
          "The same ports can only go to one console; removed the manual rule and left both on UPnP. Both now Open/Moderate."),
        T("Forward ports for CCTV recorder",
          "Installer for my CCTV asked me to forward ports 8000 and 554 to the recorder. I don't know how to do this, can someone talk me through it on {phone}?",
          "Called and talked the customer through adding rules for 8000 and 554 to the recorder. Port check confirmed Open."),
        T("Game server ports keep changing",
          "My game server's port forward works for a day then stops. I think the PC's IP address changes. How to fix?",
          "Right - added an IP reservation for the PC and recreated the rule. Stable for a week."),
        T("Call of Duty NAT strict",
          "Call of Duty says NAT strict on my gaming PC. UPnP is on in the app. Windows firewall maybe? Help pls",
          "Firewall was fine; the PC had two network adapters and UPnP mapped the wrong one. Disabled the unused adapter; NAT Open."),
        T("Redirection de ports pour la PS5",
          "Bonjour, comment configurer la redirection de ports pour ma PS5 ? Le type de NAT est strict. Merci.",
          "Double NAT derrière la box de l'opérateur ; box passée en mode bridge, puis préréglage PS5 ajouté. NAT type 2.",
          locale="fr",
          link="articles/use-with-isp-modem"),
        T("Web server port 443",
          "I run a small web server at home for a hobby project. Forwarded 443 but the port check says Closed. My ISP is a fibre provider, no other router in between as far as I know.",
          "ISP blocks inbound 443 on residential lines. Customer moved the site to 8443 and forwarded that; port check Open."),
    ],
)

cluster(
    key="guest-isolation", category="security", teams=[("Network Engineering", 6), ("Tier 1", 4)],
    start="2026-04-10", end="2026-10-20", unit_kind="sat",
    links=[("articles/internal/guest-isolation-nr-4502", 1)], link_rate=0.55,
    tickets=[
        T("Guest wifi can see my printer",
          "Guests on the guest wifi can see my printer and actually printed something yesterday (my nephew, as a joke). Isolation is switched ON in the app.",
          "Matched NR-4502: guest clients on the satellite's 5 GHz landed in br-lan. Staged 5.5.3 for router and satellites; retested with customer, printer no longer visible.",
          date="2026-09-14T18:40:00"),
        T("Guest network not isolating",
          "Guest network is not isolating devices. From a phone on the guest network I can see our Sonos speakers and the TV. We have two mesh satellites.",
          "5.5.3 wasn't released yet; applied the guest.band.sat_5g=false workaround and scheduled removal after the update. Customer confirmed speakers no longer visible from guest.",
          cust="Priya Raman", date="2026-05-20T20:11:00"),
        T("Visitors could cast to my TV",
          "My visitors could cast to my TV from the guest network. I thought the guest network was separate? That's a privacy issue for me.",
          "NR-4502 on 5.5.1. Disabled satellite 5 GHz for the guest SSID as a workaround until the fix ships; customer confirmed casting is blocked. Note on the account to remove the workaround after updating.",
          date="2026-06-08T21:02:00"),
        T("Airbnb guests see my NAS",
          "I rent out the downstairs flat on Airbnb. A guest mentioned they could see a network drive called FAMILY-PHOTOS. That's on my main network!! Please call {phone} urgently.",
          "Called immediately. Confirmed guest isolation bug on satellites. Applied workaround, then 5.5.3. Escalated the customer's question about possible access to Network Engineering, who found only discovery (mDNS), no logins to the NAS.",
          team="Network Engineering", date="2026-09-21T08:05:00"),
        T("Guest isolation broken after update",
          "Since the update in April the guest isolation seems broken. Guest devices in the garden room (satellite there) can see my laptop's shared folder.",
          "Confirmed bug affecting guests on satellites over wireless backhaul (5.5.0). Applied the workaround (guest 5 GHz off on satellites) until the fixed firmware is out; customer fine with that.",
          date="2026-04-22T17:30:00"),
        T("Réseau invité non isolé",
          "Bonjour, les appareils connectés au réseau invité voient mon imprimante et mon disque réseau. L'isolation est pourtant activée. J'ai un satellite Mesh.",
          "Bogue connu sur les satellites (5 GHz invité). Mise à jour 5.5.3 installée sur le routeur et le satellite ; isolation vérifiée.",
          locale="fr", date="2026-09-30T09:48:00",
          link_force="articles/internal/guest-isolation-nr-4502"),
        T("Guest network security problem",
          "Found a security problem: on the guest network I can open my camera's web page by IP. On the router directly it's blocked but upstairs (near the satellite) it works.",
          "Exactly the NR-4502 pattern. Pushed 5.5.3 including satellites and verified bridge.txt shows guest clients in br-guest. Camera page blocked from guest now.",
          date="2026-10-05T16:20:00"),
        T("Clients on guest SSID reach office devices",
          "Clients in our waiting room use the guest SSID, and one of them was able to see our office printer and a file share. We're a dental practice - patient data! Need an answer today. {email}",
          "Same-day response. Waiting room satellite on wireless backhaul hit the guest isolation bug; applied workaround within the hour and updated to 5.5.3 that evening. Escalated the data question to Network Engineering, no access found.",
          cust="ACC-204311", team="Network Engineering", date="2026-09-08T09:12:00"),
        T("guest wifi sees chromecast",
          "guest wifi sees the chromecast in the bedroom. only when my phone is connected upstairs, downstairs it doesn't. weird",
          "Upstairs = via satellite, so NR-4502. Updated system to 5.5.3; casting from guest blocked.",
          date="2026-10-12T21:37:00"),
        T("Is guest network actually secure?",
          "Is the guest network actually secure? I tested with my work phone and could ping 192.168.50.12 which is my PC. Firmware 5.5.1.",
          "Customer had connected the work phone to the main network, not the guest SSID (saved network). Retested on the guest SSID: isolated. Router and satellite updated to 5.5.3 anyway.",
          date="2026-10-16T13:02:00",
          link="articles/guest-network"),
    ],
)

cluster(
    key="mesh-orange", category="wifi", teams=[("Tier 1", 7), ("Network Engineering", 2)],
    start="2025-02-10", end="2026-11-14", unit_kind="sat",
    links=[("articles/add-mesh-satellite", 5), ("articles/internal/mesh-orange-backhaul", 5)], link_rate=0.47,
    tickets=[
        T("Mesh satellite blinking orange",
          "My mesh satellite is blinking orange and devices upstairs have no internet. Router downstairs is white. Tried unplugging it.",
          "Backhaul RSSI -82 dBm. Customer moved the satellite from the top of the stairs to the landing (halfway); link now Good and the light solid white.",
          cust="Jane Doe"),
        T("Satellite flashing amber",
          "The satellite in the loft conversion keeps flashing amber. It worked for months. Now it's on and off all evening.",
          "mesh.log showed repeated dfs radar on channel 100. Pinned backhaul to channel 44 with nimbusctl; no drops since."),
        T("satellite keeps going offline",
          "satellite keeps going offline every few hours then comes back. app shows 'Disconnected' then 'Connected'. its about 12 m from the router through 2 walls",
          "Link -79 dBm through two brick walls. Moved it 4 m closer; link Good. Sent the mesh placement article."),
        T("Orange light on satellite after router update",
          "After the router updated last night the satellite has an orange blinking light and won't reconnect. Did the update break it?",
          "Firmware mismatch after the router moved to 5.5.0 (satellite on 5.4.2). Staged the matching firmware on the satellite; it rejoined.",
          date="2026-04-09T07:55:00"),
        T("Mesh not working since April update",
          "Mesh not working since the April update, both satellites blink orange. Router is fine. Rebooted everything twice.",
          "Part of the 5.5.0 mesh key wave. Staged 5.5.0 on both satellites with nimbusctl; both rejoined within 10 minutes.",
          cust="Priya Raman", date="2026-04-11T12:20:00", team="Network Engineering"),
        T("New satellite won't stay connected",
          "Just bought a second satellite. Paired fine next to the router but in the garage it blinks orange. Garage is a separate brick building about 15 metres away.",
          "Garage too far for wireless backhaul. Recommended a cable run or a relay satellite in the kitchen; customer ran a cable and it's now on wired backhaul."),
        T("Le satellite clignote en orange",
          "Bonjour, mon satellite Mesh clignote en orange depuis hier soir. Le routeur principal fonctionne. J'ai débranché et rebranché sans succès.",
          "Satellite réinitialisé puis réassocié à côté du routeur (il était encore lié à l'ancien routeur remplacé). Voyant blanc fixe.",
          locale="fr"),
        T("Satellite orange light randomly during day",
          "Randomly during the day my satellite goes orange for about a minute and everyone upstairs drops. We live near an airport, no idea if relevant. {email}",
          "Very relevant - radar. DFS radar events on channel 112 in mesh.log. Pinned backhaul to a non-DFS channel (44). No more drops.",
          team="Network Engineering"),
        T("Satellite dead? no lights",
          "One satellite is blinking orange then after a reset it doesn't even show blue anymore, just nothing or a very faint orange. Other one works fine.",
          "No blue after reset and no response in diag. Raised RMA with reason RADIO; advance replacement shipped.",
          team="Hardware RMA",
          link="articles/internal/rma-procedure"),
        T("Solid orange on satellite",
          "Satellite shows solid orange not blinking. Internet works on it but slow. What does solid orange mean?",
          "Solid orange = connected but weak link. Explained the LED meanings; there was Ethernet in the wall so customer switched to wired backhaul, now Excellent.",
          link="articles/led-lights"),
        T("Satellite lost after moving router",
          "I moved the router to the other side of the house and now the satellite blinks orange. Do I need to pair it again?",
          "No re-pair needed, just distance. Moved the satellite halfway along the new route; link Good."),
        T("School mesh - one satellite orange",
          "One of our three satellites (library reading room) is blinking orange since Monday. Others fine. Can you check remotely? Our IT contact is on {phone}.",
          "Satellite had been unplugged during the router's update and missed it (fw mismatch). Staged matching firmware remotely; back online.",
          cust="ACC-227760"),
    ],
)

cluster(
    key="cloud-password", category="account", teams=[("Tier 1", 1)],
    start="2025-01-05", end="2026-11-19", unit_kind="router", product="Nimbus Cloud app",
    links=[("articles/reset-cloud-password", 1)], link_rate=0.43,
    tickets=[
        T("Forgot Nimbus Cloud password",
          "I forgot my Nimbus Cloud password and the reset email doesn't come. Checked spam. {email}",
          "Reset e-mails were in a quarantine folder at the customer's mail provider; released and the newest link worked."),
        T("Password reset link expired",
          "The password reset link says expired. I clicked it 5 minutes after getting it! Tried 3 times.",
          "Each new request invalidates older links; asked the customer to request once and use only the latest e-mail. Worked.",
          biz=True),
        T("Lost phone with authenticator",
          "Lost my phone with the authenticator app on it. I don't have the backup codes. How do I get into my account?",
          "Ran ownership verification (serial, label photo with ticket ID, ledger card digits). Reset two-step after the 72-hour hold; customer set up a new authenticator and saved backup codes this time.",
          link="articles/internal/account-recovery-verification"),
        T("Account locked",
          "Account locked after too many attempts. I need to pause the kids wifi tonight, it's urgent.",
          "Lockout clears after 30 minutes; sent a reset which unlocks immediately. Customer paused the profile in time."),
        T("Can't sign in - no longer have old email",
          "I can't sign in because the account was created with my old work e-mail which I don't have anymore. New email is {email}. I have the router and receipt.",
          "Verified ownership with three checks and changed the e-mail via verified recovery. Old address notified; 72-hour hold passed without objection.",
          link_force="articles/internal/account-recovery-verification",
          biz=True),
        T("Reset email not arriving",
          "Reset email not arriving. I signed up a year ago, maybe with Google? Not sure.",
          "Account was created with Sign in with Google; no Nimbus password exists. Signed in with the Google button successfully."),
        T("Mot de passe du compte oublié",
          "Bonjour, j'ai oublié le mot de passe de mon compte Nimbus Cloud et je ne reçois pas l'e-mail de réinitialisation. Pouvez-vous m'aider ?",
          "Faute de frappe dans l'adresse utilisée pour la réinitialisation. Avec la bonne adresse, l'e-mail est arrivé.",
          locale="fr"),
        T("2FA codes not working",
          "My 2FA codes from Google Authenticator are not accepted. Says invalid code every time. Phone time is automatic.",
          "Authenticator had two Nimbus entries (old one from a previous setup). Removed the old one; codes accepted.",
          link="articles/two-step-verification"),
        T("Someone changed my password?",
          "I got an email saying my password was reset but I didn't do it. I'm worried someone is in my account. Please call {phone}.",
          "Reset request came from an unknown IP. Signed out all sessions, helped the customer set a new password and turn on two-step verification. No changes had been made to the network.",
          link_force="articles/two-step-verification"),
        T("Need to change account email",
          "Need to change the email on the account to my personal one. The old one is a company address and I'm leaving the company end of month.",
          "Customer still had access to the old address, so changed it from Account > Profile with confirmation e-mails to both addresses. No recovery process needed."),
    ],
)

cluster(
    key="parental", category="security", teams=[("Tier 1", 1)],
    start="2025-02-15", end="2026-11-08", unit_kind="router",
    links=[("articles/parental-controls", 1)], link_rate=0.43,
    tickets=[
        T("Parental controls not blocking TikTok",
          "Parental controls aren't blocking TikTok on my daughter's phone even though she's in the Teens profile with social media blocked. She showed me, laughing.",
          "Phone had Android Private DNS set to a public resolver, which bypasses the filter. Set it to Automatic and blocked the VPN and proxies category."),
        T("Bedtime schedule not working",
          "Bedtime schedule not working on the Xbox, son still plays after 10pm. Schedule says 21:30 to 07:00 school nights.",
          "Xbox was not in the son's profile (it was under Unassigned). Added it; schedule applied that night."),
        T("Kid bypasses filter",
          "My kid figured out how to bypass the filter. I think he uses some VPN app? What can I do from the router side?",
          "Enabled the VPN and proxies block category on his profile (Nimbus Plus) and explained the filter only applies on home Wi-Fi, not mobile data."),
        T("Pause button doesn't pause",
          "When I press Pause on my son's profile his tablet still has internet for like 10 minutes. Is there a delay?",
          "Pause blocks new connections immediately, but open streams could continue. Enabled 'End existing connections' on the profile; now instant."),
        T("Device keeps leaving profile",
          "My daughter's iPhone keeps disappearing from her profile and showing up as a new unknown device. Have re-added it 4 times.",
          "iPhone private Wi-Fi address was rotating. Turned off the private address for the home network on the phone; device now stays in the profile."),
        T("Contrôle parental ne fonctionne pas",
          "Le contrôle parental ne fonctionne pas sur la tablette de mon fils, il accède toujours à YouTube après 21h. Merci de m'aider.",
          "La tablette n'était pas dans le profil de l'enfant. Ajoutée ; le planning s'applique.",
          locale="fr"),
        T("YouTube restricted mode",
          "Does the filter force YouTube restricted mode? It doesn't seem to on the smart TV app.",
          "Smart TV YouTube app ignores network-level restricted mode; advised enabling it in the TV app and blocked YouTube during bedtime."),
        T("Need to block one website",
          "I need to block one specific website for everyone in the house (a gambling site my partner is trying to avoid). Is that possible without Plus? Reply to {email}",
          "Custom block lists need Nimbus Plus; customer started the 14-day trial and added the site (plus the gambling category) for all profiles."),
        T("Activity report missing",
          "The weekly activity report for the kids hasn't shown anything since I switched to the Family plan.",
          "Reports move to the new plan after 24 h; data appeared the next day. Nothing lost."),
    ],
)

cluster(
    key="hardware", category="troubleshooting", teams=[("Hardware RMA", 7), ("Tier 1", 3)],
    start="2025-01-20", end="2026-11-16", unit_kind="router",
    links=[("articles/internal/rma-procedure", 7), ("articles/warranty-returns", 3)], link_rate=0.47,
    tickets=[
        T("Router won't turn on",
          "My router won't turn on at all, no lights. Tried another socket. Was working yesterday, there was a thunderstorm last night.",
          "No power with a second socket and the original adapter. Lightning damage isn't strictly covered, but no visible damage so raised advance replacement (NO-POWER) as goodwill; settings restored from cloud backup."),
        T("Solid red light",
          "Solid red light on the router after a reset. It never goes to white. Internet is down. {email}",
          "Solid red after reset confirmed with a photo. RMA with reason LED-RED, replacement shipped next business day.",
          biz=True),
        T("Router keeps rebooting",
          "Router keeps rebooting by itself, maybe 3-4 times a day. Lose internet for 2 minutes each time. Only had it 5 months.",
          "Diag bundle showed two kernel panics within 4 days on the same firmware. Raised RMA with reason PANIC; advance replacement.",
          biz=True),
        T("5 GHz network disappeared",
          "The 5 GHz network just disappeared. Only 2.4 shows up on all devices. Restarted, reset, nothing.",
          "radio1: no firmware response in diag - 5 GHz radio dead. RMA raised with reason RADIO."),
        T("Power adapter broken",
          "The power adapter cable frayed and now the router only works if I hold the cable at an angle. Is the adapter covered by warranty?",
          "Adapter covered for 1 year and this one is 8 months old; sent a replacement adapter only, no need to swap the router.",
          team="Tier 1"),
        T("New router dead on arrival",
          "Just received my Nimbus Router 5 today and it's dead on arrival, light flashes orange then goes off and repeats. Please replace. Order came from your store.",
          "Boot loop on a unit activated today - DOA. Raised DOA RMA; customer received the replacement in 2 days.",
          biz=True),
        T("Satellite hot and unresponsive",
          "One satellite gets very hot to touch and then stops responding. Have to unplug to bring it back. Worried it's a fire risk. Call {phone}.",
          "Called the customer and asked them to keep it unplugged. Raised advance replacement (reason RADIO, overheating noted) and flagged the unit for analysis when returned.",
          unit="sat"),
        T("Routeur ne s'allume plus",
          "Bonjour, mon routeur ne s'allume plus du tout depuis une coupure de courant. Aucun voyant. Il a moins d'un an. Merci.",
          "Testé avec une autre prise et l'adaptateur d'origine : aucun signe de vie. RMA NO-POWER, remplacement anticipé expédié.",
          locale="fr"),
        T("Replacement still not received",
          "RMA was raised a week ago, still no replacement or tracking. Our office is running on a phone hotspot. This is unacceptable.",
          "Chased the warehouse: the label had the wrong postcode. Corrected the address and shipped next-day with tracking. Apologised and added a goodwill month of Plus.",
          cust="ACC-733105"),
        T("Ethernet ports not working",
          "The LAN ports 2 and 3 stopped working. Devices plugged in there get no link light. Port 1 fine.",
          "Tested with a known-good cable and laptop; ports 2-3 show no carrier in diag. RMA raised (reason PHYSICAL ruled out, coded as RADIO/other per RMA lead)."),
        T("Second replacement also faulty",
          "This is my second replacement and it has the same problem, random reboots. I'm about ready to give up on Nimbus.",
          "Third RMA for the same product, so reviewed by Hardware RMA: found the customer's extension lead caused brownouts. Still approved a free upgrade to Router 5 Pro as goodwill."),
        T("Router rattles, dropped",
          "I dropped the router off the shelf and now something rattles inside and it won't boot. I know that's probably not covered but what are my options?",
          "Drop damage isn't covered. Gave the PHYSICAL repair quote and a discount code for a new unit; customer chose the new unit.",
          team="Hardware RMA"),
    ],
)

cluster(
    key="warranty", category="billing", teams=[("Hardware RMA", 5), ("Billing", 5)],
    start="2025-01-12", end="2026-11-11", unit_kind="router",
    links=[("articles/warranty-returns", 1)], link_rate=0.43,
    tickets=[
        T("How long is the warranty?",
          "How long is the warranty on the Router 5 Pro? I'm in Ireland. Bought it in March 2025.",
          "Router 5 Pro has 3 years of warranty in the EU and UK; confirmed coverage until March 2028.",
          cust="Patrick Doyle", date="2025-07-02T11:15:00"),
        T("Return unopened satellite",
          "I bought two satellites but only need one. Can I return the unopened one? Ordered from your website 10 days ago.",
          "Within the 30-day window; issued a return label. Refund processed 4 days after the satellite arrived.",
          unit="sat", team="Billing"),
        T("Refund for returned router not received",
          "I returned my router 3 weeks ago, tracking says delivered to you, but still no refund. Order was paid by card ending 4412. {email}",
          "Return was scanned at the dock but never checked in. Escalated to the warehouse and refunded the same day with reason RETURN.",
          team="Billing"),
        T("Warranty on second hand router",
          "Does warranty transfer if I bought the router second hand? It's about 1 year old and has started dropping wifi.",
          "Warranty follows the device from its activation date, so it's still covered. Moved on to troubleshooting the Wi-Fi drops (channel issue, fixed).",
          team="Hardware RMA"),
        T("Return label not working",
          "The prepaid return label link gives an error. I need to send back the router within the 30 days and it's day 27.",
          "Regenerated the return label and extended the window by 7 days because the error was ours."),
        T("Bought from a shop - faulty",
          "I bought my router from an electronics shop, not from you. It's faulty. Do I go to them or to you?",
          "Explained the shop handles returns, but the manufacturer warranty still applies through us. Troubleshot, confirmed a radio fault and raised an RMA.",
          team="Hardware RMA",
          link="articles/internal/rma-procedure",
          biz=True),
        T("Deposit charged for replacement",
          "You charged my card 189 dollars for the replacement router. I was told it's a deposit. When do I get that back? Sent the old one last week.",
          "Old unit arrived yesterday; released the pre-authorisation. Told the customer it shows on their bank within 3-5 days.",
          cust="Michael Torres"),
        T("Extended warranty?",
          "Do you sell extended warranty for the mesh satellites? Just want peace of mind.",
          "No extended warranty is offered; explained the standard 2-year cover for satellites.",
          unit="sat"),
    ],
)

cluster(
    key="no-internet", category="troubleshooting", teams=[("Tier 1", 1)],
    start="2025-01-02", end="2026-11-20", unit_kind="router",
    links=[("articles/no-internet", 8), ("articles/led-lights", 2)], link_rate=0.39,
    tickets=[
        T("No internet after power cut",
          "We had a power cut this afternoon and since then there's no internet. Wifi shows connected but nothing loads. Router light is orange.",
          "Restarted the modem first, then the router, in the right order. Light went white; customer online."),
        T("Connected but no internet",
          "All devices say connected but no internet. Light on router is solid orange. Rebooted it twice.",
          "Tried another Ethernet cable between modem and router; the old one was damaged. Status went white immediately.",
          biz=True),
        T("orange light no internet",
          "orange light no internet since this morning. ISP says their side is fine. please help quickly, working from home",
          "Modem had lost sync; laptop plugged straight into the modem had no internet either. ISP then found a fault on their side and fixed it within the hour.",
          biz=True),
        T("Internet drops at the same time every day",
          "Internet drops at the same time every day, around 3:15 am and sometimes in the afternoon. The app connection history shows 'No response from provider'.",
          "Connection history showed provider-side drops. Advised the customer to report it to the ISP with the log; ISP replaced a faulty line card.",
          biz=True),
        T("No internet after factory reset",
          "Did a factory reset and now no internet. Before that it worked. My provider is a DSL provider.",
          "The reset cleared the PPPoE credentials. Customer found them on the ISP letter; entered under Settings > Internet and connected."),
        T("Only laptop has no internet",
          "Only my laptop has no internet, phones fine. Laptop says connected, no internet. It's a work laptop with some security software.",
          "Laptop's endpoint security had a stale VPN filter; other devices fine. Customer's IT removed it. Not a router issue.",
          link=None),
        T("Plus d'accès Internet",
          "Bonjour, depuis ce matin plus d'accès Internet, le voyant du routeur est orange fixe. Le modem de l'opérateur semble allumé. Joignable au {phone}.",
          "Panne chez l'opérateur confirmée sur sa page d'état ; service rétabli après 2 heures. Aucun problème côté routeur.",
          locale="fr"),
        T("Internet not working after moving house",
          "Moved house, plugged everything in at the new place and the router is orange. New ISP installed their modem yesterday.",
          "Cable was in a yellow LAN port instead of the blue WAN port after the move. Swapped it; online.",
          biz=True),
        T("Router says WAN cable unplugged",
          "App says 'WAN cable unplugged' but it's definitely plugged in. Tried both ends.",
          "Modem port 1 was dead; moved the cable to the modem's LAN 2 and the link came up. Customer will ask the ISP about the modem.",
          biz=True),
        T("Intermittent internet",
          "Internet keeps cutting out for a minute or two, several times an hour. Started last Tuesday. Not sure if router or ISP.",
          "History showed the WAN link flapping. Power adapter was loose in a worn extension socket; plugged directly into the wall and the drops stopped.",
          biz=True),
    ],
)

cluster(
    key="cant-connect", category="wifi", teams=[("Tier 1", 1)],
    start="2025-01-06", end="2026-11-17", unit_kind="router",
    links=[("articles/device-cannot-connect", 1)], link_rate=0.39,
    tickets=[
        T("Printer won't connect to wifi",
          "My HP printer won't connect to the wifi. It says wrong password but I'm typing it exactly. Everything else is connected.",
          "Old printer couldn't handle WPA2/WPA3 mixed mode. Switched security to WPA2 only (compatibility); printer connected.",
          biz=True),
        T("Smart plugs can't find network",
          "Smart plugs can't find my network during setup in their app. They need 2.4 GHz apparently? I only see one network name.",
          "Enabled the temporary 2.4 GHz network for 30 minutes; smart plugs set up fine and stayed connected afterwards."),
        T("Old iPad won't join",
          "My mum's old iPad (2015) won't join our wifi since we got the new router. Says unable to join the network.",
          "WPA3 incompatibility with the old iPad; set WPA2 only and it connected immediately."),
        T("Robot vacuum keeps disconnecting",
          "Robot vacuum keeps disconnecting from wifi and the app says offline. It's on the same floor as the router.",
          "Vacuum is 2.4 GHz only and was confused by band steering. Gave 2.4 GHz a separate name and reconnected it there."),
        T("New laptop can't connect",
          "New laptop can't connect, says 'Can't connect to this network'. My phone connected fine with the same password. {email}",
          "Laptop had an old saved profile with a previous password (restored from backup). Forgot the network and re-entered the password; connected."),
        T("Kindle not connecting",
          "kindle not connecting, incorrect password. other devices fine. its an older paperwhite",
          "Older Paperwhite doesn't support WPA3 transition mode. Switched to WPA2 only; Kindle connected."),
        T("Camera won't connect after password change",
          "After I changed the wifi password, the doorbell camera won't connect anymore. How do I get it back on?",
          "Doorbell needs re-setup in its own app with the new password; walked the customer through it."),
        T("Imprimante ne se connecte pas",
          "Bonjour, mon imprimante ne se connecte pas au réseau sans fil. Elle indique mot de passe incorrect. Les autres appareils fonctionnent.",
          "Imprimante ancienne incompatible avec le mode mixte WPA2/WPA3 ; passage en WPA2 uniquement, connexion OK.",
          locale="fr",
          link_force="articles/device-cannot-connect"),
        T("Device blocked?",
          "My son's laptop says connected but 'no internet' and I think I may have blocked it months ago by accident. Where do I check?",
          "Found the laptop under Devices > Blocked from an old schedule; unblocked it."),
    ],
)

cluster(
    key="subscription", category="billing", teams=[("Billing", 1)],
    start="2025-02-01", end="2026-11-13", unit_kind="router", product="Nimbus Plus",
    links=[("articles/nimbus-plus-plans", 1)], link_rate=0.39,
    tickets=[
        T("Cancel Nimbus Plus",
          "Please cancel my Nimbus Plus subscription. I don't use the features. Account {email}.",
          "Cancelled Nimbus Plus at the customer's request; features stay active until the end of the paid month.",
          biz=True),
        T("What does Nimbus Plus include?",
          "What does Nimbus Plus actually include? Do I need it for parental controls or are those free?",
          "Explained schedules and pause are free; content filters and threat protection need Plus. Sent the plans article."),
        T("Upgrade to Family plan",
          "We just bought a second router for the holiday home. Can I upgrade to the Family plan and get credit for the remaining months?",
          "Upgraded to Family; prorated credit applied automatically on the next invoice."),
        T("Payment failed - features switched off?",
          "Got an email that my payment failed. Will the threat protection switch off immediately? Card was replaced by bank after fraud.",
          "Explained retries after 3 and 7 days and the 14-day grace period; customer updated the card in the app and the payment went through.",
          biz=True),
        T("VAT invoice needed",
          "I need a VAT invoice with our company name and VAT number for the Plus subscription. We're a small business. Company: Brightleaf Accounting Ltd.",
          "Added company name and VAT number in billing details and re-issued the last 6 invoices as VAT invoices.",
          cust="ACC-310877"),
        T("Trial ended without warning",
          "My free trial ended and I was charged without any reminder. I meant to cancel. Can I get a refund? Only been 2 days.",
          "Refunded the month as GOODWILL within the Tier 1 limit and cancelled. Logged feedback about the missing reminder e-mail."),
        T("Switch to yearly billing",
          "Can I switch from monthly to yearly billing to save money?",
          "Switched to yearly at the next renewal date; explained yearly costs the same as ten months."),
        T("Résilier l'abonnement",
          "Bonjour, je souhaite résilier mon abonnement Nimbus Plus. Je ne trouve pas l'option dans l'application. Merci.",
          "Abonnement souscrit via Google Play : la résiliation se fait dans le Play Store. La cliente l'a fait ; confirmé.",
          locale="fr"),
    ],
)

cluster(
    key="app-misc", category="mobile-app", teams=[("Mobile", 1)],
    start="2025-01-20", end="2026-11-19", unit_kind="router", product="Nimbus Cloud app",
    links=[("articles/app-notifications", 1)], link_rate=0.35,
    tickets=[
        T("No notifications from app",
          "I don't get any notifications from the Nimbus app anymore, not even when the internet was down for an hour yesterday. Samsung phone.",
          "Samsung battery optimisation was putting the app to sleep; set battery use to Unrestricted. Notifications working."),
        T("Too many new device alerts",
          "Getting way too many 'new device joined' alerts, same iPhones over and over with different names. How to stop this?",
          "Explained private Wi-Fi addresses; set new device alerts to 'Only unknown devices at night'. Customer happy."),
        T("App crashes on opening",
          "App crashes as soon as I open it. Reinstalled, same. Pixel 7, Android 15. Please fix, I can't manage anything.",
          "Known crash on Android 15 fixed in app 4.3.1; customer updated from the Play Store."),
        T("Dashboard won't load in browser",
          "The web dashboard won't load in Safari, just a blank page after login. Chrome works.",
          "Safari blocked the dashboard's sign-in cookie in that release; a dashboard fix went out the next day and it worked after a refresh."),
        T("Notification said internet down but it wasn't",
          "I got a notification at 2am saying the internet was down but nothing was wrong? It scared me a bit.",
          "The 2am alert was the nightly firmware install window. Moved the maintenance window and turned off the update-related alert."),
        T("App very slow",
          "The app is very slow, takes 20 seconds to show my devices. Only started this week.",
          "Traced to a cloud API latency issue that week; fixed on our side. App loads in 2 seconds again.",
          link=None),
        T("Speed test in app shows wrong numbers",
          "The speed test in the app shows 90 Mbps but my laptop speed test shows 450 (wired). Which one is right?",
          "App test was run while a console was downloading; rerun showed 470 Mbps. Explained the app measures the router's whole connection."),
        T("Widget not updating",
          "The iOS home screen widget hasn't updated for days, always shows the same device count.",
          "Removed and re-added the widget after updating to the latest app version; refreshing again."),
        T("App in wrong language",
          "The app suddenly switched to German. My phone is set to English. Where do I change it? {email}",
          "Language had been set manually in Account > Language (shared family device). Switched back to English."),
    ],
)

cluster(
    key="vpn-setup", category="vpn", teams=[("Tier 1", 1)],
    start="2025-01-25", end="2026-11-09", unit_kind="router",
    links=[("articles/set-up-vpn-server", 1)], link_rate=0.43,
    tickets=[
        T("How to set up VPN on router",
          "How do I set up the VPN on the router so I can watch my home streaming services when travelling abroad?",
          "Walked customer through turning on the VPN server and scanning the QR code in WireGuard. Tested from mobile data; working."),
        T("VPN connects but no internet",
          "VPN connects (says active) but no pages load. Working from a café this morning. Handshake shows a few seconds ago.",
          "The café network also used 10.8.0.x. Changed the VPN range to 10.9.0.0/24 and re-issued the profile; traffic flows.",
          link="articles/vpn-troubleshooting"),
        T("WireGuard config for laptop",
          "Where do I get the WireGuard config file for my Windows laptop? I only see the QR code option.",
          "Showed the Download configuration option under the device in Settings > VPN server."),
        T("VPN no handshake",
          "VPN no handshake at all, latest handshake is empty in the wireguard app. Tried mobile data and hotel wifi.",
          "WAN address was private (double NAT). Customer bridged the ISP box and the VPN handshakes immediately.",
          link="articles/use-with-isp-modem"),
        T("Lost phone - revoke VPN access",
          "I lost my phone which had the VPN profile on it. How do I make sure it can't connect to my home network anymore? Call me on {phone}.",
          "Revoked the lost phone's VPN profile on the call and recommended changing the Nimbus Cloud password as well.",
          biz=True),
        T("Can't reach home devices over VPN",
          "On the VPN I can browse the internet through home but I can't reach my NAS at 192.168.50.20. What am I missing?",
          "Profile had been created as Internet only; recreated it as full tunnel including the home network."),
        T("VPN port blocked at work",
          "The VPN doesn't work from the office network, works on 4G. I guess work blocks it. Can I change the port?",
          "Changed the listen port to UDP 443 and re-downloaded the profiles; works from the office now.",
          link="articles/vpn-troubleshooting",
          biz=True),
        T("Dynamic DNS for VPN",
          "My IP changes every few days and then my VPN profile stops working. Is there a fixed name I can use?",
          "Enabled Nimbus dynamic DNS and updated the endpoint in the profile to the new name."),
    ],
)

cluster(
    key="outage", category="mobile-app", teams=[("Tier 1", 7), ("Network Engineering", 3)],
    windows=[("2025-11-18T09:40:00", "2025-11-18T13:20:00"), ("2026-05-06T15:05:00", "2026-05-06T16:15:00")],
    unit_kind="router", product="Nimbus Cloud app", duration=(2, 30),
    links=[("articles/internal/cloud-outage-playbook", 1)], link_rate=0.47,
    tickets=[
        T("App says all routers offline",
          "App says my router is offline but I'm literally using the internet through it right now. Is your server down?",
          "Yes, Nimbus Cloud outage in progress. Reassured the customer their internet was unaffected; confirmed the app worked after recovery."),
        T("Can't log in to Nimbus Cloud",
          "Can't log in to Nimbus Cloud, keeps saying 'Something went wrong, try again later'. Tried app and website.",
          "Part of the declared cloud incident. Pointed to the status page, pended, and closed after recovery with the resolved macro.",
          biz=True),
        T("Dashboard down?",
          "Is the dashboard down? Getting error 503 on cloud.nimbusnetworks.com.",
          "Tagged to the incident. Customer confirmed the dashboard loaded again once service recovered.",
          biz=True),
        T("Router offline in app - should I reset?",
          "Router shows offline in the app. Should I factory reset it? Internet still working for now. {email}",
          "Advised strongly against a reset during the outage; the router reappeared online in the app after recovery."),
        T("Can't pause kids wifi - app error",
          "Trying to pause my kids' wifi and the app throws an error. Is something broken on your end?",
          "Outage affected remote actions; pause worked again after recovery. Customer received the outage credit per the incident note."),
        T("Nimbus app not working",
          "nimbus app not working at all this morning. just spinning",
          "Cloud incident; linked status page. Closed after the customer confirmed it was working in the afternoon.",
          biz=True),
        T("L'application indique hors ligne",
          "Bonjour, l'application indique que mon routeur est hors ligne alors qu'Internet fonctionne. Problème chez vous ?",
          "Incident du service Nimbus Cloud ; Internet non affecté. Résolu après rétablissement du service.",
          locale="fr"),
        T("Remote access not working today",
          "I'm away and can't change anything on my home router through the app today, it says offline. Internet at home is fine according to my wife.",
          "Remote control unavailable during the cloud incident; local Wi-Fi unaffected. Customer confirmed remote access worked again after recovery."),
        T("Can't add new device - server error",
          "Trying to set up a new satellite and the app says server error every time at the final step.",
          "Pairing needs the cloud; failed during the incident. Customer retried after recovery and the satellite paired first time.",
          team="Tier 1"),
    ],
)

cluster(
    key="setup", category="getting-started", teams=[("Tier 1", 1)],
    start="2025-01-02", end="2026-11-20", unit_kind="router",
    links=[("articles/setup-new-router", 1)], link_rate=0.39,
    tickets=[
        T("Help setting up new router",
          "Help setting up my new Nimbus router please. Which port does the cable from the modem go in? There's blue and yellow ones.",
          "The blue WAN port is for the modem cable, the yellow LAN ports for wired devices. Customer completed setup in the app."),
        T("What does pulsing white mean",
          "What does the pulsing white light mean? It's been doing that for an hour. Is it working or not?",
          "Pulsing white = ready for setup; the router hadn't been added in the app yet. Walked the customer through adding it.",
          link="articles/led-lights"),
        T("Setup wizard not loading",
          "The setup wizard at setup.nimbus isn't loading, browser says site can't be reached. I'm connected to the router's wifi.",
          "Laptop had a manual DNS server set; used http://192.168.50.1 instead and the wizard loaded."),
        T("Best place for router",
          "Where is the best place to put the router? Our modem is in the garage, which is not ideal. Can I put the router somewhere else?",
          "Suggested running a long Ethernet cable from the modem to a central spot, or a Mesh Satellite if that's not possible. Customer ran a cable through the wall.",
          biz=True),
        T("Router light purple on first setup",
          "During first setup the light went purple and has been blinking for 5 minutes. Is that normal? Don't want to break it.",
          "Blinking purple during setup is the first firmware update; waited, then the light turned white.",
          link="articles/led-lights"),
        T("Replacing old router with Nimbus",
          "I'm replacing my old router with a Nimbus Router 5. Can I keep the same wifi name and password so I don't have to reconnect 40 smart devices?",
          "Yes - advised reusing the old SSID and password in the setup wizard; smart devices reconnected on their own."),
        T("Einrichtung Router Hilfe",
          "Hallo, ich komme bei der Einrichtung nicht weiter. Die Leuchte ist orange und die App findet nichts. Können Sie mich unter {phone} anrufen?",
          "Zurückgerufen. Kabel steckte im LAN- statt im WAN-Anschluss; danach Einrichtung in der App abgeschlossen.",
          locale="de",
          link_force="articles/de/router-einrichten"),
        T("Turn off the bright light",
          "The light on the router is way too bright in our bedroom. Can I turn it off?",
          "Showed Settings > System > Status light; set to Off at night.",
          link_force="articles/led-lights"),
        T("Setting up for elderly parent",
          "I'm setting up a Nimbus router for my dad who lives 2 hours away. Can I manage it from my account remotely after? My email is {email}.",
          "Set it up under the dad's account and invited the customer as a member with admin rights so she can manage it remotely.",
          cust="Sofia Marino"),
        T("Red light during setup",
          "Red light during setup, solid. Just unboxed it.",
          "Solid red on a brand-new unit; a reset didn't help, so raised a DOA replacement.",
          link="articles/internal/rma-procedure"),
    ],
)

cluster(
    key="wifi-password", category="wifi", teams=[("Tier 1", 1)],
    start="2025-01-04", end="2026-11-18", unit_kind="router",
    links=[("articles/change-wifi-name-password", 1)], link_rate=0.39,
    tickets=[
        T("How to change wifi password",
          "how do i change the wifi password? my ex still has it and I'd rather they didn't",
          "Changed the Wi-Fi password in Settings > Wi-Fi with the customer; reminded them to reconnect smart devices. Also suggested reviewing Members in the app."),
        T("Change network name",
          "I want to change the network name (it still says Nimbus-7F3A). Will it mess up my devices?",
          "Renamed the SSID; explained every device needs to join the new name once.",
          biz=True),
        T("Separate 2.4 and 5 GHz names",
          "Can I give the 2.4 and 5 GHz bands separate names? My smart home hub wants 2.4 only.",
          "Turned off smart band steering and gave 2.4 GHz its own name for the hub."),
        T("Changer le mot de passe wifi",
          "Bonjour, comment changer le mot de passe du wifi ? Je ne trouve pas dans les paramètres de l'application.",
          "Indiqué Paramètres > Wi-Fi ; mot de passe changé, article envoyé.",
          locale="fr",
          link_force="articles/fr/changer-mot-de-passe-wifi"),
        T("Wifi password shown wrong in app",
          "The app shows a wifi password that's different from what my devices use. Which one is right? {first}",
          "Someone in the household had changed it in the browser; the app showed a cached value. Refreshed and it matched."),
        T("Changed password, now nothing works",
          "Changed the wifi password and now nothing in the house connects - TV, plugs, speakers. Did I break something?",
          "Expected behaviour: all devices need the new password. Walked through reconnecting the TV and speakers; plugs re-added in their own app."),
    ],
)

# --------------------------------------------------------------------------

def parse_day(s):
    return dt.datetime.fromisoformat(s)


def pick_weighted(pairs):
    total = sum(w for _, w in pairs)
    r = rng.uniform(0, total)
    for v, w in pairs:
        r -= w
        if r <= 0:
            return v
    return pairs[-1][0]


USED = set()


def pick_customer(locale, biz):
    """A customer writing in locale; business accounts (ACC-...) only for
    tickets that read naturally from an office (biz=True)."""
    if locale != "en":
        pool = [c for c in CUSTOMERS if c[3] == locale]
        return rng.choice(pool)
    pool = [c for c in CUSTOMERS if biz or not c[0].startswith("ACC-")]
    unused = [c for c in pool if c[0] not in USED]
    if unused and rng.random() < 0.3:
        return rng.choice(unused)
    weights = [(c, (2.5 if c[0] in FREQUENT else 1) * (3 if c[0].startswith("ACC-") else 1)) for c in pool]
    return pick_weighted(weights)


def pick_unit(cust, kind):
    units = cust[4]
    routers = [u for u in units if u.startswith("NR5")]
    sats = [u for u in units if u.startswith("NMS")]
    if kind == "sat":
        return rng.choice(sats) if sats else None
    if kind == "revc":
        revc = [u for u in routers if u.startswith(("NR5-2K4", "NR5-2K5"))]
        return rng.choice(revc) if revc else None
    if kind == "any":
        return rng.choice(units)
    return rng.choice(routers)


def product_for(unit, cl):
    if cl.get("product"):
        return cl["product"]
    if unit.startswith("NMS"):
        return "Nimbus Mesh Satellite"
    if unit.startswith("NR5P"):
        return "Nimbus Router 5 Pro"
    return "Nimbus Router 5"


def rand_time(cl):
    if "windows" in cl:
        a, b = map(parse_day, rng.choice(cl["windows"]))
    else:
        a, b = parse_day(cl["start"]), parse_day(cl["end"])
    span = (b - a).total_seconds()
    t = a + dt.timedelta(seconds=rng.uniform(0, span))
    if "windows" not in cl:
        # customers write mostly between 07:00 and 23:00
        t = t.replace(hour=rng.choice([7, 8, 9, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 1]),
                      minute=rng.randrange(60))
    return t.replace(second=0, microsecond=0)


TEAM_HOURS = {"Tier 1": (0.3, 30), "Mobile": (4, 96), "Billing": (3, 72),
              "Network Engineering": (8, 150), "Hardware RMA": (24, 240)}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = []
    by_name = {c[0]: c for c in CUSTOMERS}
    for cl in CLUSTERS:
        for t in cl["tickets"]:
            locale = t.get("locale", "en")
            kind = t.get("unit", cl["unit_kind"])
            if "cust" in t:
                cust = by_name[t["cust"]]
                unit = pick_unit(cust, kind)
                assert unit, (t["subject"], cust[0])
            else:
                for _ in range(200):
                    cust = pick_customer(locale, t.get("biz", False))
                    unit = pick_unit(cust, kind)
                    if unit:
                        break
                assert unit, t["subject"]
            USED.add(cust[0])
            first = cust[0].split()[0] if not cust[0].startswith("ACC-") else "Thanks"
            desc = t["description"].format(email=cust[1], phone=cust[2], first=first)
            team = t.get("team") or pick_weighted(cl["teams"])
            created = parse_day(t["date"]) if "date" in t else rand_time(cl)
            if "duration" in cl:
                hours = rng.uniform(*cl["duration"])
            else:
                lo, hi = TEAM_HOURS[team]
                hours = lo + (hi - lo) * rng.random() ** 2
            resolved = created + dt.timedelta(hours=hours, minutes=rng.randrange(60))
            rec = {
                "subject": t["subject"],
                "description": desc,
                "resolution": t["resolution"],
                "customer": cust[0],
                "unit": unit,
                "product": product_for(unit, cl),
                "category": cl["category"],
                "team": team,
                "created": created.strftime("%Y-%m-%dT%H:%M:00Z"),
                "resolved": resolved.strftime("%Y-%m-%dT%H:%M:00Z"),
            }
            if locale != "en":
                rec["locale"] = locale
            # About half the tickets name the article that solved them.
            roll = rng.random()
            if t.get("link_force"):
                rec["linked_article"] = t["link_force"]
            elif roll < cl["link_rate"] and t.get("link", "") is not None:
                rec["linked_article"] = t.get("link") or pick_weighted(cl["links"])
            out.append(rec)
    out.sort(key=lambda r: (r["created"], r["subject"]))
    with open(os.path.join(here, "tickets.jsonl"), "w", encoding="utf-8") as f:
        for n, rec in enumerate(out):
            rec = {"id": "NT-%d" % (10001 + n), **rec}
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print("wrote %d tickets" % len(out))


if __name__ == "__main__":
    main()
