/**
 * The line protocol between a channel and the `sh` loop it runs on the agent through the
 * reconnecting PTY. Requests and responses are single lines of printable ASCII: an id, an operation
 * and base64 fields. Caller data (paths, contents, commands) is only ever base64 data that the loop
 * decodes; the bootstrap's source contains nothing but our own constants.
 */
import { createHash, randomBytes } from 'node:crypto';

/**
 * Tools the loop needs on the agent; a missing one is named in the error. `nohup` is not among them:
 * background commands use it where it exists and otherwise ignore SIGHUP themselves, which is all it
 * does here (Debian's busybox, for one, has no nohup applet).
 */
export const REQUIRED_TOOLS = ['base64', 'cat', 'cp', 'head', 'tail', 'wc', 'mkdir', 'mv', 'rm', 'mktemp', 'sha256sum', 'tee', 'timeout', 'tr', 'stty', 'sleep'];

export const MARK = '__CMCP';

export function newNonce(): string {
  return randomBytes(8).toString('hex');
}

/** Longest field the shell decodes itself; past this `base64 -d` is quicker. */
export const SH_DECODE_MAX = 128;

/**
 * `d64 FIELD` writes the bytes of a base64 field to stdout; `arg FIELD` puts them in `$a`. Short
 * fields (most commands and paths) are decoded by the shell itself, which spares a `base64` process
 * (about 1 ms each on a small agent); longer ones go to `base64 -d`. Four characters make up to three
 * bytes, written with printf octal escapes built only from our own arithmetic, so the data never
 * becomes code. '=' is not in the table, so its index comes out as 64: that is how padding is seen.
 * Plain POSIX sh; the variables start with `_` to keep clear of the loop's own.
 */
export const SH_DECODE = `_T=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/
_NL='
'
d64() {
  if [ \${#1} -gt ${SH_DECODE_MAX} ]; then base64 -d <<__CMCP_EOF__
$1
__CMCP_EOF__
    return
  fi
  _s=$1; _f=
  while [ -n "$_s" ]; do
    _r=\${_s#????}; _g=\${_s%"$_r"}; _s=$_r
    _p=\${_T%%"\${_g%???}"*}; _n=\${#_p}; _g=\${_g#?}
    _p=\${_T%%"\${_g%??}"*}; _n=$((_n<<6|\${#_p})); _g=\${_g#?}
    _p=\${_T%%"\${_g%?}"*}; _u=\${#_p}; _g=\${_g#?}
    _p=\${_T%%"$_g"*}; _v=\${#_p}
    _n=$((_n<<12|(_u&63)<<6|(_v&63)))
    _f=$_f\\\\$((_n>>22&3))$((_n>>19&7))$((_n>>16&7))
    [ "$_u" -lt 64 ] && _f=$_f\\\\$((_n>>14&3))$((_n>>11&7))$((_n>>8&7))
    [ "$_v" -lt 64 ] && _f=$_f\\\\$((_n>>6&3))$((_n>>3&7))$((_n&7))
  done
  printf "$_f"
}
# Through a file and read rather than $(...): no subshell, and trailing newlines survive (the x guards them).
arg() {
  a=; [ "$1" = = ] && return
  { d64 "$1"; printf x; } > "$D/arg"
  while IFS= read -r _l; do a=$a$_l$_NL; done < "$D/arg"; a=$a$_l; a=\${a%x}
}`;

/**
 * The agent loop: constant text (no nonce, nothing of the caller's), so it can be kept on the workspace
 * under its content hash and run as `sh <file> <nonce>`. Plain POSIX sh (runs on dash, bash and busybox
 * ash). It prints a ready line with the nonce, then serves one request line at a time. Each response is
 * also kept in a file so that a response lost with a dropped socket can be fetched again without
 * running the request twice. The tty is already raw and the tools checked: the dial stub did both.
 */
