/* record.c: encoding and decoding of role records (see record.h). */
#include "steps/record.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Facts */

void nc_fact_init(struct nc_fact *f)
{
	memset(f, 0, sizeof(*f));
	f->diff_at = -1;
	nc_buf_init(&f->actual, NC_EXCERPT_MAX);
	nc_buf_init(&f->expected, NC_EXCERPT_MAX);
}

void nc_fact_free(struct nc_fact *f)
{
	nc_buf_free(&f->actual);
	nc_buf_free(&f->expected);
}

void nc_unread_init(struct nc_unread *u)
{
	memset(u, 0, sizeof(*u));
	nc_buf_init(&u->bytes, NC_EXCERPT_MAX);
}

void nc_unread_free(struct nc_unread *u)
{
	nc_buf_free(&u->bytes);
}

void nc_stream_free(struct nc_stream *s)
{
	nc_streamsum_free(&s->sent);
	nc_streamsum_free(&s->recvd);
}

/* ------------------------------------------------------------------------ */
/* Encoding */

int nc_put_addr(struct nc_buf *out, const struct nc_addr *a)
{
	nc_buf_put_u8(out, a->family == AF_INET ? 4 : a->family == AF_INET6 ? 6 : 0);
	nc_buf_add(out, a->ip, 16);
	return nc_buf_put_u16(out, a->port);
}

int nc_get_addr(struct nc_cursor *c, struct nc_addr *a)
{
	memset(a, 0, sizeof(*a));
	uint8_t fam = nc_cursor_u8(c);
	a->family = fam == 4 ? AF_INET : fam == 6 ? AF_INET6 : 0;
	nc_cursor_copy(c, a->ip, 16);
	a->port = nc_cursor_u16(c);
	return c->ok && (fam == 0 || fam == 4 || fam == 6) ? 0 : -1;
}

int nc_put_streamsum(struct nc_buf *out, const struct nc_streamsum *s)
{
	nc_buf_put_u64(out, s->total);
	nc_buf_put_u8(out, s->blocks_overflow);
	nc_buf_put_u32(out, s->nblocks);
	for (uint32_t i = 0; i < s->nblocks; i++)
		nc_buf_put_u64(out, s->blocks[i]);
	nc_buf_put_u64(out, s->last);
	return nc_buf_put_bytes(out, s->head.data, s->head.len);
}

int nc_get_streamsum(struct nc_cursor *c, struct nc_streamsum *s)
{
	nc_streamsum_init(s);
	s->total = nc_cursor_u64(c);
	s->blocks_overflow = nc_cursor_u8(c) != 0;
	uint32_t n = nc_cursor_u32(c);
	if (!c->ok || n > NC_SUM_MAX_BLOCKS || !nc_cursor_has(c, (size_t)n * 8))
		return -1;
	if (n) {
		s->blocks = malloc((size_t)n * sizeof(uint64_t));
		if (!s->blocks)
			return -1;
		s->cap = n;
	}
	for (uint32_t i = 0; i < n; i++)
		s->blocks[i] = nc_cursor_u64(c);
	s->nblocks = n;
	s->last = nc_cursor_u64(c);
	uint32_t hl = nc_cursor_u32(c);
	if (!c->ok || hl > NC_SUM_HEAD)
		return -1;
	const uint8_t *h = nc_cursor_take(c, hl);
	if (!h)
		return -1;
	nc_buf_add(&s->head, h, hl);
	return 0;
}

/* Starts a frame; returns the offset of its length field. */
static size_t frame_begin(struct nc_buf *out, enum nc_rec_type type)
{
	size_t at = out->len;
	nc_buf_put_u32(out, 0);
	nc_buf_put_u8(out, (uint8_t)type);
	return at;
}

static int frame_end(struct nc_buf *out, size_t at)
{
	if (out->dropped)
		return -1;
	uint32_t len = (uint32_t)(out->len - at - 4);
	out->data[at] = (uint8_t)(len >> 24);
	out->data[at + 1] = (uint8_t)(len >> 16);
	out->data[at + 2] = (uint8_t)(len >> 8);
	out->data[at + 3] = (uint8_t)len;
	return 0;
}

int nc_rec_ready(struct nc_buf *out, const struct nc_addr *bound)
{
	size_t at = frame_begin(out, NC_REC_READY);
	nc_put_addr(out, bound);
	return frame_end(out, at);
}

