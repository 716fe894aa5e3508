/* engine.h: what happens to each frame on an impaired link: the decisions.
 *
 * A link has two directions, [0] from its side a to side b and [1] back.
 * Each direction has a list of rules and, optionally, a rate. A rule is a
 * filter (filter.h), a selection among the frames the filter takes, and
 * an action:
 *
 *   selection  every frame the filter takes; the N-th of them (a list of
 *              positions, 1-based: "the 2nd data segment", "the 1st SYN");
 *              or each with a probability
 *   action     drop; duplicate (N more copies right after it); corrupt (one
 *              bit flipped past the IP header, so the checksum catches it);
 *              delay (a fixed time plus or minus a uniform jitter); reorder
 *              (held back until N later frames that the rule's filter takes
 *              have gone, or a time limit)
 *
 * Every rule sees every frame of its direction, whatever other rules do
 * with it, and counts those its filter takes; its random selection and its
 * random parameters (jitter, the corrupted bit) come from two streams of
 * its own, derived from the link's seed (prng.h):
 *
 *     select stream: nc_prng_derive(seed, tag(link, dir, rule, 0))
 *     param stream:  nc_prng_derive(seed, tag(link, dir, rule, 1))
 *     tag(l, d, r, k) = l << 32 | d << 24 | r << 8 | k
 *
 * The select stream advances by one draw per frame the filter takes (for a
 * random selection); the param stream by one draw per selected frame for a
 * delay with jitter, two for a corruption (the byte, then the bit).
 * So a rule's decisions depend on the seed and on the sequence of frames
 * its filter takes, nothing else: not on timing, not on frames other rules
 * match, not on other rules. The same seed and the same packets give the
 * same decisions on every run and every machine.
 *
 * nc_imp_decide() only decides; the forwarder (forward.h) applies the
 * verdict, times the frames (sched.h) and reports each decision as an
 * event (event.h). When several rules select one frame: a drop wins over
 * everything; copies and delays add up; every corruption is applied; the
 * first reordering rule holds it.
 */
#ifndef NC_IMPAIR_ENGINE_H
#define NC_IMPAIR_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "impair/filter.h"
#include "impair/prng.h"
#include "wire/packet.h"

#define NC_IMP_RULES_MAX 16        /* rules per direction */
#define NC_IMP_NTH_MAX 16          /* positions of one N-th selection */
#define NC_IMP_HOLD_DEFAULT_NS (100LL * 1000000LL) /* a reordered frame's longest hold */

enum nc_imp_select {
	NC_IMP_SEL_EVERY = 0,          /* every frame the filter takes */
	NC_IMP_SEL_NTH,                /* positions nth[] among them, 1-based */
	NC_IMP_SEL_RANDOM,             /* each with `probability` */
};

enum nc_imp_action {
	NC_IMP_DROP = 1,
	NC_IMP_DUPLICATE,
	NC_IMP_CORRUPT,
	NC_IMP_DELAY,
	NC_IMP_REORDER,
};

struct nc_imp_rule {
	struct nc_imp_filter filter;
	enum nc_imp_select select;
	uint64_t nth[NC_IMP_NTH_MAX];  /* NC_IMP_SEL_NTH */
	unsigned nnth;
	double probability;            /* NC_IMP_SEL_RANDOM, 0..1 */
	enum nc_imp_action action;
	int64_t delay_ns;              /* DELAY: the mean */
	int64_t jitter_ns;             /* DELAY: uniform in [-jitter, +jitter]; never below 0 in all */
	uint32_t copies;               /* DUPLICATE: extra copies (0 means 1) */
	uint32_t gap;                  /* REORDER: later frames that overtake it (0 means 1) */
	int64_t hold_max_ns;           /* REORDER: sent by then at the latest (0: the default) */
};

struct nc_imp_dir_conf {
	struct nc_imp_rule rule[NC_IMP_RULES_MAX];
	unsigned nrules;
	uint64_t rate_bps;             /* 0: no limit; else whole frames at this many bits/s */
	uint32_t limit;                /* frames waiting at most (delay, rate, reorder); 0: 1000 */
};

struct nc_imp_link_conf {
	uint64_t seed;
	struct nc_imp_dir_conf dir[2]; /* [0]: side a -> side b; [1]: b -> a */
};

/* The state of one direction of one link. */
struct nc_imp_dir {
	struct nc_imp_dir_conf conf;
	uint64_t frames;               /* frames seen so far */
	uint64_t matched[NC_IMP_RULES_MAX];
	uint64_t threshold[NC_IMP_RULES_MAX];
	struct nc_prng select[NC_IMP_RULES_MAX];
	struct nc_prng param[NC_IMP_RULES_MAX];
};

/* What to do with one frame. */
struct nc_imp_verdict {
	uint64_t index;                /* the frame's position in its direction, 1-based */
	uint16_t matched;              /* bit r: rule r's filter took the frame */
	uint16_t selected;             /* bit r: rule r selected the frame */
	uint64_t match[NC_IMP_RULES_MAX]; /* rule r's count of frames it took, this one
					   * included (0 when its filter did not take it) */
	bool drop;
	unsigned drop_rule;            /* the first dropping rule */
	uint32_t copies;               /* extra copies to send */
	unsigned dup_rule;             /* the first duplicating rule */
	unsigned ncorrupt;
	struct {
		uint32_t offset;       /* byte of the frame */
		uint8_t bit;           /* 0..7, flipped by XOR with 1 << bit */
		unsigned rule;
	} corrupt[NC_IMP_RULES_MAX];
	int64_t delay_ns;              /* added up over the delaying rules */
	unsigned delay_rule;           /* the first delaying rule */
	bool hold;                     /* reorder: keep it back */
	unsigned hold_rule;
	uint32_t gap;
	int64_t hold_max_ns;
};

/* The stream tag of a rule's streams (kind 0: select, 1: param). */
uint64_t nc_imp_stream_tag(unsigned link, unsigned dir, unsigned rule, unsigned kind);

/* Sets up direction dir (0 or 1) of link `link` from its configuration
 * and the link's seed. */
void nc_imp_dir_init(struct nc_imp_dir *d, const struct nc_imp_dir_conf *c, uint64_t seed,
		     unsigned link, unsigned dir);

/* True when the direction changes anything at all (rules or a rate); a
 * direction without is forwarded without decoding a byte. */
bool nc_imp_dir_active(const struct nc_imp_dir *d);

/* Decides the fate of the next frame of the direction, decoded in p (len
 * bytes long). Fills v; the frame is not touched. */
void nc_imp_decide(struct nc_imp_dir *d, const struct nc_pkt *p, uint32_t len,
		   struct nc_imp_verdict *v);

/* Applies v's corruptions to the frame (the forwarder's copy). */
void nc_imp_corrupt(const struct nc_imp_verdict *v, uint8_t *frame, uint32_t len);

#endif
