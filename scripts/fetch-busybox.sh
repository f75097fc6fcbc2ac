#!/usr/bin/env bash
# npm install hook, for the tests only: a busybox binary, so that the agent loop is also tested on
# busybox ash with nothing but busybox applets, as on Alpine images. A system busybox is used as it
# is; otherwise Debian's package is fetched with `apt-get download` and unpacked into test/busybox/
# (no root needed, nothing installed system-wide). Never fails the install: the tests name what is missing.
set -uo pipefail
cd "$(dirname "$0")/.."
dest=test/busybox
if command -v busybox >/dev/null 2>&1 || [ -x "$dest/busybox" ]; then exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
download() { (cd "$tmp" && apt-get download busybox >/dev/null 2>&1); }
# Package lists older than the mirror name a file it no longer has: refresh them (root only) and try again.
download || { [ "$(id -u)" = 0 ] && apt-get update -qq >/dev/null 2>&1 && download; }
if ls "$tmp"/busybox_*.deb >/dev/null 2>&1 && dpkg-deb -x "$tmp"/busybox_*.deb "$tmp/unpacked" && [ -x "$tmp/unpacked/bin/busybox" ]; then
  mkdir -p "$dest" && cp "$tmp/unpacked/bin/busybox" "$dest/busybox"
else
  echo "note: no busybox here and none could be fetched (apt-get download busybox); the busybox agent tests will fail until one is installed" >&2
fi
exit 0
