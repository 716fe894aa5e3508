/* tcp_stream.h: TCP stream reassembly from captured segments (RFC 9293
 * sequence space), and a connection table that owns the two directions.
 *
 * One nc_tcp_stream reassembles one direction. Segments are fed in capture
 * order; the in-order bytes go to a sink as soon as they are contiguous, so
 * a transfer of any size passes through in bounded memory:
 *
 * - Stream offsets are 64-bit, counted from the byte after the SYN (or from
 *   the first data byte seen, when the capture starts mid-stream). Sequence
 *   numbers map to offsets with mod 2^32 arithmetic around the next expected
 *   byte, so wraparound is invisible; a segment more than 2^31 bytes away
 *   from it cannot be placed and is mistaken for an old one.
 * - SYN and FIN each consume one sequence number. Data at or beyond the FIN
 *   is reported (after_fin_bytes, and an inconsistency) and not delivered.
 *   An RST is recorded; its payload (diagnostic text, RFC 9293 3.5.3) is
 *   not stream data.
 * - Segments ahead of a gap are buffered, up to cfg.ooo_max bytes (default
 *   16 MiB, each segment charged NC_TCP_SEG_OVERHEAD more). When a segment
 *   would exceed the cap, the oldest gap is given up: it counts as a hole,
 *   the gap callback is told, and delivery resumes after it (overflow is
 *   set). nc_tcp_stream_finish() gives up the remaining gaps the same way
 *   and flushes what was buffered behind them.
 * - Bytes received again are retransmissions. They are compared with the
 *   last cfg.history_max delivered bytes (default 256 KiB, grown as needed)
 *   and with buffered out-of-order copies; different bytes are an
 *   inconsistency. Older bytes are only counted (retrans_unchecked).
 * - Bytes cut off by the snap length (on the wire but not captured) are
 *   skipped when delivery reaches them: uncaptured_bytes and the gap
 *   callback, not holes. While buffered they behave like any other copy:
 *   the first copy of a range wins, so a later, complete retransmission of
 *   bytes buffered as uncaptured does not replace them.
 *
 * Ownership: nc_tcp_stream_new() returns a new stream; the caller frees it
 * with nc_tcp_stream_free(). nc_tcp_conns_new() returns a new table; the
 * caller frees it with nc_tcp_conns_free(), which frees every connection and
 * its streams. Connections and stats returned by the table and streams are
 * borrowed and live as long as the table (or stream). Sinks receive
 * borrowed bytes, valid during the call.
 *
 * Relation to format.h: the formatter keeps its own, lighter
 * sequence-number context (two numbers per flow), so printing a capture
 * does not require reassembling it.
 */
#ifndef NC_WIRE_TCP_STREAM_H
#define NC_WIRE_TCP_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/packet.h"

#define NC_TCP_OOO_MAX (16u << 20)      /* default out-of-order buffer cap */
#define NC_TCP_HISTORY_MAX (256u << 10) /* default delivered bytes kept for comparison */
#define NC_TCP_SEG_OVERHEAD 64u         /* bytes charged per buffered segment */
#define NC_TCP_CONNS_MAX 4096u          /* default connections in a table */

struct nc_tcp_stream_cfg {
	size_t ooo_max;             /* out-of-order bytes buffered at most (0: NC_TCP_OOO_MAX) */
	size_t history_max;         /* delivered bytes kept (0: NC_TCP_HISTORY_MAX; SIZE_MAX: none) */
};

/* Receives the next in-order bytes of the stream. */
typedef void (*nc_tcp_sink_fn)(void *ctx, const uint8_t *p, size_t n);
/* Told that n bytes at stream offset `offset` will never be delivered:
 * a hole given up, or bytes beyond the snap length (uncaptured). */
typedef void (*nc_tcp_gap_fn)(void *ctx, uint64_t offset, uint64_t n, bool uncaptured);

struct nc_tcp_stream_stats {
	uint64_t segments;          /* segments fed, with or without data */
	uint64_t delivered;         /* bytes passed to the sink */
	uint64_t retrans_segments;  /* segments carrying bytes received before */
	uint64_t retrans_bytes;     /* bytes received again */
	uint64_t retrans_unchecked; /* of those, bytes no longer kept, so not compared */
	uint64_t ooo_segments;      /* segments that arrived ahead of missing bytes */
	uint64_t ooo_bytes;         /* bytes buffered out of order now (with overhead) */
	uint64_t ooo_peak;          /* the most ever buffered */
	bool overflow;              /* the cap forced giving up a gap */
	uint64_t holes;             /* gaps never filled: given up by the cap or at finish */
	uint64_t hole_bytes;
	uint64_t first_hole;        /* stream offset of the first hole */
	uint64_t uncaptured_bytes;  /* bytes beyond the snap length */
	bool midstream;             /* no SYN before the first data: offsets start there */
	bool saw_syn, saw_fin, saw_rst;
	uint32_t isn;               /* the SYN's sequence number, when saw_syn */
	uint64_t fin_offset;        /* stream offset of the FIN, when saw_fin */
	uint64_t after_fin_bytes;   /* data at or beyond the FIN */
	uint64_t inconsistencies;   /* changed retransmissions, moved SYN or FIN, data after FIN */
	char first_inconsistency[160];
};

