#!/bin/sh
# Installs the Debian packages only the tests need (make test calls it):
# python3-aiosmtpd, the SMTP server the contact e-mail test delivers to;
# request-tracker5 and rt5-db-sqlite, the real Request Tracker 5 the RT tests
# start on 127.0.0.1 with a scratch SQLite database (tests/e2e/rt.py).
# Idempotent; when a package cannot be installed the tests that need it
# skip with a printed reason.
set -u
PKGS="python3-aiosmtpd request-tracker5 rt5-db-sqlite"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && { echo "deps-test: all packages present"; exit 0; }
echo "deps-test: installing$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q && $SUDO apt-get install -y -q --no-install-recommends $missing ||
  echo "deps-test: could not install$missing: the tests that need them will skip"
exit 0
