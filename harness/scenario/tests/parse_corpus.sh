#!/bin/sh
# parse_corpus.sh: runs the parser corpus under fixtures/parse/ through
# `netconform check`, from the source root (ctest's working directory).
#
#   invalid/<case>/input.scn  must fail with exit status 2, and the first
#                             line of stderr must equal invalid/<case>/expected
#                             byte for byte;
#   valid/*.scn               must parse (exit status 0);
#   fuzz-regressions/*        inputs that once crashed or hung the parser:
#                             any verdict (0 or 2) is fine, a crash is not.
#
# No case may crash, and a sanitizer build must print no report.
#
# Usage: parse_corpus.sh NETCONFORM [CASE...]   (cases: invalid case names)
set -u

nc=$1
shift
root=fixtures/parse
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
checked=0

fail() {
	echo "FAIL $1: $2"
	failed=$((failed + 1))
}

# Sanitizer reports go to stderr; a line of them means a bug even when the
# exit status looks right.
sanitizer_report() {
	grep -q -e 'runtime error:' -e 'AddressSanitizer' -e 'LeakSanitizer' "$1"
}

check_invalid() {
	dir=$root/invalid/$1
	if [ ! -f "$dir/input.scn" ] || [ ! -f "$dir/expected" ]; then
		fail "$1" "needs input.scn and expected"
		return
	fi
	"$nc" check "$dir/input.scn" >"$tmp/out" 2>"$tmp/err"
	status=$?
	checked=$((checked + 1))
	if [ "$status" -ne 2 ]; then
		fail "$1" "exit status $status, expected 2"
		sed 's/^/    /' "$tmp/err"
		return
	fi
	if sanitizer_report "$tmp/err"; then
		fail "$1" "sanitizer report"
		sed 's/^/    /' "$tmp/err"
		return
	fi
	head -n 1 "$tmp/err" >"$tmp/first"
	if ! cmp -s "$tmp/first" "$dir/expected"; then
		fail "$1" "message differs"
		echo "    expected: $(cat "$dir/expected")"
		echo "    actual:   $(cat "$tmp/first")"
	fi
}

if [ $# -gt 0 ]; then
	for c in "$@"; do
		check_invalid "$c"
	done
else
	for dir in "$root"/invalid/*/; do
		check_invalid "$(basename "$dir")"
	done
	for f in "$root"/valid/*.scn; do
		"$nc" check "$f" >"$tmp/out" 2>"$tmp/err"
		status=$?
		checked=$((checked + 1))
		if [ "$status" -ne 0 ] || sanitizer_report "$tmp/err"; then
			fail "$f" "exit status $status, expected 0"
			sed 's/^/    /' "$tmp/err"
		fi
	done
	for f in "$root"/fuzz-regressions/*; do
		[ -f "$f" ] || continue
		case $f in *.md) continue ;; esac
		"$nc" check "$f" >"$tmp/out" 2>"$tmp/err"
		status=$?
		checked=$((checked + 1))
		if { [ "$status" -ne 0 ] && [ "$status" -ne 2 ]; } || sanitizer_report "$tmp/err"; then
			fail "$f" "exit status $status, expected 0 or 2"
			sed 's/^/    /' "$tmp/err"
		fi
	done
fi

echo "$checked parse cases checked, $failed failed"
[ "$failed" -eq 0 ]