struct nc_tcp_stream;

/* Returns a new stream (cfg may be NULL for the defaults). */
struct nc_tcp_stream *nc_tcp_stream_new(const struct nc_tcp_stream_cfg *cfg);
void nc_tcp_stream_free(struct nc_tcp_stream *s);

/* Sets where delivered bytes and gaps go; either function may be NULL. */
void nc_tcp_stream_set_sink(struct nc_tcp_stream *s, nc_tcp_sink_fn sink, nc_tcp_gap_fn gap,
			    void *ctx);

/* Feeds one segment of this direction: its sequence number, NC_TCP_* flags,
 * the captured payload (caplen bytes) and the payload length on the wire
 * (wirelen >= caplen). */
void nc_tcp_stream_segment(struct nc_tcp_stream *s, uint32_t seq, uint8_t flags,
			   const uint8_t *data, uint32_t caplen, uint32_t wirelen);

/* Feeds a decoded packet; returns false (and ignores it) unless it is TCP
 * with a complete header (NC_LAYER_PAYLOAD). The caller picks the direction. */
bool nc_tcp_stream_add(struct nc_tcp_stream *s, const struct nc_pkt *p);

/* Where the segment fed last lies in the stream: sets *off to the stream
 * offset of its first payload byte (negative for bytes before the stream's
 * first known byte, which are never delivered) and returns true. False
 * when that segment carried no payload, was an RST (whose payload is not
 * stream data), was fed after finish, or nothing was fed yet. A
 * retransmission is placed where its bytes belong, like the original: this
 * is how the wire checks tell which packet first carried a stream byte. */
bool nc_tcp_stream_last_offset(const struct nc_tcp_stream *s, int64_t *off);

/* Ends the stream: gives up remaining gaps, flushes buffered bytes and
 * counts a FIN that arrived before all its data as a hole. Idempotent;
 * segments fed afterwards are ignored. */
void nc_tcp_stream_finish(struct nc_tcp_stream *s);

/* Borrowed; valid until the stream is freed. */
const struct nc_tcp_stream_stats *nc_tcp_stream_stats(const struct nc_tcp_stream *s);

/* One TCP connection: the two endpoints and a stream per direction. */
struct nc_tcp_conn {
	uint32_t id;                /* 1-based, in order of creation */
	int ipver;                  /* 4 or 6 */
	uint8_t addr[2][16];        /* [0]: the initiator when known, else the first sender */
	uint16_t port[2];
	bool initiator_known;       /* the first packet was a SYN or SYN-ACK */
	struct nc_tcp_stream *dir[2]; /* owned; dir[i] reassembles what side i sends */
	uint64_t packets;           /* packets fed through nc_tcp_conns_add */
	void *user;                 /* the caller's; the table never touches it */
};

struct nc_tcp_conns_cfg {
	struct nc_tcp_stream_cfg stream; /* for every stream the table creates */
	size_t max_conns;           /* connections at most (0: NC_TCP_CONNS_MAX); packets of
				     * later ones are counted as untracked */
	/* Called once per new connection, before its first segment, to set the
	 * streams' sinks and `user`. May be NULL. */
	void (*on_new)(void *ctx, struct nc_tcp_conn *c);
	void *ctx;
};

struct nc_tcp_conns;

/* Returns a new, empty table (cfg may be NULL for the defaults). */
struct nc_tcp_conns *nc_tcp_conns_new(const struct nc_tcp_conns_cfg *cfg);
void nc_tcp_conns_free(struct nc_tcp_conns *t);

/* Finds the connection of a TCP packet, creating it when needed, and sets
 * *side to the side that sent p (0 or 1). A SYN with a new initial sequence
 * number, or a SYN on a connection that was reset or closed both ways,
 * starts a new connection; the old one stays in the table. Returns NULL when
 * p is not TCP with a readable header, or the table is full. */
struct nc_tcp_conn *nc_tcp_conns_lookup(struct nc_tcp_conns *t, const struct nc_pkt *p,
					int *side);

/* Looks up p's connection and feeds p to the sender's stream, whose side
 * goes to *side (when side is not NULL). Returns the connection (borrowed)
 * or NULL as nc_tcp_conns_lookup does. */
struct nc_tcp_conn *nc_tcp_conns_add(struct nc_tcp_conns *t, const struct nc_pkt *p, int *side);

/* Finishes every stream (see nc_tcp_stream_finish). */
void nc_tcp_conns_finish(struct nc_tcp_conns *t);

/* Connections in order of creation; i < nc_tcp_conns_count(). */
size_t nc_tcp_conns_count(const struct nc_tcp_conns *t);
struct nc_tcp_conn *nc_tcp_conns_get(const struct nc_tcp_conns *t, size_t i);
/* TCP packets ignored because the table was full. */
uint64_t nc_tcp_conns_untracked(const struct nc_tcp_conns *t);

#endif
