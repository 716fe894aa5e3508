#!/usr/bin/python3
"""check_tap.py: parses a TAP version 13 report two ways and checks it.

usage: /usr/bin/python3 check_tap.py REPORT.tap [--manifest M.json] [--expect COUNTS]

  REPORT.tap         a report netconform wrote with --tap
  --manifest M.json  per-variant expectations in plan order (see nc_report_common.py)
  --expect COUNTS    e.g. tests=8,passed=2,failed=2,errors=2,skipped=1,notrun=1

Two consumers read the file:
  1. A strict TAP 13 reader here: "TAP version 13" first, one plan (first
     or last), test points numbered 1..N matching the plan, descriptions
     unescaped (\\# and \\\\), "# SKIP" directives, and every YAML block
     ("  ---" .. "  ...") loaded with PyYAML's safe_load; a "not ok" must
     carry a block with message and severity (fail or error), nothing else
     may appear but comments.
  2. Perl's TAP::Parser (what prove, and kselftest-style harnesses built on
     it, use): no parse errors, a good plan, version 13, its pass/fail/skip
     counts equal ours, and its YAMLish reader loads every block.
With a manifest each test point is compared (display name, ok/not ok,
skip reason, message and check); with counts the totals are (errors are
"not ok" points whose severity is "error"; notrun are SKIPs whose reason
starts with "not run").

Exit status: 0 pass, 1 fail, 2 usage, 77 when PyYAML or Perl's TAP::Parser
is missing (ctest skip; the reason is printed).
"""

import argparse
import json
import re
import shutil
import subprocess
import sys

# The scripts run from the source tree; keep it free of __pycache__.
sys.dont_write_bytecode = True
from nc_report_common import Checker, check_counts, count_statuses, load_expectations, skip

TEST_RE = re.compile(r"^(not ok|ok)\b(?: ([0-9]+))?(?: -)?(?: (.*))?$")
PLAN_RE = re.compile(r"^1\.\.([0-9]+)(?:\s*#.*)?$")

PERL_READER = r"""
use strict; use warnings;
use TAP::Parser;
local $/; my $tap = <STDIN>;
my $p = TAP::Parser->new({ tap => $tap });
my ($yaml, $bad_yaml) = (0, 0);
while (my $r = $p->next) {
    if ($r->is_yaml) {
        my $d = $r->data;
        if (ref $d eq 'HASH' && defined $d->{message}) { $yaml++ } else { $bad_yaml++ }
    }
}
my @e = $p->parse_errors;
printf "{\"version\": %d, \"tests_run\": %d, \"passed\": %d, \"failed\": %d, \"skipped\": %d, " .
       "\"good_plan\": %d, \"yaml\": %d, \"bad_yaml\": %d, \"parse_errors\": %d}\n",
    $p->version, $p->tests_run, scalar($p->passed), scalar($p->failed), scalar($p->skipped),
    ($p->is_good_plan ? 1 : 0), $yaml, $bad_yaml, scalar(@e);
print STDERR "parse error: $_\n" for @e;
"""


def unescape(desc):
    """Splits a description at its first unescaped '#' and undoes \\# and \\\\."""
    out, i = [], 0
    while i < len(desc):
        c = desc[i]
        if c == "\\" and i + 1 < len(desc) and desc[i + 1] in "#\\":
            out.append(desc[i + 1])
            i += 2
            continue
        if c == "#":
            return "".join(out).rstrip(" "), desc[i + 1:].strip()
        out.append(c)
        i += 1
    return "".join(out), None


