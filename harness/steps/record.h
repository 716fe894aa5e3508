/* record.h: what a role process reports to its variant supervisor.
 *
 * A role records facts, not verdicts: what each call returned, when, with
 * which addresses and bytes. The supervisor's checks (harness/check/) judge
 * them. Records travel over a pipe as frames:
 *
 *     u32 length of what follows | u8 type | body
 *
 * all integers big-endian, written by nc_rec_* encoders and read back through
 * bounds-checked cursors, so a role that dies mid-frame cannot make the
 * supervisor read garbage.
 *
 * One comparison is done in the role rather than in the supervisor: a stream
 * expectation of 1 GiB cannot be shipped over a pipe, so the role compares
 * what it receives against the expected payload as the bytes arrive and
 * reports where they first differ, with excerpts of both around that point.
 */
#ifndef NC_STEPS_RECORD_H
#define NC_STEPS_RECORD_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "util/addr.h"
#include "util/buf.h"
#include "util/cursor.h"
#include "util/digest.h"

enum nc_rec_type {
	NC_REC_READY = 1,     /* the server finished its setup steps */
	NC_REC_STEP_BEGIN,    /* a step is about to make its calls */
	NC_REC_STEP_END,      /* a step's facts */
	NC_REC_DGRAM,         /* one datagram sent or received */
	NC_REC_STREAM,        /* summary of a stream socket, at close */
	NC_REC_DONE,          /* the role ran all its steps */
	NC_REC_UNREAD,        /* at the role's end, a stream held bytes never read */
};
#define NC_REC_LAST NC_REC_UNREAD

#define NC_EXCERPT_MAX 4096u    /* bytes of data kept per step in facts */
#define NC_REC_MAX_FRAME (1u << 20)


/* The facts of one step. */
struct nc_fact {
	uint32_t step;          /* index in the role's steps */
	int64_t t_start;        /* ns since the variant's epoch */
	int64_t t_end;
	int64_t ret;            /* the last call's return value */
	int err;                /* errno of the failing call, 0 when none */
	uint32_t calls;         /* system calls made */
	uint64_t nbytes;        /* bytes moved by the step */
	uint64_t dgram_len;     /* receive: the datagram's real length */
	int msg_flags;          /* receive: recvmsg's msg_flags */
	bool eof;               /* a receive saw the end of the stream */
	bool deadline_hit;      /* a multi-call receive (or a silence) stopped at its deadline */
	bool silent;            /* => none within D: nothing arrived for D */
	struct nc_addr local;   /* getsockname after the step */
	struct nc_addr peer;    /* accept's peer, recvfrom's source, connect's target */

	/* close: received bytes no step read, waiting in the socket when it
	 * was closed (EOF is not data). The first of them are in `actual`. */
	uint64_t unread;

	/* Receive steps with a data expectation; close => unread PAYLOAD. */
	bool compared;
	int64_t diff_at;        /* first differing offset; -1 when equal */
	uint64_t expected_len;
	uint64_t excerpt_off;   /* stream offset of both excerpts */
	struct nc_buf actual;   /* bytes received around excerpt_off (owned) */
	struct nc_buf expected; /* expected bytes around excerpt_off (owned) */

	/* A problem of the harness itself (say, a variable with no value). */
	char note[256];
};

void nc_fact_init(struct nc_fact *f);
void nc_fact_free(struct nc_fact *f);

/* One datagram, for the wire checks: the bytes are summarized. */
struct nc_dgram {
	bool sent;              /* sent by this role (else received) */
	uint32_t step;
	struct nc_addr local;   /* this socket's address (sender side for sent) */
	struct nc_addr peer;    /* destination, or source when received */
	uint64_t len;           /* the datagram's length */
	uint64_t copied;        /* bytes the digest covers (less when truncated) */
	uint64_t digest;        /* digest of the first `copied` bytes */
	int64_t t;
};

/* A stream socket's whole life: all bytes sent and received. */
struct nc_stream {
	struct nc_addr local, peer;
	bool recv_eof;
	struct nc_streamsum sent;   /* owned */
	struct nc_streamsum recvd;  /* owned */
};

/* A stream socket the role ended with, still open, holding received
 * bytes that no step read. */
struct nc_unread {
	struct nc_addr local, peer;
	uint64_t count;             /* bytes waiting */
	struct nc_buf bytes;        /* the first of them, at most NC_EXCERPT_MAX (owned) */
	int64_t t;                  /* when the role ended, ns since the epoch */
};

void nc_unread_init(struct nc_unread *u);
void nc_unread_free(struct nc_unread *u);

/* Encoders: each appends one complete frame to out. */
int nc_rec_ready(struct nc_buf *out, const struct nc_addr *bound);
int nc_rec_step_begin(struct nc_buf *out, uint32_t step, int64_t t);
int nc_rec_step_end(struct nc_buf *out, const struct nc_fact *f);
int nc_rec_dgram(struct nc_buf *out, const struct nc_dgram *d);
int nc_rec_stream(struct nc_buf *out, const struct nc_stream *s);
int nc_rec_done(struct nc_buf *out);
int nc_rec_unread(struct nc_buf *out, const struct nc_unread *u);

/* Decoding: splits complete frames off the front of a receive buffer.
 * Returns 1 with *type and *body set (body borrows from in), 0 when no
 * complete frame is there yet, -1 when the frame is malformed. *used is the
 * number of bytes the frame took. */
int nc_rec_next(const uint8_t *in, size_t len, enum nc_rec_type *type,
		struct nc_cursor *body, size_t *used);

int nc_rec_read_ready(struct nc_cursor *c, struct nc_addr *bound);
int nc_rec_read_step_begin(struct nc_cursor *c, uint32_t *step, int64_t *t);
/* Fills f (initialized by the caller with nc_fact_init). */
int nc_rec_read_step_end(struct nc_cursor *c, struct nc_fact *f);
int nc_rec_read_dgram(struct nc_cursor *c, struct nc_dgram *d);
/* Fills s; the caller frees it with nc_stream_free. */
int nc_rec_read_stream(struct nc_cursor *c, struct nc_stream *s);
void nc_stream_free(struct nc_stream *s);
/* Fills u (initialized by the caller with nc_unread_init). */
int nc_rec_read_unread(struct nc_cursor *c, struct nc_unread *u);

/* Encodes and decodes an address (shared with the result codec). */
int nc_put_addr(struct nc_buf *out, const struct nc_addr *a);
int nc_get_addr(struct nc_cursor *c, struct nc_addr *a);
/* The same for a stream summary. */
int nc_put_streamsum(struct nc_buf *out, const struct nc_streamsum *s);
int nc_get_streamsum(struct nc_cursor *c, struct nc_streamsum *s);

#endif
