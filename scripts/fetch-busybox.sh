#!/usr/bin/env bash
# npm install hook, for the tests only: a busybox binary, so that the agent loop is also tested on
# busybox ash with nothing but busybox applets, as on Alpine images. A system busybox is used as it
# is; otherwise Debian's package is fetched with `apt-get download` and unpacked into test/busybox/
# (no root needed, nothing installed system-wide). Never fails the install: the tests name what is missing.
exec bash "$(dirname "$0")/fetch-debian-tool.sh" busybox bin/busybox '--help' 'the busybox agent tests'
