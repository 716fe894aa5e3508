/* wire.c: judging what the capture showed.
 *
 * Automatic checks, which every variant gets:
 * - the address family: an inet6 variant puts no IPv4 packet on the wire,
 *   an inet or dual one no IPv6 packet;
 * - every datagram a built-in role sent is on the wire exactly once, with
 *   the same bytes, a consistent UDP length field, and the endpoints both
 *   sockets reported; every datagram one received was on the wire;
 * - every TCP stream a built-in role sent is, reassembled from the capture,
 *   exactly the bytes the application sent, and what the receiver read is
 *   what the wire carried (all of it when the receiver read to the end);
 * - the reassembly found no retransmission that changed bytes.
 *
 * The wire section is judged in wire_section.c and wire_stream.c.
 */
#include "check/wire.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/wire_int.h"
#include "util/hexdump.h"
#include "util/text.h"

/* ------------------------------------------------------------------------ */
/* Automatic checks */

static void check_family(const struct nc_observed *o, const struct nc_wirelog *w,
			 struct nc_result *r)
{
	char msg[400];
	uint32_t first = 0;
	uint64_t n = 0;
	const char *what = NULL;
	if (o->family == NC_FAM_INET6 && w->ipv4) {
		n = w->ipv4;
		first = w->first_ipv4;
		what = "IPv4";
	} else if (o->family != NC_FAM_INET6 && w->ipv6) {
		n = w->ipv6;
		first = w->first_ipv6;
		what = "IPv6";
	}
	if (!what)
		return;
	const struct nc_wpkt *p = NULL;
	for (size_t i = 0; i < nc_wirelog_count(w); i++)
		if (nc_wirelog_get(w, i)->index == first)
			p = nc_wirelog_get(w, i);
	snprintf(msg, sizeof(msg), "the %s variant put %llu %s packet%s on the wire (first: #%u %s)",
		 nc_family_name(o->family), (unsigned long long)n, what, n == 1 ? "" : "s", first,
		 p ? p->line : "");
	nc_wire_fail(r, o, 0, msg, "");
}

static bool dgram_bytes_match(const struct nc_wdgram *wd, const struct nc_dgram *d)
{
	if (wd->len != d->len)
		return false;
	if (d->copied == wd->captured)
		return wd->digest == d->digest;
	if (d->copied < wd->captured && wd->bytes)
		return nc_digest_bytes(wd->bytes, (size_t)d->copied) == d->digest;
	return d->copied < wd->captured; /* truncated and not kept: length only */
}

