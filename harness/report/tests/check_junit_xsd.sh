#!/bin/sh
# check_junit_xsd.sh: validates a JUnit XML report against junit-10.xsd.
#
# usage: check_junit_xsd.sh REPORT.xml [SCHEMA.xsd]
#
#   REPORT.xml   a report netconform wrote with --junit (or any JUnit XML)
#   SCHEMA.xsd   defaults to fixtures/report/junit-10.xsd of this source tree
#
# Exit status: 0 valid, 1 invalid (xmllint's messages are shown), 2 usage,
# 77 when xmllint is not installed (ctest reports the test as skipped; the
# reason is printed).
set -u

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: check_junit_xsd.sh REPORT.xml [SCHEMA.xsd]" >&2
	exit 2
fi
report=$1
here=$(cd "$(dirname "$0")" && pwd)
schema=${2:-$here/../../../fixtures/report/junit-10.xsd}

if ! command -v xmllint >/dev/null 2>&1; then
	echo "SKIP: xmllint not found (Debian: apt-get install libxml2-utils); the schema was not checked"
	exit 77
fi
if [ ! -r "$report" ]; then
	echo "FAIL: cannot read $report" >&2
	exit 1
fi
if [ ! -r "$schema" ]; then
	echo "FAIL: cannot read the schema $schema" >&2
	exit 1
fi

# --nonet: the schema and the report must need nothing from the network.
if xmllint --nonet --noout --schema "$schema" "$report"; then
	echo "PASS: $report is valid against $(basename "$schema")"
	exit 0
fi
echo "FAIL: $report does not validate against $schema" >&2
exit 1
