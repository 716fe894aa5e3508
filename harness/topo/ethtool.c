/* ethtool.c: offloads off on a veth (ethtool.h). */
#include "topo/ethtool.h"

#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "util/text.h"

/* The features turned off. The first ones must be off afterwards (they
 * decide frame sizes and checksums); the others are turned off where the
 * kernel has them and lets them go. */
static const char *const wanted_off[] = {
	"tx-checksum-ip-generic", "tx-tcp-segmentation", "tx-tcp6-segmentation",
	"tx-generic-segmentation", "rx-gro",
	"tx-tcp-ecn-segmentation", "tx-tcp-mangleid-segmentation", "tx-udp-segmentation",
	"tx-gso-list", "rx-gro-list", "rx-udp-gro-forwarding", "tx-sctp-segmentation",
};
#define MUST_BE_OFF 5

struct features {
	uint32_t count;
	char (*names)[ETH_GSTRING_LEN]; /* owned */
};

static int do_ioctl(int fd, const char *name, void *data)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	nc_strlcpy(ifr.ifr_name, name, sizeof(ifr.ifr_name));
	ifr.ifr_data = data;
	return ioctl(fd, SIOCETHTOOL, &ifr);
}

/* The kernel's feature names are one list for every device, so they are
 * read once per process (two ioctls, each under the kernel's rtnl lock,
 * saved on every later interface). */
static struct features names_cache;

static int read_names(int fd, const char *name, struct features *f, struct nc_topo_err *e)
{
	struct {
		struct ethtool_sset_info hdr;
		uint32_t data[1];
	} info = { .hdr = { .cmd = ETHTOOL_GSSET_INFO, .sset_mask = 1ULL << ETH_SS_FEATURES } };
	if (do_ioctl(fd, name, &info) < 0) {
		nc_topo_err_set(e, errno, "%s: read the number of ethtool features", name);
		return -1;
	}
	f->count = info.hdr.sset_mask ? info.data[0] : 0;
	struct ethtool_gstrings *gs = calloc(1, sizeof(*gs) + (size_t)f->count * ETH_GSTRING_LEN);
	if (!gs) {
		nc_topo_err_set(e, ENOMEM, "%s: ethtool feature names", name);
		return -1;
	}
	gs->cmd = ETHTOOL_GSTRINGS;
	gs->string_set = ETH_SS_FEATURES;
	gs->len = f->count;
	if (do_ioctl(fd, name, gs) < 0) {
		nc_topo_err_set(e, errno, "%s: read the ethtool feature names", name);
		free(gs);
		return -1;
	}
	f->names = calloc(f->count ? f->count : 1, ETH_GSTRING_LEN);
	if (!f->names) {
		free(gs);
		nc_topo_err_set(e, ENOMEM, "%s: ethtool feature names", name);
		return -1;
	}
	memcpy(f->names, gs->data, (size_t)f->count * ETH_GSTRING_LEN);
	for (uint32_t i = 0; i < f->count; i++)
		f->names[i][ETH_GSTRING_LEN - 1] = '\0';
	free(gs);
	return 0;
}

static const struct features *names(int fd, const char *name, struct nc_topo_err *e)
{
	if (!names_cache.names && read_names(fd, name, &names_cache, e) < 0)
		return NULL;
	return &names_cache;
}

static int find(const struct features *f, const char *feature)
{
	for (uint32_t i = 0; i < f->count; i++)
		if (strcmp(f->names[i], feature) == 0)
			return (int)i;
	return -1;
}

/* Reads the active feature bits into *out (caller frees). */
static int get_active(int fd, const char *name, const struct features *f,
		      struct ethtool_gfeatures **out, struct nc_topo_err *e)
{
	uint32_t blocks = (f->count + 31) / 32;
	struct ethtool_gfeatures *g =
		calloc(1, sizeof(*g) + blocks * sizeof(struct ethtool_get_features_block));
	if (!g) {
		nc_topo_err_set(e, ENOMEM, "%s: ethtool features", name);
		return -1;
	}
	g->cmd = ETHTOOL_GFEATURES;
	g->size = blocks;
	if (do_ioctl(fd, name, g) < 0) {
		nc_topo_err_set(e, errno, "%s: read the ethtool features", name);
		free(g);
		return -1;
	}
	*out = g;
	return 0;
}

static bool active(const struct ethtool_gfeatures *g, int bit)
{
	return (g->features[bit / 32].active >> (bit % 32)) & 1u;
}

static int set_off(int fd, const char *name, const struct features *f, struct nc_topo_err *e)
{
	uint32_t blocks = (f->count + 31) / 32;
	struct ethtool_sfeatures *s =
		calloc(1, sizeof(*s) + blocks * sizeof(struct ethtool_set_features_block));
	if (!s) {
		nc_topo_err_set(e, ENOMEM, "%s: ethtool features", name);
		return -1;
	}
	s->cmd = ETHTOOL_SFEATURES;
	s->size = blocks;
	for (size_t i = 0; i < sizeof(wanted_off) / sizeof(wanted_off[0]); i++) {
		int bit = find(f, wanted_off[i]);
		if (bit >= 0)
			s->features[bit / 32].valid |= 1u << (bit % 32); /* requested: 0 */
	}
	/* A positive answer (ETHTOOL_F_WISH and friends) means some feature
	 * could not change; the check that follows says which mattered. */
	int rc = do_ioctl(fd, name, s);
	int saved = errno;
	free(s);
	if (rc < 0) {
		nc_topo_err_set(e, saved, "%s: turn offloads off (ETHTOOL_SFEATURES)", name);
		return -1;
	}
	return 0;
}

int nc_ethtool_offloads_off(int sockfd, const char *name, struct nc_topo_err *e)
{
	const struct features *f = names(sockfd, name, e);
	struct ethtool_gfeatures *g = NULL;
	int rc = -1;
	if (!f || set_off(sockfd, name, f, e) < 0 || get_active(sockfd, name, f, &g, e) < 0)
		goto out;
	for (int i = 0; i < MUST_BE_OFF; i++) {
		int bit = find(f, wanted_off[i]);
		if (bit >= 0 && active(g, bit)) {
			nc_topo_err_set(e, EOPNOTSUPP, "%s: %s stays on", name, wanted_off[i]);
			goto out;
		}
	}
	rc = 0;
out:
	free(g);
	return rc;
}

int nc_ethtool_feature(int sockfd, const char *name, const char *feature, struct nc_topo_err *e)
{
	const struct features *f = names(sockfd, name, e);
	if (!f)
		return -1;
	int bit = find(f, feature);
	if (bit < 0) {
		nc_topo_err_set(e, ENOENT, "%s: this kernel has no feature %s", name, feature);
		return -1;
	}
	struct ethtool_gfeatures *g = NULL;
	if (get_active(sockfd, name, f, &g, e) < 0)
		return -1;
	int rc = active(g, bit);
	free(g);
	return rc;
}

int nc_ethtool_link(int sockfd, const char *name, struct nc_topo_err *e)
{
	struct ethtool_value v = { .cmd = ETHTOOL_GLINK };
	if (do_ioctl(sockfd, name, &v) < 0) {
		nc_topo_err_set(e, errno, "%s: read the link state (ETHTOOL_GLINK)", name);
		return -1;
	}
	return v.data ? 1 : 0;
}
