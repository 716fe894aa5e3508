#!/bin/sh
# hostports.sh NETCONFORM
#
# On the host loopback, two netconform runs at once whose scenarios bind
# the same fixed port take turns through the machine-wide port locks:
# both pass, and neither sees the other's socket as EADDRINUSE.
set -u
nc=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export NETCONFORM_NO_NAMESPACES=1
run() {
	"$nc" --no-progress --color=never --repeat 15 --reports "$tmp/r$1" \
		scenarios/errors/bind-in-use.scn >"$tmp/out$1.txt" 2>&1
	echo $? >"$tmp/rc$1"
}
run 1 &
run 2 &
wait
fail=0
for i in 1 2; do
	# Every variant ran and passed: none was skipped for a port the other
	# run held.
	if [ "$(cat "$tmp/rc$i")" != 0 ] || ! grep -qx "30 passed, 0 failed, 0 skipped" "$tmp/out$i.txt"; then
		echo "run $i exited with status $(cat "$tmp/rc$i"):"
		cat "$tmp/out$i.txt"
		fail=1
	fi
done
[ $fail -eq 0 ] && echo "ok: two concurrent host-loopback runs shared fixed port 50000 in turn"
exit $fail
