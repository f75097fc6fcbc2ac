# The agent loop of coder-mcp-lambda: the program a channel runs in the workspace through coderd's
# reconnecting PTY. Plain POSIX sh; it runs on dash, bash and busybox ash (checked by shellcheck -s sh
# and by the tests under all three). The dial stub (dial.sh) starts it as `sh <this file> <nonce>`
# with the tty already raw and without echo, and the tools checked. This text is constant: it is kept
# on the workspace under its SHA-256, and nothing a caller sends ever becomes part of it. Caller data
# (commands, paths, contents) only ever arrives as base64 fields, decoded into files or variables.
#
# The protocol, one line each way; fields are separated by one space:
#   request:  ID OP FIELD...          ID: the channel's, echoed back; "=" is an empty base64 field
#   answer:   MARK NONCE ID ok FIELD... .     or     MARK NONCE ID err CODE... .
# The closing "." shows the answer is whole; the channel ignores every other line on the PTY (banners,
# replayed history, job notes). The loop starts by printing "MARK_READY NONCE" on a line of its own.
#
#   ID ping                             ok
#   ID bye                              the loop exits (status 0)
#   ID exec CMD SECS TICKS BG CAP       ok RC RUNNING OUTPUT
#       CMD (base64) runs as a script file under sh in $HOME, stdin from /dev/null, stdout and stderr
#       merged. Foreground (BG 0): ended after SECS seconds (TERM to the command's process group, KILL
#       2 s later, by the loop's clock or by timeout when there is no terminal), and then RC is 124. Background (BG 1): waited for up to TICKS tenths of a second;
#       if it still runs, RC is 124 and RUNNING 1, and it goes on with SIGHUP ignored.
#       OUTPUT is the base64 of at most CAP+1 bytes: one more than CAP says there was more.
#   ID outsize                          ok BYTES        the whole output of the last exec
#   ID ls PATH                          ok RECORDS      base64 of "d:NAME\0" or "f:NAME\0" per entry
#   ID read PATH OFFSET LIMIT           ok SIZE DATA    SIZE: the file's; DATA: base64 of the range
#   ID write PATH DATA [SHA]            ok              a temporary file beside PATH, renamed over it;
#       with SHA, only if PATH's SHA-256 is still SHA ("-": PATH must not exist), else err CHANGED NOW
#   ID put PATH LEN SHA [OLD]           ok              as write; the content follows the request line
#       as exactly LEN base64 characters, and SHA is its SHA-256 (err EPAYLOAD when it is not)
#   ID fetch ID2                        the kept answer to ID2 again, then ok 1; or ok 0 alone when
#       ID2 was never seen (it was lost on the way in and may be sent now)
#   anything else                       err EPROTO
# Errors of an operation: err ENOENT | ENOTDIR | EISDIR | EACCES | EIO | CHANGED | EPAYLOAD.
#
# Exactly once: the last answer is kept ($D/last, or for exec its fields and output file), so that
# "fetch" sends it again after a lost socket without running anything twice.
# Exit status: 0 on bye or at the end of input, 1 when no private directory can be made.
#
# Cost: a warm call should cost little more than the one shell start a command needs, so the loop
# uses builtins where they suffice. With a terminal (always, on an agent) a command is one fork and
# one exec: job control gives it a process group of its own and the loop's clock (tick) ends it at
# its deadline, with no timeout or setsid process. Short fields are decoded by the shell (d64); short
# outputs, small files and small directories are encoded by the shell (e64); only longer data goes
# through base64. What stays: POSIX sh can neither read at most N bytes nor learn a file's size
# without a process (read stops only at a newline and drops NULs), so a non-empty output or a file
# is first copied by one `head -c`, which is what keeps the output cap and binary safety provable;
# a rename needs mv, and a compare-and-swap sha256sum and cp -p (to keep the file's mode).

MARK=__CMCP
# Longest base64 field the shell decodes itself; past this `base64 -d` is quicker.
DECODE_MAX=128
# Most bytes the shell encodes itself; past this `base64` is quicker.
ENCODE_MAX=128

