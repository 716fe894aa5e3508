#!/bin/sh
# valgrind.sh NETCONFORM
#
# The whole shipped suite under valgrind's memcheck, every process of the
# run included (the runner, each supervisor, each built-in role): no leak,
# no invalid access, no use of uninitialised memory. It runs on the host
# loopback (NETCONFORM_NO_NAMESPACES=1): valgrind cannot follow a process
# into the capture ring's memory at a useful speed, and capture is covered
# by the sanitizer build. valgrind's own messages go to one file per
# process, away from the pipes netconform's processes talk through.
set -u
nc=$1
command -v valgrind >/dev/null 2>&1 || { echo "skipped: valgrind is not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
NETCONFORM_NO_NAMESPACES=1 valgrind -q --log-file="$tmp/vg.%p" --leak-check=full \
	--errors-for-leak-kinds=definite,indirect \
	"$nc" --no-progress -q --timeout-scale 30 --reports "$tmp/r" \
	--junit "$tmp/junit.xml" --html "$tmp/report.html" --tap "$tmp/out.tap" \
	scenarios >"$tmp/out.txt" 2>&1
code=$?
logs=$(ls "$tmp"/vg.* 2>/dev/null | wc -l)
bad=$(cat "$tmp"/vg.* 2>/dev/null | grep -E 'definitely lost|indirectly lost|Invalid (read|write|free)|uninitialised|Mismatched free|ERROR SUMMARY: [1-9]')
if [ "$code" != 0 ] || [ -n "$bad" ] || [ "$logs" -lt 10 ]; then
	echo "exit status $code, $logs process logs"
	[ -z "$bad" ] || { echo "valgrind found:"; cat "$tmp"/vg.*; }
	tail -n 20 "$tmp/out.txt"
	exit 1
fi
echo "ok: $(tail -n 1 "$tmp/out.txt") under valgrind; $logs processes, no leak or memory error"
