/* The allocator of the programs that copy records: bin/bridge and the
 * benchmark ceilings set beside it link jemalloc (the Makefile; the
 * sanitized build keeps ASan's own), and jemalloc reads these settings
 * when it starts. MALLOC_CONF in the environment overrides any of them.
 *
 * Why: librdkafka allocates a header list, its array and the header for
 * every record that carries one, as replicate's provenance header does,
 * and frees a transaction's records together after its flush. glibc's
 * malloc spent 1.4 s of CPU per million such records on that (10× the
 * _int_malloc and _int_free samples under perf). With jemalloc, a
 * catch-up of 1 M 100-byte records ran at a median 518 k records/s
 * instead of 356 k (6 alternating rounds). One arena, a thread cache for
 * small sizes and dirty pages returned after 100 ms kept replicate's peak
 * RSS where glibc with two arenas had it (54-62 MiB against 50-65). */
const char *malloc_conf = "narenas:1,tcache_max:4096,dirty_decay_ms:100";
