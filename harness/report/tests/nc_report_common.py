"""nc_report_common.py: what the report check scripts share.

Expectations come either from a manifest (written by report_fixture_gen,
or by any test that knows what its run produced) or from counts given on
the command line. Both describe variants in plan order.

Manifest (JSON):
    {"cases": [{"suite": "udp/hello-bye", "classname": "udp.hello-bye",
                "name": "inet6", "display": "udp/hello-bye[inet6]",
                "status": "FAIL", "type": "payload",
                "message": "an excerpt of the message or skip reason"}, ...],
     "totals": {"tests": 8, "passed": 2, "failed": 2, "errors": 2,
                "skipped": 1, "notrun": 1}}
  Strings are in the visible form of harness/report/report_text.h: a byte
  no format can carry appears as the four characters \\x1b.
  "type", "message" and, in cases, any key may be null (not checked).

Counts (--expect): tests=N,passed=N,failed=N,errors=N,skipped=N,notrun=N
  (any subset). skipped counts SKIP only, notrun NOTRUN only.
"""

import json
import sys

SKIP = 77

STATUSES = ("PASS", "FAIL", "ERROR", "SKIP", "NOTRUN")
COUNT_KEYS = ("tests", "passed", "failed", "errors", "skipped", "notrun")


class Checker:
    """Collects failed checks so one run reports all of them."""

    def __init__(self, name):
        self.name = name
        self.failures = []
        self.checks = 0

    def check(self, ok, what):
        self.checks += 1
        if not ok:
            self.failures.append(what)
        return ok

    def equal(self, got, want, what):
        return self.check(got == want, f"{what}: expected {want!r}, got {got!r}")

    def contains(self, haystack, needle, what):
        return self.check(needle in (haystack or ""),
                          f"{what}: expected to contain {needle!r}, got {shorten(haystack)!r}")

    def finish(self):
        for f in self.failures[:50]:
            print(f"FAIL: {f}")
        if len(self.failures) > 50:
            print(f"FAIL: ... and {len(self.failures) - 50} more")
        if self.failures:
            print(f"{self.name}: {len(self.failures)} of {self.checks} checks failed")
            return 1
        print(f"PASS: {self.name}: {self.checks} checks")
        return 0


def shorten(s, n=300):
    s = "" if s is None else str(s)
    return s if len(s) <= n else s[:n] + f"... ({len(s)} chars)"


def skip(reason):
    print(f"SKIP: {reason}")
    sys.exit(SKIP)


def parse_counts(text):
    counts = {}
    for part in filter(None, text.split(",")):
        key, _, value = part.partition("=")
        key = key.strip()
        if key not in COUNT_KEYS or not value.strip().isdigit():
            raise SystemExit(f"bad --expect item {part!r}; keys: {', '.join(COUNT_KEYS)}")
        counts[key] = int(value)
    return counts


def load_expectations(manifest_path, expect_text):
    """Returns (cases or None, counts)."""
    cases, counts = None, {}
    if manifest_path:
        with open(manifest_path, encoding="utf-8") as f:
            m = json.load(f)
        cases = m.get("cases", [])
        for c in cases:
            if c.get("status") not in STATUSES:
                raise SystemExit(f"manifest: bad status in {c!r}")
        counts.update(m.get("totals", {}))
    if expect_text:
        counts.update(parse_counts(expect_text))
    return cases, counts


def count_statuses(statuses):
    """Counts a list of status names into the --expect keys."""
    return {
        "tests": len(statuses),
        "passed": statuses.count("PASS"),
        "failed": statuses.count("FAIL"),
        "errors": statuses.count("ERROR"),
        "skipped": statuses.count("SKIP"),
        "notrun": statuses.count("NOTRUN"),
    }


def check_counts(ck, got, want, what):
    for key in COUNT_KEYS:
        if key in want:
            ck.equal(got.get(key), want[key], f"{what}: {key}")
