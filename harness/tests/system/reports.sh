#!/bin/sh
# reports.sh NETCONFORM
#
# Real runs, judged by independent consumers of their reports: a run in
# network namespaces with passes, conformance failures, harness errors (a
# timeout, a malformed file) and hostile bytes in payloads and in a
# program's output; and a run on the host loopback that adds skipped
# variants. For each, the JUnit file must validate against junit-10.xsd and
# be read by junitparser, the TAP file by a TAP 13 parser, and the HTML
# report by headless Chromium, each with the counts the console printed.
# A checker whose tool is missing reports itself skipped; then, once every
# check that could run has passed, the test exits 77 (skipped) naming what
# was not checked: it must not pass with a consumer missing.
set -u
nc=$1
tests=$(cd "$(dirname "$0")/../../report/tests" && pwd)
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
skipped=0
unchecked=
fail=0

# Counts what the console printed: "tests=N,passed=N,failed=N,errors=N,skipped=N,notrun=N".
counts() {
	awk '/^PASS /{p++} /^FAIL /{f++} /^ERROR /{e++} /^SKIP /{s++} /^NOTRUN /{n++}
	     END { printf "tests=%d,passed=%d,failed=%d,errors=%d,skipped=%d,notrun=%d",
		   p+f+e+s+n, p, f, e, s, n }' "$1"
}

# Remembers, once, the name of a check that could not run.
not_checked() {
	case ", $unchecked, " in
	*", $1, "*) ;;
	*) unchecked="$unchecked${unchecked:+, }$1" ;;
	esac
}

check() {
	name=$1
	shift
	"$@" >"$tmp/check.out" 2>&1
	rc=$?
	if [ $rc -eq 77 ]; then
		echo "skipped $name: $(tail -n 1 "$tmp/check.out")"
		skipped=$((skipped + 1))
		not_checked "$name"
	elif [ $rc -ne 0 ]; then
		echo "FAILED $name:"
		tail -n 20 "$tmp/check.out"
		fail=1
	else
		echo "ok $name: $(tail -n 1 "$tmp/check.out")"
	fi
}

judge() {
	dir=$1
	expect=$(counts "$dir/out.txt")
	echo "== $dir: the console printed $expect"
	if command -v xmllint >/dev/null 2>&1; then
		check "junit schema" xmllint --noout --nonet --schema fixtures/report/junit-10.xsd "$dir/junit.xml"
	else
		echo "skipped junit schema: xmllint is not installed"
		skipped=$((skipped + 1))
		not_checked "junit schema"
	fi
	check "junit (junitparser)" $py "$tests/check_junit.py" --expect "$expect" "$dir/junit.xml"
	check "tap" $py "$tests/check_tap.py" --expect "$expect" "$dir/out.tap"
	check "html (chromium)" $py "$tests/check_html.py" --expect "$expect" "$dir/report.html"
	# Hostile bytes never reach a report raw.
	for f in junit.xml report.html; do
		if grep -q "$(printf '\033')" "$dir/$f"; then
			echo "FAILED: a raw escape byte in $f"
			fail=1
		fi
		if grep -q '<script>alert' "$dir/$f"; then
			echo "FAILED: unescaped markup from a payload in $f"
			fail=1
		fi
	done
}

run() {
	dir=$1
	shift
	mkdir -p "$dir"
	"$nc" --no-progress --color=never --keep-pcap=always --reports "$dir" \
		--junit "$dir/junit.xml" --html "$dir/report.html" --tap "$dir/out.tap" \
		"$@" >"$dir/out.txt" 2>&1
}

run "$tmp/ns" scenarios/tcp scenarios/udp/hello-bye.scn fixtures/selftest/wrong-payload.scn \
	fixtures/selftest/hanging-role.scn fixtures/selftest/bad-syntax.scn \
	fixtures/system/hostile.scn fixtures/system/hostile-output.scn
[ $? -eq 2 ] || { echo "FAILED: the first run should exit 2 (a malformed file)"; fail=1; }
judge "$tmp/ns"

NETCONFORM_NO_NAMESPACES=1 run "$tmp/host" scenarios/ipv6 fixtures/system/hostile.scn
[ $? -eq 1 ] || { echo "FAILED: the host-loopback run should exit 1"; fail=1; }
grep -q '^SKIP ' "$tmp/host/out.txt" || { echo "FAILED: the host-loopback run has no skip"; fail=1; }
judge "$tmp/host"

[ $fail -eq 0 ] || { cat "$tmp/ns/out.txt" | head -40; exit 1; }
if [ $skipped -ne 0 ]; then
	echo "skipped: the other checks passed, but $skipped could not run for a missing tool: $unchecked"
	exit 77
fi
echo "reports: all checks passed"