export const LOOP_SCRIPT = `set -f; N=$1
D=$(mktemp -d) || exit 1
trap 'rm -rf "$D"' EXIT HUP TERM
cd "$HOME" 2>/dev/null
${SH_DECODE}
# GNU timeout ends the command's whole process group; for another (busybox's), which ends the command alone, the
# command leads a group of its own (setsid) and the loop ends what is left of that group.
G=; timeout --version >/dev/null 2>&1 && G=1
S=; [ -z "$G" ] && command -v setsid >/dev/null 2>&1 && S=setsid
if command -v nohup >/dev/null 2>&1; then detach() { exec nohup sh "$D/cmd"; }; else detach() { trap '' HUP; exec sh "$D/cmd"; }; fi
if base64 -w 0 </dev/null >/dev/null 2>&1; then b64() { base64 -w 0; }; else b64() { base64 | tr -d '\\n'; }; fi
say() { printf '${MARK} %s %s %s .\\n' "$N" "$id" "$*"; }
# keep stores an answer as it goes out, so that "fetch" can send it again; kept does the same for one line, without a process.
keep() { printf '%s kept' "$id" > "$D/last.id"; tee "$D/last"; }
kept() { printf '%s kept' "$id" > "$D/last.id"; say "$@" > "$D/last"; say "$@"; }
fetch() {
  last=; [ -f "$D/last.id" ] && read -r last < "$D/last.id"
  set -- "$1" $last
  if [ "$1" != "$2" ]; then say ok 0; return; fi
  if [ "$3" = exec ]; then exec_reply "$2" "$4" "$5" "$6" "$7"; else cat "$D/last"; fi
  say ok 1
}
errno() { if [ ! -e "$1" ] && [ ! -L "$1" ]; then echo ENOENT; elif [ ! -r "$1" ]; then echo EACCES; else echo EIO; fi; }
op_exec() {
  if [ "$1" = = ]; then : > "$D/cmd"; else d64 "$1" > "$D/cmd"; fi
  if [ "$4" = 1 ]; then
    out="$D/bg.$id"; : > "$out"
    detach </dev/null >"$out" 2>&1 & pid=$!; i=0; rc=124
    while [ "$i" -lt "$3" ]; do kill -0 "$pid" 2>/dev/null || { wait "$pid"; rc=$?; break; }; sleep 0.1; i=$((i+1)); done
    if [ "$rc" = 124 ] && kill -0 "$pid" 2>/dev/null; then run=1; else run=0; fi
  else
    out="$D/out"
    if [ -n "$G" ]; then timeout -k 2 "$2" sh "$D/cmd" </dev/null >"$out" 2>&1; rc=$?
    else
      # Waited for as a job: its pid is the group's id, and the shell's "Terminated" note goes to /dev/null, not into the output.
      ( exec timeout -k 2 "$2" $S sh "$D/cmd" </dev/null >"$out" 2>&1 ) 2>/dev/null & g=$!; wait "$g"; rc=$?
      case $rc in 124|137|143) [ -n "$S" ] && kill -TERM "-$g" 2>/dev/null;; esac
    fi; run=0
  fi
  # Kept so that "fetch" can answer again without running anything: the output file and these fields.
  last="$id exec $rc $run $5 $out"; printf '%s' "$last" > "$D/last.id"
  exec_reply "$id" "$rc" "$run" "$5" "$out"
}
# Many commands print nothing: then there is nothing to encode, and no head or base64 to start.
exec_reply() { printf '${MARK} %s %s ok %s %s ' "$N" "$1" "$2" "$3"; [ -s "$5" ] && head -c $(($4+1)) "$5" | b64; printf ' .\\n'; }
op_outsize() { last=; read -r last < "$D/last.id"; set -- $last; [ "$2" = exec ] || { say err ENOENT; return; }; sz=$(wc -c < "$6"); say ok $((sz)); }
op_ls() {
  arg "$1"; p=$a
  [ -e "$p" ] || { say err ENOENT; return; }; [ -d "$p" ] || { say err ENOTDIR; return; }; [ -r "$p" ] && [ -x "$p" ] || { say err EACCES; return; }
  set +f
  { printf '${MARK} %s %s ok ' "$N" "$id"
    for f in "$p"/* "$p"/.*; do
      n=\${f##*/}; [ "$n" = . ] || [ "$n" = .. ] && continue; [ -e "$f" ] || [ -L "$f" ] || continue
      if [ -d "$f" ]; then k=d; else k=f; fi; printf '%s:%s\\0' "$k" "$n"
    done | b64; printf ' .\\n'; } | keep
  set -f
}
op_read() {
  arg "$1"; p=$a
  [ -d "$p" ] && { say err EISDIR; return; }; [ -f "$p" ] && [ -r "$p" ] || { say err "$(errno "$p")"; return; }
  sz=$(wc -c < "$p")
  { printf '${MARK} %s %s ok %s ' "$N" "$id" $((sz))
    if [ "$2" = 0 ]; then head -c "$3" "$p"; else tail -c +$(($2+1)) "$p" | head -c "$3"; fi | b64; printf ' .\\n'; } | keep
}
op_hash() {
  arg "$1"; p=$a
  if [ -f "$p" ]; then h=$(sha256sum < "$p") || { say err "$(errno "$p")"; return; }; say ok "\${h%% *}"; elif [ -e "$p" ]; then say err EISDIR; else say ok -; fi
}
# The temporary file sits beside the target (rename stays on one file system) and starts as a copy of an existing
# target, so its mode survives the replacement: editing an executable script keeps it executable.
tmpfor() { case $1 in */*) d=\${1%/*};; *) d=.;; esac; [ -z "$d" ] && d=/; [ -d "$d" ] || mkdir -p "$d" 2>/dev/null || return 1; t="$d/.cmcp-$N-$id"; [ -f "$1" ] && cp -p "$1" "$t" 2>/dev/null; return 0; }
place() {
  if [ -n "$3" ]; then
    if [ -f "$1" ]; then h=$(sha256sum < "$1"); h=\${h%% *}; else h=-; fi
    [ "$h" = "$3" ] || { rm -f "$2"; say err CHANGED "$h"; return; }
  fi
  [ -d "$1" ] && { rm -f "$2"; say err EISDIR; return; }
  mv -f "$2" "$1" || { rm -f "$2"; say err EACCES; return; }
  kept ok
}
op_write() {
  arg "$1"; p=$a
  tmpfor "$p" || { say err "$(errno "$d")"; return; }
  if [ "$2" = = ]; then : > "$t"; else d64 "$2" > "$t"; fi 2>/dev/null || { rm -f "$t"; say err "$(errno "$d")"; return; }
  place "$p" "$t" "$3"
}
op_put() {
  arg "$1"; p=$a
  # The payload follows the request line as exactly $2 base64 characters: head -c never reads past them.
  if tmpfor "$p"; then head -c "$2" | base64 -d > "$t" 2>/dev/null; else head -c "$2" > /dev/null; say err "$(errno "$d")"; return; fi
  h=$(sha256sum < "$t"); [ "\${h%% *}" = "$3" ] || { rm -f "$t"; say err EPAYLOAD; return; }
  place "$p" "$t" "$4"
}
printf '\\n${MARK}_READY %s\\n' "$N"
while IFS= read -r line; do
  set -- $line; [ $# -ge 2 ] || continue; id=$1; op=$2; shift 2
  case $op in
    ping) say ok ;;
    bye) exit 0 ;;
    fetch) fetch "$1" ;;
    exec) op_exec "$@" ;; outsize) op_outsize ;; ls) op_ls "$@" ;; read) op_read "$@" ;; hash) op_hash "$@" ;; write) op_write "$@" ;; put) op_put "$@" ;;
    *) say err EPROTO ;;
  esac
done`;

