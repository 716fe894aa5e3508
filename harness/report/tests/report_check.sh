#!/bin/sh
# report_check.sh: the ctest driver of the report checks. It writes the
# reports of a synthetic run with report_fixture_gen into a temporary
# directory, runs one check script on them, and removes the directory.
#
# usage: report_check.sh KIND GENERATOR [PYTHON]
#
#   KIND       xsd        the JUnit report validates against junit-10.xsd (xmllint)
#              junit      junitparser reads the JUnit report as the manifest says
#              tap        the TAP report parses (strict reader + Perl TAP::Parser)
#              html       Chromium renders the HTML report as the manifest says,
#                         with and without JavaScript, and requests nothing
#              bulk       1,000 variants: all three reports check out, and the
#                         HTML's size and load time are printed (load < 20 s)
#              memory     peak memory for 5,000 variants is within 2 MiB of
#                         that for 500 (the reports stream)
#              locale     with LC_ALL=de_DE.UTF-8 (decimal comma) every number
#                         in the reports still uses '.'
#   GENERATOR  the report_fixture_gen program
#   PYTHON     default /usr/bin/python3 (Debian's, which has junitparser)
#
# The check scripts themselves take a report and a manifest or counts, so
# the same checks run on a real netconform run's reports; see their usage.
# Exit status: 0 pass, 1 fail, 77 skipped (a tool is missing; the reason is
# printed).
set -u

if [ $# -lt 2 ]; then
	echo "usage: report_check.sh KIND GENERATOR [PYTHON]" >&2
	exit 2
fi
kind=$1
gen=$2
py=${3:-/usr/bin/python3}
here=$(cd "$(dirname "$0")" && pwd)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nc-report-check.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

need_python() {
	if [ ! -x "$py" ]; then
		echo "SKIP: $py not found; the check needs Debian's python3"
		exit 77
	fi
}

generate() {
	# generate OUTDIR [options...]
	out=$1
	shift
	if ! "$gen" "$@" "$out" >"$tmp/gen.log" 2>&1; then
		echo "FAIL: $gen $* $out failed:"
		cat "$tmp/gen.log"
		exit 1
	fi
}

case $kind in
xsd)
	generate "$tmp/out"
	sh "$here/check_junit_xsd.sh" "$tmp/out/junit.xml"
	;;
junit)
	need_python
	generate "$tmp/out"
	"$py" "$here/check_junit.py" "$tmp/out/junit.xml" --manifest "$tmp/out/manifest.json"
	;;
tap)
	need_python
	generate "$tmp/out"
	"$py" "$here/check_tap.py" "$tmp/out/report.tap" --manifest "$tmp/out/manifest.json"
	;;
html)
	need_python
	generate "$tmp/out"
	"$py" "$here/check_html.py" "$tmp/out/html/report.html" --manifest "$tmp/out/manifest.json"
	;;
bulk)
	need_python
	generate "$tmp/out" --bulk 1000
	rc=0
	sh "$here/check_junit_xsd.sh" "$tmp/out/junit.xml" || rc=$?
	"$py" "$here/check_junit.py" "$tmp/out/junit.xml" --manifest "$tmp/out/manifest.json" || rc=$?
	"$py" "$here/check_tap.py" "$tmp/out/report.tap" --manifest "$tmp/out/manifest.json" || rc=$?
	"$py" "$here/check_html.py" "$tmp/out/html/report.html" --manifest "$tmp/out/manifest.json" \
		--no-link-check --max-load-ms 20000 || rc=$?
	ls -l "$tmp/out/junit.xml" "$tmp/out/html/report.html" "$tmp/out/report.tap" | awk '{print $5, $NF}'
	exit $rc
	;;
memory)
	# Under AddressSanitizer freed memory waits in a quarantine and the
	# peak grows with the run; without the quarantine it measures the
	# program again. Other builds ignore the variable.
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0
	export ASAN_OPTIONS
	generate "$tmp/small" --bulk 500 --rss
	small=$(sed -n 's/^maxrss_kib=//p' "$tmp/gen.log")
	generate "$tmp/large" --bulk 5000 --rss
	large=$(sed -n 's/^maxrss_kib=//p' "$tmp/gen.log")
	echo "peak RSS: 500 variants $small KiB, 5000 variants $large KiB"
	echo "report sizes for 5000 variants:"
	ls -l "$tmp/large/junit.xml" "$tmp/large/html/report.html" "$tmp/large/report.tap" | awk '{print "  " $5, $NF}'
	if [ -z "$small" ] || [ -z "$large" ]; then
		echo "FAIL: no maxrss_kib line from the generator"
		exit 1
	fi
	if [ $((large - small)) -gt 2048 ]; then
		echo "FAIL: memory grows with the number of variants: $small KiB -> $large KiB"
		exit 1
	fi
	echo "PASS: memory stays bounded"
	;;
locale)
	if ! command -v localedef >/dev/null 2>&1; then
		echo "SKIP: localedef not found; no decimal-comma locale to test with"
		exit 77
	fi
	mkdir -p "$tmp/locales"
	if ! localedef -i de_DE -f UTF-8 "$tmp/locales/de_DE.UTF-8" >"$tmp/localedef.log" 2>&1; then
		echo "SKIP: cannot build the de_DE.UTF-8 locale (Debian: the locales package):"
		cat "$tmp/localedef.log"
		exit 77
	fi
	if ! LOCPATH=$tmp/locales LC_ALL=de_DE.UTF-8 "$gen" --print-locale "$tmp/out" >"$tmp/gen.log" 2>&1; then
		echo "FAIL: the generator failed:"
		cat "$tmp/gen.log"
		exit 1
	fi
	if ! grep -qx 'decimal_point=,' "$tmp/gen.log"; then
		echo "FAIL: the generator did not run with a decimal comma:"
		cat "$tmp/gen.log"
		exit 1
	fi
	rc=0
	# Times: the schema's time pattern rejects a comma, and so do we.
	sh "$here/check_junit_xsd.sh" "$tmp/out/junit.xml" || rc=1
	if grep -Eq 'time="[0-9]+,' "$tmp/out/junit.xml"; then
		echo "FAIL: a comma in a JUnit time"
		rc=1
	fi
	if grep -Eq 'duration_ms: [0-9]+,' "$tmp/out/report.tap"; then
		echo "FAIL: a comma in a TAP duration"
		rc=1
	fi
	if ! grep -q 'timeout scale 1\.50' "$tmp/out/html/report.html" ||
		grep -Eq '[0-9],[0-9]{3} ms' "$tmp/out/html/report.html"; then
		echo "FAIL: a locale-dependent number in the HTML"
		rc=1
	fi
	[ $rc -eq 0 ] && echo "PASS: no number in the reports depends on LC_NUMERIC"
	exit $rc
	;;
*)
	echo "report_check.sh: unknown kind $kind" >&2
	exit 2
	;;
esac
