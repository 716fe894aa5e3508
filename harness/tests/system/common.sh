# common.sh: sourced by system tests (not run): a temporary folder $tmp,
# removed at exit (a test that needs more cleanup sets its own trap), and
# say MESSAGE, which prints a failure and sets fail=1 for the test's status.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
say() { echo "FAIL: $*"; fail=1; }
