# The dial stub: the command coderd's agent runs in the PTY (the `command` of the dial URL), so it is
# kept short (a stock nginx refuses a request line over 8 KB). Comment lines and blank lines are
# dropped before it is sent. The @NAME@ placeholders are filled in by lib/tunnel/protocol.ts with our
# own values only: the marker (from agent.sh), the dial's nonce, the loop's SHA-256 and the length of
# the loop's base64. Nothing of a caller's is ever part of it.
#
# It makes the tty raw without echo, names the first missing tool (MARK_MISSING NONCE TOOL, exit
# 127), and runs the loop kept under its SHA-256 in the user's cache, checked against that hash
# before each use. When it is not there (first dial to this workspace, or a new version of the loop)
# it prints MARK_LOAD NONCE and reads the loop from the terminal: a line "load NONCE" (anything
# before it, such as an early ping, is skipped), then exactly LOAD_BYTES base64 characters. The copy
# is written beside its final name and renamed, so concurrent dials never see half a file; a copy
# that does not match the hash is refused (MARK_BADLOAD NONCE, exit 1). An unwritable cache falls back
# to a directory of this session's own.
N=@NONCE@; H=@DIGEST@
stty raw -echo 2>/dev/null
for t in base64 cat cp head tail wc mkdir mv rm mktemp sha256sum timeout tr stty sleep; do command -v $t >/dev/null 2>&1 || { printf '\n@MARK@_MISSING %s %s\n' $N $t; exit 127; }; done
C=${XDG_CACHE_HOME:-$HOME/.cache}/coder-mcp; F=$C/loop-$H.sh; s=$(sha256sum "$F" 2>/dev/null)
if [ "${s%% *}" != $H ]; then
{ mkdir -p "$C" && [ -w "$C" ]; } 2>/dev/null || { C=$(mktemp -d) && F=$C/loop-$H.sh; } || exit 1
printf '\n@MARK@_LOAD %s\n' $N
while IFS= read -r l; do [ "$l" = "load $N" ] && break; done
head -c @LOAD_BYTES@ | base64 -d > "$F.$N" 2>/dev/null; s=$(sha256sum "$F.$N")
{ [ "${s%% *}" = $H ] && mv -f "$F.$N" "$F"; } || { rm -f "$F.$N"; printf '\n@MARK@_BADLOAD %s\n' $N; exit 1; }
fi
exec sh "$F" $N
