#!/bin/sh
# pcap_limits.sh NETCONFORM
#
# Kept pcap files are bounded and honest:
#   - --pcap-max caps the file, the variant still passes (every packet was
#     checked), and the cap is said in a note beside the file and in the
#     report;
#   - a pcap file that cannot be written whole (a full file system) is not
#     kept, the variant's report names the file and the error, and the run
#     exits 3 although every check passed.
set -u
nc=$1
. "$(dirname "$0")/common.sh"
scn=scenarios/tcp/bulk-1mib.scn
[ -f "$scn" ] || { echo "missing $scn"; exit 1; }

# --- the cap ---------------------------------------------------------------
"$nc" --no-progress --color=never --family inet --keep-pcap=always --pcap-max 64K \
	--reports "$tmp/r" --junit "$tmp/junit.xml" "$scn" >"$tmp/out1" 2>&1
code=$?
if head -n1 "$tmp/out1" | grep -q 'capture off'; then
	echo "skipped: the pcap limits test needs packet capture, and netconform cannot capture here"
	exit 77
fi
[ "$code" = 0 ] || say "the capped run exited $code"
pcap=$(find "$tmp/r/pcap" -name '*.pcap' | head -n1)
if [ -z "$pcap" ]; then
	say "no pcap file was kept"
else
	size=$(stat -c %s "$pcap")
	[ "$size" -le 65536 ] || say "the pcap file has $size bytes, more than its 64 KiB cap"
	grep -q "capped at 65536 bytes" "$pcap.note" 2>/dev/null || say "no note beside the capped file"
	"$nc" decode "$pcap" >/dev/null || say "the capped file does not decode"
fi
grep -q "the capture file was capped at 65536 bytes (--pcap-max)" "$tmp/junit.xml" ||
	say "the JUnit report does not say the capture was capped"

# --- a full file system ------------------------------------------------------
mnt="$tmp/full"
mkdir "$mnt"
cat >"$tmp/full.sh" <<'EOS'
set -u
nc=$1 mnt=$2 scn=$3
dd if=/dev/zero of="$mnt/filler" bs=4k 2>/dev/null
"$nc" --no-progress --color=never --family inet --keep-pcap=always --reports "$mnt" "$scn"
echo "status $?"
find "$mnt" -type f | sed 's/^/file: /'
EOS
how=""
if unshare -rm sh -c "mount -t tmpfs -o size=128k netconform-test '$mnt'" 2>/dev/null; then
	how=unshare
	unshare -rm sh -c "mount -t tmpfs -o size=128k netconform-test '$mnt' && sh '$tmp/full.sh' '$nc' '$mnt' '$scn'" >"$tmp/out2" 2>&1
elif [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=128k netconform-test "$mnt" 2>/dev/null; then
	how=mount
	# A supervisor that has reported may still be closing its capture for
	# a moment after the run ends: the lazy unmount does not wait for it.
	trap 'umount -l "$mnt" 2>/dev/null; rm -rf "$tmp"' EXIT
	sh "$tmp/full.sh" "$nc" "$mnt" "$scn" >"$tmp/out2" 2>&1
	umount "$mnt" 2>/dev/null || umount -l "$mnt"
fi
if [ -z "$how" ]; then
	echo "note: the full file system case was not tried: no tmpfs can be mounted here"
else
	grep -qx 'status 3' "$tmp/out2" || say "a pcap that could not be written did not exit 3"
	grep -q "cannot write $mnt/pcap/tcp/bulk-1mib\[inet\].pcap: No space left on device" "$tmp/out2" ||
		say "no message naming the pcap file and the error"
	grep -q '^PASS ' "$tmp/out2" || say "the verdict changed because the file could not be written"
	grep -q '^file: .*\.pcap' "$tmp/out2" && say "a partial pcap file was left"
fi

if [ $fail -ne 0 ]; then
	for f in "$tmp"/out*; do echo "---- $f"; cat "$f"; done
	exit 1
fi
echo "ok: pcap files capped and checked${how:+ (full file system through $how)}"
