#!/bin/sh
# killed.sh NETCONFORM
#
# Nothing of a run outlives it. First a run that ends by itself, whose
# server program left a daemon behind in a session of its own: the daemon
# is ended with its variant. Then a run killed with SIGKILL while variants
# are blocked and a program's daemon runs: within a few seconds no process
# of it is left (its supervisors die with it, and take their roles and
# programs along). Run in the default mode and, by ctest, once more with
# NETCONFORM_NO_NAMESPACES=1, where no PID namespace does the work.
set -u
nc=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; pkill -KILL -f "sleep 300[67]" 2>/dev/null' EXIT
tag="$tmp/reports"
fail=0
say() { echo "$*"; fail=1; }
marked() { pgrep -f "sleep 300[67]"; }

# Processes of an earlier, broken run would make the test meaningless.
if [ -n "$(marked)" ]; then
	echo "processes 'sleep 3006/3007' exist before the test: $(marked)"
	exit 1
fi

"$nc" --no-progress --color=never --reports "$tag" fixtures/system/leftover.scn \
	>"$tmp/first.txt" 2>&1
i=0
while [ -n "$(marked)" ] && [ $i -lt 20 ]; do
	sleep 0.05
	i=$((i + 1))
done
[ -z "$(marked)" ] || say "a daemon a program started outlived its run: $(ps -o pid=,args= -p "$(marked | paste -sd, -)")"

"$nc" --no-progress --color=never -j 3 --reports "$tag" fixtures/system/blocked.scn \
	fixtures/system/leftover-blocked.scn >"$tmp/second.txt" 2>&1 &
pid=$!
i=0
while { [ "$(pgrep -f -- "$tag" | wc -l)" -lt 4 ] || [ "$(marked | wc -l)" -lt 2 ]; } &&
	[ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
[ $i -lt 200 ] || say "the run did not get going: $(cat "$tmp/second.txt")"
kill -KILL "$pid"
wait "$pid" 2>/dev/null
i=0
while { [ -n "$(pgrep -f -- "$tag")" ] || [ -n "$(marked)" ]; } && [ $i -lt 60 ]; do
	sleep 0.05
	i=$((i + 1))
done
left=$(pgrep -f -- "$tag"; marked)
[ -z "$left" ] || say "processes outlived the killed runner: $(ps -o pid=,args= -p "$(echo $left | tr ' ' ,)")"

if [ $fail -ne 0 ]; then
	echo "---- first run ----"
	cat "$tmp/first.txt"
	exit 1
fi
echo "ok: nothing outlived either run"
