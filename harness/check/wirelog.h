/* wirelog.h: what the capture showed, kept for the wire checks.
 *
 * The supervisor feeds every captured frame, in capture order, while the
 * roles run. Each frame is decoded at once; what the checks need is kept in
 * bounded form, so a 1 GiB transfer passes through in constant memory:
 *
 * - a summary of the first NC_WIRE_KEEP_HEAD packets and a ring of the last
 *   NC_WIRE_KEEP_TAIL (addresses, ports, flags, sequence numbers, lengths,
 *   the first payload bytes, the one-line text); the wire section is
 *   matched against these;
 * - every UDP datagram's length and digest (and, within a budget, its
 *   bytes), for the datagram checks;
 * - every TCP connection reassembled, each direction summarized as it is
 *   delivered (util/digest.h), for the stream checks, with its first
 *   NC_WIRE_STREAM_KEEP bytes verbatim (within NC_WIRE_STREAM_BUDGET for
 *   all of them) for the wire section's stream lines; each summarized TCP
 *   packet records its connection, side and stream offset, so a stream
 *   byte can be traced to the packet that first carried it;
 * - counts of IPv4 and IPv6 packets, and of undecodable ones.
 *
 * Ownership: nc_wirelog_new() returns a new log that the caller frees with
 * nc_wirelog_free().
 */
#ifndef NC_CHECK_WIRELOG_H
#define NC_CHECK_WIRELOG_H

#include <stdbool.h>
#include <stdint.h>

#include "util/digest.h"

#define NC_WIRE_KEEP_HEAD 8192      /* packets summarized from the start */
#define NC_WIRE_KEEP_TAIL 1024      /* and from the end */
#define NC_WIRE_HEAD_BYTES 2048     /* payload bytes kept per summarized packet */
#define NC_WIRE_UDP_BUDGET (16u << 20) /* datagram bytes kept for prefix checks */
#define NC_WIRE_MAX_DGRAMS 65536
#define NC_WIRE_STREAM_KEEP (1u << 20)   /* stream bytes kept verbatim per direction */
#define NC_WIRE_STREAM_BUDGET (16u << 20) /* and for all directions together */

struct nc_wpkt {
	uint32_t index;             /* 1-based in the capture */
	int64_t t;                  /* ns since the variant started */
	int ipver;                  /* 0: not IP */
	uint8_t src[16], dst[16];
	uint8_t l4;                 /* IPPROTO_* or 0 */
	uint16_t sport, dport;
	uint8_t flags;              /* TCP flags (wire/tcp_flags.h) */
	uint32_t conn;              /* TCP: its connection's id (1-based); 0: not tracked */
	uint8_t side;               /* TCP: the side of that connection that sent it */
	bool placed;                /* TCP: it has payload, at stream_off of that side's stream */
	int64_t stream_off;         /* the offset of its first payload byte in the stream
				       (negative: bytes before the stream's first known byte) */
	uint32_t seq, ack;
	uint32_t payload_len;       /* as the headers announce */
	uint16_t udp_len;
	uint8_t icmp_type, icmp_code;
	bool quote_present;         /* ICMP error quote */
	uint8_t quote_l4;
	uint16_t quote_sport, quote_dport;
	uint8_t quote_src[16], quote_dst[16];
	bool bad;                   /* truncated or malformed */
	uint8_t *head;              /* first payload bytes (owned) */
	uint32_t head_len;
	char *line;                 /* tcpdump-like text (owned) */
	char *opts;                 /* TCP options text, "" when none (owned) */
};

/* One UDP datagram seen on the wire. */
struct nc_wdgram {
	uint32_t index;
	int ipver;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint32_t len;               /* payload length (from the IP/UDP headers) */
	uint16_t udp_len;           /* the UDP length field */
	uint32_t captured;          /* payload bytes captured */
	uint64_t digest;            /* of the captured payload */
	uint8_t *bytes;             /* the payload, when within the budget (owned) */
	bool used;                  /* matched by a check */
};

/* One direction of one TCP connection, reassembled. */
struct nc_wstream {
	uint32_t conn;              /* connection id */
	int ipver;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint8_t side;               /* which side of the connection sends it */
	struct nc_streamsum sum;    /* the delivered bytes (owned) */
	uint64_t length;            /* its data bytes in sequence space: sum.total plus
				       the bytes the capture missed (holes, snap length) */
	uint8_t *kept;              /* the first nkept delivered bytes (owned) */
	uint64_t nkept;             /* at most NC_WIRE_STREAM_KEEP; fewer when the stream
				       is shorter or the budget ran out */
	uint64_t holes, hole_bytes, first_hole;
	uint64_t inconsistencies;
	char first_inconsistency[160];
	uint64_t retrans_bytes;
	bool saw_syn, saw_fin, saw_rst;
	bool midstream;
};

struct nc_wirelog {
	int linktype;
	int64_t epoch_realtime_ns;  /* the variant's start, on the capture's clock */
	uint64_t packets;           /* all frames fed */
	uint64_t ipv4, ipv6, other; /* by network layer */
	uint64_t bad;               /* frames with a decoding problem */
	char first_bad[192];        /* "#12 ...: [truncated ...]" */
	uint32_t first_ipv4, first_ipv6; /* index of the first such packet, 0 if none */

	struct nc_wpkt *head;       /* the first packets (grown as they come) */
	size_t nhead;
	size_t head_cap;
	struct nc_wpkt *tail;       /* a ring of the last packets beyond head (NULL until then) */
	size_t ntail;               /* filled slots */
	size_t tail_next;           /* next slot to overwrite */
	uint64_t skipped;           /* packets between head and tail not kept */

	struct nc_wdgram *dgrams;
	size_t ndgrams;
	uint64_t dgrams_dropped;    /* beyond NC_WIRE_MAX_DGRAMS */
	size_t udp_bytes_kept;

	struct nc_wstream *streams; /* filled by nc_wirelog_finish */
	size_t nstreams;
	uint64_t tcp_untracked;

	void *priv;                 /* decoding and reassembly state */
};

struct nc_wirelog *nc_wirelog_new(int linktype, int64_t epoch_realtime_ns);
/* Feeds one captured frame. */
void nc_wirelog_add(struct nc_wirelog *w, int64_t ts_ns, const uint8_t *data, uint32_t caplen,
		    uint32_t len);
/* Ends the capture: finishes reassembly and fills `streams`. */
void nc_wirelog_finish(struct nc_wirelog *w);
void nc_wirelog_free(struct nc_wirelog *w);

/* The kept packets in capture order: i < nc_wirelog_count(). */
size_t nc_wirelog_count(const struct nc_wirelog *w);
const struct nc_wpkt *nc_wirelog_get(const struct nc_wirelog *w, size_t i);

/* The direction of connection `conn` (an nc_wpkt's conn) that `side`
 * sends, once the log is finished; NULL when there is none. Borrowed. */
const struct nc_wstream *nc_wirelog_stream(const struct nc_wirelog *w, uint32_t conn, int side);

#endif
