/* event.c: impairment events, encoded, decoded and in words (event.h). */
#include "impair/event.h"

#include <stdio.h>
#include <string.h>

#include "util/cursor.h"
#include "wire/format.h"
#include "wire/packet.h"

#define STATS_FIELDS 12

void nc_imp_event_frame(struct nc_imp_event *ev, const uint8_t *frame, uint32_t len)
{
	ev->len = len;
	ev->head_len = (uint16_t)(len < NC_IMP_HEAD_MAX ? len : NC_IMP_HEAD_MAX);
	memcpy(ev->head, frame, ev->head_len);
}

static void stats_fields(struct nc_imp_stats *s, uint64_t *f[STATS_FIELDS])
{
	uint64_t *all[STATS_FIELDS] = { &s->frames, &s->forwarded, &s->dropped, &s->duplicated,
					&s->corrupted, &s->delayed, &s->reordered, &s->overflow,
					&s->kernel_drops, &s->send_errors, &s->events_lost,
					&s->discarded };
	memcpy(f, all, sizeof(all));
}

int nc_imp_event_put(struct nc_buf *out, const struct nc_imp_event *ev)
{
	size_t start = out->len, dropped = out->dropped;
	int rc = 0;
	rc |= nc_buf_put_u32(out, 0); /* the length, filled in below */
	rc |= nc_buf_put_u8(out, (uint8_t)ev->kind);
	rc |= nc_buf_put_u64(out, (uint64_t)ev->t_ns);
	rc |= nc_buf_put_u16(out, ev->link);
	rc |= nc_buf_put_u8(out, ev->dir);
	rc |= nc_buf_put_u8(out, ev->rule);
	rc |= nc_buf_put_u64(out, ev->index);
	rc |= nc_buf_put_u64(out, ev->match);
	rc |= nc_buf_put_u32(out, ev->len);
	rc |= nc_buf_put_u64(out, (uint64_t)ev->amount_ns);
	rc |= nc_buf_put_u32(out, ev->offset);
	rc |= nc_buf_put_u8(out, ev->bit);
	rc |= nc_buf_put_u32(out, ev->copies);
	rc |= nc_buf_put_u64(out, ev->other);
	rc |= nc_buf_put_u32(out, (uint32_t)ev->err);
	uint16_t hl = ev->head_len <= NC_IMP_HEAD_MAX ? ev->head_len : NC_IMP_HEAD_MAX;
	rc |= nc_buf_put_u16(out, hl);
	rc |= nc_buf_add(out, ev->head, hl);
	if (ev->kind == NC_IMP_EV_STATS) {
		uint64_t *f[STATS_FIELDS];
		stats_fields((struct nc_imp_stats *)&ev->stats, f);
		for (int i = 0; i < STATS_FIELDS; i++)
			rc |= nc_buf_put_u64(out, *f[i]);
	}
	/* A buffer at its maximum drops bytes silently (counted in dropped):
	 * a partial event must not stay in it. */
	size_t body = out->len - start;
	if (rc != 0 || body < 4 || out->dropped != dropped) {
		out->len = start;
		out->dropped = dropped;
		return -1;
	}
	uint32_t n = (uint32_t)(body - 4);
	out->data[start] = (uint8_t)(n >> 24);
	out->data[start + 1] = (uint8_t)(n >> 16);
	out->data[start + 2] = (uint8_t)(n >> 8);
	out->data[start + 3] = (uint8_t)n;
	return 0;
}

