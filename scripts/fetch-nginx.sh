#!/usr/bin/env bash
# npm install hook, for the tests only: an nginx binary, so that the workspace tools are also tested
# through a reverse proxy configured as Coder's docs configure one (nginx's default buffer sizes
# refuse a request line over 8 KB with 414; see DESIGN.md, "Reverse proxies in front of coderd").
# A system nginx is used as it is; otherwise Debian's package is fetched with `apt-get download` and
# its binary unpacked into test/nginx/ (no root needed, nothing installed system-wide; the tests run
# it with every path inside a temporary directory). Never fails the install: the tests name what is missing.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 0
dest=test/nginx
# nginx lives in /usr/sbin, which is not on a non-root user's PATH on Debian.
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || [ -x "$dest/nginx" ]; then exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
download() { (cd "$tmp" && apt-get download nginx >/dev/null 2>&1); }
# Package lists older than the mirror name a file it no longer has: refresh them (root only) and try again.
download || { [ "$(id -u)" = 0 ] && apt-get update -qq >/dev/null 2>&1 && download; }
if ls "$tmp"/nginx_*.deb >/dev/null 2>&1 && dpkg-deb -x "$tmp"/nginx_*.deb "$tmp/unpacked" && [ -x "$tmp/unpacked/usr/sbin/nginx" ]; then
  # The package's libraries (libssl, libpcre2, zlib, libcrypt) are not unpacked: check that this machine has them.
  if "$tmp/unpacked/usr/sbin/nginx" -v >/dev/null 2>&1; then
    mkdir -p "$dest" && cp "$tmp/unpacked/usr/sbin/nginx" "$dest/nginx"
  else
    missing=$(ldd "$tmp/unpacked/usr/sbin/nginx" 2>/dev/null | awk '/not found/ {print $1}' | tr '\n' ' ')
    echo "note: Debian's nginx was fetched but does not run here (missing libraries: ${missing:-unknown}); the nginx tests will fail until nginx is installed" >&2
  fi
else
  echo "note: no nginx here and none could be fetched (apt-get download nginx); the nginx tests will fail until one is installed" >&2
fi
exit 0
