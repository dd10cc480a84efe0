/* Time zones for the time partitioner, without the C library's process-wide
 * TZ (setenv + localtime_r would give every thread of the process one zone,
 * and setenv races with getenv in other threads): the IANA zone file
 * (/usr/share/zoneinfo/<name>, TZif as RFC 8536 describes it, from Debian's
 * tzdata) is read once into its table of transitions and the POSIX TZ rule
 * its footer gives for the times after them. A loaded zone is read-only:
 * any number of threads may ask it at once, and a process may load several. */
#ifndef BRIDGELAB_BRIDGE_SINK_ZONE_H
#define BRIDGELAB_BRIDGE_SINK_ZONE_H

#include <stddef.h>
#include <stdint.h>

#define ZONE_DIR "/usr/share/zoneinfo"

struct zone;

/* "UTC" (and NULL or "") needs no file; any other name is a file under
 * ZONE_DIR ("Europe/London", "Etc/GMT+5"). Zones with leap seconds
 * ("right/...") are refused. Returns NULL with one line in err saying what is
 * wrong with the name or the file. */
struct zone *zone_load(const char *name, char *err, size_t errlen);
void zone_free(struct zone *z);

/* The zone's offset from UTC (seconds east) at the instant utc_seconds. */
int32_t zone_offset(const struct zone *z, int64_t utc_seconds);

#endif