int nc_imp_event_next(const uint8_t *in, size_t len, struct nc_imp_event *ev, size_t *used)
{
	struct nc_cursor c = nc_cursor_make(in, len);
	if (len < 4)
		return 0;
	uint32_t n = nc_cursor_u32(&c);
	if (n == 0 || n > NC_IMP_EV_FRAME_MAX)
		return -1;
	/* A kind that does not exist is refused as soon as it is there, not
	 * once the frame it claims to start is whole. */
	if (c.left > 0 && (c.p[0] < NC_IMP_EV_DROP || c.p[0] > NC_IMP_EV_FAULT))
		return -1;
	if (c.left < n)
		return 0;
	struct nc_cursor b = nc_cursor_sub(&c, n);
	memset(ev, 0, sizeof(*ev));
	uint8_t kind = nc_cursor_u8(&b);
	if (kind < NC_IMP_EV_DROP || kind > NC_IMP_EV_FAULT)
		return -1;
	ev->kind = (enum nc_imp_ev_kind)kind;
	ev->t_ns = (int64_t)nc_cursor_u64(&b);
	ev->link = nc_cursor_u16(&b);
	ev->dir = nc_cursor_u8(&b);
	ev->rule = nc_cursor_u8(&b);
	ev->index = nc_cursor_u64(&b);
	ev->match = nc_cursor_u64(&b);
	ev->len = nc_cursor_u32(&b);
	ev->amount_ns = (int64_t)nc_cursor_u64(&b);
	ev->offset = nc_cursor_u32(&b);
	ev->bit = nc_cursor_u8(&b);
	ev->copies = nc_cursor_u32(&b);
	ev->other = nc_cursor_u64(&b);
	ev->err = (int32_t)nc_cursor_u32(&b);
	ev->head_len = nc_cursor_u16(&b);
	if (ev->head_len > NC_IMP_HEAD_MAX || ev->dir > 1 || ev->bit > 7)
		return -1;
	nc_cursor_copy(&b, ev->head, ev->head_len);
	if (ev->kind == NC_IMP_EV_STATS) {
		uint64_t *f[STATS_FIELDS];
		stats_fields(&ev->stats, f);
		for (int i = 0; i < STATS_FIELDS; i++)
			*f[i] = nc_cursor_u64(&b);
	}
	if (!b.ok || b.left != 0)
		return -1;
	*used = 4 + (size_t)n;
	return 1;
}

const char *nc_imp_ev_kind_name(enum nc_imp_ev_kind k)
{
	switch (k) {
	case NC_IMP_EV_DROP: return "dropped";
	case NC_IMP_EV_DUPLICATE: return "duplicated";
	case NC_IMP_EV_CORRUPT: return "corrupted";
	case NC_IMP_EV_DELAY: return "delayed";
	case NC_IMP_EV_REORDER: return "reordered";
	case NC_IMP_EV_RATE: return "queued for the rate";
	case NC_IMP_EV_OVERFLOW: return "dropped, queue full";
	case NC_IMP_EV_LOSS: return "lost";
	case NC_IMP_EV_STATS: return "counters";
	case NC_IMP_EV_FAULT: return "forwarder stopped";
	}
	return "?";
}

static const char *ordinal_suffix(uint64_t n)
{
	if (n % 100 >= 11 && n % 100 <= 13)
		return "th";
	switch (n % 10) {
	case 1: return "st";
	case 2: return "nd";
	case 3: return "rd";
	}
	return "th";
}

