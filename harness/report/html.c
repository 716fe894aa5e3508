/* html.c: the self-contained HTML report (--html FILE).
 *
 * One file that opens from file:// with no network: inline CSS, two small
 * inline scripts, no fonts, images or links to anything but the pcap files
 * (relative to the page's directory) and its own anchors. A Content-Security-Policy meta tag
 * (default-src 'none', scripts only with this file's random nonce) makes
 * the browser refuse any fetch and any script that did not come from this
 * file, should escaping ever miss something.
 *
 * Layout: the run's totals and facts; a table with one row per variant
 * (status, name, group, duration); then one <details> per variant, open
 * when it failed or errored, holding the failures with their detail text,
 * a two-column client/server timeline of the steps, the captured packets,
 * the roles' output and a link to the pcap file. Everything is in the
 * static markup, so the page reads the same with JavaScript off; the
 * script only adds the status and group filters, which work by toggling a
 * class on <body> and rewriting one <style> rule, never by touching rows,
 * so a thousand variants filter instantly. Variants are laid out only when
 * scrolled to (content-visibility: auto), which takes most of the layout
 * time out of opening a long report.
 *
 * Streaming: rows and details go to two spools as variants arrive; end()
 * writes the head (whose totals are known only then), the rows, the
 * details and the script.
 */
#include "report/reporter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "report/report_file.h"
#include "report/report_text.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/text.h"

/* Text kept per variant in the page (failures, steps, packets, output);
 * the rest is counted and pointed to the JUnit report and the pcap. Results
 * are capped already (up to 512 steps, 200 packets and 32 KiB of output
 * each), but that is still several hundred KiB of markup per variant; this
 * bounds one variant's share of the page. */
#define HTML_MAX_VARIANT_TEXT (96u * 1024u)

struct html {
	struct nc_rfile rf;
	FILE *rows;          /* <tr> elements of the summary table */
	FILE *details;       /* <details> elements */
	char *cwd;           /* where relative result paths start */
	char *doc_dir;       /* the report's directory, for relative links */
	char nonce[33];      /* CSP nonce of our script */
	bool broken;
	char err[512];

	/* Run facts, copied in begin(). */
	char *version, *hostname, *mode, *mode_note, *capture_note, *command_line, *shard;
	bool capture_on;
	int jobs;
	double timeout_scale;
	int64_t started;
	size_t planned;

	size_t n;
	struct nc_status_counts c;
	struct nc_run_totals totals;
};

/* The per-variant text budget. */
struct budget {
	size_t left;
	size_t dropped;
};

static const char *status_class(enum nc_status s)
{
	switch (s) {
	case NC_STATUS_PASS: return "s-pass";
	case NC_STATUS_FAIL: return "s-fail";
	case NC_STATUS_ERROR: return "s-error";
	case NC_STATUS_SKIP: return "s-skip";
	case NC_STATUS_NOTRUN: return "s-notrun";
	}
	return "s-error";
}

static void esc(FILE *f, const char *s)
{
	nc_esc_puts(f, NC_ESC_HTML, s ? s : "");
}

/* Writes text within the variant's budget; what does not fit is counted
 * and marked where it was cut. */
static void text(FILE *f, struct budget *b, const char *s)
{
	if (!s)
		return;
	size_t n = strlen(s);
	size_t keep = nc_esc_cut(s, n, b->left);
	nc_esc_write(f, NC_ESC_HTML, s, keep);
	b->left -= keep;
	if (keep < n) {
		b->dropped += n - keep;
		if (keep)
			fputs("<span class=\"cut\">[cut]</span>", f);
	}
}

static void set(char **dst, const char *src)
{
	free(*dst);
	*dst = src ? nc_strdup(src) : NULL;
}

/* Formats a double with two decimals from integers, so LC_NUMERIC cannot
 * change the separator. */
static const char *fmt_fixed2(double v, char *buf, size_t n)
{
	long long k = (long long)(v * 100.0 + (v >= 0 ? 0.5 : -0.5));
	snprintf(buf, n, "%s%lld.%02lld", k < 0 ? "-" : "", (k < 0 ? -k : k) / 100, (k < 0 ? -k : k) % 100);
	return buf;
}

/* ------------------------------------------------------------------------ */
/* One variant. */

