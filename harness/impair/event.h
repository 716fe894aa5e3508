/* event.h: what an impaired link did, frame by frame, as records.
 *
 * Every decision that changes a frame's fate is an event: dropped (by
 * which rule, the how-many-th frame that rule's filter took), delayed (by
 * how much), duplicated (how many copies), corrupted (which bit of which
 * byte), reordered (held how long, released after which later frame),
 * waited for the rate, dropped because the queue was full; and frames lost
 * without a decision (the kernel's socket queue overflowed, a send
 * failed), so that no loss goes unexplained. Each carries a CLOCK_MONOTONIC
 * time (the clock the roles' records use, so they line up), the link, the
 * direction, the frame's position in that direction, and its first bytes,
 * from which the reports show the packet (wire/format.h). At the end each
 * direction sends its counters (NC_IMP_EV_STATS); a forwarder that cannot
 * go on says why (NC_IMP_EV_FAULT) before it exits.
 *
 * The forwarder (forward.h) writes events as frames on a pipe, in the
 * framing of the roles' records (steps/record.h):
 *
 *     u32 length of what follows | u8 kind | body (big-endian fields)
 *
 * and nc_imp_event_next() reads them back through bounds-checked cursors,
 * so a forwarder that dies mid-frame cannot make its reader read garbage.
 */
#ifndef NC_IMPAIR_EVENT_H
#define NC_IMPAIR_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define NC_IMP_HEAD_MAX 128u          /* bytes of the frame kept in an event */
#define NC_IMP_NO_RULE 0xffu
#define NC_IMP_EV_FRAME_MAX 4096u     /* the largest encoded event */

enum nc_imp_ev_kind {
	NC_IMP_EV_DROP = 1,       /* dropped by a rule */
	NC_IMP_EV_DUPLICATE,      /* `copies` copies sent after it */
	NC_IMP_EV_CORRUPT,        /* bit `bit` of byte `offset` flipped */
	NC_IMP_EV_DELAY,          /* held `amount_ns` by a rule */
	NC_IMP_EV_REORDER,        /* held `amount_ns`, then sent after frame `other` */
	NC_IMP_EV_RATE,           /* waited `amount_ns` for the link (rate) */
	NC_IMP_EV_OVERFLOW,       /* dropped: `other` frames were waiting already */
	NC_IMP_EV_LOSS,           /* lost without a decision: `other` frames the kernel
				   * dropped before the forwarder read them, or a send
				   * that failed with `err` */
	NC_IMP_EV_STATS,          /* the direction's counters, at the end */
	NC_IMP_EV_FAULT,          /* the forwarder stopped: `err` in operation `other`
				   * (enum nc_imp_fault); its links are cut from then on */
};

enum nc_imp_fault {
	NC_IMP_FAULT_POLL = 1,
	NC_IMP_FAULT_RECV,
	NC_IMP_FAULT_MEMORY,
	NC_IMP_FAULT_EVENTS,
};

struct nc_imp_stats {
	uint64_t frames;          /* read from the sending side */
	uint64_t forwarded;       /* written to the receiving side, copies included */
	uint64_t dropped;         /* by rules */
	uint64_t duplicated;      /* copies added */
	uint64_t corrupted;
	uint64_t delayed;
	uint64_t reordered;
	uint64_t overflow;        /* dropped: queue full */
	uint64_t kernel_drops;    /* lost in the socket queue (PACKET_STATISTICS) */
	uint64_t send_errors;
	uint64_t events_lost;     /* events not written: the reader fell behind */
	uint64_t discarded;       /* still waiting (delayed, held) when it stopped */
};

struct nc_imp_event {
	enum nc_imp_ev_kind kind;
	int64_t t_ns;             /* CLOCK_MONOTONIC */
	uint16_t link;
	uint8_t dir;              /* 0: side a -> side b; 1: b -> a */
	uint8_t rule;             /* NC_IMP_NO_RULE when no rule decided it */
	uint64_t index;           /* the frame's position in its direction; 0: none */
	uint64_t match;           /* its position among the frames the rule took */
	uint32_t len;             /* the frame's length */
	int64_t amount_ns;        /* DELAY, REORDER, RATE */
	uint32_t offset;          /* CORRUPT */
	uint8_t bit;              /* CORRUPT */
	uint32_t copies;          /* DUPLICATE */
	uint64_t other;           /* REORDER: the frame it was sent after; OVERFLOW,
				   * LOSS: a count */
	int32_t err;              /* LOSS: errno of a failed send */
	uint16_t head_len;
	uint8_t head[NC_IMP_HEAD_MAX]; /* the frame's first bytes */
	struct nc_imp_stats stats;     /* STATS */
};

/* Sets the frame of an event: its length and first bytes. */
void nc_imp_event_frame(struct nc_imp_event *ev, const uint8_t *frame, uint32_t len);

/* Appends one encoded event to out. Returns 0, or -1 when out is full or
 * memory ran out. */
int nc_imp_event_put(struct nc_buf *out, const struct nc_imp_event *ev);

/* Splits the next complete event off the front of a receive buffer.
 * Returns 1 with *ev filled and *used set to the bytes it took, 0 when no
 * complete event is there yet, -1 when the bytes are not an event. */
int nc_imp_event_next(const uint8_t *in, size_t len, struct nc_imp_event *ev, size_t *used);

/* The event in words, one line:
 *   "link 0 a>b #3 dropped (rule 0, its 2nd frame): 198.51.100.1.40000 >
 *    198.51.100.18.5000: Flags [.], seq 1:1449, ..."
 * host_a and host_b name the link's sides (NULL: "a" and "b"). */
const char *nc_imp_event_str(const struct nc_imp_event *ev, const char *host_a,
			     const char *host_b, char *buf, size_t n);

/* The name of a kind ("dropped", "delayed", ...), of a fault's operation. */
const char *nc_imp_ev_kind_name(enum nc_imp_ev_kind k);
const char *nc_imp_fault_name(enum nc_imp_fault f);

#endif