/* What the event says beyond its kind: "by 10.3 ms", "bit 3 of byte 54". */
static void detail(const struct nc_imp_event *ev, char *buf, size_t n)
{
	buf[0] = '\0';
	switch (ev->kind) {
	case NC_IMP_EV_DUPLICATE:
		snprintf(buf, n, ", %u more cop%s", ev->copies, ev->copies == 1 ? "y" : "ies");
		break;
	case NC_IMP_EV_CORRUPT:
		snprintf(buf, n, ", bit %u of byte %u", ev->bit, ev->offset);
		break;
	case NC_IMP_EV_DELAY:
	case NC_IMP_EV_RATE:
		snprintf(buf, n, " by %.3f ms", (double)ev->amount_ns / 1e6);
		break;
	case NC_IMP_EV_REORDER:
		if (ev->other)
			snprintf(buf, n, ": held %.3f ms, sent after #%llu",
				 (double)ev->amount_ns / 1e6, (unsigned long long)ev->other);
		else
			snprintf(buf, n, ": held %.3f ms, sent at its time limit with no frame "
				 "after it", (double)ev->amount_ns / 1e6);
		break;
	case NC_IMP_EV_OVERFLOW:
		snprintf(buf, n, " (%llu waiting)", (unsigned long long)ev->other);
		break;
	case NC_IMP_EV_LOSS:
		if (ev->err)
			snprintf(buf, n, ": the send failed (%s)", strerror(ev->err));
		else
			snprintf(buf, n, ": %llu frame%s dropped by the kernel before the "
				 "forwarder read them", (unsigned long long)ev->other,
				 ev->other == 1 ? "" : "s");
		break;
	case NC_IMP_EV_FAULT:
		snprintf(buf, n, ": %s failed (%s)", nc_imp_fault_name((enum nc_imp_fault)ev->other),
			 strerror(ev->err));
		break;
	case NC_IMP_EV_DROP:
	case NC_IMP_EV_STATS:
		break;
	}
}

const char *nc_imp_fault_name(enum nc_imp_fault f)
{
	switch (f) {
	case NC_IMP_FAULT_POLL: return "waiting (ppoll)";
	case NC_IMP_FAULT_RECV: return "reading frames (recvmmsg)";
	case NC_IMP_FAULT_MEMORY: return "allocating memory";
	case NC_IMP_FAULT_EVENTS: return "writing events";
	}
	return "?";
}

const char *nc_imp_event_str(const struct nc_imp_event *ev, const char *host_a,
			     const char *host_b, char *buf, size_t n)
{
	const char *a = host_a ? host_a : "a", *b = host_b ? host_b : "b";
	const char *from = ev->dir == 0 ? a : b, *to = ev->dir == 0 ? b : a;
	if (ev->kind == NC_IMP_EV_STATS) {
		const struct nc_imp_stats *s = &ev->stats;
		snprintf(buf, n,
			 "link %u %s>%s: %llu frames, %llu forwarded, %llu dropped, %llu copies, "
			 "%llu corrupted, %llu delayed, %llu reordered, %llu overflow, %llu lost "
			 "in the kernel, %llu send errors, %llu events lost, %llu discarded at "
			 "the stop",
			 ev->link, from, to, (unsigned long long)s->frames,
			 (unsigned long long)s->forwarded, (unsigned long long)s->dropped,
			 (unsigned long long)s->duplicated, (unsigned long long)s->corrupted,
			 (unsigned long long)s->delayed, (unsigned long long)s->reordered,
			 (unsigned long long)s->overflow, (unsigned long long)s->kernel_drops,
			 (unsigned long long)s->send_errors, (unsigned long long)s->events_lost,
			 (unsigned long long)s->discarded);
		return buf;
	}
	char rule[64] = "", more[160], pkt[256] = "";
	if (ev->rule != NC_IMP_NO_RULE)
		snprintf(rule, sizeof(rule), " (rule %u, its %llu%s frame)", ev->rule,
			 (unsigned long long)ev->match, ordinal_suffix(ev->match));
	detail(ev, more, sizeof(more));
	if (ev->head_len) {
		struct nc_pkt p;
		memset(&p, 0, sizeof(p));
		nc_pkt_decode(NC_LINK_EN10MB, ev->head, ev->head_len, ev->len, &p);
		nc_pkt_format_str(&p, NULL, pkt, sizeof(pkt));
	}
	if (ev->index)
		snprintf(buf, n, "link %u %s>%s #%llu %s%s%s%s%s", ev->link, from, to,
			 (unsigned long long)ev->index, nc_imp_ev_kind_name(ev->kind), more, rule,
			 pkt[0] ? ": " : "", pkt);
	else
		snprintf(buf, n, "link %u %s>%s %s%s", ev->link, from, to,
			 nc_imp_ev_kind_name(ev->kind), more);
	return buf;
}
