#!/bin/sh
# files.sh NETCONFORM
#
# Files that are not files, links that loop, folders that cannot be read
# and two files with one name, all made here in a temporary folder:
#   - a FIFO, a device (a link to /dev/null) and a folder named *.scn, and
#     a dangling .scn link: `check` and a run report each with the reason,
#     exit 2, never block; the valid file still runs;
#   - a program role that replaces a later .scn with a FIFO: the runner
#     reports that file as unreadable instead of blocking in open();
#   - two `ln -s . x` links: `list` ends at once and lists each file once;
#   - an unreadable folder and file (checked as nobody: root reads anything);
#   - a/udp/x.scn and b/udp/x.scn: refused, naming both, before anything runs.
# Every command runs under `timeout`, so a blocking open() fails the test
# instead of hanging it.
set -u
nc=$1
. "$(dirname "$0")/common.sh"
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
# expect_status WANT CMD...: runs CMD with a deadline into $tmp/out.
expect_status() {
	want=$1
	shift
	timeout 20 "$@" >"$tmp/out" 2>&1
	got=$?
	if [ "$got" = 124 ]; then
		say "$* did not end within 20 s"
	elif [ "$got" != "$want" ]; then
		say "$* exited $got, expected $want"
	else
		return 0
	fi
	sed 's/^/    | /' "$tmp/out"
	return 1
}
has() {
	grep -qF -- "$1" "$tmp/out" || { say "output lacks: $1"; sed 's/^/    | /' "$tmp/out"; }
}

# --- not files -------------------------------------------------------------
d="$tmp/odd/udp"
mkdir -p "$d"
cp scenarios/udp/hello-bye.scn "$d/good.scn"
mkfifo "$d/pipe.scn"
ln -s /dev/null "$d/null.scn"
mkdir "$d/folder.scn"
ln -s nowhere.scn "$d/gone.scn"
expect_status 2 "$nc" check "$tmp/odd" &&
	has "1 valid, 4 with errors"
has "$d/pipe.scn: cannot read scenario file: it is a FIFO, not a regular file"
has "$d/null.scn: cannot read scenario file: it is a character device, not a regular file"
has "$d/folder.scn: cannot read scenario file: it is a directory, not a regular file"
has "$d/gone.scn: dangling symbolic link: No such file or directory"
# Named directly, the FIFO is refused the same way.
expect_status 2 "$nc" check "$d/pipe.scn" &&
	has "$d/pipe.scn: cannot read scenario file: it is a FIFO, not a regular file"
# A run reports them as errors and still runs the good file.
expect_status 2 "$nc" --no-progress --color=never --reports "$tmp/r" "$tmp/odd" &&
	has "PASS  udp/good[inet]"
has "ERROR udp/pipe[parse]"
has "parse: $d/gone.scn: dangling symbolic link"

# --- a FIFO put in place of a later file while the run goes on -------------
s="$tmp/swap/g"
mkdir -p "$s"
cat >"$s/a.scn" <<EOS
scenario swap
transport udp
family inet
timeout 1s
server
  bind loopback:0
  recvfrom 100 => "x"
client exec sh -c "rm -f $s/z.scn && mkfifo $s/z.scn"
  exit 0
EOS
# With -j 1, m.scn waits for a's slot, so z.scn is read again only after
# a's client replaced it.
cp scenarios/udp/zero-length.scn "$s/m.scn"
cp scenarios/udp/hello-bye.scn "$s/z.scn"
expect_status 1 "$nc" --no-progress --color=never -j 1 --reports "$tmp/r" "$tmp/swap" &&
	has "parse: $s/z.scn: cannot read scenario file: it is a FIFO, not a regular file"
[ -p "$s/z.scn" ] || say "the swapping program did not leave a FIFO; the case was not tried"

# --- links that loop -------------------------------------------------------
l="$tmp/loop/udp"
mkdir -p "$l"
cp scenarios/udp/hello-bye.scn "$l/a.scn"
ln -s . "$l/self"
ln -s . "$l/again"
ln -s .. "$l/up"
ln -s a.scn "$l/alias.scn"
expect_status 0 "$nc" list "$tmp/loop" &&
	[ "$(grep -c '^udp/a\[inet\]' "$tmp/out")" = 1 ] || say "udp/a[inet] is not listed exactly once"
has "2 variants"

# --- unreadable, as a user that permissions bind ---------------------------
u="$tmp/locked"
mkdir -p "$u/udp" "$u/closed"
cp scenarios/udp/hello-bye.scn "$u/udp/open.scn"
cp scenarios/udp/hello-bye.scn "$u/udp/secret.scn"
cp scenarios/udp/hello-bye.scn "$u/closed/x.scn"
chmod 0 "$u/udp/secret.scn" "$u/closed"
chmod 755 "$tmp"
as_user=""
if [ "$(id -u)" = 0 ]; then
	as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
fi
expect_status 2 $as_user "$nc" check "$u" && has "1 valid, 2 with errors"
has "$u/closed: cannot open folder: Permission denied"
has "$u/udp/secret.scn: cannot read scenario file: Permission denied"
chmod 755 "$u/closed"

# --- two files, one name ---------------------------------------------------
mkdir -p "$tmp/a/udp" "$tmp/b/udp"
cp scenarios/udp/hello-bye.scn "$tmp/a/udp/x.scn"
cp scenarios/udp/hello-bye.scn "$tmp/b/udp/x.scn"
expect_status 2 "$nc" --no-progress --reports "$tmp/r" --junit "$tmp/dup.xml" "$tmp/a" "$tmp/b" &&
	has "netconform: $tmp/a/udp/x.scn and $tmp/b/udp/x.scn both give the scenario id udp/x"
grep -q "^PASS\|^FAIL\|^ERROR" "$tmp/out" && say "variants ran despite the duplicate names"
[ -e "$tmp/dup.xml" ] && say "a report was written despite the duplicate names"
expect_status 2 "$nc" list "$tmp/a/udp/x.scn" "$tmp/b/udp/x.scn" && has "both give the scenario id udp/x"

[ $fail = 0 ] && echo "ok: odd files, swaps, loops, permissions and duplicate names"
exit $fail
