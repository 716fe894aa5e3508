/* err.h: what failed and why, for the topology and impairment modules.
 *
 * A failing call fills a caller-owned struct nc_topo_err and returns -1;
 * only a program's main decides to exit. The message names the object and
 * the operation, then the cause: the errno text, and the kernel's own
 * explanation when netlink sent one (extended ack):
 *
 *   host r: link 1 (eth1): add address 203.0.113.1/28: File exists
 *   link 0 (a-b): create veth eth0/eth0: Operation not permitted (netlink: ...)
 */
#ifndef NC_TOPO_ERR_H
#define NC_TOPO_ERR_H

struct nc_topo_err {
	int errnum;     /* errno of the failing call; 0 when the input was wrong */
	char msg[512];  /* the whole message, NUL-terminated */
};

/* Sets the message from fmt, followed by ": strerror(errnum)" when errnum
 * is not 0. e may be NULL. */
void nc_topo_err_set(struct nc_topo_err *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Puts "context: " in front of the message (cut at the end when too long). */
void nc_topo_err_prefix(struct nc_topo_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
