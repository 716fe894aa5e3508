/* vcapture.c: a supervisor's capture (see variant_int.h and
 * capture/capture.h): armed before any role starts, read while they run,
 * drained to its marker after they end, and kept on disk per --keep-pcap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc/variant_int.h"
#include "util/clock.h"
#include "util/fsutil.h"
#include "util/text.h"

static void on_packet(void *ctx, const struct nc_captured *pkt)
{
	struct sup *s = ctx;
	nc_wirelog_add(s->wire, pkt->ts_ns, pkt->data, pkt->caplen, pkt->len);
}

void nc_sup_capture_read(struct sup *s)
{
	char err[256];
	if (s->cap && !s->capture_failed && nc_capture_read(s->cap, on_packet, s, err, sizeof(err)) < 0) {
		s->capture_failed = true;
		s->capture_error = true;
		snprintf(s->capture_note, sizeof(s->capture_note), "%s", err);
	}
}

/* reports/pcap/<group>/<scenario>[<variant>].pcap */
static char *pcap_path(const struct sup *s)
{
	struct nc_buf b;
	nc_buf_init(&b, 0);
	nc_buf_printf(&b, "%s/pcap/%s[%s].pcap", s->job->opts->reports_dir, s->sc->id,
		      s->job->variant);
	return nc_buf_steal(&b);
}

/* The bytes a scenario's built-in roles can send, or UINT64_MAX when a
 * program (whose volume is unknown) takes part. */
static uint64_t scenario_volume(const struct nc_scenario *sc)
{
	uint64_t total = 0;
	for (int r = 0; r < NC_ROLE_COUNT; r++) {
		const struct nc_role *role = &sc->role[r];
		if (role->present && role->is_exec)
			return UINT64_MAX;
		for (size_t i = 0; i < role->nsteps; i++) {
			const struct nc_payload *pl = &role->steps[i].payload;
			if (pl->kind == NC_PAYLOAD_RANDOM)
				total += pl->count;
			else if (pl->kind == NC_PAYLOAD_REPEAT)
				total += pl->count * pl->pattern_len;
			else if (pl->text.nparts)
				total += pl->text.parts[0].len;
		}
	}
	return total;
}

/* The capture's receive-buffer limit. Nothing of it is allocated up front
 * (capture.h): it bounds what may wait in the kernel while the supervisor
 * is busy, so it only has to be larger than any backlog the traffic can
 * build, and a packet that does not fit is a drop, which fails the
 * variant. Each queued packet is charged its kernel buffer (a few hundred
 * bytes for an empty ACK, about 66 KiB for a 64 KiB segment), hence the
 * factor and the floor; programs and --wrap (whose traffic is unknown) get
 * the most. */
static int capture_limit(const struct sup *s)
{
	uint64_t v = scenario_volume(s->sc);
	if (s->obs.wrap || v > (uint64_t)NC_CAPTURE_BUFFER_MAX / 2)
		return NC_CAPTURE_BUFFER_MAX;
	uint64_t want = 2 * v + NC_CAPTURE_BUFFER_MIN;
	return want > NC_CAPTURE_BUFFER_MAX ? NC_CAPTURE_BUFFER_MAX : (int)want;
}

void nc_sup_capture_start(struct sup *s)
{
	const struct nc_run_opts *o = s->job->opts;
	if (!o->capture) {
		snprintf(s->capture_note, sizeof(s->capture_note), "capture disabled by --no-capture");
		return;
	}
	if (o->ns.mode == NC_NS_HOST) {
		/* The host loopback carries other programs' traffic, which would be
		 * captured and judged with the scenario's. */
		snprintf(s->capture_note, sizeof(s->capture_note),
			 "wire checks skipped: without a private network namespace the loopback "
			 "carries other programs' traffic");
		s->capture_error = o->require_capture;
		return;
	}
	char err[256];
	enum nc_capture_fail why;
	s->cap = nc_capture_open("lo", capture_limit(s), err, sizeof(err), &why);
	if (!s->cap) {
		snprintf(s->capture_note, sizeof(s->capture_note), "wire checks skipped: %s", err);
		s->capture_error = why != NC_CAPTURE_NO_PERMISSION || o->require_capture;
		return;
	}
	/* Its time base is set with the variant's epoch, once the capture is armed. */
	s->wire = nc_wirelog_new(nc_capture_linktype(s->cap), 0);
	if (o->keep_pcap != NC_KEEP_NEVER) {
		char *path = pcap_path(s);
		if (nc_pcapfile_open(&s->pcap, path, err, sizeof(err)) == 0) {
			if (nc_capture_save(s->cap, s->pcap.stream, err, sizeof(err)) == 0) {
				s->pcap_open = true;
				nc_capture_save_limit(s->cap, o->pcap_max);
			} else {
				nc_pcapfile_close(&s->pcap);
			}
		}
		if (!s->pcap_open) {
			s->capture_error = true;
			snprintf(s->capture_note, sizeof(s->capture_note), "%s", err);
		}
		free(path);
	}
}

