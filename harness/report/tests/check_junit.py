#!/usr/bin/python3
"""check_junit.py: reads a JUnit XML report with junitparser and checks it.

usage: /usr/bin/python3 check_junit.py REPORT.xml [--manifest M.json] [--expect COUNTS]

  REPORT.xml         a report netconform wrote with --junit
  --manifest M.json  per-variant expectations in plan order (see
                     nc_report_common.py; report_fixture_gen writes one)
  --expect COUNTS    e.g. tests=8,passed=2,failed=2,errors=2,skipped=1,notrun=1

Always checked, whatever the expectations:
  - each testsuite's tests/failures/errors/skipped attributes equal the
    testcases it holds, and the root's equal the sums;
  - testcase names are unique within their suite;
  - every time is seconds with at most three decimals and a '.';
  - timestamps are ISO 8601 without fractions ("2024-05-01T12:00:00");
  - a failure or error has a type, a message, and a body that repeats the
    message's location (file:line);
  - a skipped testcase of type "notrun" says "not run".
With a manifest each testcase is compared (suite, classname, name, status,
type, message excerpt); with counts the totals are.

Uses Debian's python3-junitparser: run it with /usr/bin/python3, not a
pyenv or virtualenv python. Exit status: 0 pass, 1 fail, 2 usage, 77 when
junitparser is not installed (ctest skip; the reason is printed).
"""

import argparse
import re
import sys
from xml.etree import ElementTree

# The scripts run from the source tree; keep it free of __pycache__.
sys.dont_write_bytecode = True
from nc_report_common import Checker, check_counts, count_statuses, load_expectations, skip

TIME_RE = re.compile(r"^[0-9]+(\.[0-9]{1,3})?$")
TIMESTAMP_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$")
LOCATION_RE = re.compile(r"^(\S+?):([0-9]+)(:[0-9]+)?: ")


def main():
    ap = argparse.ArgumentParser(description="Check a JUnit XML report with junitparser.")
    ap.add_argument("report")
    ap.add_argument("--manifest")
    ap.add_argument("--expect")
    args = ap.parse_args()

    try:
        from junitparser import Error, Failure, JUnitXml, Skipped, TestSuite
    except ImportError:
        skip(f"junitparser is not importable by {sys.executable} "
             "(Debian: apt-get install python3-junitparser); the report was not read")

    cases_want, counts_want = load_expectations(args.manifest, args.expect)
    ck = Checker(f"check_junit {args.report}")

    # Attribute text as written, before junitparser turns it into numbers.
    for elem in ElementTree.parse(args.report).getroot().iter():
        if elem.tag in ("testsuites", "testsuite", "testcase") and elem.get("time") is not None:
            ck.check(TIME_RE.match(elem.get("time")),
                     f"<{elem.tag} name={elem.get('name')!r}>: time {elem.get('time')!r}")

    xml = JUnitXml.fromfile(args.report)
    suites = [xml] if isinstance(xml, TestSuite) else list(xml)

    got = []  # (suite, classname, name, status, type, message) in file order
    sums = {"tests": 0, "failures": 0, "errors": 0}
    for suite in suites:
        where = f"testsuite {suite.name!r}"
        n = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        names = set()
        ck.check(suite.timestamp is None or TIMESTAMP_RE.match(suite.timestamp),
                 f"{where}: timestamp {suite.timestamp!r} is not YYYY-MM-DDTHH:MM:SS")
        for case in suite:
            cwhere = f"{where} testcase {case.name!r}"
            n["tests"] += 1
            ck.check(case.name not in names, f"{cwhere}: name repeated within the suite")
            names.add(case.name)
            results = case.result
            ck.check(len(results) <= 1, f"{cwhere}: {len(results)} result elements, expected at most 1")
            status, rtype, message = "PASS", None, None
            if results:
                r = results[0]
                rtype, message = r.type, r.message
                if isinstance(r, Failure):
                    status = "FAIL"
                    n["failures"] += 1
                elif isinstance(r, Error):
                    status = "ERROR"
                    n["errors"] += 1
                elif isinstance(r, Skipped):
                    status = "NOTRUN" if r.type == "notrun" else "SKIP"
                    n["skipped"] += 1
                    ck.check(bool(message), f"{cwhere}: skipped without a reason")
                    if status == "NOTRUN":
                        ck.contains(message, "not run", f"{cwhere}: not-run reason")
                if status in ("FAIL", "ERROR"):
                    ck.check(bool(r.type), f"{cwhere}: {status} without a type")
                    ck.check(bool(message), f"{cwhere}: {status} without a message")
                    body = r.text or ""
                    ck.check(bool(body.strip()), f"{cwhere}: {status} without a body")
                    loc = LOCATION_RE.match(message or "")
                    if loc:
                        ck.contains(body, loc.group(0).rstrip(" "), f"{cwhere}: body repeats the location")
            got.append((suite.name, case.classname, case.name, status, rtype, message))
        for key in n:
            attr = getattr(suite, key)
            ck.equal(attr, n[key], f"{where}: attribute {key} vs its testcases")
        for key in sums:
            sums[key] += n[key]
    if not isinstance(xml, TestSuite):
        for key in sums:
            ck.equal(getattr(xml, key), sums[key], f"testsuites: attribute {key} vs the sum of its suites")

    check_counts(ck, count_statuses([g[3] for g in got]), counts_want, "totals")

    if cases_want is not None:
        ck.equal(len(got), len(cases_want), "number of testcases vs the manifest")
        for i, (g, w) in enumerate(zip(got, cases_want)):
            what = f"testcase #{i + 1} ({w.get('display')!r})"
            for k, idx in (("suite", 0), ("classname", 1), ("name", 2), ("status", 3)):
                if w.get(k) is not None:
                    ck.equal(g[idx], w[k], f"{what}: {k}")
            if w.get("type") is not None:
                ck.equal(g[4], w["type"], f"{what}: type")
            if w.get("message") is not None:
                ck.contains(g[5], w["message"], f"{what}: message")

    sys.exit(ck.finish())


if __name__ == "__main__":
    main()
