/* capture.c: capture of a variant's loopback on a packet socket, with
 * libpcap writing the pcap files (see capture.h). */
#include "capture/capture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/text.h"

/* The sizes of a pcap file's header and of each record's header. */
#define PCAP_FILE_HEADER 24
#define PCAP_RECORD_HEADER 16

/* The marker's payload: long and odd enough never to be a scenario's. The
 * probe, sent while the capture is armed, has the same length. */
static const char marker_text[] = "netconform capture marker 7f3e9a";
static const char probe_text[] = "netconform capture probe 51c0d28";
_Static_assert(sizeof(probe_text) == sizeof(marker_text), "the probe is as long as the marker");

struct nc_capture {
	int fd;                 /* the packet socket */
	int linktype;
	pcap_t *dead;           /* a handle without a device, for the dumper; NULL until saving */
	pcap_dumper_t *dumper;
	uint64_t save_max;      /* 0: no cap */
	struct nc_capture_saved saved;
	uint64_t drops;         /* summed over every PACKET_STATISTICS read */
	bool marker_seen;
	uint8_t *buf;           /* one frame, NC_CAPTURE_SNAPLEN bytes */
	nc_capture_cb cb;       /* for the handler, during a read */
	void *ctx;
};

int nc_capture_linktype(const struct nc_capture *c)
{
	return c->linktype;
}

int nc_capture_fd(const struct nc_capture *c)
{
	return c->fd;
}

int nc_capture_save(struct nc_capture *c, void *file, char *err, size_t errlen)
{
	c->dead = pcap_open_dead_with_tstamp_precision(c->linktype, NC_CAPTURE_SNAPLEN,
							PCAP_TSTAMP_PRECISION_NANO);
	if (!c->dead) {
		snprintf(err, errlen, "cannot write the pcap file: no pcap handle");
		fclose((FILE *)file);
		return -1;
	}
	c->dumper = pcap_dump_fopen(c->dead, (FILE *)file);
	if (!c->dumper) {
		snprintf(err, errlen, "cannot write the pcap file: %s", pcap_geterr(c->dead));
		fclose((FILE *)file);
		return -1;
	}
	c->saved.bytes = PCAP_FILE_HEADER;
	return 0;
}

void nc_capture_save_limit(struct nc_capture *c, uint64_t max_bytes)
{
	c->save_max = max_bytes;
}

void nc_capture_saved(const struct nc_capture *c, struct nc_capture_saved *out)
{
	*out = c->saved;
}

/* A failed write is remembered with its errno when it happens: stdio keeps
 * only the error flag, and a later flush may fail for another reason. */
static void note_write_error(struct nc_capture *c)
{
	if (!c->saved.error && ferror(pcap_dump_file(c->dumper)))
		c->saved.error = errno ? errno : EIO;
}

int nc_capture_flush(struct nc_capture *c)
{
	if (!c->dumper)
		return 0;
	errno = 0;
	if (pcap_dump_flush(c->dumper) < 0 && !c->saved.error)
		c->saved.error = errno ? errno : EIO;
	note_write_error(c);
	return c->saved.error ? -1 : 0;
}

/* Recognizes the marker (or the probe): an IPv4 UDP datagram carrying its
 * text, read through the Ethernet header of "lo". A false match would need
 * a scenario to send the exact 32-byte text. */
static bool is_text(const uint8_t *d, uint32_t caplen, const char *text)
{
	size_t tl = sizeof(marker_text) - 1;
	if (caplen < 14 + 20 + 8 + tl)
		return false;
	if (d[12] != 0x08 || d[13] != 0x00)
		return false;
	size_t ihl = (size_t)(d[14] & 0x0f) * 4;
	if (d[14 + 9] != IPPROTO_UDP || ihl < 20 || caplen < 14 + ihl + 8 + tl)
		return false;
	const uint8_t *udp = d + 14 + ihl;
	return memcmp(udp + 8, text, tl) == 0;
}

/* Receives the next frame into c->buf. Returns 1 with *h and *ts_ns set,
 * 0 when nothing is waiting, -1 with errno set. */
static int recv_frame(struct nc_capture *c, struct pcap_pkthdr *h, int64_t *ts_ns)
{
	for (;;) {
		struct sockaddr_ll from;
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(struct timespec))];
		} ctl;
		struct iovec iov = { .iov_base = c->buf, .iov_len = NC_CAPTURE_SNAPLEN };
		struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
				    .msg_iovlen = 1, .msg_control = ctl.buf,
				    .msg_controllen = sizeof(ctl.buf) };
		/* With MSG_TRUNC a packet socket returns the frame's full length. */
		ssize_t n = recvmsg(c->fd, &m, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		}
		/* Only IPv4 and IPv6: everything on a private loopback is the
		 * scenario's traffic and the marker, and this keeps out what a
		 * decoder of IP could not read. (A kernel filter would do the same
		 * at the price of compiling it into every variant's socket.) */
		if (from.sll_pkttype == PACKET_OUTGOING ||
		    (from.sll_protocol != htons(ETH_P_IP) && from.sll_protocol != htons(ETH_P_IPV6)))
			continue;
		*ts_ns = 0;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm))
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
				struct timespec ts;
				memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
				*ts_ns = (int64_t)ts.tv_sec * NC_SEC + ts.tv_nsec;
			}
		if (!*ts_ns)
			*ts_ns = nc_realtime_ns();
		h->len = (uint32_t)n;
		h->caplen = n > NC_CAPTURE_SNAPLEN ? NC_CAPTURE_SNAPLEN : (uint32_t)n;
		/* With nanosecond precision, tv_usec holds nanoseconds. */
		h->ts.tv_sec = (time_t)(*ts_ns / NC_SEC);
		h->ts.tv_usec = (suseconds_t)(*ts_ns % NC_SEC);
		return 1;
	}
}

