/* Consumer-group offset sync (replicate.sync.group.offsets=true): now and
 * then, every consumer group of the source cluster that has committed
 * offsets on replicated topics gets them translated exactly (see
 * offset_translate.h) and written into the same group on the destination,
 * so its consumers can move to the cloud cluster and resume there with no
 * record skipped and none read twice. A group with active members on the
 * destination is left alone (its consumers there own their offsets), as
 * are bridgelab's own groups. Runs on a thread of its own beside the
 * replication; a failure is logged and tried again next time. */
#ifndef BRIDGELAB_BRIDGE_REPLICATE_GROUP_SYNC_H
#define BRIDGELAB_BRIDGE_REPLICATE_GROUP_SYNC_H

#include "offset_translate.h"

struct group_sync;

/* req: everything but the group (copied; its confs and rename context must
 * outlive the sync). Returns NULL with err. */
struct group_sync *group_sync_start(const struct translate_request *req, int interval_ms, char *err, size_t errlen);
/* Stops the thread (waits for a round in progress) and frees. NULL is fine. */
void group_sync_stop(struct group_sync *g);

/* Groups synced in the last round, and rounds done: for /metrics. */
void group_sync_counts(struct group_sync *g, unsigned long *groups, unsigned long *rounds);

#endif
