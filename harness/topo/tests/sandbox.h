/* sandbox.h: what the topology and impairment system tests share.
 *
 * Each system test runs in a child process of its own, inside a fresh
 * user and network namespace made for it (as a variant's supervisor is),
 * with a deadline: so it runs unprivileged, cannot touch the machine's own
 * network, and leaves nothing behind. Where such namespaces cannot be made
 * (or NETCONFORM_NO_NAMESPACES=1), the test is skipped with exit status
 * 77 and the reason.
 *
 * The socket helpers create each socket inside the host it belongs to
 * (a socket stays in the namespace it was made in), so one process can
 * play both ends of a path; every wait has a deadline.
 */
#ifndef NC_TOPO_TESTS_SANDBOX_H
#define NC_TOPO_TESTS_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topo/topo.h"
#include "util/addr.h"

/* A system test: returns 0 when it passed; on failure it has printed why
 * (SB_CHECK does). */
struct sb_test {
	const char *name;
	int (*fn)(void);
	int timeout_s;
};

/* The main of a system test program: `PROG NAME` runs the test NAME in a
 * sandbox and exits 0 (passed), 1 (failed), 77 (skipped); `PROG --list`
 * prints the names. tests ends with a { NULL } entry. */
int sb_main(int argc, char **argv, const struct sb_test *tests);

/* Prints a failure with its place, and makes the test fail. */
#define SB_CHECK(cond, ...)                                                        \
	do {                                                                       \
		if (!(cond)) {                                                     \
			sb_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);           \
			return 1;                                                  \
		}                                                                  \
	} while (0)
void sb_fail(const char *file, int line, const char *cond, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A chain a - r1 - ... - b of nlinks links with the MTUs given, the inner
 * hosts routers (one router alone is called r); host i and i + 1 on link
 * i. */
void sb_desc_chain(struct nc_topo_desc *d, const uint32_t *mtus, unsigned nlinks);
/* The topology most tests use: a --1500-- r --mtu-- b, the second link
 * wired when `wire`. Hosts 0, 1, 2; links 0, 1. */
void sb_desc_router(struct nc_topo_desc *d, uint32_t mtu, bool wire);

/* Builds a topology or fails the test with the builder's message. */
struct nc_topo *sb_build(const struct nc_topo_desc *d);

/* A socket of type (SOCK_DGRAM, SOCK_STREAM) created inside host, bound
 * to its address on link (port 0: any), with receive and send timeouts of
 * timeout_ms. Returns the descriptor or -1 (printed). *bound gets the
 * address with its port. */
int sb_socket(struct nc_topo *t, unsigned host, unsigned link, int family, int type,
	      int timeout_ms, struct nc_addr *bound);
/* A packet socket on a host's interface of a link, all frames, both
 * directions, non-blocking. */
int sb_packet_socket(struct nc_topo *t, unsigned host, unsigned link);
/* Reads every frame waiting on a packet socket (up to max), keeping the
 * lengths and, for each, up to cap bytes of it in frames[i]. Returns how
 * many were read. */
size_t sb_drain_frames(int fd, uint8_t (*frames)[256], uint32_t *lens, size_t max);

/* Sends len bytes (a known pattern from offset 0) and closes the sending
 * side; the receiver checks the pattern. Both run in this process, the
 * sender in a child. Returns 0 when all bytes arrived intact and the
 * stream ended, within timeout_ms; prints what went wrong otherwise. On
 * success *sender_retrans gets the sender's tcpi_total_retrans. */
int sb_tcp_transfer(int client, int accepted, size_t len, int timeout_ms,
		    uint32_t *sender_retrans);
/* Connects a TCP socket (made with sb_socket) to a listening one and
 * accepts: *accepted gets the server's end. Returns the time connect took
 * in nanoseconds, or -1. */
int64_t sb_tcp_connect(int client, int listener, const struct nc_addr *to, int *accepted,
		       int timeout_ms);

/* The byte at offset i of the transfer pattern. */
static inline uint8_t sb_pattern(size_t i)
{
	return (uint8_t)((i * 131u + (i >> 8) * 7u) & 0xff);
}

/* Number of descriptors open in this process. */
int sb_open_fds(void);

#endif
