/* dumpfile.h: decoding a whole capture file into one line per packet.
 *
 * The lines are "#<index> <one-line form>" (format.h), index 1-based, with
 * TCP sequence numbers relative to each direction's SYN. By default there
 * are no timestamps, so the text depends only on the packets and can serve
 * as a golden file (the .txt files of fixtures/wire) and for comparison
 * with tshark.
 * With timestamps the line is "#<index> <seconds>.<nanoseconds> <form>".
 *
 * Files are read with libpcap (pcap and pcapng), timestamps at nanosecond
 * precision.
 */
#ifndef NC_WIRE_DUMPFILE_H
#define NC_WIRE_DUMPFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

struct nc_dump_opts {
	bool timestamps;            /* prefix the form with the capture time */
	bool absolute_seq;          /* print TCP sequence numbers as on the wire */
};

/* Receives one line (NUL-terminated, len bytes, no newline; borrowed for
 * the call). Returns 0 to go on, non-zero to stop the dump. */
typedef int (*nc_dump_line_fn)(void *ctx, const char *line, size_t len);

/* Decodes every packet of the capture file at path, passing each line to
 * fn. Returns the number of packets, or -1 with a message in err (the file
 * cannot be opened, a record is cut short, fn asked to stop); lines passed
 * before an error stay passed. opts may be NULL for the defaults. */
long nc_wire_dump_pcap_lines(const char *path, const struct nc_dump_opts *opts,
			     nc_dump_line_fn fn, void *ctx, char *err, size_t errlen);

/* Appends every line, each ending with "\n", to out. Returns 0, or -1 with
 * a message in err; a dump larger than out's maximum is an error too. */
int nc_wire_dump_pcap(const char *path, struct nc_buf *out, char *err, size_t errlen);

/* The same with options. */
int nc_wire_dump_pcap_opts(const char *path, const struct nc_dump_opts *opts,
			   struct nc_buf *out, char *err, size_t errlen);

#endif
