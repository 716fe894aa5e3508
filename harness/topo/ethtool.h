/* ethtool.h: turning a veth's offloads off (SIOCETHTOOL).
 *
 * A veth hands its peer whatever the stack gave it: with TSO/GSO a 64 KiB
 * TCP "segment" on a 1280-byte link, with checksum offload a frame whose
 * TCP or UDP checksum was never computed. A capture then shows frames no
 * wire with that MTU could carry, and a forwarder that reads frames with a
 * packet socket and writes them out again would send bad checksums (a
 * frame written to a packet socket is taken as complete). With these
 * features off the stack segments and checksums in software, so each frame
 * is one real, MTU-sized, checksummed packet, as on a physical wire.
 */
#ifndef NC_TOPO_ETHTOOL_H
#define NC_TOPO_ETHTOOL_H

#include "topo/err.h"

/* Turns off segmentation offloads (TCP, generic, UDP), receive offloads
 * (GRO) and transmit checksum offload on interface name, through sockfd (a
 * socket of the interface's network namespace), and checks that they are
 * off. Features this kernel does not have are left alone. */
int nc_ethtool_offloads_off(int sockfd, const char *name, struct nc_topo_err *e);

/* Whether feature (an ethtool feature name, "tx-tcp-segmentation") is
 * active on name: 1, 0, or -1 with e (also when the kernel has no such
 * feature). */
int nc_ethtool_feature(int sockfd, const char *name, const char *feature, struct nc_topo_err *e);

/* Whether name has a carrier (ETHTOOL_GLINK): 1, 0, or -1 with e. For a
 * veth this does more than read: the kernel first runs the device's
 * pending link-state work (linkwatch_sync_dev), which is where a device
 * that got its carrier from its peer gets its transmit queue discipline;
 * until then the device drops what is sent on it, even though it may
 * already show as running. So a 1 here means frames can be sent. */
int nc_ethtool_link(int sockfd, const char *name, struct nc_topo_err *e);

#endif
