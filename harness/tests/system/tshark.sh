#!/bin/sh
# tshark.sh NETCONFORM
#
# Runs every shipped scenario keeping every capture, then has
# tshark_crosscheck.py compare tshark's reading of each pcap with
# netconform's. Skips (77) without tshark, or when netconform cannot
# capture here.
set -u
nc=$1
command -v tshark >/dev/null 2>&1 || { echo "skipped: tshark is not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
"$nc" --no-progress --color=never --keep-pcap=always --reports "$tmp" scenarios >"$tmp/out.txt" 2>&1
# The first line says how netconform runs: without capture there is nothing
# to compare (on the host loopback it does not capture at all).
if head -n 1 "$tmp/out.txt" | grep -q 'capture off'; then
	echo "skipped: netconform cannot capture here ($(head -n 1 "$tmp/out.txt" |
		sed 's/^[^,]*, //; s/, -j.*//'))"
	exit 77
fi
pcaps=$(find "$tmp/pcap" -name '*.pcap' | sort)
[ -n "$pcaps" ] || { cat "$tmp/out.txt"; echo "no pcap files were written"; exit 1; }
# shellcheck disable=SC2086 # one argument per file; the names have no spaces
exec /usr/bin/python3 "$(dirname "$0")/tshark_crosscheck.py" "$nc" $pcaps
