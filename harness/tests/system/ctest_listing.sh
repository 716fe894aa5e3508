#!/bin/sh
# ctest_listing.sh NETCONFORM
#
# `list --ctest` prints CMake code that ctest runs. A scenario file whose
# name closes a [==[ ]==] bracket and carries CMake code of its own on a
# line of its own (file names may hold newlines) must stay data: the
# listing is read by real ctest (-N: list, run nothing), the hostile tests
# must be listed under their real names, and the code in the names must
# not have run (it would create a file named "pwned").
set -u
nc=$1
. "$(dirname "$0")/common.sh"

nl='
'
code="${nl}execute_process(COMMAND touch pwned)${nl}#"
# Two suites: x alone is what the old [==[ ]==] listing would have run; y
# and z try the other levels and a name ending in "]=".
mkdir -p "$tmp/s1/g" "$tmp/s2/g" "$tmp/b1" "$tmp/b2"
cp scenarios/udp/hello-bye.scn "$tmp/s1/g/x]==])$code.scn"
for name in "y]=]]==]]===]])$code" 'z]='; do
	cp scenarios/udp/hello-bye.scn "$tmp/s2/g/$name.scn"
done
for k in 1 2; do
	(cd "$tmp/b$k" && "$nc" list --ctest "$tmp/s$k") >"$tmp/b$k/list.cmake" || say "list --ctest failed"
	echo "include(list.cmake)" >"$tmp/b$k/CTestTestfile.cmake"
	(cd "$tmp/b$k" && ctest -N) >"$tmp/ctest$k.out" 2>&1 || say "ctest -N failed on suite $k"
	[ -e "$tmp/b$k/pwned" ] && say "CMake code from a file name was executed (suite $k)"
	cat "$tmp/ctest$k.out" >>"$tmp/ctest.out"
done
# ctest prints a test's name as it is, newlines included: look for the
# line that ends each name.
for want in 'scenario.g/x]==])' 'scenario.g/y]=]]==]]===]])' '#[inet6]' 'scenario.g/z]=[inet]' \
	'Total Tests: 2' 'Total Tests: 4'; do
	grep -qF -- "$want" "$tmp/ctest.out" || say "ctest does not list: $want"
done
# The file argument reaches netconform whole: the test's command line.
(cd "$tmp/b2" && ctest -N -V -R 'z\]=') >"$tmp/ctest-v.out" 2>&1
grep -qF -- "$tmp/s2/g/z]=.scn" "$tmp/ctest-v.out" || say "the path of z]=.scn is not passed whole"

# Fixed-port variants take the shared lock; the others do not.
"$nc" list --ctest scenarios/errors/bind-in-use.scn scenarios/udp/hello-bye.scn >"$tmp/locks.cmake"
grep -q 'bind-in-use\[inet\]\]=*\] PROPERTIES .*RESOURCE_LOCK netconform_fixed_ports' "$tmp/locks.cmake" ||
	say "a fixed-port variant is listed without the lock netconform_fixed_ports"
grep 'hello-bye' "$tmp/locks.cmake" | grep -q RESOURCE_LOCK && say "a variant without fixed ports takes the lock"

if [ $fail != 0 ]; then
	sed 's/^/    | /' "$tmp/b1/list.cmake" "$tmp/b2/list.cmake" "$tmp/ctest.out"
	exit 1
fi
echo "ok: hostile file names stay data in the ctest listing"