def main():
    ap = argparse.ArgumentParser(description="Check a TAP 13 report.")
    ap.add_argument("report")
    ap.add_argument("--manifest")
    ap.add_argument("--expect")
    args = ap.parse_args()

    try:
        import yaml
    except ImportError:
        skip(f"PyYAML is not importable by {sys.executable} (Debian: python3-yaml); the TAP was not checked")
    perl = shutil.which("perl")
    if not perl or subprocess.run([perl, "-MTAP::Parser", "-e1"], capture_output=True).returncode != 0:
        skip("perl with TAP::Parser not found (Debian: perl); the TAP was not checked")

    cases_want, counts_want = load_expectations(args.manifest, args.expect)
    ck = Checker(f"check_tap {args.report}")
    with open(args.report, encoding="utf-8") as f:
        text = f.read()
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()

    ck.equal(lines[0] if lines else None, "TAP version 13", "first line")
    plan, plan_at = None, None
    points = []  # dicts: ok, num, name, directive, reason, yaml
    i = 1
    while i < len(lines):
        line = lines[i]
        m = PLAN_RE.match(line)
        if m:
            ck.check(plan is None, f"line {i + 1}: a second plan")
            plan, plan_at = int(m.group(1)), i
            i += 1
            continue
        if line.startswith("#"):
            i += 1
            continue
        m = TEST_RE.match(line)
        if not m:
            ck.check(False, f"line {i + 1}: not TAP: {line[:200]!r}")
            i += 1
            continue
        name, directive = unescape(m.group(3) or "")
        reason = None
        if directive is not None:
            word, _, reason = directive.partition(" ")
            directive = word.upper()
        pt = {"ok": m.group(1) == "ok", "num": int(m.group(2) or 0), "name": name,
              "directive": directive, "reason": reason, "yaml": None}
        i += 1
        if i < len(lines) and lines[i] == "  ---":
            j = i + 1
            while j < len(lines) and lines[j] != "  ...":
                ck.check(lines[j].startswith("  "), f"line {j + 1}: YAML line not indented")
                j += 1
            ck.check(j < len(lines), f"line {i + 1}: YAML block without its '  ...'")
            block = "\n".join(l[2:] for l in lines[i + 1:j])
            try:
                pt["yaml"] = yaml.safe_load(block)
            except yaml.YAMLError as e:
                ck.check(False, f"line {i + 1}: YAML block does not load: {e}")
            i = j + 1
        points.append(pt)

    ck.check(plan is not None, "no plan line")
    ck.check(plan_at in (1, len(lines) - 1) or all(l.startswith("#") for l in lines[plan_at + 1:]),
             "the plan is neither first nor last")
    ck.equal(len(points), plan, "test points vs the plan")
    ck.equal([p["num"] for p in points], list(range(1, len(points) + 1)), "test point numbers")

    statuses = []
    for p in points:
        what = f"test point {p['num']} ({p['name']!r})"
        y = p["yaml"]
        if p["directive"] == "SKIP":
            ck.check(p["ok"], f"{what}: a SKIP must be 'ok'")
            ck.check(bool(p["reason"]), f"{what}: SKIP without a reason")
            statuses.append("NOTRUN" if (p["reason"] or "").startswith("not run") else "SKIP")
        elif p["ok"]:
            ck.check(p["directive"] is None, f"{what}: unexpected directive {p['directive']!r}")
            statuses.append("PASS")
        else:
            ok = ck.check(isinstance(y, dict), f"{what}: 'not ok' without a YAML block")
            if ok:
                ck.check(isinstance(y.get("message"), str) and y["message"], f"{what}: no message")
                ck.check(y.get("severity") in ("fail", "error"), f"{what}: severity {y.get('severity')!r}")
            statuses.append("ERROR" if ok and y.get("severity") == "error" else "FAIL")
    check_counts(ck, count_statuses(statuses), counts_want, "totals")

    if cases_want is not None:
        ck.equal(len(points), len(cases_want), "test points vs the manifest")
        for p, st, w in zip(points, statuses, cases_want):
            what = f"test point {p['num']} ({w.get('display')!r})"
            if w.get("display") is not None:
                ck.equal(p["name"], w["display"], f"{what}: description")
            ck.equal(st, w["status"], f"{what}: status")
            msg = w.get("message")
            if msg is not None:
                if st in ("SKIP", "NOTRUN"):
                    ck.contains(p["reason"], msg, f"{what}: skip reason")
                elif isinstance(p["yaml"], dict):
                    ck.contains(p["yaml"].get("message"), msg, f"{what}: YAML message")
            if w.get("type") is not None and st in ("FAIL", "ERROR") and isinstance(p["yaml"], dict):
                ck.equal(p["yaml"].get("check"), w["type"], f"{what}: YAML check")

    # The second consumer.
    r = subprocess.run([perl, "-e", PERL_READER], input=text.encode("utf-8"), capture_output=True)
    sys.stdout.write(r.stderr.decode("utf-8", "replace"))
    if ck.equal(r.returncode, 0, "perl TAP::Parser exit status"):
        res = json.loads(r.stdout)
        print(f"perl TAP::Parser: {res}")
        ck.equal(res["parse_errors"], 0, "TAP::Parser parse errors")
        ck.equal(res["version"], 13, "TAP::Parser version")
        ck.equal(res["good_plan"], 1, "TAP::Parser good plan")
        ck.equal(res["tests_run"], len(points), "TAP::Parser tests run")
        ck.equal(res["failed"], sum(1 for p in points if not p["ok"]), "TAP::Parser failed")
        ck.equal(res["skipped"], sum(1 for p in points if p["directive"] == "SKIP"), "TAP::Parser skipped")
        ck.equal(res["bad_yaml"], 0, "TAP::Parser YAML blocks without a message")
        ck.equal(res["yaml"], sum(1 for p in points if p["yaml"] is not None), "TAP::Parser YAML blocks")

    sys.exit(ck.finish())


if __name__ == "__main__":
    main()
