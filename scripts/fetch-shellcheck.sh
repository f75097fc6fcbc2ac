#!/usr/bin/env bash
# npm install hook, for the tests only: a shellcheck binary, so that `npm test` lints the agent's shell
# program (lib/tunnel/*.sh, test/unit/shellcheck.test.ts). A system shellcheck is used as it is;
# otherwise Debian's package is fetched with `apt-get download` and its binary unpacked into
# test/shellcheck/ (no root needed, nothing installed system-wide). Never fails the install: the
# tests name what is missing.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 0
dest=test/shellcheck
if command -v shellcheck >/dev/null 2>&1 || [ -x "$dest/shellcheck" ]; then exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
download() { (cd "$tmp" && apt-get download shellcheck >/dev/null 2>&1); }
# Package lists older than the mirror name a file it no longer has: refresh them (root only) and try again.
download || { [ "$(id -u)" = 0 ] && apt-get update -qq >/dev/null 2>&1 && download; }
if ls "$tmp"/shellcheck_*.deb >/dev/null 2>&1 && dpkg-deb -x "$tmp"/shellcheck_*.deb "$tmp/unpacked" && [ -x "$tmp/unpacked/usr/bin/shellcheck" ]; then
  # The package's libraries (libffi, libgmp) are not unpacked: check that this machine has them.
  if "$tmp/unpacked/usr/bin/shellcheck" --version >/dev/null 2>&1; then
    mkdir -p "$dest" && cp "$tmp/unpacked/usr/bin/shellcheck" "$dest/shellcheck"
  else
    missing=$(ldd "$tmp/unpacked/usr/bin/shellcheck" 2>/dev/null | awk '/not found/ {print $1}' | tr '\n' ' ')
    echo "note: Debian's shellcheck was fetched but does not run here (missing libraries: ${missing:-unknown}); the shellcheck test will fail until shellcheck is installed" >&2
  fi
else
  echo "note: no shellcheck here and none could be fetched (apt-get download shellcheck); the shellcheck test will fail until one is installed" >&2
fi
exit 0
