/* The allocator of the programs that copy records: bin/bridge and the
 * benchmark ceilings set beside it link jemalloc (the Makefile; the
 * sanitized build keeps ASan's own), and jemalloc reads these settings
 * when it starts. MALLOC_CONF in the environment overrides any of them.
 *
 * Why: librdkafka allocates a header list, its array and the header for
 * every record that carries one, as replicate's provenance header does,
 * and frees a transaction's records together after its flush. glibc's
 * malloc spent 1.4 s of CPU per million such records on that (10× the
 * _int_malloc and _int_free samples under perf) and held the copy of
 * 100-byte records at two thirds of the transactional ceiling; jemalloc
 * makes the header nearly free. One arena, a thread cache for small
 * sizes and dirty pages returned after 100 ms kept replicate's peak RSS
 * where glibc with two arenas had it (bench/replicate.sh). */
const char *malloc_conf = "narenas:1,tcache_max:4096,dirty_decay_ms:100";