static void deliver(struct nc_capture *c, const struct pcap_pkthdr *h, int64_t ts_ns)
{
	const uint8_t *bytes = c->buf;
	if (is_text(bytes, h->caplen, marker_text)) {
		c->marker_seen = true;
		return;
	}
	if (c->dumper && !c->saved.error) {
		uint64_t size = PCAP_RECORD_HEADER + h->caplen;
		if (c->save_max && c->saved.bytes + size > c->save_max) {
			c->saved.unsaved++;
		} else {
			errno = 0;
			pcap_dump((u_char *)c->dumper, h, bytes);
			note_write_error(c);
			c->saved.bytes += size;
			c->saved.packets++;
		}
	}
	struct nc_captured pkt = {
		.ts_ns = ts_ns,
		.caplen = h->caplen,
		.len = h->len,
		.data = bytes,
	};
	if (c->cb)
		c->cb(c->ctx, &pkt);
}

int nc_capture_read(struct nc_capture *c, nc_capture_cb cb, void *ctx, char *err, size_t errlen)
{
	c->cb = cb;
	c->ctx = ctx;
	int total = 0;
	for (;;) {
		struct pcap_pkthdr h;
		int64_t ts;
		int rc = recv_frame(c, &h, &ts);
		if (rc < 0) {
			snprintf(err, errlen, "capture read failed: %s", strerror(errno));
			return -1;
		}
		if (rc == 0)
			break;
		deliver(c, &h, ts);
		total++;
	}
	return total;
}

/* Sends the marker to a socket of our own, which stays open until the
 * marker is read: a datagram to a closed port would make the kernel answer
 * with an ICMP error, a packet the scenario never caused. */
