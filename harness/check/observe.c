/* observe.c: collecting role records into an nc_observed. */
#include "check/observe.h"

#include <stdlib.h>
#include <string.h>

#include "util/text.h"

#define MAX_DGRAMS 65536
#define MAX_STREAMS 1024

void nc_observed_init(struct nc_observed *o, const struct nc_scenario *sc,
		      enum nc_family fam, double scale)
{
	memset(o, 0, sizeof(*o));
	o->sc = sc;
	o->family = fam;
	o->timeout_scale = scale;
	o->decided_t = -1;
	for (int r = 0; r < NC_ROLE_COUNT; r++) {
		struct nc_role_obs *ro = &o->role[r];
		const struct nc_role *role = &sc->role[r];
		ro->exec = role->is_exec;
		ro->nsteps = (uint32_t)role->nsteps;
		ro->killed_at_step = -1;
		nc_buf_init(&ro->output, NC_RESULT_MAX_OUTPUT);
		nc_buf_init(&ro->out[1], NC_PROGRAM_OUTPUT_MAX);
		nc_buf_init(&ro->out[2], NC_PROGRAM_OUTPUT_MAX);
		nc_unread_init(&ro->left_unread);
		if (ro->nsteps) {
			ro->begun = nc_xcalloc(ro->nsteps, sizeof(bool));
			ro->ended = nc_xcalloc(ro->nsteps, sizeof(bool));
			ro->begin_t = nc_xcalloc(ro->nsteps, sizeof(int64_t));
			ro->facts = nc_xcalloc(ro->nsteps, sizeof(struct nc_fact));
			for (uint32_t i = 0; i < ro->nsteps; i++)
				nc_fact_init(&ro->facts[i]);
		}
	}
}

void nc_observed_free(struct nc_observed *o)
{
	for (int r = 0; r < NC_ROLE_COUNT; r++) {
		struct nc_role_obs *ro = &o->role[r];
		for (uint32_t i = 0; i < ro->nsteps; i++)
			nc_fact_free(&ro->facts[i]);
		free(ro->facts);
		free(ro->begun);
		free(ro->ended);
		free(ro->begin_t);
		free(ro->dgrams);
		for (size_t i = 0; i < ro->nstreams; i++)
			nc_stream_free(&ro->streams[i]);
		free(ro->streams);
		nc_buf_free(&ro->output);
		nc_buf_free(&ro->out[1]);
		nc_buf_free(&ro->out[2]);
		nc_unread_free(&ro->left_unread);
		free(ro->not_ready);
	}
	memset(o, 0, sizeof(*o));
}

int nc_observed_record(struct nc_observed *o, enum nc_role_id role, enum nc_rec_type type,
		       struct nc_cursor *body)
{
	struct nc_role_obs *ro = &o->role[role];
	ro->any_record = true;
	switch (type) {
	case NC_REC_READY:
		if (nc_rec_read_ready(body, &ro->ready_addr) < 0)
			return -1;
		ro->ready = true;
		return 0;
	case NC_REC_STEP_BEGIN: {
		uint32_t step;
		int64_t t;
		if (nc_rec_read_step_begin(body, &step, &t) < 0 || step >= ro->nsteps)
			return -1;
		ro->begun[step] = true;
		ro->begin_t[step] = t;
		return 0;
	}
	case NC_REC_STEP_END: {
		struct nc_fact f;
		nc_fact_init(&f);
		if (nc_rec_read_step_end(body, &f) < 0 || f.step >= ro->nsteps) {
			nc_fact_free(&f);
			return -1;
		}
		nc_fact_free(&ro->facts[f.step]);
		ro->facts[f.step] = f;
		ro->ended[f.step] = true;
		return 0;
	}
	case NC_REC_DGRAM: {
		struct nc_dgram d;
		if (nc_rec_read_dgram(body, &d) < 0)
			return -1;
		if (ro->ndgrams >= MAX_DGRAMS)
			return 0; /* the wire check reports that it saw more than it kept */
		ro->dgrams = nc_xrealloc(ro->dgrams, (ro->ndgrams + 1) * sizeof(d));
		ro->dgrams[ro->ndgrams++] = d;
		return 0;
	}
	case NC_REC_STREAM: {
		struct nc_stream s;
		if (nc_rec_read_stream(body, &s) < 0) {
			nc_stream_free(&s);
			return -1;
		}
		if (ro->nstreams >= MAX_STREAMS) {
			nc_stream_free(&s);
			return 0;
		}
		ro->streams = nc_xrealloc(ro->streams, (ro->nstreams + 1) * sizeof(s));
		ro->streams[ro->nstreams++] = s;
		return 0;
	}
	case NC_REC_DONE:
		ro->done = true;
		return 0;
	case NC_REC_UNREAD: {
		struct nc_unread u;
		nc_unread_init(&u);
		if (nc_rec_read_unread(body, &u) < 0) {
			nc_unread_free(&u);
			return -1;
		}
		if (ro->left_unread.count == 0 && u.count > 0) {
			nc_unread_free(&ro->left_unread);
			ro->left_unread = u;
		} else {
			nc_unread_free(&u);
		}
		return 0;
	}
	}
	return -1;
}

bool nc_observed_server_addr(const struct nc_observed *o, struct nc_addr *a)
{
	const struct nc_role_obs *srv = &o->role[NC_ROLE_SERVER];
	if (!srv->ready || !srv->ready_addr.family)
		return false;
	*a = srv->ready_addr;
	if (nc_addr_is_any(a))
		nc_addr_loopback(a->family, a->port, a);
	return true;
}

bool nc_observed_client_addr(const struct nc_observed *o, struct nc_addr *a)
{
	const struct nc_role_obs *cli = &o->role[NC_ROLE_CLIENT];
	const struct nc_role_obs *srv = &o->role[NC_ROLE_SERVER];
	if (o->sc->role[NC_ROLE_CLIENT].present && !cli->exec) {
		/* The client's own view, from its last step that had an address,
		 * or from a datagram its socket handled. */
		bool found = false;
		for (uint32_t i = cli->nsteps; i-- > 0 && !found;) {
			if (cli->ended[i] && cli->facts[i].local.family && cli->facts[i].local.port) {
				*a = cli->facts[i].local;
				found = true;
			}
		}
		for (size_t i = 0; i < cli->ndgrams && !found; i++) {
			if (cli->dgrams[i].local.port) {
				*a = cli->dgrams[i].local;
				found = true;
			}
		}
		if (found && nc_addr_is_any(a))
			nc_addr_loopback(a->family, a->port, a);
		return found;
	}
	if (!o->sc->role[NC_ROLE_SERVER].present || srv->exec)
		return false;
	/* A program client, as the built-in server last observed it. */
	for (uint32_t i = srv->nsteps; i-- > 0;) {
		enum nc_step_kind k = o->sc->role[NC_ROLE_SERVER].steps[i].kind;
		if (srv->ended[i] && srv->facts[i].peer.family &&
		    (k == NC_STEP_ACCEPT || k == NC_STEP_RECV || k == NC_STEP_RECVFROM)) {
			*a = srv->facts[i].peer;
			return true;
		}
	}
	return false;
}
