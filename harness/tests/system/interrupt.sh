#!/bin/sh
# interrupt.sh NETCONFORM SIGNAL EXIT
#
# Interrupts a run with SIGNAL (INT or TERM) while two variants are blocked
# in a step, one waits for a server program that never becomes ready, and
# others wait to start, and checks what must hold afterwards: the run ends
# within 0.5 s of the signal; the exit status is EXIT (130 or 143); the
# console, JUnit, HTML and TAP reports are complete (every variant "not
# run", the interrupted ones saying where they were); no process of the
# run, no network namespace and no temporary file is left. On the host
# loopback (NETCONFORM_NO_NAMESPACES=1, or no namespaces to be had) the
# same holds, and the run must have made no network namespace at all.
# Exits 77 (skipped) when pgrep or xmllint is missing, after the checks
# that could run have passed.
set -u
nc=$1
sig=$2
want=$3
command -v pgrep >/dev/null 2>&1 ||
	{ echo "skipped: pgrep is not installed (Debian: procps)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tag="$tmp/reports"

"$nc" --no-progress --color=never -j 3 --reports "$tag" --junit "$tmp/junit.xml" \
	--html "$tmp/report.html" --tap "$tmp/out.tap" \
	fixtures/system/blocked.scn fixtures/system/never-ready.scn scenarios/timeout \
	scenarios/udp >"$tmp/out.txt" 2>&1 &
pid=$!
# Wait until all three run: the runner, three supervisors and the two
# blocked built-in servers (the program server's command line is its own).
# The scenarios' 60 s timeouts leave only the interruption to end them.
i=0
while [ "$(pgrep -f -- "$tag" | wc -l)" -lt 6 ] && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
# The network namespaces of this run, by inode, to check they are gone.
namespaces=$(for p in $(pgrep -f -- "$tag"); do readlink "/proc/$p/ns/net" 2>/dev/null; done |
	sort -u | grep -vxF "$(readlink /proc/self/ns/net)")
sleep 0.2
t0=$(date +%s%N)
kill -"$sig" "$pid"
wait "$pid"
code=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
fail=0
say() { echo "$*"; fail=1; }

[ "$code" = "$want" ] || say "exit status $code, expected $want"
left=$(pgrep -f -- "$tag")
[ -z "$left" ] || say "processes left behind: $(ps -o pid=,args= -p "$(echo $left | tr ' ' ,)")"
# The supervisors end their roles at once (TERM, then KILL after 200 ms):
# nothing waits for a client that can no longer start.
[ "$ms" -le 500 ] || say "the run took $ms ms to end after the signal (at most 500 ms)"
grep -q "^NOTRUN system/blocked\[inet\] (the run was interrupted while the server role was in step" \
	"$tmp/out.txt" || say "the blocked variant does not say it was interrupted in its step"
grep -q "^NOTRUN system/never-ready\[inet\] (the run was interrupted while the server program was running)" \
	"$tmp/out.txt" || say "the variant waiting for its server is not reported as interrupted"
grep -q "harness error\|^ERROR " "$tmp/out.txt" && say "an interrupted variant is reported as an error"
grep -q "^NOTRUN " "$tmp/out.txt" || say "no variant is reported as not run"
grep -qE "^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$" "$tmp/out.txt" || say "no totals line"
for f in junit.xml report.html out.tap; do
	[ -s "$tmp/$f" ] || say "$f was not written"
done
unchecked=
if command -v xmllint >/dev/null 2>&1; then
	xmllint --noout --schema fixtures/report/junit-10.xsd "$tmp/junit.xml" 2>&1 || say "invalid JUnit"
else
	unchecked="the JUnit schema (xmllint is not installed; Debian: libxml2-utils)"
fi
grep -q 'type="notrun"' "$tmp/junit.xml" || say "JUnit has no not-run testcases"
tail -n 3 "$tmp/out.tap" | grep -q '^# Totals' || say "TAP is not complete"
grep -q '</html>' "$tmp/report.html" || say "HTML is not complete"
stray=$(find "$tmp" -name '*.tmp*')
[ -z "$stray" ] || say "temporary files left: $stray"
# A namespace dies with its last process; the kernel frees it soon after.
# Which namespaces there should be, the first line of the output says.
if head -n 1 "$tmp/out.txt" | grep -q ', host loopback,'; then
	[ -z "$namespaces" ] || say "on the host loopback, the run made network namespaces: $namespaces"
else
	[ -n "$namespaces" ] || say "found no network namespace of the run to watch"
fi
i=0
while [ $i -lt 40 ]; do
	live=$(lsns -n -t net -o NS 2>/dev/null | while read -r ino; do
		echo "$namespaces" | grep -qF "[$ino]" && echo "$ino"; done)
	[ -z "$live" ] && break
	sleep 0.05
	i=$((i + 1))
done
[ -z "$live" ] || say "network namespaces of the run left: $live"

if [ $fail -ne 0 ]; then
	echo "---- output ----"
	cat "$tmp/out.txt"
	exit 1
fi
if [ -n "$unchecked" ]; then
	echo "skipped: the rest passed, but not checked: $unchecked"
	exit 77
fi
echo "ok: SIG$sig -> exit $code after $ms ms, reports complete, nothing left behind ($(head -n 1 "$tmp/out.txt" |
	sed 's/^[^,]*, //; s/, -j.*//'))"
