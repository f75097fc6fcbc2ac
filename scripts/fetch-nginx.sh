#!/usr/bin/env bash
# npm install hook, for the tests only: an nginx binary, so that the workspace tools are also tested
# through a reverse proxy configured as Coder's docs configure one (nginx's default buffer sizes
# refuse a request line over 8 KB with 414; see DESIGN.md, "Reverse proxies in front of coderd").
# A system nginx is used as it is; otherwise Debian's package is fetched with `apt-get download` and
# its binary unpacked into test/nginx/ (no root needed, nothing installed system-wide; the tests run
# it with every path inside a temporary directory). Never fails the install: the tests name what is missing.
exec bash "$(dirname "$0")/fetch-debian-tool.sh" nginx usr/sbin/nginx '-v' 'the nginx tests' /usr/sbin/nginx
