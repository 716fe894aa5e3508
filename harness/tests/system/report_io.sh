#!/bin/sh
# report_io.sh NETCONFORM
#
# Reports written whole or not at all, on a passing run (so every non-zero
# status below comes from the reports alone):
#   - a symbolic link at the report path is replaced, the file it pointed
#     to left as it was;
#   - --junit /dev/full, and a console on a full standard output, exit 3
#     with a message naming the target and the error;
#   - on a full file system (a 64 KiB tmpfs, mounted in a private mount
#     namespace, or as root in a folder of our own) every report fails with
#     "No space left on device", exit 3, the previous report stays whole and
#     no temporary file is left;
#   - --tap - keeps standard output pure TAP, the console going to stderr.
set -u
nc=$1
. "$(dirname "$0")/common.sh"
mnt="$tmp/full"
mounted=""
cleanup() {
	[ -n "$mounted" ] && { umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null; }
	rm -rf "$tmp"
}
trap cleanup EXIT
scn=scenarios/udp/hello-bye.scn
run() { "$nc" --no-progress --color=never --reports "$tmp/r" "$@"; }
show() { sed 's/^/    | /' "$@"; }

# --- a link at the path ------------------------------------------------------
echo "precious" >"$tmp/victim"
ln -s victim "$tmp/junit.xml"
run --junit "$tmp/junit.xml" "$scn" >"$tmp/out" 2>&1 || { say "the run failed"; show "$tmp/out"; }
[ "$(cat "$tmp/victim")" = precious ] || say "the file behind the link was overwritten"
[ -f "$tmp/junit.xml" ] && [ ! -L "$tmp/junit.xml" ] || say "the link was not replaced by the report"
grep -q '</testsuites>' "$tmp/junit.xml" || say "the report is not whole"

# --- a device that is full, and a full standard output ----------------------
run --junit /dev/full "$scn" >"$tmp/out" 2>&1
code=$?
[ "$code" = 3 ] || say "--junit /dev/full exited $code, expected 3"
grep -qx 'netconform: cannot write /dev/full: No space left on device' "$tmp/out" ||
	{ say "no message for /dev/full"; show "$tmp/out"; }
run "$scn" >/dev/full 2>"$tmp/err"
code=$?
[ "$code" = 3 ] || say "a console on /dev/full exited $code, expected 3"
grep -q 'netconform: cannot write standard output: No space left on device' "$tmp/err" ||
	{ say "no message for a full standard output"; show "$tmp/err"; }

# --- a full file system ------------------------------------------------------
mkdir "$mnt"
# full.sh runs where $mnt is a 64 KiB tmpfs: it fills it, then runs.
cat >"$tmp/full.sh" <<'EOS'
set -u
nc=$1 mnt=$2 scn=$3 r=$4
echo OLD >"$mnt/junit.xml"
dd if=/dev/zero of="$mnt/filler" bs=4k 2>/dev/null
"$nc" --no-progress --color=never --reports "$r" --junit "$mnt/junit.xml" \
	--html "$mnt/report.html" --tap "$mnt/out.tap" "$scn"
echo "status $?"
echo "junit: $(cat "$mnt/junit.xml")"
ls -a "$mnt" | sed 's/^/file: /'
EOS
how=""
if unshare -rm sh -c "mount -t tmpfs -o size=64k netconform-test '$mnt'" 2>/dev/null; then
	how="unshare"
	unshare -rm sh -c "mount -t tmpfs -o size=64k netconform-test '$mnt' && sh '$tmp/full.sh' '$nc' '$mnt' '$scn' '$tmp/r'" >"$tmp/out" 2>&1
elif [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=64k netconform-test "$mnt" 2>/dev/null; then
	how="mount"
	mounted=1
	sh "$tmp/full.sh" "$nc" "$mnt" "$scn" "$tmp/r" >"$tmp/out" 2>&1
fi
if [ -z "$how" ]; then
	echo "note: the full file system case was not tried: no tmpfs can be mounted here"
else
	grep -qx 'status 3' "$tmp/out" || say "a full file system did not exit 3"
	for f in junit.xml report.html out.tap; do
		grep -q "^netconform: cannot write $mnt/$f: No space left on device" "$tmp/out" ||
			say "no message naming $f"
	done
	grep -qx 'junit: OLD' "$tmp/out" || say "the previous JUnit report was not kept whole"
	grep -q '^file: .*\.tmp-' "$tmp/out" && say "temporary files were left"
	grep -qx 'file: report.html\|file: out.tap' "$tmp/out" && say "a partial report was left"
	[ $fail = 0 ] || show "$tmp/out"
fi

# --- TAP on standard output ---------------------------------------------------
run --tap - "$scn" >"$tmp/tap" 2>"$tmp/err"
code=$?
[ "$code" = 0 ] || say "--tap - exited $code"
[ "$(head -n 1 "$tmp/tap")" = "TAP version 13" ] || say "standard output does not start with the TAP version"
bad=$(grep -vE '^(TAP version 13|1\.\.[0-9]+|(not )?ok [0-9]+ - .*|#.*|  .*)$' "$tmp/tap")
[ -z "$bad" ] || say "standard output holds lines that are not TAP: $bad"
grep -q '^PASS  udp/hello-bye\[inet\]' "$tmp/err" || say "the console is not on standard error"
grep -qE '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$tmp/err" || say "no totals line on standard error"

[ $fail = 0 ] && echo "ok: links replaced, full devices and file systems reported (exit 3), TAP pure"
exit $fail