void nc_sup_capture_finish(struct sup *s)
{
	if (!s->cap)
		return;
	char err[256];
	int64_t limit = nc_now_ns() + nc_sup_scaled(s, 2 * NC_SEC);
	int rc = s->capture_failed ? -1 : nc_capture_drain(s->cap, on_packet, s, limit, err, sizeof(err));
	if (rc < 0 && !s->capture_failed) {
		s->capture_failed = s->capture_error = true;
		snprintf(s->capture_note, sizeof(s->capture_note), "%s", err);
	} else if (rc > 0) {
		s->capture_failed = s->capture_error = true;
		snprintf(s->capture_note, sizeof(s->capture_note),
			 "the capture did not deliver its end marker within 2 s");
	}
	uint64_t drops;
	if (nc_capture_drops(s->cap, &drops) == 0 && drops) {
		s->capture_failed = s->capture_error = true;
		snprintf(s->capture_note, sizeof(s->capture_note), "capture dropped %llu packet%s",
			 (unsigned long long)drops, drops == 1 ? "" : "s");
	}
	nc_wirelog_finish(s->wire);
}

/* Writes a small text file whole or not at all: a temporary beside it,
 * renamed over it. Returns 0 or -1 with err filled. */
static int write_whole(const char *path, const void *data, size_t n, char *err, size_t errlen)
{
	size_t l = strlen(path) + 16;
	char *tmp = nc_xmalloc(l);
	snprintf(tmp, l, "%s.tmp-XXXXXX", path);
	int fd = mkostemp(tmp, O_CLOEXEC);
	bool ok = fd >= 0 && fchmod(fd, 0644) == 0 && write(fd, data, n) == (ssize_t)n;
	int e = errno;
	if (fd >= 0 && close(fd) < 0 && ok) {
		ok = false;
		e = errno;
	}
	if (ok && rename(tmp, path) < 0) {
		ok = false;
		e = errno;
	}
	if (!ok) {
		if (fd >= 0)
			unlink(tmp);
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(e));
	}
	free(tmp);
	return ok ? 0 : -1;
}

/* A capped file says so beside itself (a pcap file has no room for a
 * comment): <file>.note. Returns 0 or -1 with err filled. */
static int write_cap_note(const char *pcap, const struct nc_capture_saved *sv,
			  unsigned long long max, char *err, size_t errlen)
{
	struct nc_buf path, text;
	nc_buf_init(&path, 0);
	nc_buf_init(&text, 0);
	nc_buf_printf(&path, "%s.note", pcap);
	nc_buf_printf(&text, "This capture file was capped at %llu bytes (--pcap-max): it holds the "
		      "first %llu packets; %llu later packets were captured and checked but not "
		      "written.\n", max, (unsigned long long)sv->packets,
		      (unsigned long long)sv->unsaved);
	int rc = write_whole(nc_buf_str(&path), text.data, text.len, err, errlen);
	nc_buf_free(&path);
	nc_buf_free(&text);
	return rc;
}

void nc_sup_capture_keep(struct sup *s, struct nc_result *r)
{
	if (!s->pcap_open)
		return;
	const struct nc_run_opts *o = s->job->opts;
	bool bad = r->status == NC_STATUS_FAIL || r->status == NC_STATUS_ERROR;
	if (!(o->keep_pcap == NC_KEEP_ALWAYS || (o->keep_pcap == NC_KEEP_FAILED && bad)))
		return;
	char err[400];
	struct nc_capture_saved sv;
	int flushed = nc_capture_flush(s->cap);
	nc_capture_saved(s->cap, &sv);
	/* A file that could not be written whole (a full disk) is not kept:
	 * artifacts are complete or absent. The checks saw every packet, so
	 * the verdict stands; the run's exit status says the file is missing. */
	if (flushed < 0) {
		snprintf(err, sizeof(err), "cannot write %s: %s", s->pcap.path, strerror(sv.error));
		r->artifact_error = nc_strdup(err);
		return;
	}
	if (nc_pcapfile_keep(&s->pcap, err, sizeof(err)) < 0) {
		r->artifact_error = nc_strdup(err);
		return;
	}
	r->pcap_path = nc_strdup(s->pcap.path);
	if (sv.unsaved) {
		struct nc_buf note;
		nc_buf_init(&note, 0);
		nc_buf_printf(&note, "%s%sthe capture file was capped at %llu bytes (--pcap-max): "
			      "%llu of %llu packets written, every one checked",
			      r->capture_note ? r->capture_note : "", r->capture_note ? "; " : "",
			      o->pcap_max, (unsigned long long)sv.packets,
			      (unsigned long long)(sv.packets + sv.unsaved));
		free(r->capture_note);
		r->capture_note = nc_buf_steal(&note);
		if (write_cap_note(s->pcap.path, &sv, o->pcap_max, err, sizeof(err)) < 0)
			r->artifact_error = nc_strdup(err);
	}
}

void nc_sup_capture_close(struct sup *s)
{
	nc_capture_close(s->cap);
	s->cap = NULL;
	if (s->pcap_open)
		nc_pcapfile_close(&s->pcap);
	s->pcap_open = false;
	nc_wirelog_free(s->wire);
	s->wire = NULL;
}
