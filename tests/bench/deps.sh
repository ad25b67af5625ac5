#!/bin/sh
# What `make bench` needs beyond `make test`: wrk and /usr/bin/time, and the
# documentation packages the corpus is made from. Those are fetched with
# `apt-get download` and unpacked into the cache, not installed: some pull
# in a lot (postgresql-doc wants the server, libreoffice-help the office
# suite), and unpacking gives every machine the same text. Idempotent: does
# nothing when all is there.
set -eu
CACHE=${KB_BENCH_CACHE:-/var/tmp/kb-bench}
TOOLS="wrk time libxapian-dev libsqlite3-dev libmicrohttpd-dev libjansson-dev python3"
# Debian 12 (bookworm) names.
DOCS="gnome-user-docs manpages manpages-dev python3.11-doc postgresql-doc-15
 libreoffice-help-en-us gimp-help-en debian-handbook debian-reference-en"

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
updated=0
apt_update() {
  if [ $updated -eq 0 ]; then
    $SUDO apt-get update -q >/dev/null
    updated=1
  fi
}

missing=""
for p in $TOOLS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "bench deps: installing$missing"
  apt_update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
fi

want=$(echo $DOCS)
if [ "$(cat "$CACHE/root/.packages" 2>/dev/null)" != "$want" ]; then
  echo "bench deps: fetching documentation packages into $CACHE"
  mkdir -p "$CACHE/debs"
  rm -rf "$CACHE/root"
  mkdir -p "$CACHE/root"
  apt_update
  # apt-get download writes into the current directory.
  (cd "$CACHE/debs" && apt-get download $DOCS 2>&1 | grep -v "^W: Download is performed unsandboxed" || true)
  for p in $DOCS; do
    deb=$(ls "$CACHE/debs/${p}_"*.deb 2>/dev/null | tail -n 1)
    if [ -z "$deb" ]; then
      echo "bench deps: could not fetch $p" >&2
      exit 1
    fi
    dpkg-deb -x "$deb" "$CACHE/root"
  done
  echo "$want" > "$CACHE/root/.packages"
fi
echo "bench deps: ready"
