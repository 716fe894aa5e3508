/* capture.c: libpcap capture of a variant's loopback (see capture.h). */
#include "capture/capture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/text.h"

/* The sizes of a pcap file's header and of each record's header. */
#define PCAP_FILE_HEADER 24
#define PCAP_RECORD_HEADER 16

/* The marker's payload: long and odd enough never to be a scenario's. */
static const char marker_text[] = "netconform capture marker 7f3e9a";

struct nc_capture {
	pcap_t *p;
	pcap_dumper_t *dumper;
	uint64_t save_max;      /* 0: no cap */
	struct nc_capture_saved saved;
	int fd;
	bool marker_seen;
	nc_capture_cb cb;       /* for the handler, during a read */
	void *ctx;
};

int nc_capture_linktype(const struct nc_capture *c)
{
	return pcap_datalink(c->p);
}

int nc_capture_fd(const struct nc_capture *c)
{
	return c->fd;
}

/* The kernel ring is mapped into this process. The roles are forked after
 * the capture is armed, and a fork copies every page-table entry of the
 * ring and the exit tears them down again, thousands of them per role:
 * measurable kernel time on every variant, for a mapping the roles never
 * touch. MADV_DONTFORK keeps it out of children. The ring appears in
 * /proc/self/maps as a mapping of the packet socket; failing to find it
 * only costs that time. */
static void keep_ring_from_children(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	if (!f)
		return;
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		if (!strstr(line, "socket:[") || sscanf(line, "%lx-%lx", &lo, &hi) != 2)
			continue;
		madvise((void *)lo, hi - lo, MADV_DONTFORK);
	}
	fclose(f);
}

struct nc_capture *nc_capture_open(const char *iface, int buffer_bytes, char *err, size_t errlen,
				   enum nc_capture_fail *why)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	*why = NC_CAPTURE_ERROR;
	pcap_t *p = pcap_create(iface, ebuf);
	if (!p) {
		snprintf(err, errlen, "cannot capture on %s: %s", iface, ebuf);
		return NULL;
	}
	pcap_set_snaplen(p, NC_CAPTURE_SNAPLEN);
	pcap_set_promisc(p, 0);
	/* Immediate mode: packets are delivered as they come, not when a ring
	 * block fills, so the marker is seen as soon as it is captured. */
	pcap_set_immediate_mode(p, 1);
	pcap_set_buffer_size(p, buffer_bytes);
	pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
	int rc = pcap_activate(p);
	if (rc < 0) {
		if (rc == PCAP_ERROR_PERM_DENIED)
			*why = NC_CAPTURE_NO_PERMISSION;
		snprintf(err, errlen, "cannot capture on %s: %s", iface,
			 rc == PCAP_ERROR_PERM_DENIED
			 ? "no permission (netconform needs CAP_NET_RAW, which a network "
			   "namespace of its own provides)"
			 : pcap_geterr(p));
		pcap_close(p);
		return NULL;
	}
	/* Everything on a private loopback is the scenario's traffic, plus the
	 * marker; the filter keeps out what a host loopback may carry that
	 * netconform cannot decode. */
	struct bpf_program prog;
	if (pcap_compile(p, &prog, "ip or ip6", 1, PCAP_NETMASK_UNKNOWN) < 0 ||
	    pcap_setfilter(p, &prog) < 0) {
		snprintf(err, errlen, "cannot set the capture filter: %s", pcap_geterr(p));
		pcap_close(p);
		return NULL;
	}
	pcap_freecode(&prog);
	if (pcap_setnonblock(p, 1, ebuf) < 0) {
		snprintf(err, errlen, "cannot make the capture non-blocking: %s", ebuf);
		pcap_close(p);
		return NULL;
	}
	struct nc_capture *c = nc_xcalloc(1, sizeof(*c));
	c->p = p;
	c->fd = pcap_get_selectable_fd(p);
	keep_ring_from_children();
	return c;
}

int nc_capture_save(struct nc_capture *c, void *file, char *err, size_t errlen)
{
	c->dumper = pcap_dump_fopen(c->p, (FILE *)file);
	if (!c->dumper) {
		snprintf(err, errlen, "cannot write the pcap file: %s", pcap_geterr(c->p));
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

/* Recognizes the marker: an IPv4 UDP datagram carrying the marker text,
 * read through the Ethernet header of "lo". A false match would need a
 * scenario to send the exact 32-byte text. */
static bool is_marker(const uint8_t *d, uint32_t caplen)
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
	return memcmp(udp + 8, marker_text, tl) == 0;
}

static void handler(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct nc_capture *c = (struct nc_capture *)user;
	if (is_marker(bytes, h->caplen)) {
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
		/* With nanosecond precision, tv_usec holds nanoseconds. */
		.ts_ns = (int64_t)h->ts.tv_sec * NC_SEC + h->ts.tv_usec,
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
		int n = pcap_dispatch(c->p, -1, handler, (u_char *)c);
		if (n < 0) {
			snprintf(err, errlen, "capture read failed: %s", pcap_geterr(c->p));
			return -1;
		}
		if (n == 0)
			break;
		total += n;
	}
	return total;
}

/* Sends the marker to a socket of our own, which stays open until the
 * marker is read: a datagram to a closed port would make the kernel answer
 * with an ICMP error, a packet the scenario never caused. */
static int send_marker(int *fd_out, char *err, size_t errlen)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0 ||
	    sendto(fd, marker_text, sizeof(marker_text) - 1, 0, (struct sockaddr *)&a,
		   sizeof(a)) < 0) {
		snprintf(err, errlen, "cannot send the capture marker: %s", strerror(errno));
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
	if (send_marker(&fd, err, errlen) < 0)
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
	struct pcap_stat st;
	if (pcap_stats(c->p, &st) < 0)
		return -1;
	*dropped = (uint64_t)st.ps_drop + st.ps_ifdrop;
	return 0;
}

void nc_capture_close(struct nc_capture *c)
{
	if (!c)
		return;
	if (c->dumper)
		pcap_dump_close(c->dumper);
	pcap_close(c->p);
	free(c);
}
