#!/bin/sh
# scale.sh NETCONFORM
#
# 2,000 variants in one run (1,000 copies of the hello/bye and
# greet-and-reply scenarios, capture and checks on): all must pass, and the
# runner's open descriptors and resident memory, sampled throughout, must
# stay flat: descriptors within what the concurrency explains (a result
# pipe and a pidfd per running variant, a pidfd per supervisor still closing
# its capture), memory within 4 MiB of what it was a quarter into the run.
# Every variant must pass, so NC_TEST_TIMEOUT_SCALE (a slow build's)
# scales the timeouts.
set -u
nc=$1
jobs=4
# In a sanitizer build, AddressSanitizer's quarantine holds freed memory
# back on purpose, which would read as growth; it is switched off here.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$tmp/s/udp" "$tmp/s/tcp"
i=1
while [ $i -le 500 ]; do
	cp scenarios/udp/hello-bye.scn "$tmp/s/udp/h$i.scn"
	cp scenarios/tcp/greet-reply.scn "$tmp/s/tcp/g$i.scn"
	i=$((i + 1))
done

"$nc" --timeout-scale "${NC_TEST_TIMEOUT_SCALE:-1}" --no-progress -q -j $jobs --keep-pcap=never --reports "$tmp/r" "$tmp/s" >"$tmp/out" 2>&1 &
pid=$!
: >"$tmp/samples"
while kill -0 "$pid" 2>/dev/null; do
	fds=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
	rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
	[ -n "$rss" ] && echo "$fds $rss" >>"$tmp/samples"
	sleep 0.1
done
wait "$pid"
code=$?
fail=0
say() { echo "$*"; fail=1; }
[ "$code" = 0 ] || say "exit status $code"
grep -q '^2000 passed, 0 failed, 0 skipped$' "$tmp/out" || say "not all 2000 variants passed: $(tail -n 1 "$tmp/out")"
n=$(wc -l <"$tmp/samples")
[ "$n" -ge 8 ] || say "too few samples ($n) to judge"
base_fds=$(head -n 1 "$tmp/samples" | cut -d' ' -f1)
max_fds=$(cut -d' ' -f1 "$tmp/samples" | sort -n | tail -n 1)
limit=$((base_fds + 6 * jobs + 8))
[ "$max_fds" -le "$limit" ] || say "descriptors grew to $max_fds (first sample $base_fds, limit $limit)"
quarter=$(sed -n "$((n / 4 + 1))p" "$tmp/samples" | cut -d' ' -f2)
max_rss=$(cut -d' ' -f2 "$tmp/samples" | sort -n | tail -n 1)
[ $((max_rss - quarter)) -le 4096 ] || say "memory grew from $quarter KiB to $max_rss KiB"
if [ $fail -ne 0 ]; then
	tail -n 20 "$tmp/out"
	exit 1
fi
echo "ok: 2000 variants; descriptors $base_fds..$max_fds, resident memory ${quarter}..${max_rss} KiB over $n samples"
