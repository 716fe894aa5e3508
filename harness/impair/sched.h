/* sched.h: when the frames of one direction of an impaired link leave.
 *
 * Frames that cannot go at once wait here: delayed ones until their time,
 * reordered ones until enough later frames have overtaken them (or their
 * longest hold ends), and, under a rate, every frame until the link is
 * free (each frame takes len * 8 / rate seconds of the link, in arrival
 * order). Times are given by the caller (CLOCK_MONOTONIC nanoseconds in
 * the forwarder, anything in tests); nothing here reads a clock or does
 * input/output, so every case is a unit test.
 *
 * Ordering: frames due at the same time leave in the order they were
 * queued (a frame, then its copies); a delayed frame never leaves before
 * a frame that was delayed earlier in the same direction, so jitter alone
 * does not reorder (reordering is an action of its own).
 *
 * Bounds: at most `limit` frames wait (a full queue refuses the frame, and
 * the forwarder reports that as an overflow drop, as a full netem queue
 * drops); at most NC_IMP_HOLD_MAX frames are held back at once.
 *
 * Ownership: the queue owns the bytes of every frame in it (copied in by
 * nc_imp_sched_push and _hold); nc_imp_sched_pop hands them to the caller,
 * who frees them with free().
 */
#ifndef NC_IMPAIR_SCHED_H
#define NC_IMPAIR_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NC_IMP_LIMIT_DEFAULT 1000u
#define NC_IMP_HOLD_MAX 64u

/* A frame to queue: borrowed bytes, its position in the direction, and
 * the rules whose filters took it (bit r for rule r). */
struct nc_imp_frame {
	const uint8_t *data;
	uint32_t len;
	uint64_t index;
	uint16_t matched;
};

/* A frame that is due. */
struct nc_imp_due {
	uint8_t *data;           /* the caller's to free */
	uint32_t len;
	uint64_t index;          /* its position in the direction */
	uint16_t matched;        /* the rules whose filters took it */
	int64_t queued;          /* when it was queued */
	int64_t due;             /* when it was due to leave */
	int64_t delay;           /* the delay it was given (0 for a held frame) */
	bool was_held;           /* it was held back for reordering */
	bool timed_out;          /* held: released by its time limit, not by overtaking */
	uint64_t overtaken_by;   /* held: the index of the last frame that went before it */
	unsigned rule;           /* held: the reordering rule */
};

struct nc_imp_qent;
struct nc_imp_hold;

struct nc_imp_sched {
	struct nc_imp_qent *heap;   /* owned; min-heap on (due, order) */
	size_t n, cap;
	struct nc_imp_hold *hold;   /* owned; NC_IMP_HOLD_MAX entries */
	size_t nhold;
	uint32_t limit;
	uint64_t rate_bps;
	int64_t link_free;          /* rate: when the link is next free */
	int64_t last_delayed_due;   /* the latest due time given to a delayed frame */
	uint64_t order;             /* queue order of the next frame */
	uint64_t lost;              /* held frames lost for want of memory on release */
};

/* Sets up an empty queue; limit 0 means NC_IMP_LIMIT_DEFAULT. Returns 0 or
 * -1 when memory ran out. */
int nc_imp_sched_init(struct nc_imp_sched *s, uint32_t limit, uint64_t rate_bps);
/* Frees every frame still waiting, and the queue. */
void nc_imp_sched_free(struct nc_imp_sched *s);

/* Frames waiting, held ones included. */
size_t nc_imp_sched_count(const struct nc_imp_sched *s);

/* True when a frame that arrives now must wait here rather than go at
 * once: there is a rate, or the frame is delayed or held. (A frame with
 * none of these overtakes waiting ones, as on a link where only some
 * packets are delayed.) */
bool nc_imp_sched_needed(const struct nc_imp_sched *s, int64_t delay_ns, bool hold);

/* Queues a copy of a frame that arrived at `now`, to leave after delay_ns
 * (0: as soon as the rate allows). Returns 0, or -1 when the queue is full
 * or memory ran out (the frame is then not queued). */
int nc_imp_sched_push(struct nc_imp_sched *s, const struct nc_imp_frame *f, int64_t now,
		      int64_t delay_ns);

/* Holds a copy of a frame back, for reordering rule `rule`, until `gap`
 * later frames that rule's filter takes have left, or until now +
 * hold_max_ns. Counting only those frames keeps a reordering as
 * reproducible as the rule's other decisions: neighbour discovery or a
 * multicast report passing by does not release it. Returns 0 or -1
 * (full). */
int nc_imp_sched_hold(struct nc_imp_sched *s, const struct nc_imp_frame *f, int64_t now,
		      uint32_t gap, int64_t hold_max_ns, unsigned rule);

/* Tells the queue that frame `index`, taken by the rules in `matched`,
 * left (by the caller's fast path or after a pop): held frames count it,
 * and those it completes become due at `now`. Returns how many it
 * released: the caller pops them before it sends anything else, so they
 * go right after this frame. */
unsigned nc_imp_sched_sent(struct nc_imp_sched *s, uint64_t index, uint16_t matched, int64_t now);

/* Takes the next frame due at or before now into *out. Returns true when
 * there was one. */
bool nc_imp_sched_pop(struct nc_imp_sched *s, int64_t now, struct nc_imp_due *out);

/* The earliest time something will be due (INT64_MAX when nothing is
 * waiting): what the forwarder's poll waits for. */
int64_t nc_imp_sched_next(const struct nc_imp_sched *s);

#endif