static void check_datagrams(const struct nc_observed *o, struct nc_wirelog *w,
			    struct nc_result *r)
{
	char msg[600], a[64], b[64];
	bool *sent_used = nc_xcalloc(w->ndgrams + 1, sizeof(bool));
	bool *recv_used = nc_xcalloc(w->ndgrams + 1, sizeof(bool));
	/* UDP length fields first: they must agree with the IP payload. */
	for (size_t i = 0; i < w->ndgrams; i++) {
		const struct nc_wdgram *wd = &w->dgrams[i];
		if ((uint32_t)wd->udp_len != wd->len + 8) {
			snprintf(msg, sizeof(msg), "datagram #%u has UDP length %u for %u payload bytes",
				 wd->index, wd->udp_len, wd->len);
			nc_wire_fail(r, o, 0, msg, "");
		}
	}
	for (int ri = 0; ri < NC_ROLE_COUNT; ri++) {
		const struct nc_role_obs *ro = &o->role[ri];
		const struct nc_role *role = &o->sc->role[ri];
		for (size_t k = 0; k < ro->ndgrams; k++) {
			const struct nc_dgram *d = &ro->dgrams[k];
			struct wep src, dst;
			nc_wep_from_addr(&d->local, &src);
			nc_wep_from_addr(&d->peer, &dst);
			uint32_t line = d->step < role->nsteps ? role->steps[d->step].pos.line : 0;
			size_t found = SIZE_MAX, same_ends = SIZE_MAX;
			bool *used = d->sent ? sent_used : recv_used;
			/* A received datagram came from its peer to this socket. */
			const struct wep *from = d->sent ? &src : &dst;
			const struct wep *to = d->sent ? &dst : &src;
			for (size_t i = 0; i < w->ndgrams && found == SIZE_MAX; i++) {
				const struct nc_wdgram *wd = &w->dgrams[i];
				if (used[i] || !nc_wep_match(from, wd->ipver, wd->src, wd->sport) ||
				    !nc_wep_match(to, wd->ipver, wd->dst, wd->dport))
					continue;
				if (same_ends == SIZE_MAX)
					same_ends = i;
				if (dgram_bytes_match(wd, d))
					found = i;
			}
			if (found != SIZE_MAX) {
				used[found] = true;
				continue;
			}
			if (same_ends != SIZE_MAX) {
				const struct nc_wdgram *wd = &w->dgrams[same_ends];
				snprintf(msg, sizeof(msg), "the %s %s a %llu-byte datagram (%s > %s), but "
					 "the wire shows #%u with %u bytes%s", nc_role_name(ri),
					 d->sent ? "sent" : "received", (unsigned long long)d->len,
					 nc_wep_str(from, a, sizeof(a)), nc_wep_str(to, b, sizeof(b)), wd->index,
					 wd->len, wd->len == d->len ? " of other content" : "");
			} else {
				snprintf(msg, sizeof(msg), "the %s %s a %llu-byte datagram (%s > %s) that "
					 "does not appear on the wire", nc_role_name(ri),
					 d->sent ? "sent" : "received", (unsigned long long)d->len,
					 nc_wep_str(from, a, sizeof(a)), nc_wep_str(to, b, sizeof(b)));
			}
			struct nc_buf det;
			nc_buf_init(&det, 0);
			nc_wire_neighbours(w, 0, &det);
			nc_wire_fail(r, o, line, msg, nc_buf_str(&det));
			nc_buf_free(&det);
		}
	}
	/* Exactly once: a datagram on the wire from a built-in sender that no
	 * send accounts for was duplicated or invented below the application. */
	for (size_t i = 0; i < w->ndgrams; i++) {
		const struct nc_wdgram *wd = &w->dgrams[i];
		if (sent_used[i])
			continue;
		for (int ri = 0; ri < NC_ROLE_COUNT; ri++) {
			const struct nc_role_obs *ro = &o->role[ri];
			if (o->sc->role[ri].is_exec || !o->sc->role[ri].present)
				continue;
			bool from_role = false;
			for (size_t k = 0; k < ro->ndgrams && !from_role; k++) {
				struct wep src;
				nc_wep_from_addr(&ro->dgrams[k].local, &src);
				from_role = ro->dgrams[k].sent &&
					    nc_wep_match(&src, wd->ipver, wd->src, wd->sport);
			}
			if (!from_role)
				continue;
			const struct nc_wpkt *p = NULL;
			size_t at = 0;
			for (size_t j = 0; j < nc_wirelog_count(w); j++)
				if (nc_wirelog_get(w, j)->index == wd->index) {
					p = nc_wirelog_get(w, j);
					at = j;
				}
			snprintf(msg, sizeof(msg), "datagram #%u (%u bytes) from the %s's socket "
				 "matches no send of the %s%s%s", wd->index, wd->len, nc_role_name(ri),
				 nc_role_name(ri), p ? ": " : "", p ? p->line : "");
			struct nc_buf det;
			nc_buf_init(&det, 0);
			nc_wire_neighbours(w, at, &det);
			nc_wire_fail(r, o, 0, msg, nc_buf_str(&det));
			nc_buf_free(&det);
		}
	}
	free(sent_used);
	free(recv_used);
}

static const struct nc_wstream *find_stream(const struct nc_wirelog *w, const struct wep *src,
					    const struct wep *dst)
{
	/* The last matching one: a reused 4-tuple means a newer connection. */
	const struct nc_wstream *found = NULL;
	for (size_t i = 0; i < w->nstreams; i++) {
		const struct nc_wstream *s = &w->streams[i];
		if (nc_wep_match(src, s->ipver, s->src, s->sport) &&
		    nc_wep_match(dst, s->ipver, s->dst, s->dport))
			found = s;
	}
	return found;
}

static void range_text(uint64_t lo, uint64_t hi, char *buf, size_t n)
{
	if (lo == hi)
		snprintf(buf, n, "at offset %llu", (unsigned long long)lo);
	else
		snprintf(buf, n, "within bytes %llu..%llu", (unsigned long long)lo,
			 (unsigned long long)hi);
}

/* Shows both heads around the first difference when it lies inside them. */
static void stream_diff(const struct nc_streamsum *exp, const struct nc_streamsum *act,
			uint64_t lo, struct nc_buf *d)
{
	if (lo >= exp->head.len && lo >= act->head.len)
		return;
	uint64_t base = lo > 64 ? (lo - 64) & ~(uint64_t)15 : 0;
	size_t ne = exp->head.len > base ? exp->head.len - base : 0;
	size_t na = act->head.len > base ? act->head.len - base : 0;
	if (ne > 256)
		ne = 256;
	if (na > 256)
		na = 256;
	nc_hexdiff(d, "", exp->head.data + base, ne, act->head.data + base, na, base,
		   (int64_t)(lo - base));
}

/* Reports that a role's view of a stream and the wire's differ: the first
 * byte range known to differ, and a hex diff when it lies in the kept
 * heads. `want` is the side taken as the reference. */
