#!/bin/sh
# interrupt_parse.sh NETCONFORM
#
# A stop signal while the scenario files are still being read: the run
# exits 128 + signal within 0.5 s of it, with every report written and
# whole, each variant known so far "not run" (interrupted while the files
# were read); `check` stops the same way. The files are made slow to read
# (each sends a 4 MiB fixture, which the parser reads), and so many that
# reading them takes about 3 s here, measured first, so the signal always
# comes in the middle of it.
set -u
nc=$1
. "$(dirname "$0")/common.sh"
now_ms() { echo $(($(date +%s%N) / 1000000)); }

mkdir -p "$tmp/s/g"
head -c 4194304 /dev/zero >"$tmp/s/big.bin"
write_scn() {
	printf 'scenario s%s\ntransport tcp\nfamily inet inet6\nserver\n  bind loopback:0\n  listen 1\n  accept from client\n  recv 100 => eof\nclient\n  connect server\n  send file big.bin\n' "$1" >"$tmp/s/g/s$1.scn"
}
write_scn 0
"$nc" check "$tmp/s/g/s0.scn" >/dev/null 2>&1 || say "the slow file does not parse"
# The fastest of three reads: on a loaded machine reading only gets slower,
# which keeps the signal inside the reading.
one=100000
for k in 1 2 3; do
	t0=$(now_ms)
	"$nc" check "$tmp/s/g/s0.scn" >/dev/null 2>&1
	t=$(($(now_ms) - t0 + 1))
	[ $t -lt $one ] && one=$t
done
n=$((3000 / one))
[ $n -lt 10 ] && n=10
[ $n -gt 600 ] && n=600
i=1
while [ $i -lt $n ]; do
	write_scn $i
	i=$((i + 1))
done

# interrupt SIGNAL DELAY_S CMD...: runs CMD, signals it after DELAY_S, and
# sets code and ms (from the signal to the end).
interrupt() {
	sig=$1 delay=$2
	shift 2
	"$@" >"$tmp/out" 2>&1 &
	pid=$!
	sleep "$delay"
	t0=$(now_ms)
	kill -"$sig" $pid
	wait $pid
	code=$?
	ms=$(($(now_ms) - t0))
}

interrupt INT 0.5 "$nc" --no-progress --color=never --reports "$tmp/r" --junit "$tmp/junit.xml" \
	--html "$tmp/report.html" --tap "$tmp/out.tap" "$tmp/s"
[ "$code" = 130 ] || say "SIGINT while reading exited $code, expected 130"
[ "$ms" -le 500 ] || say "the run took $ms ms to end after SIGINT (at most 500)"
grep -q "^NOTRUN g/s0\[inet\] (not run: interrupted by SIGINT while the scenario files were read)" "$tmp/out" ||
	say "the console does not report the variants read so far as not run"
grep -q "^NOTRUN g/s.*\[unread\]" "$tmp/out" || say "the files not read yet are not reported"
grep -qE '^0 passed, 0 failed, [0-9]+ skipped$' "$tmp/out" || say "no totals line"
grep -q 'type="notrun"' "$tmp/junit.xml" 2>/dev/null || say "the JUnit report has no not-run testcases"
grep -q '</testsuites>' "$tmp/junit.xml" 2>/dev/null || say "the JUnit report is not whole"
grep -q '</html>' "$tmp/report.html" 2>/dev/null || say "the HTML report is not whole"
tail -n 2 "$tmp/out.tap" 2>/dev/null | grep -q '^# Totals' || say "the TAP report is not whole"
if command -v xmllint >/dev/null 2>&1; then
	xmllint --noout --schema fixtures/report/junit-10.xsd "$tmp/junit.xml" 2>&1 || say "invalid JUnit"
fi
[ -z "$(find "$tmp" -name '*.tmp-*')" ] || say "temporary files were left"
[ $fail = 0 ] || sed 's/^/    | /' "$tmp/out" | head -20

interrupt TERM 0.5 "$nc" check "$tmp/s"
[ "$code" = 143 ] || say "SIGTERM while checking exited $code, expected 143"
[ "$ms" -le 500 ] || say "check took $ms ms to end after SIGTERM (at most 500)"
grep -q "netconform: interrupted by SIGTERM while the scenario files were read" "$tmp/out" ||
	{ say "check does not say it was interrupted"; sed 's/^/    | /' "$tmp/out"; }

[ $fail = 0 ] && echo "ok: $n slow files ($one ms each), interrupted while reading: reports whole, 128 + signal"
exit $fail
