#!/usr/bin/env bash
# common/kafka.c against the real onprem Kafka of the test lab, through
# kafka_check: transactions committed and read back read_committed, an
# aborted transaction invisible, fencing between two processes, topics
# created once and compacted, keys partitioned as Java clients do, and a
# short measurement of commit latency and throughput (diagnostics).
# lab: onprem
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. "$LAB_RUN_DIR/lab.env"

# kafka_check of the build whose programs are tested (build/asan under tests/run).
bindir=${BRIDGELAB_BIN:-bin}
case $bindir in
*build/*/bin) KC=$(dirname "$bindir")/tests/kafka_check ;;
*) KC=build/release/tests/kafka_check ;;
esac
B=$ONPREM_BOOTSTRAP
tests_work_dir kafka
fence_pid=
cleanup() {
  [ -z "$fence_pid" ] || kill "$fence_pid" 2>/dev/null
  exec 9>&- 2>/dev/null
}
at_exit cleanup
run=$(date +%s)_$$ # topics of this run: the lab keeps data between runs

kc() { "$KC" -b "$B" "$@" 2>>"$WORK/stderr"; }
# A failed check also shows what the commands said last.
eval "tap_$(declare -f not_ok)"
not_ok() {
  tap_not_ok "$@"
  tail -n 5 "$WORK/stderr" 2>/dev/null | sed 's/^/#   /'
}
# count TOPIC ISOLATION: records a consumer with that isolation level sees.
count() { kcat -C -b "$B" -t "$1" -e -q -X isolation.level="$2" -f '%k\n' 2>>"$WORK/stderr" | wc -l | tr -d ' '; }
# last_kcat TOPIC KEY: the last value of KEY as kcat reads it read_committed.
last_kcat() {
  kcat -C -b "$B" -t "$1" -e -q -X isolation.level=read_committed -f '%k\t%s\n' 2>>"$WORK/stderr" |
    awk -F '\t' -v k="$2" '$1 == k {v = $2} END {print v}'
}
# Starts $WORK/stderr afresh (kept in all-stderr for the sanitizer check), so
# a test can grep what the commands since then said.
mark() {
  cat "$WORK/stderr" >>"$WORK/all-stderr" 2>/dev/null
  : >"$WORK/stderr"
}

for tool in kcat python3; do
  command -v "$tool" >/dev/null || {
    not_ok "$tool is installed (run make deps)"
    tap_finish
    exit 1
  }
done
if [ ! -x "$KC" ]; then
  not_ok "$KC is built (make all; make SANITIZE=1 all)"
  tap_finish
  exit 1
fi
diag "kafka_check: $KC; Kafka at $B; topics suffixed _$run"

# ---------------------------------------------------------------- cluster
check "the cluster answers" kc wait 60000

mark
"$KC" -b 127.0.0.1:1 wait 1500 >/dev/null 2>"$WORK/unreachable"
rc=$?
cat "$WORK/unreachable" >>"$WORK/all-stderr"
check_eq "an unreachable cluster: exit 1" 1 "$rc"
check "an unreachable cluster: says so and where" grep -q 'Kafka unreachable at 127.0.0.1:1' "$WORK/unreachable"

# ------------------------------------------------------------------ topics
POS=_bridgelab_positions_$run
check "ensure_topic creates a compacted topic" kc ensure "$POS" 1 1 cleanup.policy=compact
check "ensure_topic again: it exists, that is success" kc ensure "$POS" 1 1 cleanup.policy=compact
check_eq "the compaction config is set (DescribeConfigs)" compact "$(kc config "$POS" cleanup.policy)"
partitions=$(kcat -L -b "$B" -t "$POS" 2>/dev/null | sed -n 's/.*topic "[^"]*" with \([0-9]*\) partitions.*/\1/p')
check_eq "the topic has 1 partition (kcat -L)" 1 "$partitions"
java_configs() {
  java -cp "$PWD/.deps/kafka/libs/*" -Dlog4j.configuration=file:"$PWD/deps/kafka/log4j.properties" \
    kafka.admin.ConfigCommand --bootstrap-server "$B" --entity-type topics --entity-name "$1" --describe 2>/dev/null
}
if command -v java >/dev/null && compgen -G ".deps/kafka/libs/kafka_2.13-*.jar" >/dev/null; then
  check "Kafka's own kafka-configs sees cleanup.policy=compact" grep -q 'cleanup.policy=compact' <(java_configs "$POS")
else
  diag "no Kafka jars in .deps/kafka/libs: kafka-configs cross-check skipped"
fi
mark
check "ensure_topic with other settings on an existing topic: success" kc ensure "$POS" 3 1 cleanup.policy=delete
check "... and a warning names what differs" grep -q "exists with cleanup.policy=compact, not delete" "$WORK/stderr"
check_eq "... and nothing is changed" compact "$(kc config "$POS" cleanup.policy)"

# ------------------------------------------------------------ transactions
EV=events_$run
check "a transaction of 1000 records and a position commits" kc produce "cdc-$run" "$EV" 1000 "$POS" "binlog:1000"
check_eq "read_committed sees the 1000 records" 1000 "$(count "$EV" read_committed)"
check_eq "read_last finds the position" "binlog:1000" "$(kc last "$POS" cdc)"
check_eq "kcat (read_committed) agrees" "binlog:1000" "$(last_kcat "$POS" cdc)"
check "a second transaction (500 records) commits" kc produce "cdc-$run" "$EV" 500 "$POS" "binlog:1500"
check_eq "read_last finds the newer position" "binlog:1500" "$(kc last "$POS" cdc)"

