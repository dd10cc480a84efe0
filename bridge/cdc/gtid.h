/* MariaDB GTID positions as text: "domain-server-sequence" per replication
 * domain, comma-separated ("0-1-42,1-7-3"). CDC keeps one, moving a
 * domain's entry forward at each transaction it commits. */
#ifndef BRIDGELAB_BRIDGE_GTID_H
#define BRIDGELAB_BRIDGE_GTID_H

#include <stddef.h>
#include <stdint.h>

/* One GTID, "domain-server-sequence", at most this long with its NUL. */
#define GTID_TEXT_MAX 43

/* Writes one GTID into out; its length, or -1 when size is too small. */
int gtid_format(char *out, size_t size, uint32_t domain, uint32_t server, uint64_t sequence);

/* Sets the domain's entry of pos to domain-server-sequence (adding it when
 * the domain is new). Returns 0, or -1 when pos is malformed or too small. */
int gtid_pos_set(char *pos, size_t size, uint32_t domain, uint32_t server, uint64_t sequence);

/* 1 when text is a well-formed position ("" included). */
int gtid_pos_valid(const char *text);

#endif
