#!/bin/sh
# unprivileged.sh PROG...: runs every system test of each PROG (topo_sys,
# impair_sys) again as the user nobody, so that the suite, which CI runs as
# root, also shows that topologies and impaired links need no privilege:
# each test makes its own user + network namespace either way, but as root
# that namespace's root is the real one. Skipped (77) when not run as root
# (the tests already ran unprivileged then) or when nobody cannot run the
# programs.
set -u
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: not run as root: the system tests already ran unprivileged"
	exit 77
fi
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
# A kernel (or a chroot) that refuses user namespaces to unprivileged users
# leaves nothing to show here.
if ! as_nobody unshare --user --net true 2>/dev/null; then
	echo "SKIP: needs unprivileged user namespaces, which this machine refuses to the user nobody"
	exit 77
fi
ran=0
skipped=0
fail=0
for prog in "$@"; do
	if ! as_nobody test -x "$prog"; then
		echo "SKIP: the user nobody cannot run $prog (a folder above it is closed)"
		exit 77
	fi
	for name in $("$prog" --list); do
		out=$(as_nobody "$prog" "$name" 2>&1)
		case $? in
		0) ran=$((ran + 1)) ;;
		77) skipped=$((skipped + 1)); echo "$out" ;;
		*) fail=1; echo "FAIL as nobody: $(basename "$prog") $name"; echo "$out" ;;
		esac
	done
done
echo "as the user nobody, of the system tests $ran passed, $fail failed and $skipped were skipped"
[ "$fail" -ne 0 ] && exit 1
[ "$ran" -eq 0 ] && exit 77
exit 0
