#!/usr/bin/env python3
"""Regenerates the README's screenshots (docs/help-center.png and
docs/agent-console.png, 1280x800) from a running demo: the sample knowledge
base and the installed GNOME help loaded into a throwaway data directory,
kb-server on a free port, Debian's chromium headless through Selenium.

    make && python3 scripts/screenshots.py            # writes docs/*.png

Needs python3-selenium, chromium and chromium-driver (Debian packages)."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BIN = os.path.join(ROOT, "bin")
OUT = os.path.join(ROOT, "docs")
AGENT, PASSWORD = "agent-demo", "screenshot-pass-123"
WIDTH, HEIGHT = 1280, 800


def run(*args, **kw):
    subprocess.run(args, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, **kw)


def start_server(data):
    proc = subprocess.Popen([os.path.join(BIN, "kb-server"), "--data", data, "--listen",
                             "127.0.0.1:0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        line = proc.stdout.readline()
        m = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line or "")
        if m:
            return proc, m.group(1)
        if proc.poll() is not None:
            break
    proc.kill()
    sys.exit("screenshots: kb-server did not start")


def driver():
    opts = Options()
    opts.binary_location = "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                 "--disable-background-networking", "--no-first-run", "--lang=en-US",
                 "--window-size=%d,%d" % (WIDTH, HEIGHT)):
        opts.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)


def main():
    data = tempfile.mkdtemp(prefix="kb-shots-")
    proc = drv = None
    try:
        run("scripts/load-sample.sh", data)
        run(os.path.join(BIN, "kb-server"), "--data", data, "user", "add", "--role", "agent",
            AGENT, input=PASSWORD + "\n", text=True)
        proc, base = start_server(data)
        drv = driver()
        # The page's viewport, not the window: exactly WIDTH x HEIGHT pixels.
        drv.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False})
        wait = WebDriverWait(drv, 20)

        drv.get(base + "/en/")
        wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "main h1"))
        drv.save_screenshot(os.path.join(OUT, "help-center.png"))

        drv.get(base + "/login?next=/agent")
        drv.find_element(By.NAME, "username").send_keys(AGENT)
        drv.find_element(By.NAME, "password").send_keys(PASSWORD)
        drv.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        wait.until(lambda d: d.current_url.endswith("/agent"))
        says = wait.until(lambda d: d.find_element(By.ID, "says"))
        drv.find_element(By.ID, "customer").send_keys("Daniel Kowalski")
        drv.find_element(By.ID, "unit").send_keys("NR5-2K4-01555")
        says.send_keys("My wifi keeps dropping since the firmware update")
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "main li")) >= 3)
        time.sleep(1.0)  # the last answers settle
        drv.save_screenshot(os.path.join(OUT, "agent-console.png"))
        print("screenshots: wrote docs/help-center.png and docs/agent-console.png")
    finally:
        if drv:
            drv.quit()
        if proc:
            proc.terminate()
            proc.wait(timeout=20)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
