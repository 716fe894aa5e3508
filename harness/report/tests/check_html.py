#!/usr/bin/python3
"""check_html.py: loads an HTML report in headless Chromium and checks it.

usage: /usr/bin/python3 check_html.py REPORT.html [--manifest M.json] [--expect COUNTS]
                                      [--chromium PATH] [--no-link-check] [--max-load-ms N]

  REPORT.html        a report netconform wrote with --html
  --manifest M.json  per-variant expectations in plan order (see nc_report_common.py)
  --expect COUNTS    e.g. tests=8,passed=2,failed=2,errors=2,skipped=1,notrun=1
  --chromium PATH    default: $NC_CHROMIUM, else /usr/bin/chromium, else chromium on PATH
  --no-link-check    do not require the pcap files the page links to to exist
  --max-load-ms N    fail when the page takes longer than N ms to load

What is checked, and how:
  1. The file itself (no browser): a Content-Security-Policy meta with
     default-src 'none'; no attribute that fetches (src, srcset, poster,
     data, action, ...), no <link>/<iframe>/<object>/<embed>, no url() or
     @import in the CSS; every script inline and carrying the policy's
     nonce; every href either "#id" of an element that exists or a relative
     path (no scheme, no "//") to a file that exists.
  2. The rendered DOM with JavaScript on, from the command
       chromium --headless --no-sandbox --disable-gpu ... --dump-dom file://REPORT
     (run with --host-resolver-rules="MAP * ~NOTFOUND", so even a bug could
     not reach a real host): the totals, one row and one <details> per
     variant, <details> open exactly for FAIL and ERROR, the manifest's
     names, statuses and messages in the right variant, no <script>
     element but the page's own (a "<script>" in a result stayed text), and
     the script ran (html.js, group options filled in).
  3. A DevTools Protocol session (--remote-debugging-pipe, no extra
     software) with JavaScript on: the network log (Network.requestWillBeSent)
     must hold the report's own URL and nothing else, and the console no
     Content Security Policy violation and no exception; the status and
     group filters are exercised and their effect read from computed
     styles; the time from navigation to the load event is measured.
  4. The same with JavaScript disabled (Emulation.setScriptExecutionDisabled):
     every row and variant is displayed, failing variants are open, visible
     (checkVisibility) and hold their message, and the filter bar stays
     hidden.
  5. A canary: a page without a policy that loads an image from
     http://nc-canary.invalid must show up in step 3's network log; if it
     does not, the detector cannot be trusted and the check fails.

Exit status: 0 pass, 1 fail, 2 usage, 77 when Chromium is not installed
(ctest skip; the reason is printed). Temporary profiles are removed.
"""

import argparse
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

# The scripts run from the source tree; keep it free of __pycache__.
sys.dont_write_bytecode = True
from nc_report_common import Checker, check_counts, count_statuses, load_expectations, skip

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr"}
FETCHING_ATTRS = {"src", "srcset", "poster", "data", "action", "formaction", "background",
                  "manifest", "ping", "xlink:href", "codebase", "cite", "longdesc", "lowsrc"}
FORBIDDEN_TAGS = {"link", "iframe", "frame", "object", "embed", "img", "video", "audio",
                  "source", "base", "form", "applet", "portal"}
STATUS_CLASS = {"PASS": "s-pass", "FAIL": "s-fail", "ERROR": "s-error", "SKIP": "s-skip",
                "NOTRUN": "s-notrun"}

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-default-apps", "--disable-extensions",
                  "--host-resolver-rules=MAP * ~NOTFOUND"]


# --------------------------------------------------------------------------
# A small DOM, enough to query Chromium's serialized DOM and the file.

class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def text(self):
        out = []
        stack = [self]
        while stack:
            n = stack.pop()
            if isinstance(n, str):
                out.append(n)
            else:
                stack.extend(reversed(n.children))
        return "".join(out)

    def classes(self):
        return (self.attrs.get("class") or "").split()

    def walk(self):
        stack = [self]
        while stack:
            n = stack.pop()
            if isinstance(n, Node):
                yield n
                stack.extend(reversed(n.children))


class DomBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.cur = self.root
        self.raw_text = {}  # id(node) -> raw content of script/style

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not self.root and n.tag != tag:
            n = n.parent
        if n is not self.root:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def parse_dom(text):
    b = DomBuilder()
    b.feed(text)
    b.close()
    return b.root


def by_id(root, ident):
    for n in root.walk():
        if n.attrs.get("id") == ident:
            return n
    return None


# --------------------------------------------------------------------------
# Chromium

def find_chromium(arg):
    """An explicit choice (--chromium, then $NC_CHROMIUM) is the only
    candidate, so a test can also ask for a browser that is not there."""
    chosen = arg or os.environ.get("NC_CHROMIUM")
    candidates = [chosen] if chosen else ["/usr/bin/chromium", shutil.which("chromium"),
                                          shutil.which("chromium-browser"), shutil.which("google-chrome")]
    for c in candidates:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    return None


def dump_dom(chromium, url, tmp):
    profile = tempfile.mkdtemp(dir=tmp)
    cmd = [chromium] + CHROMIUM_FLAGS + [f"--user-data-dir={profile}", "--dump-dom", url]
    r = subprocess.run(cmd, capture_output=True, timeout=180)
    return r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")


class DevTools:
    """A DevTools Protocol session over --remote-debugging-pipe: Chromium
    reads NUL-terminated JSON commands on fd 3 and writes replies and
    events on fd 4."""

    def __init__(self, chromium, tmp):
        self.profile = tempfile.mkdtemp(dir=tmp)
        cmd_r, self.cmd_w = os.pipe()
        self.ev_r, ev_w = os.pipe()

        def to_3_and_4():
            a, b = os.dup(cmd_r), os.dup(ev_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [chromium] + CHROMIUM_FLAGS + [f"--user-data-dir={self.profile}",
                                           "--remote-debugging-pipe", "about:blank"],
            close_fds=False, preexec_fn=to_3_and_4, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(cmd_r)
        os.close(ev_w)
        self.buf, self.next_id, self.events, self.session = b"", 0, [], None

    def _recv(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.ev_r], [], [], left)[0]:
                raise TimeoutError("no answer from Chromium")
            chunk = os.read(self.ev_r, 1 << 20)
            if not chunk:
                raise EOFError("Chromium closed the DevTools pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, timeout=60, browser=False):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if self.session and not browser:
            msg["sessionId"] = self.session
        os.write(self.cmd_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            m = self._recv(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, method, timeout=120):
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == method for e in self.events):
            self.events.append(self._recv(deadline))

    def open(self, url, javascript=True):
        """Loads url in a new page; returns milliseconds from navigation to
        the load event."""
        target = self.call("Target.createTarget", {"url": "about:blank"}, browser=True)["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 browser=True)["sessionId"]
        for domain in ("Network", "Page", "Runtime", "Log"):
            self.call(f"{domain}.enable")
        if not javascript:
            self.call("Emulation.setScriptExecutionDisabled", {"value": True})
        t0 = time.monotonic()
        self.call("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired")
        return (time.monotonic() - t0) * 1000.0

    def evaluate(self, expression):
        """Evaluates in the page (DevTools may evaluate even when the page's
        own scripts are disabled) and returns the JSON the expression
        builds."""
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in r:
            raise RuntimeError(f"evaluation failed: {r['exceptionDetails']}")
        return json.loads(r["result"]["value"])

    def requests(self):
        return [e["params"]["request"]["url"] for e in self.events
                if e.get("method") == "Network.requestWillBeSent"]

    def problems(self):
        out = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.exceptionThrown":
                out.append(f"exception: {json.dumps(p.get('exceptionDetails'))[:300]}")
            elif m == "Log.entryAdded":
                text = p.get("entry", {}).get("text", "")
                if "Content Security Policy" in text or p.get("entry", {}).get("level") == "error":
                    out.append(f"console: {text[:300]}")
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append(f"console.{p.get('type')}: {json.dumps(p.get('args'))[:300]}")
        return out

    def close(self):
        try:
            self.call("Browser.close", browser=True, timeout=10)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.cmd_w)
        os.close(self.ev_r)


# --------------------------------------------------------------------------
# The checks

def check_file(ck, path, text, link_check):
    root = parse_dom(text)
    nodes = list(root.walk())
    csp = [n for n in nodes if n.tag == "meta" and
           (n.attrs.get("http-equiv") or "").lower() == "content-security-policy"]
    ck.check(len(csp) == 1 and "default-src 'none'" in (csp[0].attrs.get("content") or ""),
             "file: no Content-Security-Policy meta with default-src 'none'")
    nonce = None
    if csp:
        m = re.search(r"'nonce-([A-Za-z0-9+/=_-]+)'", csp[0].attrs.get("content") or "")
        nonce = m.group(1) if m else None
    ids = {n.attrs["id"] for n in nodes if n.attrs.get("id")}
    base = os.path.dirname(os.path.abspath(path))
    links = 0
    for n in nodes:
        ck.check(n.tag not in FORBIDDEN_TAGS, f"file: <{n.tag}> element")
        for a, v in n.attrs.items():
            ck.check(a not in FETCHING_ATTRS, f"file: <{n.tag} {a}={v!r}> would fetch")
            ck.check(not a.startswith("on"), f"file: event handler attribute <{n.tag} {a}>")
        if n.tag == "script":
            ck.check("src" not in n.attrs, "file: external script")
            ck.check(nonce is not None and n.attrs.get("nonce") == nonce, "file: script without the nonce")
        if n.tag == "style":
            css = n.text()
            ck.check("url(" not in css and "@import" not in css, "file: url() or @import in CSS")
        if "style" in n.attrs:
            ck.check("url(" not in n.attrs["style"], f"file: url() in a style attribute of <{n.tag}>")
        href = n.attrs.get("href")
        if href is None:
            continue
        links += 1
        if href.startswith("#"):
            ck.check(href[1:] in ids, f"file: link to a missing anchor {href!r}")
            continue
        parts = urlsplit(href)
        ck.check(not parts.scheme and not href.startswith("//"), f"file: absolute link {href!r}")
        if link_check and not parts.scheme:
            target = os.path.normpath(os.path.join(base, unquote(parts.path)))
            ck.check(os.path.exists(target), f"file: link {href!r} names a missing file {target}")
    return links


def check_dump(ck, dom, cases, counts):
    html = next((n for n in dom.walk() if n.tag == "html"), None)
    ck.check(html is not None and "js" in html.classes(), "DOM: the page's script did not run (no html.js)")
    scripts = [n for n in dom.walk() if n.tag == "script"]
    ck.check(all((n.attrs.get("id") or "").startswith("nc-js") for n in scripts),
             f"DOM: a <script> element that is not the page's own ({len(scripts)} scripts)")
    rows = [n for n in dom.walk() if n.tag == "tr" and "r" in n.classes()]
    details = [n for n in dom.walk() if n.tag == "details" and "v" in n.classes()]

    def status_of(n):
        for st, cls in STATUS_CLASS.items():
            if cls in n.classes():
                return st
        return None

    statuses = [status_of(d) for d in details]
    ck.equal(len(rows), len(details), "DOM: rows vs details")
    ck.equal([status_of(r) for r in rows], statuses, "DOM: row statuses vs details")
    for i, d in enumerate(details):
        want_open = statuses[i] in ("FAIL", "ERROR")
        ck.equal("open" in d.attrs, want_open, f"DOM: details #{i + 1} ({statuses[i]}) open")
    got = count_statuses(statuses)
    check_counts(ck, got, counts, "DOM totals")
    labels = {"passed": "nc-passed", "failed": "nc-failed", "errors": "nc-errors",
              "skipped": "nc-skipped", "notrun": "nc-notrun"}
    words = {"passed": "passed", "failed": "failed", "errors": "errors", "skipped": "skipped",
             "notrun": "not run"}
    for key, ident in labels.items():
        n = by_id(dom, ident)
        if ck.check(n is not None, f"DOM: no #{ident} in the totals"):
            word = "error" if key == "errors" and got[key] == 1 else words[key]
            ck.equal(n.text().strip(), f"{got[key]} {word}", f"DOM: #{ident}")
    total = by_id(dom, "nc-total")
    ck.check(total is not None and total.text().strip() == str(len(details)), "DOM: #nc-total")
    sel = by_id(dom, "nc-group")
    groups = {r.attrs.get("data-g") for r in rows}
    if ck.check(sel is not None, "DOM: no group filter"):
        options = [n for n in sel.walk() if n.tag == "option"]
        ck.equal(len(options), len(groups) + 1, "DOM: group options (the script fills them in)")
    if cases is not None:
        ck.equal(len(details), len(cases), "DOM: variants vs the manifest")
        for i, (d, w) in enumerate(zip(details, cases)):
            what = f"DOM: variant #{i + 1} ({w.get('display')!r})"
            ck.equal(d.attrs.get("id"), f"v{i + 1}", f"{what}: id")
            ck.equal(statuses[i], w["status"], f"{what}: status")
            summary = next((n for n in d.walk() if n.tag == "summary"), None)
            stext = summary.text() if summary else ""
            if w.get("display") is not None:
                ck.contains(stext, w["display"], f"{what}: summary")
                ck.contains(rows[i].text(), w["display"], f"{what}: row")
            if w.get("message") is not None:
                ck.contains(d.text(), w["message"], f"{what}: message")
            if w.get("type") is not None and w["status"] in ("FAIL", "ERROR"):
                ck.contains(d.text(), w["type"], f"{what}: check name")
    return statuses


FILTER_TEST = r"""
(function(){
  function shown(e){return getComputedStyle(e).display!=='none';}
  function all(sel){return Array.prototype.slice.call(document.querySelectorAll(sel));}
  var r={errors:[]}, items=all('tr.r, details.v');
  r.filterShown = shown(document.getElementById('nc-filter'));
  var boxes = all('#nc-filter input[data-s]');
  boxes.forEach(function(cb){
    var s=cb.getAttribute('data-s');
    cb.checked=false; cb.dispatchEvent(new Event('change'));
    items.forEach(function(e){
      var hidden=!shown(e), mine=e.classList.contains('s-'+s);
      if(hidden!==mine) r.errors.push('status '+s+': '+e.tagName+' '+e.className+' hidden='+hidden);
    });
    cb.checked=true; cb.dispatchEvent(new Event('change'));
  });
  var sel=document.getElementById('nc-group');
  for(var i=1;i<sel.options.length;i++){
    sel.selectedIndex=i; sel.dispatchEvent(new Event('change'));
    var g=sel.value;
    items.forEach(function(e){
      if(!shown(e)!==(e.getAttribute('data-g')!==g)) r.errors.push('group '+JSON.stringify(g)+': '+e.className);
    });
  }
  sel.selectedIndex=0; sel.dispatchEvent(new Event('change'));
  r.hiddenAfter = items.filter(function(e){return !shown(e);}).length;
  r.groups = sel.options.length-1;
  r.readyMs = Number(document.documentElement.getAttribute('data-ready-ms'));
  r.errors = r.errors.slice(0,20);
  return JSON.stringify(r);
})()
"""

NOJS_VIEW = r"""
(function(){
  function shown(e){return getComputedStyle(e).display!=='none';}
  var d=Array.prototype.slice.call(document.querySelectorAll('details.v'));
  var rows=Array.prototype.slice.call(document.querySelectorAll('tr.r'));
  return JSON.stringify({
    cls: document.documentElement.className,
    filterShown: shown(document.getElementById('nc-filter')),
    totals: document.getElementById('nc-totals').innerText,
    hidden: rows.concat(d).filter(function(e){return !shown(e);}).length,
    open: d.map(function(e){return e.open;}),
    // Off-screen variants use content-visibility:auto, so innerText may
    // be empty until they are scrolled to; checkVisibility() tells whether
    // the element would be shown, and textContent what it holds.
    visible: d.map(function(e){
      return e.open && e.checkVisibility({visibilityProperty: true, opacityProperty: true})
        ? e.textContent.slice(0, 20000) : '';})
  });
})()
"""


def main():
    ap = argparse.ArgumentParser(description="Check an HTML report in headless Chromium.")
    ap.add_argument("report")
    ap.add_argument("--manifest")
    ap.add_argument("--expect")
    ap.add_argument("--chromium")
    ap.add_argument("--no-link-check", action="store_true")
    ap.add_argument("--max-load-ms", type=float)
    args = ap.parse_args()

    cases, counts = load_expectations(args.manifest, args.expect)
    ck = Checker(f"check_html {args.report}")
    with open(args.report, encoding="utf-8") as f:
        text = f.read()
    size = len(text.encode("utf-8"))
    links = check_file(ck, args.report, text, not args.no_link_check)

    chromium = find_chromium(args.chromium)
    if not chromium:
        print(f"(the file checks ran: {ck.checks} checks, {len(ck.failures)} failed)")
        skip("Chromium not found (Debian: apt-get install chromium; or --chromium PATH); "
             "the rendered page was not checked")
    url = "file://" + os.path.abspath(args.report)

    with tempfile.TemporaryDirectory(prefix="nc-check-html-") as tmp:
        # 2. --dump-dom with JavaScript on.
        rc, dom_text, err = dump_dom(chromium, url, tmp)
        if ck.equal(rc, 0, "chromium --dump-dom exit status") and ck.check(dom_text.strip(), "empty DOM dump"):
            statuses = check_dump(ck, parse_dom(dom_text), cases, counts)
        else:
            print(err[-2000:])
            statuses = []

        # 5. The canary first: the network detector must see a request.
        canary = os.path.join(tmp, "canary.html")
        with open(canary, "w") as f:
            f.write('<!DOCTYPE html><title>canary</title>'
                    '<img src="http://nc-canary.invalid/pixel.png" alt="">')
        dt = DevTools(chromium, tmp)
        try:
            dt.open("file://" + canary)
            time.sleep(0.2)
            dt.call("Runtime.evaluate", {"expression": "1"})
            seen = [u for u in dt.requests() if "nc-canary.invalid" in u]
            ck.check(seen, "canary: a page's request to http://nc-canary.invalid did not show in the "
                           "network log, so the network check below cannot be trusted")
        finally:
            dt.close()

        # 3. JavaScript on: network, console, filters, load time.
        dt = DevTools(chromium, tmp)
        try:
            load_ms = dt.open(url, javascript=True)
            r = dt.evaluate(FILTER_TEST)
            others = [u for u in dt.requests() if u != url]
            ck.check(not others, f"network: the page requested {others[:5]}")
            problems = dt.problems()
            ck.check(not problems, f"console: {problems[:5]}")
            ck.check(r["filterShown"], "JS on: the filter bar is not shown")
            ck.check(not r["errors"], f"JS on: filters misbehave: {r['errors']}")
            ck.equal(r["hiddenAfter"], 0, "JS on: variants still hidden after clearing the filters")
            ready_ms = r["readyMs"]
        finally:
            dt.close()

        # 4. JavaScript off.
        dt = DevTools(chromium, tmp)
        try:
            dt.open(url, javascript=False)
            v = dt.evaluate(NOJS_VIEW)
            others = [u for u in dt.requests() if u != url]
            ck.check(not others, f"network (JS off): the page requested {others[:5]}")
        finally:
            dt.close()
        ck.equal(v["cls"], "nojs", "JS off: html class (the page's script must not have run)")
        ck.check(not v["filterShown"], "JS off: the filter bar is shown but cannot work")
        ck.equal(v["hidden"], 0, "JS off: rows or variants not displayed")
        ck.check(all(str(counts.get(k, "")) in v["totals"] for k in ("passed", "failed") if k in counts),
                 f"JS off: totals {v['totals']!r}")
        if statuses:
            ck.equal(v["open"], [s in ("FAIL", "ERROR") for s in statuses], "JS off: open variants")
        if cases is not None:
            for i, w in enumerate(cases[:len(v["visible"])]):
                if w["status"] in ("FAIL", "ERROR") and w.get("message"):
                    ck.contains(v["visible"][i], w["message"],
                                f"JS off: visible text of variant #{i + 1} ({w.get('display')!r})")

    print(f"report: {size} bytes, {len(statuses)} variants, {links} links; chromium: load event "
          f"{load_ms:.0f} ms after navigation, page script done at {ready_ms:.0f} ms")
    if args.max_load_ms is not None:
        ck.check(load_ms <= args.max_load_ms, f"load took {load_ms:.0f} ms, limit {args.max_load_ms:.0f} ms")
    sys.exit(ck.finish())


if __name__ == "__main__":
    main()
