/* dumpfile.c: one text line per packet of a capture file (libpcap reader). */
#include "wire/dumpfile.h"

#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "wire/format.h"
#include "wire/packet.h"

long nc_wire_dump_pcap_lines(const char *path, const struct nc_dump_opts *opts,
			     nc_dump_line_fn fn, void *ctx, char *err, size_t errlen)
{
	static const struct nc_dump_opts defaults;
	if (!opts)
		opts = &defaults;
	if (errlen > 0)
		err[0] = 0;

	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO,
								ebuf);
	if (!pc) {
		snprintf(err, errlen, "%s: %s", path, ebuf);
		return -1;
	}
	int linktype = pcap_datalink(pc);
	struct nc_fmt_ctx *fctx = opts->absolute_seq ? NULL : nc_fmt_ctx_new(0);
	struct nc_buf line;
	nc_buf_init(&line, 0);
	long n = 0;
	long rc = -1;

	for (;;) {
		struct pcap_pkthdr *h;
		const u_char *data;
		int r = pcap_next_ex(pc, &h, &data);
		if (r == PCAP_ERROR_BREAK) {
			rc = n;
			break;
		}
		if (r != 1) {
			snprintf(err, errlen, "%s: after packet %ld: %s", path, n, pcap_geterr(pc));
			break;
		}
		n++;
		struct nc_pkt p;
		nc_pkt_decode(linktype, data, h->caplen, h->len, &p);
		p.index = (uint32_t)n;
		/* The file was opened for nanoseconds, so tv_usec holds them. */
		p.ts_ns = (int64_t)h->ts.tv_sec * 1000000000 + h->ts.tv_usec;

		nc_buf_reset(&line);
		nc_buf_printf(&line, "#%u ", p.index);
		if (opts->timestamps)
			nc_buf_printf(&line, "%lld.%09ld ", (long long)h->ts.tv_sec,
				      (long)h->ts.tv_usec);
		if (nc_pkt_format(&line, &p, fctx) < 0) {
			snprintf(err, errlen, "%s: packet %ld: out of memory", path, n);
			break;
		}
		if (fn(ctx, nc_buf_str(&line), line.len) != 0) {
			snprintf(err, errlen, "%s: stopped after packet %ld", path, n);
			break;
		}
	}

	nc_buf_free(&line);
	nc_fmt_ctx_free(fctx);
	pcap_close(pc);
	return rc;
}

static int add_line(void *ctx, const char *line, size_t len)
{
	struct nc_buf *out = ctx;
	if (nc_buf_add(out, line, len) < 0 || nc_buf_addc(out, '\n') < 0)
		return -1;
	return out->dropped ? -1 : 0;
}

int nc_wire_dump_pcap_opts(const char *path, const struct nc_dump_opts *opts,
			   struct nc_buf *out, char *err, size_t errlen)
{
	long n = nc_wire_dump_pcap_lines(path, opts, add_line, out, err, errlen);
	if (n >= 0)
		return 0;
	if (out->dropped)
		snprintf(err, errlen, "%s: the dump exceeds the output limit of %zu bytes", path,
			 out->max);
	return -1;
}

int nc_wire_dump_pcap(const char *path, struct nc_buf *out, char *err, size_t errlen)
{
	return nc_wire_dump_pcap_opts(path, NULL, out, err, errlen);
}
