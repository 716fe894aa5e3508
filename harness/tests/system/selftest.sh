#!/bin/sh
# selftest.sh NETCONFORM FILE.scn
#
# Runs netconform on one scenario from fixtures/selftest/ and checks the
# outcome its header comments announce (see fixtures/selftest/README.md):
#   # expect-status: FAIL|ERROR|PASS|SKIP   every variant gets this status
#   # expect-exit: N                        the exit status (default: from the status)
#   # expect-output: TEXT                   a fixed string in the output (repeatable)
#   # args: ...                             extra arguments for netconform
#   # requires: capture                     needs packet capture; skipped
#                                           (exit 77) when netconform runs
#                                           without it
# Exits 0 when all expectations hold, 1 otherwise, printing what differed.
set -u
nc=$1
file=$2

status=$(sed -n 's/^# expect-status: *//p' "$file" | head -n1)
want_exit=$(sed -n 's/^# expect-exit: *//p' "$file" | head -n1)
args=$(sed -n 's/^# args: *//p' "$file" | head -n1)
if [ -z "$status" ]; then
	echo "$file: no '# expect-status:' line" >&2
	exit 1
fi
if [ -z "$want_exit" ]; then
	case $status in
	PASS|SKIP) want_exit=0 ;;
	*) want_exit=1 ;;
	esac
	if grep -q '^# expect-output: .*(while parsing' "$file"; then
		want_exit=2
	fi
fi

out=$(mktemp)
reports=$(mktemp -d)
trap 'rm -rf "$out" "$reports"' EXIT INT TERM
# shellcheck disable=SC2086 # args are split on purpose
"$nc" --no-progress --color=never --reports "$reports" $args "$file" >"$out" 2>&1
code=$?
fail=0

if grep -q '^# requires: *capture' "$file" && head -n1 "$out" | grep -q 'capture off'; then
	echo "skipped: $file needs packet capture, and netconform runs without it:"
	sed -n 2,3p "$out"
	exit 77
fi

if [ "$code" != "$want_exit" ]; then
	echo "exit status $code, expected $want_exit"
	fail=1
fi
# Every variant line must carry the expected status, and there must be one.
variants=$(grep -cE '^(PASS|FAIL|ERROR|SKIP|NOTRUN) ' "$out")
wrong=$(grep -E '^(PASS|FAIL|ERROR|SKIP|NOTRUN) ' "$out" | grep -vc "^$status ")
if [ "$variants" -eq 0 ]; then
	echo "no variant lines in the output"
	fail=1
elif [ "$wrong" -ne 0 ]; then
	echo "expected every variant to be $status"
	fail=1
fi
sed -n 's/^# expect-output: //p' "$file" | while IFS= read -r want; do
	want=$(printf '%s' "$want" | sed "s|\${FILE}|$file|g")
	if ! grep -qF -- "$want" "$out"; then
		echo "missing from the output: $want"
		exit 1
	fi
done || fail=1

if [ "$fail" -ne 0 ]; then
	echo "---- netconform output for $file ----"
	cat "$out"
	exit 1
fi
echo "ok: $file ($status, exit $code, $variants variant(s))"
exit 0
