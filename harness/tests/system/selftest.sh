#!/bin/sh
# selftest.sh NETCONFORM FILE.scn
#
# Runs netconform on one scenario from fixtures/selftest/ and checks the
# outcome its header comments announce (fixtures/selftest/README.md):
#   # expect-status: FAIL|ERROR|PASS|SKIP   every variant gets this status
#   # expect-exit: N                        the exit status (default: from the status)
#   # expect-output: TEXT                   a fixed string in the output (repeatable)
#   # requires: capture                     skipped (77) when netconform cannot capture
#   # args: ...                             extra arguments for netconform
# The judging is outcome.sh's, shared with the faulty-peer and
# interposition cases; this script only adds the file's own arguments.
set -u
nc=$1
file=$2
args=$(sed -n 's/^# args: *//p' "$file" | head -n1)
# shellcheck disable=SC2086 # args are split on purpose
exec sh "$(dirname "$0")/outcome.sh" expect "$file" "$file" -- \
	"$nc" --no-progress --color=never $args "$file"