kc produce "cdc-$run" "$EV" 200 "$POS" "binlog:aborted" abort
check_eq "a transaction of 200 records aborted on purpose" 0 "$?"
check_eq "its records are in the log (read_uncommitted: 1700)" 1700 "$(count "$EV" read_uncommitted)"
check_eq "read_committed does not see them (1500)" 1500 "$(count "$EV" read_committed)"
check_eq "read_last ignores the aborted position" "binlog:1500" "$(kc last "$POS" cdc)"
check "a transaction after the aborted one commits" kc produce "cdc-$run" "$EV" 10 "$POS" "binlog:1510"
check_eq "read_committed reads past the aborted records (1510)" 1510 "$(count "$EV" read_committed)"
check_eq "read_last reads past them too" "binlog:1510" "$(kc last "$POS" cdc)"

out=$(kc last "$POS" no-such-key)
check_eq "read_last of a missing key: not found (exit 2)" "2 (not found)" "$? $out"
out=$(kc last "missing_$run" cdc)
check_eq "read_last of a missing topic: not found (exit 2)" "2 (not found)" "$? $out"
check "... and the topic is not created by reading it" \
  grep -q 'Unknown topic' <(kcat -L -b "$B" -t "missing_$run" 2>&1)

# ----------------------------------------------------------------- fencing
FT=fence_$run
mkfifo "$WORK/go"
mark
"$KC" -b "$B" fence "dup-$run" "$FT" <"$WORK/go" >"$WORK/fence.out" 2>"$WORK/fence.err" &
fence_pid=$!
exec 9>"$WORK/go"
for _ in $(seq 300); do
  grep -q ready "$WORK/fence.out" 2>/dev/null && break
  kill -0 "$fence_pid" 2>/dev/null || break
  sleep 0.1
done
check "a first producer holds a transaction open (one record in the log)" grep -q ready "$WORK/fence.out"
started=$SECONDS
out=$(kc last "$FT" zombie)
check_eq "read_last stops at the open transaction (not found)" "2 (not found)" "$? $out"
check "... without waiting for it to end" test $((SECONDS - started)) -lt 20
check "a second producer with the same transactional id commits" kc produce "dup-$run" "$FT" 5 "$FT" "second"
echo go >&9
exec 9>&-
wait "$fence_pid"
rc=$?
fence_pid=
check_eq "the first producer's commit is fatal (exit 3)" 3 "$rc"
check "... saying another one with its transactional id is running" \
  grep -q "another kafka_check with transactional id dup-$run is running" "$WORK/fence.err"
check_eq "the fenced record is in the log, aborted (read_uncommitted: 7)" 7 "$(count "$FT" read_uncommitted)"
check_eq "read_committed sees only the second producer's records (6)" 6 "$(count "$FT" read_committed)"
check_eq "no fenced record is visible" "" "$(last_kcat "$FT" zombie)"
cat "$WORK/fence.err" >>"$WORK/all-stderr"

# -------------------------------------------------------------- partitions
PT=keys_$run
kc ensure "$PT" 6 1 >/dev/null
check "60 keyed records into 6 partitions" kc produce "keys-$run" "$PT" 60 "$POS" "keys"
kcat -C -b "$B" -t "$PT" -e -q -f '%k %p\n' >"$WORK/placed" 2>>"$WORK/stderr"
mismatches=$(python3 - "$WORK/placed" <<'EOF'
import sys
# Kafka's Java client: Utils.toPositive(Utils.murmur2(key)) % partitions
def murmur2(data):
    m, h = 0x5bd1e995, (0x9747b28c ^ len(data)) & 0xffffffff
    n4 = len(data) // 4
    for i in range(n4):
        k = int.from_bytes(data[4 * i:4 * i + 4], "little")
        k = (k * m) & 0xffffffff
        k ^= k >> 24
        k = (k * m) & 0xffffffff
        h = ((h * m) & 0xffffffff) ^ k
    rest = data[4 * n4:]
    if len(rest) == 3: h ^= rest[2] << 16
    if len(rest) >= 2: h ^= rest[1] << 8
    if len(rest) >= 1: h = ((h ^ rest[0]) * m) & 0xffffffff
    h ^= h >> 13
    h = (h * m) & 0xffffffff
    return h ^ (h >> 15)
lines = open(sys.argv[1]).read().split("\n")
placed = [l.split(" ") for l in lines if l]
bad = [k for k, p in placed if (murmur2(k.encode()) & 0x7fffffff) % 6 != int(p)]
print(len(placed), len(bad))
EOF
)
check_eq "every key is in the partition Java's murmur2 gives (placed, wrong)" "60 0" "$mismatches"

# ------------------------------------------------------------------- bench
# Diagnostics only: the figures of record come from the release build
# (build/release/tests/kafka_check bench), not the sanitized one.
if kc bench "bench_$run" 20 5 1 >"$WORK/bench"; then
  ok "a short transactional benchmark runs"
  while IFS= read -r line; do diag "$line"; done <"$WORK/bench"
else
  not_ok "a short transactional benchmark runs"
fi

mark
tap_finish # scans $WORK/all-stderr with the rest