static void stream_mismatch(const struct nc_observed *o, struct nc_result *r, int ri,
			    const char *verb, uint64_t app_total, uint64_t wire_total, const char *a,
			    const char *dir, const char *b, const struct nc_streamsum *want,
			    const struct nc_streamsum *got, uint64_t lo, uint64_t hi)
{
	char msg[700], range[96];
	range_text(lo, hi, range, sizeof(range));
	snprintf(msg, sizeof(msg), "the %s %s %llu bytes on %s%s%s, the wire carried %llu "
		 "(first difference %s)", nc_role_name(ri), verb, (unsigned long long)app_total, a,
		 dir, b, (unsigned long long)wire_total, range);
	struct nc_buf d;
	nc_buf_init(&d, 0);
	stream_diff(want, got, lo, &d);
	nc_wire_fail(r, o, o->sc->role[ri].pos.line, msg, nc_buf_str(&d));
	nc_buf_free(&d);
}

static void check_streams(const struct nc_observed *o, const struct nc_wirelog *w,
			  struct nc_result *r)
{
	char msg[700], a[64], b[64];
	for (size_t i = 0; i < w->nstreams; i++) {
		const struct nc_wstream *s = &w->streams[i];
		if (s->inconsistencies) {
			snprintf(msg, sizeof(msg), "TCP connection %u: %llu retransmission%s carried "
				 "other bytes than the first transmission (first: %s)", s->conn,
				 (unsigned long long)s->inconsistencies, s->inconsistencies == 1 ? "" : "s",
				 s->first_inconsistency);
			nc_wire_fail(r, o, 0, msg, "");
		}
	}
	for (int ri = 0; ri < NC_ROLE_COUNT; ri++) {
		const struct nc_role_obs *ro = &o->role[ri];
		const struct nc_role *role = &o->sc->role[ri];
		for (size_t k = 0; k < ro->nstreams; k++) {
			const struct nc_stream *st = &ro->streams[k];
			struct wep local, peer;
			nc_wep_from_addr(&st->local, &local);
			nc_wep_from_addr(&st->peer, &peer);
			const struct nc_wstream *out = find_stream(w, &local, &peer);
			const struct nc_wstream *in = find_stream(w, &peer, &local);
			nc_wep_str(&local, a, sizeof(a));
			nc_wep_str(&peer, b, sizeof(b));
			if (!out || !in) {
				snprintf(msg, sizeof(msg), "the %s's connection %s > %s does not appear "
					 "on the wire", nc_role_name(ri), a, b);
				nc_wire_fail(r, o, role->pos.line, msg, "");
				continue;
			}
			if (out->holes || in->holes) {
				const struct nc_wstream *h = out->holes ? out : in;
				snprintf(msg, sizeof(msg), "the capture is missing %llu bytes of the "
					 "stream %s > %s (first at offset %llu), so it cannot be compared",
					 (unsigned long long)h->hole_bytes, out->holes ? a : b,
					 out->holes ? b : a, (unsigned long long)h->first_hole);
				nc_result_fail(r, true, "capture", o->sc->path, 0, msg, "");
				continue;
			}
			uint64_t lo = 0, hi = 0;
			/* What the application sent is on the wire: all of it, unless the
			 * peer reset the connection and the rest was discarded. */
			bool peer_reset = in->saw_rst;
			bool sent_ok = peer_reset ? nc_streamsum_prefix_of(&out->sum, &st->sent, &lo, &hi)
						  : nc_streamsum_equal(&st->sent, &out->sum, &lo, &hi);
			if (!sent_ok)
				stream_mismatch(o, r, ri, "sent", st->sent.total, out->sum.total, a, " > ",
						b, &st->sent, &out->sum, lo, hi);
			/* What the application received came off the wire, and all of it
			 * when it read to the end of the stream. */
			bool recv_ok = st->recv_eof ? nc_streamsum_equal(&in->sum, &st->recvd, &lo, &hi)
						    : nc_streamsum_prefix_of(&st->recvd, &in->sum, &lo, &hi);
			if (!recv_ok)
				stream_mismatch(o, r, ri, "received", st->recvd.total, in->sum.total, a,
						" < ", b, &in->sum, &st->recvd, lo, hi);
		}
	}
}

void nc_check_wire_auto(const struct nc_observed *o, struct nc_wirelog *w, struct nc_result *r)
{
	check_family(o, w, r);
	if (w->bad) {
		char msg[400];
		snprintf(msg, sizeof(msg), "%llu captured packet%s did not decode cleanly (first: %s)",
			 (unsigned long long)w->bad, w->bad == 1 ? "" : "s", w->first_bad);
		nc_wire_fail(r, o, 0, msg, "");
	}
	if (o->sc->transport == NC_TRANSPORT_UDP)
		check_datagrams(o, w, r);
	else
		check_streams(o, w, r);
}
