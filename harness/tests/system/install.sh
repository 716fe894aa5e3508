#!/bin/sh
# install.sh BUILD_DIR DOWNSTREAM_SOURCE
#
# Installs netconform from BUILD_DIR into a temporary prefix, configures
# the downstream project against it with find_package(netconform), and runs
# its tests: each variant of its scenario must be a passing ctest test, and
# the installed program must also run the installed shipped program
# scenarios (which need the installed peers). Removes everything it made.
set -eu
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
test -x "$tmp/prefix/bin/netconform"
test -f "$tmp/prefix/lib/cmake/netconform/netconformConfig.cmake"
test -f "$tmp/prefix/share/netconform/scenarios/udp/hello-bye.scn"
test -f "$tmp/prefix/share/doc/netconform/scenario-format.md"

cmake -S "$src" -B "$tmp/ds" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
out=$(ctest --test-dir "$tmp/ds" --output-on-failure 2>&1) || {
	echo "$out"
	echo "install.sh: the downstream project's tests failed" >&2
	exit 1
}
echo "$out" | tail -n 4
# Two variants of one scenario, each its own test, labelled as asked.
ctest --test-dir "$tmp/ds" -N -L downstream | grep -q 'Total Tests: 2' || {
	ctest --test-dir "$tmp/ds" -N -L downstream
	echo "install.sh: expected 2 tests labelled 'downstream'" >&2
	exit 1
}
# The installed program carries no path of the build tree in its data (its
# debug information may name the sources; its behaviour must not depend on
# them).
build_abs=$(cd "$build" && pwd)
if command -v objcopy >/dev/null 2>&1; then
	objcopy -O binary --only-section=.rodata "$tmp/prefix/bin/netconform" "$tmp/rodata"
	if grep -qaF "$build_abs" "$tmp/rodata"; then
		echo "install.sh: the installed program has the build tree's path compiled in" >&2
		exit 1
	fi
fi
# The installed program finds its installed peers, whatever the build tree.
"$tmp/prefix/bin/netconform" --no-progress -q "$tmp/prefix/share/netconform/scenarios/programs"
echo "install.sh: ok"