/** The loop as it travels to the workspace, and the name it is kept under there; computed once per container. */
let loopPackage: { digest: string; payload: string } | undefined;

export function loopDigest(): string {
  return packLoop().digest;
}

/** The loop as one base64 line, sent after `load <nonce>` when the stub asks for it. */
export function loopPayload(): string {
  return packLoop().payload;
}

function packLoop(): { digest: string; payload: string } {
  loopPackage ??= { digest: createHash('sha256').update(LOOP_SCRIPT).digest('hex'), payload: Buffer.from(LOOP_SCRIPT).toString('base64') };
  return loopPackage;
}

/**
 * The program the PTY runs (`command=`): a short stub, so the dial's request line stays far below the
 * 8 KB a stock nginx accepts (the loop itself is over 10 KB once URL-encoded). It makes the tty raw
 * without echo, checks the loop's tools, and runs the loop kept under its SHA-256 in the user's cache,
 * checked against that hash before each use. When it is not there (first dial to this workspace, or a
 * new version of the loop) the stub prints a load line and reads the loop from the terminal: a line
 * `load <nonce>` (anything before it, such as an early ping, is skipped), then exactly the payload's
 * length in base64. The copy is written beside its final name and renamed, so concurrent dials never
 * see half a file; a copy that does not match the hash is refused. An unwritable cache falls back to a
 * directory of this session's own. Only our constants and the nonce are in the text.
 */
