#!/bin/sh
# degraded.sh NETCONFORM
#
# Without network namespaces (simulated with NETCONFORM_NO_NAMESPACES=1)
# netconform runs on the host loopback: it says so once, skips the wire
# checks with the reason, skips the scenario that binds the wildcard
# address with the reason, runs fixed-port scenarios (one at a time), and
# everything else passes. The JUnit report records the mode. Every variant
# must pass, so NC_TEST_TIMEOUT_SCALE (a slow build's) scales the windows.
set -u
nc=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
NETCONFORM_NO_NAMESPACES=1 "$nc" --timeout-scale "${NC_TEST_TIMEOUT_SCALE:-1}" \
	--no-progress --color=never --junit "$tmp/junit.xml" \
	--reports "$tmp" scenarios >"$tmp/out.txt" 2>&1
code=$?
fail=0
say() { echo "$*"; fail=1; }
[ "$code" = 0 ] || say "exit status $code, expected 0"
[ "$(grep -c 'namespaces disabled by NETCONFORM_NO_NAMESPACES' "$tmp/out.txt")" = 1 ] ||
	say "the mode is not stated exactly once"
grep -q "^netconform .* host loopback, capture off" "$tmp/out.txt" || say "the header does not say host loopback, capture off"
grep -q "note: wire checks skipped: without a private network namespace" "$tmp/out.txt" ||
	say "the wire checks are not said to be skipped"
grep -q "^SKIP  ipv6/v6only-refuses-ipv4\[dual\] (binds the wildcard address" "$tmp/out.txt" ||
	say "the wildcard scenario is not skipped with its reason"
grep -q "^PASS  errors/bind-in-use\[inet\]" "$tmp/out.txt" || say "the fixed-port scenario did not run"
grep -q 'value="host loopback"' "$tmp/junit.xml" || say "JUnit does not record the mode"
if [ $fail -ne 0 ]; then
	cat "$tmp/out.txt"
	exit 1
fi
echo "ok: host-loopback mode"