int nc_rec_step_begin(struct nc_buf *out, uint32_t step, int64_t t)
{
	size_t at = frame_begin(out, NC_REC_STEP_BEGIN);
	nc_buf_put_u32(out, step);
	nc_buf_put_u64(out, (uint64_t)t);
	return frame_end(out, at);
}

int nc_rec_step_end(struct nc_buf *out, const struct nc_fact *f)
{
	size_t at = frame_begin(out, NC_REC_STEP_END);
	nc_buf_put_u32(out, f->step);
	nc_buf_put_u64(out, (uint64_t)f->t_start);
	nc_buf_put_u64(out, (uint64_t)f->t_end);
	nc_buf_put_u64(out, (uint64_t)f->ret);
	nc_buf_put_u32(out, (uint32_t)f->err);
	nc_buf_put_u32(out, f->calls);
	nc_buf_put_u64(out, f->nbytes);
	nc_buf_put_u64(out, f->dgram_len);
	nc_buf_put_u64(out, f->unread);
	nc_buf_put_u32(out, (uint32_t)f->msg_flags);
	nc_buf_put_u8(out, (uint8_t)(f->eof | (f->deadline_hit << 1) | (f->compared << 2) |
				     (f->silent << 3)));
	nc_put_addr(out, &f->local);
	nc_put_addr(out, &f->peer);
	nc_buf_put_u64(out, (uint64_t)f->diff_at);
	nc_buf_put_u64(out, f->expected_len);
	nc_buf_put_u64(out, f->excerpt_off);
	nc_buf_put_bytes(out, f->actual.data, f->actual.len);
	nc_buf_put_bytes(out, f->expected.data, f->expected.len);
	nc_buf_put_str(out, f->note);
	return frame_end(out, at);
}

int nc_rec_dgram(struct nc_buf *out, const struct nc_dgram *d)
{
	size_t at = frame_begin(out, NC_REC_DGRAM);
	nc_buf_put_u8(out, d->sent);
	nc_buf_put_u32(out, d->step);
	nc_put_addr(out, &d->local);
	nc_put_addr(out, &d->peer);
	nc_buf_put_u64(out, d->len);
	nc_buf_put_u64(out, d->copied);
	nc_buf_put_u64(out, d->digest);
	nc_buf_put_u64(out, (uint64_t)d->t);
	return frame_end(out, at);
}

int nc_rec_stream(struct nc_buf *out, const struct nc_stream *s)
{
	size_t at = frame_begin(out, NC_REC_STREAM);
	nc_put_addr(out, &s->local);
	nc_put_addr(out, &s->peer);
	nc_buf_put_u8(out, s->recv_eof);
	nc_put_streamsum(out, &s->sent);
	nc_put_streamsum(out, &s->recvd);
	return frame_end(out, at);
}

int nc_rec_done(struct nc_buf *out)
{
	size_t at = frame_begin(out, NC_REC_DONE);
	return frame_end(out, at);
}

int nc_rec_unread(struct nc_buf *out, const struct nc_unread *u)
{
	size_t at = frame_begin(out, NC_REC_UNREAD);
	nc_put_addr(out, &u->local);
	nc_put_addr(out, &u->peer);
	nc_buf_put_u64(out, u->count);
	nc_buf_put_u64(out, (uint64_t)u->t);
	nc_buf_put_bytes(out, u->bytes.data, u->bytes.len);
	return frame_end(out, at);
}

/* ------------------------------------------------------------------------ */
/* Decoding */

int nc_rec_next(const uint8_t *in, size_t len, enum nc_rec_type *type,
		struct nc_cursor *body, size_t *used)
{
	if (len < 5)
		return 0;
	struct nc_cursor c = nc_cursor_make(in, len);
	uint32_t flen = nc_cursor_u32(&c);
	if (flen < 1 || flen > NC_REC_MAX_FRAME)
		return -1;
	if (len - 4 < flen)
		return 0;
	uint8_t t = nc_cursor_u8(&c);
	if (t < NC_REC_READY || t > NC_REC_LAST)
		return -1;
	*type = (enum nc_rec_type)t;
	*body = nc_cursor_make(in + 5, flen - 1);
	*used = 4 + (size_t)flen;
	return 1;
}