static void write_row(struct html *h, const struct nc_result *r, size_t idx)
{
	FILE *f = h->rows;
	char ms[32];
	fprintf(f, "<tr class=\"r %s\" data-g=\"", status_class(r->status));
	esc(f, nc_str_or(r->group, ""));
	fprintf(f, "\"><td><span class=\"st %s\">%s</span></td><td><a href=\"#v%zu\">",
		status_class(r->status), nc_status_name(r->status), idx);
	esc(f, nc_str_or(r->name, nc_str_or(r->path, "(unnamed)")));
	fputs("</a></td><td>", f);
	esc(f, nc_str_or(r->group, ""));
	fprintf(f, "</td><td class=\"n\">%s ms</td></tr>\n", nc_fmt_millis(r->duration_ns, ms, sizeof(ms)));
}

static void write_facts(struct html *h, FILE *f, const struct nc_result *r, struct budget *b)
{
	fputs("<dl class=\"facts\">", f);
	if (r->path) {
		fputs("<dt>File</dt><dd><code>", f);
		esc(f, r->path);
		fputs("</code></dd>", f);
	}
	if (r->scenario || r->description) {
		fputs("<dt>Scenario</dt><dd>", f);
		esc(f, nc_str_or(r->scenario, ""));
		if (r->description && *r->description) {
			fputs(r->scenario ? " &mdash; " : "", f);
			text(f, b, r->description);
		}
		fputs("</dd>", f);
	}
	for (size_t i = 0; i < r->nprops; i++) {
		fputs("<dt>", f);
		esc(f, r->props[i].name);
		fputs("</dt><dd>", f);
		text(f, b, r->props[i].value);
		fputs("</dd>", f);
	}
	bool ran = r->status != NC_STATUS_SKIP && r->status != NC_STATUS_NOTRUN;
	if (ran) {
		fprintf(f, "<dt>Capture</dt><dd>%s", r->capture_on ? "on" : "off");
		if (r->capture_on)
			fprintf(f, ", %llu packets", (unsigned long long)r->packets_total);
		if (r->capture_note && *r->capture_note) {
			fputs(r->capture_on ? "; " : ": ", f);
			esc(f, r->capture_note);
		}
		fputs("</dd>", f);
	}
	if (r->pcap_path) {
		char *link = nc_link_relative(h->cwd, h->doc_dir, r->pcap_path);
		fputs("<dt>pcap</dt><dd><a href=\"", f);
		esc(f, link);
		fputs("\">", f);
		esc(f, r->pcap_path);
		fputs("</a></dd>", f);
		free(link);
	}
	if (r->artifact_error) {
		fputs("<dt>Artifact not written</dt><dd>", f);
		esc(f, r->artifact_error);
		fputs("</dd>", f);
	}
	fputs("</dl>\n", f);
}

static void write_failures(FILE *f, const struct nc_result *r, struct budget *b)
{
	if (!r->nfailures && (r->status == NC_STATUS_FAIL || r->status == NC_STATUS_ERROR)) {
		fputs("<h3>Failure</h3><div class=\"fl\"><p>", f);
		text(f, b, nc_str_or(r->reason, "no failure recorded"));
		fputs("</p></div>\n", f);
		return;
	}
	if (!r->nfailures)
		return;
	fprintf(f, "<h3>Failures (%zu)</h3>\n", r->nfailures + r->failures_dropped);
	for (size_t i = 0; i < r->nfailures; i++) {
		const struct nc_failure *x = &r->failures[i];
		fprintf(f, "<div class=\"fl%s\"><p><code class=\"chk\">", x->harness ? " harness" : "");
		esc(f, x->check);
		fputs("</code> ", f);
		struct nc_buf loc;
		nc_buf_init(&loc, 0);
		nc_failure_prefix(&loc, x);
		if (loc.len) {
			fputs("<span class=\"loc\">", f);
			esc(f, nc_buf_str(&loc));
			fputs("</span>", f);
		}
		nc_buf_free(&loc);
		text(f, b, x->message);
		fputs("</p>", f);
		if (*x->detail) {
			fputs("<pre class=\"detail\">", f);
			text(f, b, x->detail);
			fputs("</pre>", f);
		}
		fputs("</div>\n", f);
	}
	if (r->failures_dropped)
		fprintf(f, "<p class=\"note\">%zu more failures were not kept.</p>\n", r->failures_dropped);
}

