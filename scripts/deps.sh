#!/bin/sh
# Installs the Debian packages kb needs to build, test and run the demo.
# Idempotent: skips apt entirely when everything is already installed.
set -eu
PKGS="build-essential pkg-config
 libxapian-dev xapian-tools
 libmicrohttpd-dev libxml2-dev libicu-dev libsqlite3-dev sqlite3
 libjansson-dev libcmark-gfm-dev libcmark-gfm-extensions-dev libsodium-dev
 libcurl4-openssl-dev
 gnome-user-docs liblingua-stopwords-perl
 python3 python3-pytest python3-requests
 python3-selenium chromium chromium-driver
 clang libclang-rt-14-dev
 wrk"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
  echo "deps: all packages present"
  exit 0
fi
echo "deps: installing$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends $missing
