/* capture.h: recording a variant's loopback traffic.
 *
 * The supervisor opens the capture on the "lo" of the variant's own network
 * namespace before any role starts, so the first SYN is never missed; it
 * reads packets as they arrive (a bulk transfer would overflow any buffer
 * otherwise), and after the roles end it drains the capture up to a marker
 * datagram it sends itself: every packet the roles caused was queued before
 * the marker, so when the marker is read nothing of theirs is left, and no
 * fixed sleep is needed. The marker is never shown, written or checked.
 *
 * The capture is a packet socket without a ring (capture.c says why): it
 * is armed without waiting, holds in the kernel only the packets not read
 * yet, up to a limit given at open, and counts every packet it could not
 * queue as a drop. It keeps IPv4 and IPv6 frames; libpcap writes its pcap
 * file.
 * Closing it waits for an RCU grace period (about 8 ms), so a supervisor
 * closes it after it has sent its result.
 *
 * Ownership: nc_capture_open() returns a new capture that the caller closes
 * with nc_capture_close().
 */
#ifndef NC_CAPTURE_CAPTURE_H
#define NC_CAPTURE_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whole packets: the loopback MTU is 65536 (a TCP segment on "lo" is at
 * most that, GSO included), plus the link header and some margin. */
#define NC_CAPTURE_SNAPLEN (65536 + 464)
/* The receive-buffer limit of a capture, in bytes of kernel buffers
 * charged while packets wait to be read. It is a limit, not an
 * allocation: an idle capture costs nothing, and a hello/bye uses a few
 * kilobytes of it. */
#define NC_CAPTURE_BUFFER_MIN (16 << 20)
#define NC_CAPTURE_BUFFER_MAX (256 << 20)

struct nc_capture;

/* A captured packet, as the callback sees it; data is borrowed. */
struct nc_captured {
	int64_t ts_ns;          /* capture timestamp, CLOCK_REALTIME nanoseconds */
	uint32_t caplen;
	uint32_t len;
	const uint8_t *data;
};

typedef void (*nc_capture_cb)(void *ctx, const struct nc_captured *pkt);

enum nc_capture_fail { NC_CAPTURE_ERROR, NC_CAPTURE_NO_PERMISSION };

/* Opens and arms the capture on iface, with at most buffer_bytes of
 * packets waiting in the kernel. It returns once packets are timestamped
 * when they are captured (see capture.c). Returns NULL with err filled and
 * *why saying whether permission was the problem. */
struct nc_capture *nc_capture_open(const char *iface, int buffer_bytes, char *err, size_t errlen,
				   enum nc_capture_fail *why);

/* The link type (DLT_EN10MB for "lo"). */
int nc_capture_linktype(const struct nc_capture *c);

/* A descriptor that polls readable when packets are waiting. */
int nc_capture_fd(const struct nc_capture *c);

/* Writes every delivered packet (the marker excepted) to a pcap file on
 * the given stream, which the capture then owns. Returns 0 or -1. */
int nc_capture_save(struct nc_capture *c, void *file /* FILE * */, char *err, size_t errlen);
/* Caps the pcap file at max_bytes (0: no cap). Packets past the cap are
 * still delivered to the callback, and so to the checks; they are only
 * not written. */
void nc_capture_save_limit(struct nc_capture *c, uint64_t max_bytes);

/* What went into the pcap file. */
struct nc_capture_saved {
	uint64_t bytes;         /* file size, header included */
	uint64_t packets;       /* packets written */
	uint64_t unsaved;       /* packets past the cap, not written */
	int error;              /* errno of the first failed write, 0 if none */
};
void nc_capture_saved(const struct nc_capture *c, struct nc_capture_saved *out);

/* Flushes the pcap file. Returns 0, or -1 when the file could not be
 * written fully (nc_capture_saved says why). */
int nc_capture_flush(struct nc_capture *c);

/* Delivers the packets waiting now to cb. Returns the number delivered, or
 * -1 with err filled. */
int nc_capture_read(struct nc_capture *c, nc_capture_cb cb, void *ctx, char *err, size_t errlen);

/* Sends the marker and delivers packets until it is seen or deadline_ns
 * (CLOCK_MONOTONIC) passes. Returns 0 when the marker arrived, 1 on
 * timeout, -1 on error. */
int nc_capture_drain(struct nc_capture *c, nc_capture_cb cb, void *ctx, int64_t deadline_ns,
		     char *err, size_t errlen);

/* Packets the capture could not queue (its limit reached, or no kernel
 * memory for them), counted since it was opened. */
int nc_capture_drops(struct nc_capture *c, uint64_t *dropped);

void nc_capture_close(struct nc_capture *c);

#endif