struct step_key {
	int64_t t;      /* start time; steps that never began sort last */
	size_t i;
};

static int step_cmp(const void *a, const void *b)
{
	const struct step_key *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* The timeline: client steps in the left column, server steps in the
 * right, one row per step in start order, so the exchange reads top to
 * bottom like a sequence diagram. */
static void write_timeline(FILE *f, const struct nc_result *r, struct budget *b)
{
	if (!r->ntrace)
		return;
	struct step_key *k = nc_xmalloc(r->ntrace * sizeof(*k));
	for (size_t i = 0; i < r->ntrace; i++) {
		k[i].t = r->trace[i].t_start >= 0 ? r->trace[i].t_start : INT64_MAX;
		k[i].i = i;
	}
	qsort(k, r->ntrace, sizeof(*k), step_cmp);
	fputs("<h3>Timeline</h3>\n<table class=\"tl\"><thead><tr><th>ms</th><th>client</th><th>server</th>"
	      "</tr></thead><tbody>\n", f);
	char ms[32];
	for (size_t j = 0; j < r->ntrace; j++) {
		const struct nc_trace *t = &r->trace[k[j].i];
		fprintf(f, "<tr%s><td class=\"n\">%s</td>", t->failed ? " class=\"bad\"" : "",
			t->t_start >= 0 ? nc_fmt_millis(t->t_start, ms, sizeof(ms)) : "&ndash;");
		if (t->role == 0)
			fputs("<td></td>", f);
		fputs("<td class=\"sp\"><code>", f);
		if (t->line)
			fprintf(f, ":%u ", t->line);
		text(f, b, t->text);
		fputs("</code>", f);
		if (t->outcome && *t->outcome) {
			fputs("<div class=\"oc\">&rarr; ", f);
			text(f, b, t->outcome);
			fputs("</div>", f);
		}
		fputs("<div class=\"du\">", f);
		if (t->t_start < 0)
			fputs("never started", f);
		else if (t->t_end < t->t_start)
			fputs("never finished", f);
		else
			fprintf(f, "%s ms", nc_fmt_millis(t->t_end - t->t_start, ms, sizeof(ms)));
		if (t->failed)
			fputs(" &mdash; <b>failed</b>", f);
		fputs("</div></td>", f);
		if (t->role != 0)
			fputs("<td></td>", f);
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
	if (r->trace_dropped)
		fprintf(f, "<p class=\"note\">%zu more steps were not kept.</p>\n", r->trace_dropped);
	free(k);
}

static void write_packets(FILE *f, const struct nc_result *r, struct budget *b)
{
	if (!r->npackets)
		return;
	fprintf(f, "<h3>Packets (%llu captured)</h3>\n<pre class=\"pk\">",
		(unsigned long long)r->packets_total);
	char ms[32], line[64];
	for (size_t i = 0; i < r->npackets; i++) {
		snprintf(line, sizeof(line), "#%-4u %10s ms  ", r->packets[i].index,
			 nc_fmt_millis(r->packets[i].t, ms, sizeof(ms)));
		fputs(line, f);
		text(f, b, r->packets[i].text);
		fputc('\n', f);
	}
	fputs("</pre>\n", f);
	if (r->packets_total > r->npackets)
		fprintf(f, "<p class=\"note\">%llu more packets are in the pcap file.</p>\n",
			(unsigned long long)(r->packets_total - r->npackets));
}

static void write_output(FILE *f, const struct nc_result *r, struct budget *b)
{
	for (int k = 0; k < 2; k++) {
		if (!r->output[k] || !*r->output[k])
			continue;
		fprintf(f, "<h3>%s output</h3>\n<pre class=\"out\">", k ? "Client" : "Server");
		text(f, b, r->output[k]);
		fputs("</pre>\n", f);
		if (r->output_dropped[k])
			fprintf(f, "<p class=\"note\">%zu more bytes of output were not kept.</p>\n",
				r->output_dropped[k]);
	}
}

static void write_details(struct html *h, const struct nc_result *r, size_t idx)
{
	FILE *f = h->details;
	struct budget b = { HTML_MAX_VARIANT_TEXT, 0 };
	bool bad = r->status == NC_STATUS_FAIL || r->status == NC_STATUS_ERROR;
	char ms[32];
	fprintf(f, "<details id=\"v%zu\" class=\"v %s\" data-g=\"", idx, status_class(r->status));
	esc(f, nc_str_or(r->group, ""));
	fprintf(f, "\"%s><summary><span class=\"st %s\">%s</span> <b>", bad ? " open" : "",
		status_class(r->status), nc_status_name(r->status));
	esc(f, nc_str_or(r->name, nc_str_or(r->path, "(unnamed)")));
	fprintf(f, "</b> <span class=\"du\">%s ms</span>", nc_fmt_millis(r->duration_ns, ms, sizeof(ms)));
	if (r->status != NC_STATUS_PASS) {
		const struct nc_failure *x = nc_result_headline(r);
		const char *why = x ? x->message : r->reason;
		if (r->status == NC_STATUS_SKIP)
			why = nc_str_or(r->reason, "skipped");
		if (r->status == NC_STATUS_NOTRUN)
			why = nc_str_or(r->reason, "not run");
		if (why && *why) {
			fputs(" <span class=\"why\">", f);
			/* The same words as the JUnit and TAP reports. */
			if (r->status == NC_STATUS_NOTRUN && !nc_starts_with(why, "not run"))
				fputs("not run: ", f);
			text(f, &b, why);
			fputs("</span>", f);
		}
	}
	fputs("</summary>\n<div class=\"vb\">\n", f);
	write_facts(h, f, r, &b);
	write_failures(f, r, &b);
	write_timeline(f, r, &b);
	write_packets(f, r, &b);
	write_output(f, r, &b);
	if (b.dropped)
		fprintf(f, "<p class=\"note cut\">%zu bytes of this variant's text are not shown: the page "
			"keeps %u KiB per variant. The JUnit report and the pcap file have the rest.</p>\n",
			b.dropped, HTML_MAX_VARIANT_TEXT / 1024);
	fputs("</div></details>\n", f);
}

static int html_variant(void *self, const struct nc_result *r)
{
	struct html *h = self;
	if (h->broken)
		return -1;
	errno = 0;
	size_t idx = ++h->n;
	nc_status_count(&h->c, r->status);
	write_row(h, r, idx);
	write_details(h, r, idx);
	if (ferror(h->rows) || ferror(h->details)) {
		nc_rfile_spool_error(&h->rf, "variants", h->err, sizeof(h->err));
		h->broken = true;
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* The page around the variants. */

static const char html_css[] =
	":root{--pass:#1a7f37;--fail:#cf222e;--error:#8250df;--skip:#9a6700;--notrun:#6e7781;"
	"--line:#d0d7de;--soft:#f6f8fa}\n"
	"body{font:14px/1.45 system-ui,-apple-system,\"Segoe UI\",sans-serif;margin:0 auto;"
	"max-width:1200px;padding:16px;color:#1f2328}\n"
	"h1{font-size:20px;margin:0 0 8px}h2{font-size:16px;margin:20px 0 8px}"
	"h3{font-size:13px;margin:12px 0 4px;text-transform:uppercase;letter-spacing:.04em;color:#57606a}\n"
	"code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}\n"
	"pre{background:var(--soft);border:1px solid var(--line);padding:6px 8px;margin:4px 0;"
	"white-space:pre-wrap;overflow-wrap:anywhere}\n"
	"table{border-collapse:collapse}th,td{border-bottom:1px solid var(--line);padding:3px 8px;"
	"text-align:left;vertical-align:top}\n"
	"td.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}\n"
	".meta th{font-weight:600;color:#57606a;white-space:nowrap}\n"
	".st{display:inline-block;min-width:4.5em;text-align:center;border-radius:4px;color:#fff;"
	"font-size:12px;font-weight:600;padding:0 4px}\n"
	".st.s-pass{background:var(--pass)}.st.s-fail{background:var(--fail)}"
	".st.s-error{background:var(--error)}.st.s-skip{background:var(--skip)}"
	".st.s-notrun{background:var(--notrun)}\n"
	"#nc-totals .st{min-width:0;padding:1px 8px;margin-right:4px}\n"
	".banner{background:#fff8c5;border:1px solid #d4a72c;padding:6px 10px}\n"
	".filter{margin:12px 0;padding:6px 8px;background:var(--soft);border:1px solid var(--line)}\n"
	".filter label{margin-right:12px}\n"
	"table.vs{width:100%}table.vs td:nth-child(2){overflow-wrap:anywhere}\n"
	"details.v{border:1px solid var(--line);border-radius:6px;margin:6px 0;content-visibility:auto;"
	"contain-intrinsic-size:auto 30px}\n"
	"details.v>summary{cursor:pointer;padding:4px 8px;background:var(--soft);overflow-wrap:anywhere}\n"
	"details.v[open]>summary{border-bottom:1px solid var(--line)}\n"
	"details.s-fail,details.s-error{border-color:var(--fail)}\n"
	".vb{padding:4px 12px 10px}.du{color:#57606a;font-size:12px}.why{color:#57606a}\n"
	".facts{display:grid;grid-template-columns:max-content 1fr;gap:0 12px;margin:4px 0}"
	".facts dt{color:#57606a}.facts dd{margin:0;overflow-wrap:anywhere}\n"
	".fl{border-left:4px solid var(--fail);padding:2px 8px;margin:6px 0}"
	".fl.harness{border-color:var(--error)}.fl p{margin:2px 0}.chk{font-weight:600}"
	".loc{color:#57606a}\n"
	"table.tl{width:100%;table-layout:fixed}table.tl th:first-child{width:7em}"
	"table.tl td.sp{overflow-wrap:anywhere}\n"
	"table.tl tr.bad td{background:#ffebe9}table.tl tr.bad td.sp{border-left:4px solid var(--fail)}\n"
	".oc{font-size:12px}.note{color:#57606a;font-style:italic}.cut{color:var(--fail)}\n"
	".hide-pass .r.s-pass,.hide-pass .v.s-pass,.hide-fail .r.s-fail,.hide-fail .v.s-fail,"
	".hide-error .r.s-error,.hide-error .v.s-error,.hide-skip .r.s-skip,.hide-skip .v.s-skip,"
	".hide-notrun .r.s-notrun,.hide-notrun .v.s-notrun{display:none}\n";

/* The filters. Groups are gathered from the rows once; choosing one
 * writes a single CSS rule, so the browser, not a loop over rows, hides
 * the others. data-ready-ms records when the page was parsed and the
 * script done, for load-time measurements (check_html.py prints it). */
static const char html_js[] =
	"(function(){\n"
	"var d=document,b=d.body,bar=d.getElementById('nc-filter');\n"
	"var boxes=bar.querySelectorAll('input[data-s]');\n"
	"for(var i=0;i<boxes.length;i++)boxes[i].addEventListener('change',function(){\n"
	"  b.classList.toggle('hide-'+this.getAttribute('data-s'),!this.checked);});\n"
	"var sel=d.getElementById('nc-group'),rule=d.getElementById('nc-group-rule');\n"
	"var rows=d.querySelectorAll('#nc-rows tr'),seen={},groups=[];\n"
	"for(var j=0;j<rows.length;j++){var g=rows[j].getAttribute('data-g');\n"
	"  if(!Object.prototype.hasOwnProperty.call(seen,g)){seen[g]=1;groups.push(g);}}\n"
	"groups.sort();\n"
	"for(var k=0;k<groups.length;k++){var o=d.createElement('option');\n"
	"  o.value=groups[k];o.textContent=groups[k]||'(none)';sel.appendChild(o);}\n"
	"function q(s){return '\"'+s.replace(/[\\\\\"]/g,'\\\\$&').replace(/\\n/g,'\\\\a ')+'\"';}\n"
	"sel.addEventListener('change',function(){var v=sel.value;\n"
	"  rule.textContent=sel.selectedIndex<1?'':\n"
	"    '.r:not([data-g='+q(v)+']),.v:not([data-g='+q(v)+']){display:none}';});\n"
	"bar.hidden=false;\n"
	"d.documentElement.setAttribute('data-ready-ms',Math.round(performance.now()));\n"
	"})();\n";

static void meta_row(FILE *f, const char *label, const char *value, const char *note)
{
	fprintf(f, "<tr><th>%s</th><td>", label);
	esc(f, value);
	if (note && *note) {
		fputs(" <span class=\"note\">(", f);
		esc(f, note);
		fputs(")</span>", f);
	}
	fputs("</td></tr>\n", f);
}

static int html_write(void *ctx, FILE *f)
{
	struct html *h = ctx;
	char num[64], ts[40];
	fputs("<!DOCTYPE html>\n<html lang=\"en\" class=\"nojs\">\n<head>\n<meta charset=\"utf-8\">\n", f);
	fprintf(f, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		   "style-src 'unsafe-inline'; script-src 'nonce-%s'; img-src data:; base-uri 'none'; "
		   "form-action 'none'\">\n", h->nonce);
	fputs("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n", f);
	fprintf(f, "<title>netconform: %zu passed, %zu failed, %zu errors, %zu skipped</title>\n", h->c.passed,
		h->c.failed, h->c.errors, h->c.skipped + h->c.notrun);
	fprintf(f, "<style>\n%s</style>\n<style id=\"nc-group-rule\"></style>\n", html_css);
	/* Runs first so the page knows scripts work before it renders. */
	fprintf(f, "<script nonce=\"%s\" id=\"nc-js-head\">document.documentElement.className='js';</script>\n",
		h->nonce);
	fputs("</head>\n<body>\n<header>\n<h1>netconform report</h1>\n", f);

	fprintf(f, "<p id=\"nc-totals\"><span class=\"st s-pass\" id=\"nc-passed\">%zu passed</span>"
		   "<span class=\"st s-fail\" id=\"nc-failed\">%zu failed</span>"
		   "<span class=\"st s-error\" id=\"nc-errors\">%zu error%s</span>"
		   "<span class=\"st s-skip\" id=\"nc-skipped\">%zu skipped</span>"
		   "<span class=\"st s-notrun\" id=\"nc-notrun\">%zu not run</span> "
		   "of <span id=\"nc-total\">%zu</span> variants</p>\n",
		h->c.passed, h->c.failed, h->c.errors, h->c.errors == 1 ? "" : "s", h->c.skipped, h->c.notrun, h->n);
	if (h->totals.interrupted)
		fprintf(f, "<p class=\"banner\" id=\"nc-interrupted\">The run was interrupted by %s: %zu "
			   "variant%s did not run.</p>\n",
			nc_fmt_signal(h->totals.signal, ts, sizeof(ts)), h->c.notrun, h->c.notrun == 1 ? "" : "s");
	if (h->n != h->planned && h->planned)
		fprintf(f, "<p class=\"banner\">%zu variants were planned but %zu reported.</p>\n", h->planned,
			h->n);

	fputs("<table class=\"meta\">\n", f);
	snprintf(num, sizeof(num), "%s s", nc_fmt_seconds(h->totals.duration_ns, ts, sizeof(ts)));
	meta_row(f, "Duration", num, NULL);
	if (h->started > 0)
		meta_row(f, "Started", nc_fmt_utc(h->started, true, ts, sizeof(ts)), NULL);
	meta_row(f, "Machine", nc_str_or(h->hostname, "unknown"), NULL);
	meta_row(f, "Mode", nc_str_or(h->mode, "unknown"), h->mode_note);
	meta_row(f, "Capture", h->capture_on ? "on" : "off", h->capture_note);
	meta_row(f, "netconform", nc_str_or(h->version, "unknown"), NULL);
	fputs("<tr><th>Command</th><td><code>", f);
	esc(f, nc_str_or(h->command_line, ""));
	fputs("</code></td></tr>\n", f);
	char scale[32];
	snprintf(num, sizeof(num), "-j %d, timeout scale %s", h->jobs,
		 fmt_fixed2(h->timeout_scale, scale, sizeof(scale)));
	meta_row(f, "Options", num, NULL);
	if (h->shard)
		meta_row(f, "Shard", h->shard, NULL);
	fputs("</table>\n</header>\n", f);

	/* Hidden until the script shows it: without JavaScript there is
	 * nothing to filter with, and everything is shown. */
	fputs("<div class=\"filter\" id=\"nc-filter\" hidden>Show: ", f);
	struct {
		const char *s, *label;
		size_t n;
	} boxes[] = { { "pass", "passed", h->c.passed }, { "fail", "failed", h->c.failed },
		      { "error", "errors", h->c.errors }, { "skip", "skipped", h->c.skipped },
		      { "notrun", "not run", h->c.notrun } };
	for (size_t i = 0; i < sizeof(boxes) / sizeof(boxes[0]); i++)
		fprintf(f, "<label><input type=\"checkbox\" data-s=\"%s\" checked> %s (%zu)</label>",
			boxes[i].s, boxes[i].label, boxes[i].n);
	fputs(" <label>Group: <select id=\"nc-group\"><option value=\"\">all</option></select></label>"
	      "</div>\n", f);

	fputs("<h2>Variants</h2>\n<table class=\"vs\"><thead><tr><th>Status</th><th>Variant</th>"
	      "<th>Group</th><th>Duration</th></tr></thead>\n<tbody id=\"nc-rows\">\n", f);
	if (nc_spool_copy(h->rows, f) < 0)
		return -1;
	fputs("</tbody></table>\n<h2>Details</h2>\n<main id=\"nc-details\">\n", f);
	if (nc_spool_copy(h->details, f) < 0)
		return -1;
	fputs("</main>\n", f);
	fprintf(f, "<script nonce=\"%s\" id=\"nc-js-filter\">\n%s</script>\n</body>\n</html>\n", h->nonce,
		html_js);
	return ferror(f) ? -1 : 0;
}

static int html_begin(void *self, const struct nc_run_info *run)
{
	struct html *h = self;
	set(&h->version, run->version);
	set(&h->hostname, run->hostname);
	set(&h->mode, run->mode);
	set(&h->mode_note, run->mode_note);
	set(&h->capture_note, run->capture_note);
	set(&h->command_line, run->command_line);
	set(&h->shard, run->shard);
	h->capture_on = run->capture_on;
	h->jobs = run->jobs;
	h->timeout_scale = run->timeout_scale;
	h->started = run->started_unix_ns;
	h->planned = run->total;
	return 0;
}

static int html_end(void *self, const struct nc_run_totals *t)
{
	struct html *h = self;
	h->totals = *t;
	return nc_rfile_finish(&h->rf, h->err, html_write, h);
}

static void html_destroy(void *self)
{
	struct html *h = self;
	if (h->rows)
		fclose(h->rows);
	if (h->details)
		fclose(h->details);
	nc_rfile_free(&h->rf);
	free(h->cwd);
	free(h->doc_dir);
	free(h->version);
	free(h->hostname);
	free(h->mode);
	free(h->mode_note);
	free(h->capture_note);
	free(h->command_line);
	free(h->shard);
	free(h);
}

static const struct nc_reporter_ops html_ops = {
	.name = "html",
	.begin = html_begin,
	.progress = NULL,
	.variant = html_variant,
	.end = html_end,
	.destroy = html_destroy,
};

int nc_html_reporter(struct nc_reporter *out, const char *path, char *err, size_t errlen)
{
	struct html *h = nc_xcalloc(1, sizeof(*h));
	if (nc_rfile_init(&h->rf, path, err, errlen) < 0) {
		free(h);
		return -1;
	}
	/* Links are computed against the directory the report lands in; the
	 * working directory is read now, before anything could change it. */
	h->cwd = getcwd(NULL, 0);
	if (!h->cwd) {
		snprintf(err, errlen, "cannot read the working directory: %s", strerror(errno));
		html_destroy(h);
		return -1;
	}
	h->doc_dir = h->rf.path ? nc_path_dirname(h->rf.path) : nc_strdup(".");
	unsigned char rnd[16];
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		snprintf(err, errlen, "cannot read random bytes for the page's nonce: %s", strerror(errno));
		html_destroy(h);
		return -1;
	}
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(h->nonce + 2 * i, 3, "%02x", rnd[i]);
	if (!(h->rows = nc_rfile_spool(&h->rf, err, errlen)) ||
	    !(h->details = nc_rfile_spool(&h->rf, err, errlen))) {
		html_destroy(h);
		return -1;
	}
	out->ops = &html_ops;
	out->self = h;
	return 0;
}