int nc_rec_read_ready(struct nc_cursor *c, struct nc_addr *bound)
{
	return nc_get_addr(c, bound);
}

int nc_rec_read_step_begin(struct nc_cursor *c, uint32_t *step, int64_t *t)
{
	*step = nc_cursor_u32(c);
	*t = (int64_t)nc_cursor_u64(c);
	return c->ok ? 0 : -1;
}

static int get_bytes(struct nc_cursor *c, struct nc_buf *out)
{
	uint32_t n = nc_cursor_u32(c);
	const uint8_t *p = nc_cursor_take(c, n);
	if (!p)
		return -1;
	return nc_buf_add(out, p, n);
}

int nc_rec_read_step_end(struct nc_cursor *c, struct nc_fact *f)
{
	f->step = nc_cursor_u32(c);
	f->t_start = (int64_t)nc_cursor_u64(c);
	f->t_end = (int64_t)nc_cursor_u64(c);
	f->ret = (int64_t)nc_cursor_u64(c);
	f->err = (int)nc_cursor_u32(c);
	f->calls = nc_cursor_u32(c);
	f->nbytes = nc_cursor_u64(c);
	f->dgram_len = nc_cursor_u64(c);
	f->unread = nc_cursor_u64(c);
	f->msg_flags = (int)nc_cursor_u32(c);
	uint8_t bits = nc_cursor_u8(c);
	f->eof = bits & 1;
	f->deadline_hit = (bits >> 1) & 1;
	f->compared = (bits >> 2) & 1;
	f->silent = (bits >> 3) & 1;
	if (nc_get_addr(c, &f->local) < 0 || nc_get_addr(c, &f->peer) < 0)
		return -1;
	f->diff_at = (int64_t)nc_cursor_u64(c);
	f->expected_len = nc_cursor_u64(c);
	f->excerpt_off = nc_cursor_u64(c);
	if (get_bytes(c, &f->actual) < 0 || get_bytes(c, &f->expected) < 0)
		return -1;
	uint32_t nl = nc_cursor_u32(c);
	const uint8_t *note = nc_cursor_take(c, nl);
	if (!note)
		return -1;
	size_t keep = nl < sizeof(f->note) - 1 ? nl : sizeof(f->note) - 1;
	memcpy(f->note, note, keep);
	f->note[keep] = 0;
	return c->ok ? 0 : -1;
}

int nc_rec_read_dgram(struct nc_cursor *c, struct nc_dgram *d)
{
	memset(d, 0, sizeof(*d));
	d->sent = nc_cursor_u8(c) != 0;
	d->step = nc_cursor_u32(c);
	if (nc_get_addr(c, &d->local) < 0 || nc_get_addr(c, &d->peer) < 0)
		return -1;
	d->len = nc_cursor_u64(c);
	d->copied = nc_cursor_u64(c);
	d->digest = nc_cursor_u64(c);
	d->t = (int64_t)nc_cursor_u64(c);
	return c->ok ? 0 : -1;
}

int nc_rec_read_stream(struct nc_cursor *c, struct nc_stream *s)
{
	memset(s, 0, sizeof(*s));
	nc_streamsum_init(&s->sent);
	nc_streamsum_init(&s->recvd);
	if (nc_get_addr(c, &s->local) < 0 || nc_get_addr(c, &s->peer) < 0)
		return -1;
	s->recv_eof = nc_cursor_u8(c) != 0;
	nc_streamsum_free(&s->sent);
	nc_streamsum_free(&s->recvd);
	if (nc_get_streamsum(c, &s->sent) < 0) {
		nc_streamsum_init(&s->recvd);
		return -1;
	}
	if (nc_get_streamsum(c, &s->recvd) < 0)
		return -1;
	return c->ok ? 0 : -1;
}

int nc_rec_read_unread(struct nc_cursor *c, struct nc_unread *u)
{
	if (nc_get_addr(c, &u->local) < 0 || nc_get_addr(c, &u->peer) < 0)
		return -1;
	u->count = nc_cursor_u64(c);
	u->t = (int64_t)nc_cursor_u64(c);
	uint32_t n = nc_cursor_u32(c);
	const uint8_t *p = nc_cursor_take(c, n);
	if (!p || n > NC_EXCERPT_MAX || n > u->count)
		return -1;
	nc_buf_add(&u->bytes, p, n);
	return c->ok ? 0 : -1;
}