static int send_text(const char *text, int *fd_out, char *err, size_t errlen)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0 ||
	    sendto(fd, text, sizeof(marker_text) - 1, 0, (struct sockaddr *)&a,
		   sizeof(a)) < 0) {
		snprintf(err, errlen, "cannot send the capture %s: %s",
			 text == probe_text ? "probe" : "marker", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*fd_out = fd;
	return 0;
}

int nc_capture_drain(struct nc_capture *c, nc_capture_cb cb, void *ctx, int64_t deadline_ns,
		     char *err, size_t errlen)
{
	int fd;
	c->marker_seen = false;
	if (send_text(marker_text, &fd, err, errlen) < 0)
		return -1;
	int rc = 0;
	while (!c->marker_seen) {
		if (nc_capture_read(c, cb, ctx, err, errlen) < 0) {
			rc = -1;
			break;
		}
		if (c->marker_seen)
			break;
		int64_t left = deadline_ns - nc_now_ns();
		if (left <= 0) {
			rc = 1;
			break;
		}
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		poll(&pfd, 1, (int)(left / NC_MS) + 1);
	}
	close(fd);
	return rc;
}

int nc_capture_drops(struct nc_capture *c, uint64_t *dropped)
{
	/* Each read returns the counts since the last one and resets them. */
	struct tpacket_stats st;
	socklen_t len = sizeof(st);
	if (getsockopt(c->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) < 0)
		return -1;
	c->drops += st.tp_drops;
	*dropped = c->drops;
	return 0;
}

void nc_capture_close(struct nc_capture *c)
{
	if (!c)
		return;
	if (c->dumper)
		pcap_dump_close(c->dumper);
	if (c->dead)
		pcap_close(c->dead);
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	free(c);
}

/* Packet timestamps are taken when a packet is captured only once the
 * kernel's "timestamps wanted" switch is on, and the first socket to want
 * them turns it on later, from a work queue; until then a packet is
 * stamped when it is read, which can be late by as much as the reader was.
 * So the capture waits here until a probe datagram, read after it was
 * captured, carries a stamp from before it was read. The probes are
 * consumed here, before any role starts; so is anything else queued with
 * them (nothing is expected on a fresh loopback). */
static int await_timestamps(struct nc_capture *c, char *err, size_t errlen)
{
	int64_t deadline = nc_now_ns() + 2 * NC_SEC;
	for (int attempt = 0;; attempt++) {
		int fd;
		if (send_text(probe_text, &fd, err, errlen) < 0)
			return -1;
		int64_t stamped = 0, asked = 0;
		for (;;) {
			struct pcap_pkthdr h;
			int64_t ts;
			asked = nc_realtime_ns();
			int rc = recv_frame(c, &h, &ts);
			if (rc < 0) {
				snprintf(err, errlen, "capture read failed: %s", strerror(errno));
				close(fd);
				return -1;
			}
			if (rc > 0 && is_text(c->buf, h.caplen, probe_text)) {
				stamped = ts;
				break;
			}
			if (rc == 0) {
				int64_t left = deadline - nc_now_ns();
				if (left <= 0)
					break;
				struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
				poll(&pfd, 1, (int)(left / NC_MS) + 1);
			}
		}
		close(fd);
		if (stamped && stamped < asked)
			return 0;
		if (nc_now_ns() >= deadline) {
			snprintf(err, errlen, stamped
				 ? "the kernel did not turn packet timestamps on within 2 s"
				 : "the capture did not see its probe within 2 s");
			return -1;
		}
		/* Give the work queue the CPU, a little longer each time. */
		struct timespec pause = { 0, (attempt < 10 ? 100 : 1000) * 1000L };
		nanosleep(&pause, NULL);
	}
}

/* Why a packet socket and not libpcap's capture: libpcap maps a TPACKET
 * ring, which the kernel zeroes page by page when it is set up (17% of all
 * CPU in a 400-variant run, for an 8 MiB ring of which a hello/bye uses a
 * few kilobytes) and whose set-up and release each wait for an RCU grace
 * period (about 8 ms each here, several of them per capture). A plain
 * socket queues each packet as a clone of the kernel's own buffer, charged
 * to a receive-buffer limit only while it waits to be read: it costs what
 * the traffic needs. Created with protocol 0, it receives nothing and is
 * hooked into the device by bind() alone, which waits for no grace period;
 * its release waits for one, which the supervisor pays after it has sent
 * its result. libpcap writes the pcap file. */
static int packet_socket(int rcvbuf, char *err, size_t errlen, enum nc_capture_fail *why)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		if (errno == EPERM || errno == EACCES)
			*why = NC_CAPTURE_NO_PERMISSION;
		snprintf(err, errlen, "%s",
			 *why == NC_CAPTURE_NO_PERMISSION
			 ? "no permission (netconform needs CAP_NET_RAW, which a network "
			   "namespace of its own provides)"
			 : strerror(errno));
		return -1;
	}
	/* SO_RCVBUFFORCE needs CAP_NET_ADMIN, which a namespace of our own
	 * gives; elsewhere the limit is what the system allows. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	int one = 1;
	/* On "lo" every packet passes the tap twice, going out and coming in;
	 * the incoming copy is the one libpcap shows, and the only one kept.
	 * Kernels without the option get the outgoing copies too, which the
	 * reader drops by their packet type. */
	setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0) {
		snprintf(err, errlen, "cannot enable packet timestamps: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* The link type of iface: "lo" and Ethernet devices carry Ethernet
 * headers, the only kind the decoders and the pcap files expect here. */
static int link_type(int fd, const char *iface, int *ifindex, char *err, size_t errlen)
{
	struct ifreq r;
	memset(&r, 0, sizeof(r));
	snprintf(r.ifr_name, sizeof(r.ifr_name), "%s", iface);
	if (ioctl(fd, SIOCGIFINDEX, &r) < 0) {
		snprintf(err, errlen, "no interface %s: %s", iface, strerror(errno));
		return -1;
	}
	*ifindex = r.ifr_ifindex;
	if (ioctl(fd, SIOCGIFHWADDR, &r) < 0) {
		snprintf(err, errlen, "cannot read the link type of %s: %s", iface, strerror(errno));
		return -1;
	}
	if (r.ifr_hwaddr.sa_family != ARPHRD_LOOPBACK && r.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
		snprintf(err, errlen, "%s has link type %d, not Ethernet or loopback", iface,
			 r.ifr_hwaddr.sa_family);
		return -1;
	}
	return DLT_EN10MB;
}

struct nc_capture *nc_capture_open(const char *iface, int buffer_bytes, char *err, size_t errlen,
				   enum nc_capture_fail *why)
{
	char msg[200];
	*why = NC_CAPTURE_ERROR;
	int fd = packet_socket(buffer_bytes, msg, sizeof(msg), why);
	if (fd < 0) {
		snprintf(err, errlen, "cannot capture on %s: %s", iface, msg);
		return NULL;
	}
	int ifindex = 0;
	int dlt = link_type(fd, iface, &ifindex, msg, sizeof(msg));
	struct nc_capture *c = nc_xcalloc(1, sizeof(*c));
	c->fd = fd;
	c->buf = nc_xmalloc(NC_CAPTURE_SNAPLEN);
	if (dlt < 0)
		goto fail;
	c->linktype = dlt;
	struct sockaddr_ll a = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				 .sll_ifindex = ifindex };
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		snprintf(msg, sizeof(msg), "cannot bind the packet socket: %s", strerror(errno));
		goto fail;
	}
	if (await_timestamps(c, msg, sizeof(msg)) < 0)
		goto fail;
	return c;
fail:
	snprintf(err, errlen, "cannot capture on %s: %s", iface, msg);
	nc_capture_close(c);
	return NULL;
}
