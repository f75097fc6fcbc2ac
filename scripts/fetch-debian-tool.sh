#!/usr/bin/env bash
# Fetches one binary from Debian's package for the tests (scripts/fetch-{busybox,nginx,shellcheck}.sh):
# a system one is used as it is; otherwise `apt-get download` (no root needed) and the binary unpacked
# into test/<name>/, nothing installed system-wide. Never fails the install: the tests name what is missing.
#   fetch-debian-tool.sh <package> <binary inside the package> <arguments that show it runs> <what needs it> [other system path]
set -uo pipefail
cd "$(dirname "$0")/.." || exit 0
name=$1 inside=$2 probe=$3 purpose=$4 elsewhere=${5:-}
dest=test/$name
if command -v "$name" >/dev/null 2>&1 || { [ -n "$elsewhere" ] && [ -x "$elsewhere" ]; } || [ -x "$dest/$name" ]; then exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
download() { (cd "$tmp" && apt-get download "$name" >/dev/null 2>&1); }
# Package lists older than the mirror name a file it no longer has: refresh them (root only) and try again.
download || { [ "$(id -u)" = 0 ] && apt-get update -qq >/dev/null 2>&1 && download; }
if ls "$tmp/${name}"_*.deb >/dev/null 2>&1 && dpkg-deb -x "$tmp/${name}"_*.deb "$tmp/unpacked" && [ -x "$tmp/unpacked/$inside" ]; then
  # The package's libraries are not unpacked: check that this machine has them.
  # shellcheck disable=SC2086 # the probe is our own word list, split on purpose
  if "$tmp/unpacked/$inside" $probe >/dev/null 2>&1; then
    mkdir -p "$dest" && cp "$tmp/unpacked/$inside" "$dest/$name"
  else
    missing=$(ldd "$tmp/unpacked/$inside" 2>/dev/null | awk '/not found/ {print $1}' | tr '\n' ' ')
    echo "note: Debian's $name was fetched but does not run here (missing libraries: ${missing:-unknown}); $purpose will fail until $name is installed" >&2
  fi
else
  echo "note: no $name here and none could be fetched (apt-get download $name); $purpose will fail until one is installed" >&2
fi
exit 0