set -f; N=$1
# Command output goes to $O, on disk: it may be large. The loop's own small files go to $D, in memory
# where it can (/dev/shm): a call rewrites several, and each rewrite of a file on a disk costs a
# journal write (about 0.3 ms on a VM's ext4), which would be most of a short call.
# Its name carries the loop's pid: a loop killed outright (SIGKILL) cannot remove its directory, so
# each start removes those of loops that are gone, lest they hold memory.
O=$(mktemp -d) || exit 1
D=$(mktemp -d "/dev/shm/cmcp.$$.XXXXXX" 2>/dev/null) || D=$O
trap 'rm -rf "$D" "$O"' EXIT HUP TERM
set +f; _g=
for _d in /dev/shm/cmcp.*.*; do _p=${_d#/dev/shm/cmcp.}; _p=${_p%%.*}; [ -O "$_d" ] && ! kill -0 "$_p" 2>/dev/null && _g="$_g $_d"; done
set -f
# Our own names, split on purpose.
# shellcheck disable=SC2086
[ -n "$_g" ] && rm -rf $_g
# Without a home the commands run where the loop started.
cd "$HOME" 2>/dev/null || :

# --- d64: begin (the decoder test runs this part on its own)
_T=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/
_NL='
'
# d64 FIELD writes the bytes of a base64 field to stdout. Four characters make up to three bytes,
# written with printf octal escapes built only from our own arithmetic, so the data never becomes
# code. '=' is not in the table, so its index comes out as 64: that is how padding is seen.
d64() {
  if [ ${#1} -gt "$DECODE_MAX" ]; then base64 -d <<__CMCP_EOF__
$1
__CMCP_EOF__
    return
  fi
  _s=$1; _f=
  while [ -n "$_s" ]; do
    _r=${_s#????}; _g=${_s%"$_r"}; _s=$_r
    _p=${_T%%"${_g%???}"*}; _n=${#_p}; _g=${_g#?}
    _p=${_T%%"${_g%??}"*}; _n=$((_n<<6|${#_p})); _g=${_g#?}
    _p=${_T%%"${_g%?}"*}; _u=${#_p}; _g=${_g#?}
    _p=${_T%%"$_g"*}; _v=${#_p}
    _n=$((_n<<12|(_u&63)<<6|(_v&63)))
    _f=$_f\\$((_n>>22&3))$((_n>>19&7))$((_n>>16&7))
    [ "$_u" -lt 64 ] && _f=$_f\\$((_n>>14&3))$((_n>>11&7))$((_n>>8&7))
    [ "$_v" -lt 64 ] && _f=$_f\\$((_n>>6&3))$((_n>>3&7))$((_n&7))
  done
  # The format is built above from digits and backslashes only.
  # shellcheck disable=SC2059
  printf "$_f"
}
# arg FIELD puts the bytes of a base64 field in $a: through a file and read rather than $(...), so
# there is no subshell, and trailing newlines survive (the x guards them).
arg() {
  a=; [ "$1" = = ] && return
  { d64 "$1"; printf x; } > "$D/arg"
  while IFS= read -r _l; do a=$a$_l$_NL; done < "$D/arg"; a=$a$_l; a=${a%x}
}
# --- d64: end

# --- e64: begin (the encoder test runs this part on its own)
# e64 STRING puts the base64 of STRING's bytes in $e without a process, for short data only (the
# string functions are quadratic). A byte's value is its place in $_B, which holds every byte but NUL
# in order after one character standing for NUL: "/", which no file name holds (ls uses it between
# records). With E0=1 a "/" counts as NUL; otherwise as itself. Needs a shell that counts bytes, not
# characters ($E says whether this one does). The output comes from our own table variables
# _e0.._e63, picked with eval by numbers of our own arithmetic: data never reaches eval.
_B=$(printf '/\001\002\003\004\005\006\007\010\011\012\013\014\015\016\017\020\021\022\023\024\025\026\027\030\031\032\033\034\035\036\037 !"#$%%&'\''()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\177\200\201\202\203\204\205\206\207\210\211\212\213\214\215\216\217\220\221\222\223\224\225\226\227\230\231\232\233\234\235\236\237\240\241\242\243\244\245\246\247\250\251\252\253\254\255\256\257\260\261\262\263\264\265\266\267\270\271\272\273\274\275\276\277\300\301\302\303\304\305\306\307\310\311\312\313\314\315\316\317\320\321\322\323\324\325\326\327\330\331\332\333\334\335\336\337\340\341\342\343\344\345\346\347\350\351\352\353\354\355\356\357\360\361\362\363\364\365\366\367\370\371\372\373\374\375\376\377')
# A shell that counts characters (bash or busybox in a UTF-8 locale) is told to count bytes, by an
# LC_ALL of its own that is not exported; one whose LC_ALL comes from the environment keeps it (the
# commands must see it unchanged) and leaves the encoding to base64.
[ -z "${LC_ALL+x}" ] && LC_ALL=C
E=; [ ${#_B} = 256 ] && E=1
_i=0; _s=$_T
while [ -n "$_s" ]; do _r=${_s#?}; eval "_e$_i=\${_s%\"\$_r\"}"; _s=$_r; _i=$((_i+1)); done
# The value of the first character of $_g, which is then dropped.
_byte() {
  _c=${_g%"${_g#?}"}; _g=${_g#?}; _p=${_B%%"$_c"*}; _v=${#_p}
  [ "$_v" = 0 ] && [ -z "$E0" ] && _v=47
}
e64() {
  _s=$1; e=
  while [ -n "$_s" ]; do
    _r=${_s#???}; [ "$_r" = "$_s" ] && _r=; _g=${_s%"$_r"}; _s=$_r
    _byte; _n=$((_v<<16)); _k=1
    if [ -n "$_g" ]; then _byte; _n=$((_n|_v<<8)); _k=2; fi
    if [ -n "$_g" ]; then _byte; _n=$((_n|_v)); _k=3; fi
    case $_k in
      3) eval "e=\$e\$_e$((_n>>18&63))\$_e$((_n>>12&63))\$_e$((_n>>6&63))\$_e$((_n&63))";;
      2) eval "e=\$e\$_e$((_n>>18&63))\$_e$((_n>>12&63))\$_e$((_n>>6&63))=";;
      *) eval "e=\$e\$_e$((_n>>18&63))\$_e$((_n>>12&63))==";;
    esac
  done
}
# --- e64: end

# The shell's own view of its open files: the kernel's offset of a file descriptor (Linux /proc).
P=; [ -r "/proc/$$/fdinfo/0" ] && P=1
# copy FILE MAX: one `head -c` copies at most MAX bytes of FILE to $D/copy, and $c becomes how many came,
# read from the offset of our own descriptor on the copy: no wc, and the bound holds whatever FILE does.
copy() {
  exec 4> "$D/copy"
  head -c "$2" "$1" >&4 2>/dev/null
  read -r _k c < "/proc/$$/fdinfo/4"
  exec 4>&-
}
# text: $s becomes the copy's bytes, for the shell to cut and encode, when the copy is short (at most
# twice ENCODE_MAX bytes) and holds no NUL (read drops NULs, so a length other than $c says the data is
# not for the shell).
text() {
  [ -n "$E" ] && [ "$c" -le $((2*ENCODE_MAX+1)) ] || return 1
  s=; while IFS= read -r _l; do s=$s$_l$_NL; done < "$D/copy"; s=$s$_l
  [ ${#s} = "$c" ]
}

# Job control, where the loop has a terminal (the PTY always is one): each background job leads a
# process group of its own without a setsid process, so a command costs one fork and one exec and the
# loop's clock (tick) ends its whole group at the deadline. The shell's job notes go to /dev/null with
# the rest of the loop's stderr, never onto the terminal between answers. /proc/uptime is the clock.
exec 2>/dev/null
J=; set -m; case $- in *m*) [ -r /proc/uptime ] && J=1;; esac
# Without them (a pipe, as in plain test runs) commands run under timeout. GNU timeout ends the
# command's whole process group; for another (busybox's), which ends the command alone, the command
# leads a group of its own (setsid) and the loop ends what is left of that group.
G=; timeout --version >/dev/null 2>&1 && G=1
S=; [ -z "$G" ] && command -v setsid >/dev/null 2>&1 && S=setsid
L=$$; seq=0
# $now: centiseconds since boot ("12345.67" in /proc/uptime), without leading zeros (they would be octal).
clock() {
  read -r now _ < /proc/uptime; now=${now%.*}${now#*.}
  while :; do case $now in 0?*) now=${now#0};; *) break;; esac; done
}
# tick: the clock of foreground commands, a process of the loop's own (a forked shell whose only
# processes are its sleeps), started with a command and gone after ten quiet seconds. Ten times a
# second it reads $D/run ("SEQ PGID DEADLINE", empty between commands) and ends a command past its
# deadline as GNU timeout -k 2 does: TERM (and CONT, for a job stopped on the terminal) to its process
# group, KILL 2 s later; $D/to.SEQ tells the loop it was a timeout. When the loop is gone (the session
# ended) the command it was waiting for still gets its deadline. Going idle, it drops $D/tick before
# it looks for a command once more, and the loop starts a clock when it finds no $D/tick after writing
# $D/run: a command is never left without one (at worst two run for a while).
tick() {
  trap - EXIT HUP TERM
  quiet=0; g=; k=; kq=
  while sleep 0.1; do
    if kill -0 "$L" 2>/dev/null && [ -d "$D" ]; then
      if read -r q g dl < "$D/run"; then quiet=0; [ "$q" = "$kq" ] || { k=; kq=$q; }; else g=; quiet=$((quiet+1)); fi
    elif [ -z "$g" ] || ! kill -0 "-$g" 2>/dev/null; then exit 0
    fi
    sweep
    if [ -n "$g" ]; then
      clock; [ "$now" -ge "$dl" ] || continue
      if [ -z "$k" ]; then k=$now; printf '%s\n' "$now" > "$D/to.$q"; kill -TERM "-$g"; kill -CONT "-$g"
      elif [ "$now" -ge $((k+200)) ]; then kill -KILL "-$g"; fi
    elif [ "$quiet" -ge 100 ]; then
      rm -f "$D/tick"; [ -s "$D/run" ] || exit 0
      : > "$D/tick"; quiet=0
    fi
  done
}
# sweep: removes the output files of commands before the last one ($O/out.SEQ), which no answer needs any more.
sweep() {
  set +f; _m=0; _old=
  for _f in "$O"/out.*; do _n=${_f##*.}; [ "$_n" -gt "$_m" ] 2>/dev/null && _m=$_n; done
  for _f in "$O"/out.*; do [ "${_f##*.}" -lt "$_m" ] 2>/dev/null && _old="$_old $_f"; done
  set -f
  # Our own file names, split on purpose.
  # shellcheck disable=SC2086
  [ -n "$_old" ] && rm -f $_old
}
# clocked SECS OUT: runs $D/cmd as a job of its own with tick as its clock; $rc is its status, 124 at the deadline.
# $seq numbers the command (and its output file).
clocked() {
  clock; i=${1%%.*}; f=${1#*.}00; f=${f%"${f#??}"}
  sh "$D/cmd" </dev/null >"$2" 2>&1 & pid=$!
  printf '%s %s %s\n' "$seq" "$pid" $((now + i*100 + 1$f - 100)) > "$D/run"
  [ -f "$D/tick" ] || { : > "$D/tick"; tick </dev/null >/dev/null & }
  wait "$pid"; rc=$?
  # Stopped, not ended (it read the terminal): it ends at its deadline.
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; wait "$pid"; rc=$?; done
  # Emptied, not removed: rm would be a process.
  : > "$D/run"
  if [ -f "$D/to.$seq" ]; then rc=124; rm -f "$D/to.$seq"; fi
}
if command -v nohup >/dev/null 2>&1; then detach() { exec nohup sh "$D/cmd"; }; else detach() { trap '' HUP; exec sh "$D/cmd"; }; fi
if base64 -w 0 </dev/null >/dev/null 2>&1; then b64() { base64 -w 0; }; else b64() { base64 | tr -d '\n'; }; fi
say() { printf '%s %s %s %s .\n' "$MARK" "$N" "$id" "$*"; }
# keep sends an answer written to $D/last, kept so that "fetch" can send it again; kept does the same for one line.
keep() { printf '%s kept' "$id" > "$D/last.id"; cat "$D/last"; }
kept() { printf '%s kept' "$id" > "$D/last.id"; say "$@" > "$D/last"; say "$@"; }
fetch() {
  last=; [ -f "$D/last.id" ] && read -r last < "$D/last.id"
  # The kept fields, split on purpose: an id and words of our own.
  # shellcheck disable=SC2086
  set -- "$1" $last
  if [ "$1" != "$2" ]; then say ok 0; return; fi
  if [ "$3" = exec ]; then exec_reply "$2" "$4" "$5" "$6" "$7"; else cat "$D/last"; fi
  say ok 1
}
errno() { if [ ! -e "$1" ] && [ ! -L "$1" ]; then echo ENOENT; elif [ ! -r "$1" ]; then echo EACCES; else echo EIO; fi; }
op_exec() {
  if [ "$1" = = ]; then : > "$D/cmd"; else d64 "$1" > "$D/cmd"; fi
  if [ "$4" = 1 ]; then
    out="$O/bg.$id"; : > "$out"
    detach </dev/null >"$out" 2>&1 & pid=$!; i=0; rc=124
    while [ "$i" -lt "$3" ]; do kill -0 "$pid" 2>/dev/null || { wait "$pid"; rc=$?; break; }; sleep 0.1; i=$((i+1)); done
    if [ "$rc" = 124 ] && kill -0 "$pid" 2>/dev/null; then run=1; else run=0; fi
  else
    out="$O/out"
    # A new file for each command: emptying one that holds data costs a journal write on a disk, and
    # the clock removes the older ones, off the loop's way.
    if [ -n "$J" ]; then seq=$((seq+1)); out="$O/out.$seq"; clocked "$2" "$out"
    elif [ -n "$G" ]; then timeout -k 2 "$2" sh "$D/cmd" </dev/null >"$out" 2>&1; rc=$?
    else
      # Waited for as a job: its pid is the group's id, and the shell's "Terminated" note goes to /dev/null, not into the output.
      # $S is empty or "setsid": split on purpose.
      # shellcheck disable=SC2086
      ( exec timeout -k 2 "$2" $S sh "$D/cmd" </dev/null >"$out" 2>&1 ) 2>/dev/null & g=$!; wait "$g"; rc=$?
      case $rc in 124|137|143) [ -n "$S" ] && kill -TERM "-$g" 2>/dev/null;; esac
    fi; run=0
  fi
  # Kept so that "fetch" can answer again without running anything: the output file and these fields.
  last="$id exec $rc $run $5 $out"; printf '%s' "$last" > "$D/last.id"
  exec_reply "$id" "$rc" "$run" "$5" "$out"
}
# Many commands print nothing: then there is nothing to encode and no process to start. Otherwise
# one bounded copy of what the answer can hold (CAP+1 bytes), encoded by the shell when it is short.
exec_reply() {
  printf '%s %s %s ok %s %s ' "$MARK" "$N" "$1" "$2" "$3"
  if [ ! -s "$5" ]; then :
  elif [ -z "$P" ]; then head -c $(($4+1)) "$5" | b64
  else
    copy "$5" $(($4+1))
    if [ "$c" -le "$ENCODE_MAX" ] && text; then e64 "$s"; printf '%s' "$e"; else b64 < "$D/copy"; fi
  fi
  printf ' .\n'
}
op_outsize() {
  last=; read -r last < "$D/last.id"
  # shellcheck disable=SC2086 # the kept fields, split on purpose
  set -- $last
  [ "$2" = exec ] || { say err ENOENT; return; }; sz=$(wc -c < "$6"); say ok $((sz))
}
op_ls() {
  arg "$1"; p=$a
  [ -e "$p" ] || { say err ENOENT; return; }; [ -d "$p" ] || { say err ENOTDIR; return; }; if [ ! -r "$p" ] || [ ! -x "$p" ]; then say err EACCES; return; fi
  # Records end in "/" (no name holds one), which e64 turns into NUL; a long listing goes to base64 instead.
  set +f; s=
  if [ -n "$E" ]; then
    for f in "$p"/* "$p"/.*; do
      n=${f##*/}; { [ "$n" = . ] || [ "$n" = .. ]; } && continue; [ -e "$f" ] || [ -L "$f" ] || continue
      if [ -d "$f" ]; then k=d; else k=f; fi; s=$s$k:$n/
      [ ${#s} -gt "$ENCODE_MAX" ] && break
    done
  fi
  if [ -n "$E" ] && [ ${#s} -le "$ENCODE_MAX" ]; then E0=1; e64 "$s"; E0=; set -f; kept ok "$e"; return; fi
  { printf '%s %s %s ok ' "$MARK" "$N" "$id"
    for f in "$p"/* "$p"/.*; do
      n=${f##*/}; { [ "$n" = . ] || [ "$n" = .. ]; } && continue; [ -e "$f" ] || [ -L "$f" ] || continue
      if [ -d "$f" ]; then k=d; else k=f; fi; printf '%s:%s\0' "$k" "$n"
    done | b64; printf ' .\n'; } > "$D/last"
  set -f
  keep
}
op_read() {
  arg "$1"; p=$a
  [ -d "$p" ] && { say err EISDIR; return; }; if [ ! -f "$p" ] || [ ! -r "$p" ]; then say err "$(errno "$p")"; return; fi
  # From the start, or a short range not far in: one bounded copy up to the end of the range and one
  # byte more, which also tells whether the file is longer (only then is wc needed for its size).
  if [ -n "$P" ] && { [ "$2" = 0 ] || { [ "$3" -le "$ENCODE_MAX" ] && [ "$2" -le "$ENCODE_MAX" ]; }; }; then
    copy "$p" $(($2+$3+1))
    if [ "$c" -le $(($2+$3)) ]; then sz=$c; else sz=$(wc -c < "$p"); fi
    n=$((c > $2 ? c - $2 : 0)); [ "$n" -gt "$3" ] && n=$3
    if [ "$n" -le "$ENCODE_MAX" ] && text; then
      i=0; while [ "$i" -lt "$2" ] && [ -n "$s" ]; do s=${s#?}; i=$((i+1)); done
      while [ ${#s} -gt "$n" ]; do s=${s%?}; done
      e64 "$s"; kept ok "$sz" "$e"; return
    fi
    # The whole copy is the range: its base64 comes back as a string, so the answer needs no cat to go out.
    if [ "$2" = 0 ] && [ "$n" = "$c" ]; then e=$(b64 < "$D/copy"); kept ok "$sz" "$e"; return; fi
    { printf '%s %s %s ok %s ' "$MARK" "$N" "$id" $((sz))
      if [ "$2" = 0 ]; then head -c "$n" "$D/copy" | b64; else tail -c +$(($2+1)) "$D/copy" | head -c "$n" | b64; fi
      printf ' .\n'; } > "$D/last"
    keep; return
  fi
  sz=$(wc -c < "$p")
  { printf '%s %s %s ok %s ' "$MARK" "$N" "$id" $((sz))
    if [ "$2" = 0 ]; then head -c "$3" "$p"; else tail -c +$(($2+1)) "$p" | head -c "$3"; fi | b64; printf ' .\n'; } > "$D/last"
  keep
}
# The temporary file sits beside the target (rename stays on one file system) and starts as a copy of an existing
# target, so its mode survives the replacement: editing an executable script keeps it executable.
tmpfor() { case $1 in */*) d=${1%/*};; *) d=.;; esac; [ -z "$d" ] && d=/; [ -d "$d" ] || mkdir -p "$d" 2>/dev/null || return 1; t="$d/.cmcp-$N-$id"; [ -f "$1" ] && cp -p "$1" "$t" 2>/dev/null; return 0; }
place() {
  if [ -n "$3" ]; then
    if [ -f "$1" ]; then h=$(sha256sum < "$1"); h=${h%% *}; else h=-; fi
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
  h=$(sha256sum < "$t"); [ "${h%% *}" = "$3" ] || { rm -f "$t"; say err EPAYLOAD; return; }
  place "$p" "$t" "$4"
}
printf '\n%s_READY %s\n' "$MARK" "$N"
while IFS= read -r line; do
  # A request is words of the channel's and base64 fields: split on purpose, with globbing off (set -f).
  # shellcheck disable=SC2086
  set -- $line; [ $# -ge 2 ] || continue; id=$1; op=$2; shift 2
  case $op in
    ping) say ok ;;
    bye) exit 0 ;;
    fetch) fetch "$1" ;;
    exec) op_exec "$@" ;; outsize) op_outsize ;; ls) op_ls "$@" ;; read) op_read "$@" ;; write) op_write "$@" ;; put) op_put "$@" ;;
    *) say err EPROTO ;;
  esac
done