export function dialCommand(nonce: string): string {
  const tools = REQUIRED_TOOLS.join(' ');
  const digest = loopDigest();
  return `N=${nonce}; H=${digest}
stty raw -echo 2>/dev/null
for t in ${tools}; do command -v $t >/dev/null 2>&1 || { printf '\\n${MARK}_MISSING %s %s\\n' $N $t; exit 127; }; done
C=\${XDG_CACHE_HOME:-$HOME/.cache}/coder-mcp; F=$C/loop-$H.sh; s=$(sha256sum "$F" 2>/dev/null)
if [ "\${s%% *}" != $H ]; then
{ mkdir -p "$C" && [ -w "$C" ]; } 2>/dev/null || { C=$(mktemp -d) && F=$C/loop-$H.sh; } || exit 1
printf '\\n${MARK}_LOAD %s\\n' $N
while IFS= read -r l; do [ "$l" = "load $N" ] && break; done
head -c ${loopPayload().length} | base64 -d > "$F.$N" 2>/dev/null; s=$(sha256sum "$F.$N")
[ "\${s%% *}" = $H ] && mv -f "$F.$N" "$F" || { rm -f "$F.$N"; printf '\\n${MARK}_BADLOAD %s\\n' $N; exit 1; }
fi
exec sh "$F" $N`;
}

/** A field as base64 (never empty on the wire: an empty value travels as `-` for "nothing"). */
export function b64(data: string | Uint8Array): string {
  const text = Buffer.from(data).toString('base64');
  return text === '' ? '=' : text;
}

export function requestLine(id: string, op: string, fields: (string | number)[]): string {
  return `${[id, op, ...fields.map(String)].join(' ')}\n`;
}

export interface ResponseLine {
  nonce: string;
  id: string;
  status: 'ok' | 'err';
  fields: string[];
}

/** Lines of the stub and the loop's start: the loop is ready, a tool is missing, the stub asks for the loop, or what it got was damaged. */
export type ControlLine =
  | { kind: 'ready'; nonce: string }
  | { kind: 'load'; nonce: string }
  | { kind: 'badload'; nonce: string }
  | { kind: 'missing'; nonce: string; tool: string };

const CONTROL_KINDS: Record<string, 'ready' | 'load' | 'badload'> = { [`${MARK}_READY`]: 'ready', [`${MARK}_LOAD`]: 'load', [`${MARK}_BADLOAD`]: 'badload' };

/** Parses one PTY output line; anything that is not ours (banners, replayed history, stray output) is undefined. */
export function parseLine(raw: string): ResponseLine | ControlLine | undefined {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  const parts = line.split(' ');
  const control = CONTROL_KINDS[parts[0] ?? ''];
  if (control && parts.length === 2 && parts[1]) return { kind: control, nonce: parts[1] };
  if (parts[0] === `${MARK}_MISSING` && parts.length === 3 && parts[1] && parts[2]) return { kind: 'missing', nonce: parts[1], tool: parts[2] };
  // An answer is complete only with its closing "." field: an answer the loop writes in pieces (a head,
  // then the output) that lost its end with a socket can never pass for a whole one with an empty output.
  if (parts[0] !== MARK || parts.length < 5 || parts[parts.length - 1] !== '.') return undefined;
  const [, nonce = '', id = '', status] = parts;
  if (status !== 'ok' && status !== 'err') return undefined;
  return { nonce, id, status, fields: parts.slice(4, -1).filter((f) => f !== '') };
}

export function isResponse(line: ResponseLine | ControlLine): line is ResponseLine {
  return 'status' in line;
}
