#!/usr/bin/env bash
# npm install hook, for the tests only: a shellcheck binary, so that `npm test` lints the agent's shell
# program (lib/tunnel/*.sh, test/unit/shellcheck.test.ts). A system shellcheck is used as it is;
# otherwise Debian's package is fetched with `apt-get download` and its binary unpacked into
# test/shellcheck/ (no root needed, nothing installed system-wide). Never fails the install: the
# tests name what is missing.
exec bash "$(dirname "$0")/fetch-debian-tool.sh" shellcheck usr/bin/shellcheck '--version' 'the shellcheck test'
