#!/usr/bin/env bash
# bridge replicate against the real Kafka clusters of the test lab: every
# replicated topic is equal on both clusters per partition (keys, values,
# headers, timestamps, order; each record once, its provenance naming the
# source offset) after the simulator and bridge cdc have run, through
# SIGKILLs under load and a SIGTERM; aborted transactions on the source
# never cross; a compacted topic keeps its config; a new matching topic, a
# partition increase, an excluded topic and a renamed destination; two
# replicators running opposite ways with identical names never loop; two
# replicators of a group share its slots, through SIGKILLs of either and a
# paused zombie that is fenced; bad input gets one clear line.
# Only the processes it starts (and the test lab's) are stopped or looked at.
# lab: mysql onprem cloud
# time limit: 1500
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. "$LAB_RUN_DIR/lab.env"

BIN=${BRIDGELAB_BIN:-bin}
BRIDGE=$BIN/bridge
# kafka_check of the build whose programs are tested (build/asan under tests/run).
case $BIN in
*build/*/bin) KCHECK=$(dirname "$BIN")/tests/kafka_check ;;
*) KCHECK=build/release/tests/kafka_check ;;
esac
PROPS=$LAB_RUN_DIR/bridge.properties
tests_work_dir replicate
ONPREM_ID=$(cat "$ONPREM_CLUSTER_ID_FILE")
CLOUD_ID=$(cat "$CLOUD_CLUSTER_ID_FILE")
OFFSETS=_bridgelab_replicate_offsets
# Tight batches and a quick look at new topics, so that the suite is short.
FAST=(-X replicate.topics.refresh.ms=1000 -X replicate.batch.max.ms=50)

sim() { "$BIN/sim" -F "$SIM_PROPERTIES" --quiet "$@" >>"$WORK/sim.log" 2>&1; }
sim_bg() {
  local name=$1
  shift
  bg_start "$WORK/sim-$name.log" "$BIN/sim" -F "$SIM_PROPERTIES" --quiet "$@"
}
# cdc_bg DC: a cdc writing to topics <DC>_<table> (no metrics endpoint).
cdc_bg() {
  local dc=$1
  shift
  bg_start "$WORK/cdc-$dc.log" "$BRIDGE" cdc -F "$PROPS" -X dc="$dc" -X cdc.http.listen= "$@"
}
# replicate_bg NAME [args]: a replicator of group NAME with metrics on
# $REPLICATE_HTTP, its log $WORK/NAME.log; its pid in $BG_PID.
replicate_bg() {
  local name=$1
  shift
  bg_start "$WORK/$name.log" "$BRIDGE" replicate -F "$PROPS" -X replicate.group.id="$name" \
    -X replicate.http.listen="$REPLICATE_HTTP" "${FAST[@]}" "$@"
}
metric() { curl -s "http://$REPLICATE_HTTP/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
# The work a replicator does: its committed transactions, once it replicates.
transactions() {
  curl -sf "http://$REPLICATE_HTTP/healthz" >/dev/null 2>&1 && metric bridgelab_replicate_transactions_total
}
healthy() {
  local i
  for i in $(seq 300); do
    curl -sf "http://$REPLICATE_HTTP/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}
# cdc_caught_up DC: the cdc named <DC>-cdc stored the binlog head as its position.
cdc_caught_up() {
  local i head
  for i in $(seq 600); do
    head=$(sql 'SELECT @@gtid_binlog_pos')
    kcat -C -b "$ONPREM_BOOTSTRAP" -t _bridgelab_cdc_positions -e -q -f '%k\t%s\n' \
      -X isolation.level=read_committed 2>/dev/null | awk -F'\t' -v k="$1-cdc" '$1 == k {v = $2} END {print v}' |
      grep -qF "\"gtid\":\"$head\"" && return 0
    sleep 0.2
  done
  diag "cdc $1 did not catch up with $head"
  return 1
}
# caught_up GROUP TOPIC...: the group's stored positions are the source's end offsets.
caught_up() {
  local group=$1 i
  shift
  for i in $(seq 300); do
    python3 tests/integration/replicate_check.py caught-up "$ONPREM_BOOTSTRAP" "$CLOUD_BOOTSTRAP" "$group" \
      "$OFFSETS" "$@" >"$WORK/caught-up" 2>&1 && return 0
    sleep 0.3
  done
  diag "$(tail -1 "$WORK/caught-up")"
  return 1
}
# check_equal WHAT [checker options] TOPIC...: the checker's equal mode, onprem -> cloud.
check_equal() {
  local what=$1
  shift
  if python3 tests/integration/replicate_check.py equal "$ONPREM_BOOTSTRAP" "$CLOUD_BOOTSTRAP" "$ONPREM_ID" \
    "$@" >"$WORK/check" 2>&1; then
    ok "$what ($(tail -1 "$WORK/check"))"
  else
    not_ok "$what"
    tail -6 "$WORK/check" | sed 's/^/# /'
  fi
}
# cdc_topics DC: the topics a cdc of that dc made on onprem (one per table).
cdc_topics() { kcat -L -b "$ONPREM_BOOTSTRAP" | sed -n "s/^ *topic \"\($1_[^\"]*\)\".*/\1/p" | sort; }
onprem() { "$KCHECK" -b "$ONPREM_BOOTSTRAP" "$@" >>"$WORK/kafka_check.log" 2>&1; }
cloud() { "$KCHECK" -b "$CLOUD_BOOTSTRAP" "$@" >>"$WORK/kafka_check.log" 2>&1; }
partition_count() { kcat -L -b "$1" -t "$2" 2>/dev/null | sed -n 's/.* with \([0-9]*\) partitions.*/\1/p'; }

# A stand-in for a demo's replicator on this machine: the suite must neither
# kill it nor mistake it for its own.
bg_start /dev/null bash -c "exec -a '$PWD/bin/bridge replicate -F $PWD/run/bridge.properties' sleep 3600"
demo_pid=$BG_PID

# --- the simulator and cdc write while replicate copies: equal on both sides ---
./lab seed >/dev/null
sim --orders 300 --seed 1 --rate 0
cdc_bg dc11
cdcpid=$BG_PID
replicate_bg r1 --include 'dc11_.*'
pid=$BG_PID
check "r1: healthy while replicating" healthy
sim --orders 2000 --rate 0 --cancel-ratio 0.05 -X sim.customer.update.ratio=0.2
check_eq "r1: the simulator wrote its 2000 orders" 0 $?
check "r1: cdc caught up with the binlog" cdc_caught_up dc11
check "r1: replicate caught up with every cdc topic" caught_up r1 $(cdc_topics dc11)
check "r1: /metrics counts records" test "$(metric bridgelab_replicate_records_total)" -gt 2000
check "r1: /metrics counts transactions" test "$(metric bridgelab_replicate_transactions_total)" -gt 0
check_eq "r1: /metrics: every cdc topic replicated" "$(cdc_topics dc11 | wc -l)" "$(metric bridgelab_replicate_topics)"
curl -s "http://$REPLICATE_HTTP/metrics" >"$WORK/r1.metrics"
check "r1: /metrics: per-partition lag, 0 once caught up" \
  grep -q '^bridgelab_replicate_lag_records{topic="dc11_sales_orders",partition="0"} 0$' "$WORK/r1.metrics"
check "r1: /metrics: latency p50 and p99" grep -qE '^bridgelab_replicate_latency_seconds\{quantile="0.99"\} [0-9.]+$' \
  "$WORK/r1.metrics"
check_stop "r1: SIGTERM: exit 0" "$pid"
check_stop "r1: cdc: SIGTERM: exit 0" "$cdcpid"
check "r1: a startup line says what it reads and where it writes" \
  grep -q "reading topics matching 'dc11_.\*' from onprem Kafka at $ONPREM_BOOTSTRAP (read_committed); writing them to cloud Kafka at $CLOUD_BOOTSTRAP" \
  "$WORK/r1.log"
check_equal "r1: every cdc topic is equal on both clusters, record for record" $(cdc_topics dc11)
check "r1: the destination topics were made with the source's partition count" \
  test "$(partition_count "$CLOUD_BOOTSTRAP" dc11_sales_orders)" = "$(partition_count "$ONPREM_BOOTSTRAP" dc11_sales_orders)"
# A restart goes on where it stopped: nothing again.
before=$(kcat -C -b "$CLOUD_BOOTSTRAP" -t dc11_sales_orders -e -q -f 'x\n' | wc -l)
replicate_bg r1 --include 'dc11_.*'
pid=$BG_PID
check "r1 again: healthy" healthy
sleep 2
check_stop "r1 again: SIGTERM: exit 0" "$pid"
check_eq "r1 again: nothing copied twice after a restart" "$before" \
  "$(kcat -C -b "$CLOUD_BOOTSTRAP" -t dc11_sales_orders -e -q -f 'x\n' | wc -l)"
check "r1 again: it resumed from the stored positions" grep -q "dc11_sales_orders \[0\]: resuming at offset" "$WORK/r1.log"

# --- SIGKILL mid-work, 10 times and more, under load: nothing lost or doubled ---
# Each kill lands once the replicator's committed transactions have risen, a
# random 0-0.5 s later; the simulator and cdc write throughout.
sim_bg s2 --rate 400 --orders 12000 --threads 2 --cancel-ratio 0.05
simpid=$BG_PID
cdc_bg dc12
cdcpid=$BG_PID
# A static member of its group (replicate.instance.id): restarted, it gets
# its slots back at once, not after the killed one's session timeout.
for round in $(seq 14); do
  [ "$kills_mid_work" -lt 11 ] || break
  replicate_bg r2 --include 'dc12_.*' -X replicate.instance.id=r2-only
  kill_mid_work "$BG_PID" transactions
done
check_kills "r2: 10 SIGKILLs landed while replicate was committing (status 137 each)" 10
check "r2: the simulator was writing through the kills" running "$simpid"
replicate_bg r2 --include 'dc12_.*' -X replicate.instance.id=r2-only
pid=$BG_PID
check_exit "r2: the simulator exits 0" "$simpid"
check "r2: cdc caught up" cdc_caught_up dc12
check "r2: replicate caught up after the kills" caught_up r2 $(cdc_topics dc12)
check_stop "r2: SIGTERM: exit 0" "$pid"
check_stop "r2: cdc: SIGTERM: exit 0" "$cdcpid"
check_equal "r2: after the kills every record is on the cloud cluster once, in order" $(cdc_topics dc12)

# --- SIGTERM with records in flight -----------------------------------------
sim_bg s3 --rate 500 --orders 2500 --threads 2
simpid=$BG_PID
cdc_bg dc13
cdcpid=$BG_PID
replicate_bg r3 --include 'dc13_.*'
pid=$BG_PID
check "r3: replicating under load" wait_working "$pid" transactions
bg_stop "$pid"
check_eq "r3: SIGTERM mid-stream: exit 0" 0 "$BG_STATUS"
check "r3: it said what it committed" grep -q "stopped: every record read is committed" "$WORK/r3.log"
replicate_bg r3 --include 'dc13_.*'
pid=$BG_PID
check_exit "r3: the simulator exits 0" "$simpid"
check "r3: cdc caught up" cdc_caught_up dc13
check "r3: replicate caught up" caught_up r3 $(cdc_topics dc13)
check_stop "r3: SIGTERM: exit 0 again" "$pid"
check_stop "r3: cdc: SIGTERM: exit 0" "$cdcpid"
check_equal "r3: nothing lost or doubled across the SIGTERM" $(cdc_topics dc13)

# --- topics: aborted transactions, compaction, LogAppendTime, new, grown, excluded, renamed ---
onprem ensure dc21_txn 2 1
onprem produce t21 dc21_txn 50 dc21_pos one
onprem produce t21 dc21_txn 40 dc21_pos aborted abort
onprem produce t21 dc21_txn 30 dc21_pos two
onprem produce t21b dc21_txn 20 dc21_pos aborted-again abort
onprem ensure dc21_compact 3 1 cleanup.policy=compact min.compaction.lag.ms=5000 retention.ms=86400000
for i in $(seq 300); do printf 'key-%s\tvalue-%s\n' $((i % 40)) "$i"; done |
  kcat -P -b "$ONPREM_BOOTSTRAP" -t dc21_compact -K '\t' -H origin=test -H 'empty='
printf 'gone\t\n' | kcat -P -b "$ONPREM_BOOTSTRAP" -t dc21_compact -K '\t' -Z # a tombstone
onprem ensure dc21_logtime 1 1 message.timestamp.type=LogAppendTime
printf 'a\tb\nc\td\n' | kcat -P -b "$ONPREM_BOOTSTRAP" -t dc21_logtime -K '\t'
onprem ensure dc21_secret 1 1
printf 'x\n' | kcat -P -b "$ONPREM_BOOTSTRAP" -t dc21_secret
replicate_bg r4 --include 'dc21_.*' --exclude '.*_secret'
pid=$BG_PID
check "r4: caught up" caught_up r4 dc21_txn dc21_pos dc21_compact dc21_logtime
check_equal "r4: equal, and the 60 aborted records never appear on cloud" dc21_txn dc21_pos
check_eq "r4: the committed 80 records of dc21_txn, no aborted one" 80 \
  "$(kcat -C -b "$CLOUD_BOOTSTRAP" -t dc21_txn -e -q -f '%s\n' -X isolation.level=read_uncommitted | wc -l)"
check_equal "r4: a compacted topic with headers and a tombstone: equal" dc21_compact
check_ran "r4: the compacted topic's cleanup.policy was copied" 0 "$WORK/r4-config" '^compact$' \
  "$KCHECK" -b "$CLOUD_BOOTSTRAP" config dc21_compact cleanup.policy
check_ran "r4: and its min.compaction.lag.ms" 0 "$WORK/r4-config" '^5000$' \
  "$KCHECK" -b "$CLOUD_BOOTSTRAP" config dc21_compact min.compaction.lag.ms
check_equal "r4: LogAppendTime records arrive with that time as CreateTime" dc21_logtime
check "r4: an excluded topic is not copied" \
  python3 tests/integration/replicate_check.py absent "$CLOUD_BOOTSTRAP" dc21_secret
onprem ensure dc21_later 2 1
onprem produce t21c dc21_later 25 dc21_pos three
check "r4: a new matching topic is picked up" caught_up r4 dc21_later dc21_pos
check_equal "r4: the new topic is equal" dc21_later
check "r4: add partitions to a replicated source topic" onprem partitions dc21_txn 4
onprem produce t21d dc21_txn 60 dc21_pos four
check "r4: the partition increase is followed" caught_up r4 dc21_txn
check_eq "r4: the destination grew to 4 partitions" 4 "$(partition_count "$CLOUD_BOOTSTRAP" dc21_txn)"
check_equal "r4: equal after the increase" dc21_txn
check_stop "r4: SIGTERM: exit 0" "$pid"
replicate_bg r5 --include 'dc21_(txn|compact)' --rename-format '${topic}.replica'
pid=$BG_PID
check "r5: renamed destinations: caught up" caught_up r5 dc21_txn dc21_compact
check_stop "r5: SIGTERM: exit 0" "$pid"
check_equal "r5: \${topic}.replica holds the same records" --rename '${topic}.replica' dc21_txn dc21_compact

# --- two replicators running opposite ways, identical topic names -----------
onprem ensure dc31_both 2 1
cloud ensure dc31_both 2 1
onprem produce t31 dc31_both 70 dc31_pos from-onprem
cloud produce t31 dc31_both 45 dc31_back from-cloud
replicate_bg fw --include 'dc31_both'
fw=$BG_PID
bg_start "$WORK/rv.log" "$BRIDGE" replicate -F "$PROPS" -X replicate.group.id=rv -X replicate.http.listen= \
  "${FAST[@]}" --include 'dc31_both' --from "$CLOUD_BOOTSTRAP" --to "$ONPREM_BOOTSTRAP"
rv=$BG_PID
check "two-way: onprem -> cloud caught up" caught_up fw dc31_both
sleep 3
onprem produce t31 dc31_both 5 dc31_pos more-onprem
cloud produce t31 dc31_both 6 dc31_back more-cloud
sleep 4
check "two-way: onprem -> cloud caught up again" caught_up fw dc31_both
check "two-way: the forward one passed over the records that came from cloud" \
  test "$(metric bridgelab_replicate_loop_records_total)" -ge 51
check_stop "two-way: forward: SIGTERM: exit 0" "$fw"
check_stop "two-way: reverse: SIGTERM: exit 0" "$rv"
count() { kcat -C -b "$1" -t dc31_both -e -q -f 'x\n' -X isolation.level=read_committed | wc -l; }
check_eq "two-way: onprem holds its 75 records and cloud's 51, each once" 126 "$(count "$ONPREM_BOOTSTRAP")"
check_eq "two-way: cloud holds its 51 records and onprem's 75, each once" 126 "$(count "$CLOUD_BOOTSTRAP")"
kcat -C -b "$CLOUD_BOOTSTRAP" -t dc31_both -e -q -f '%h\n' -X isolation.level=read_committed >"$WORK/two-way-headers"
check "two-way: no record crossed twice (never two provenance headers)" \
  bash -c "! grep -q 'bridgelab.provenance=.*bridgelab.provenance=' '$WORK/two-way-headers'"
check_equal "two-way: onprem's own records are on cloud, cloud's came not back" --skip-from "$CLOUD_ID" dc31_both
check "two-way: the reverse replicator copied cloud's records" grep -q "replicating topic dc31_both" "$WORK/rv.log"

# --- scale-out: two replicators of one group share the slots -------------------
# Each is a member of the group on onprem and owns some of the 4 slots
# (/metrics: bridgelab_replicate_slots_owned); SIGKILL one mid-work and the
# other takes its slots over once its session times out; a paused zombie
# (SIGSTOP past the session timeout, its slots moved, then SIGCONT) is fenced
# by the new owner's init_transactions and writes nothing more for them. The
# checker proves it: every source record is on cloud exactly once (a write
# of the zombie after the takeover would double records, or skip some).
HTTP_A=$REPLICATE_HTTP
HTTP_B=${REPLICATE_HTTP%:*}:$((${REPLICATE_HTTP##*:} + 1))
SCALE=(-X replicate.slots=4 -X onprem.kafka.session.timeout.ms=6000 -X onprem.kafka.heartbeat.interval.ms=500)
# member NAME HTTP: a replicator of group r8, its log $WORK/r8-NAME.log.
member() {
  bg_start "$WORK/r8-$1.log" "$BRIDGE" replicate -F "$PROPS" -X replicate.group.id=r8 -X replicate.http.listen="$2" \
    "${FAST[@]}" "${SCALE[@]}" --include 'dc15_.*'
}
metric_at() { curl -s "http://$1/metrics" 2>/dev/null | awk -v m="$2" '$1 == m {print $2}'; }
owned_at() { metric_at "$1" bridgelab_replicate_slots_owned; }
transactions_a() { curl -sf "http://$HTTP_A/healthz" >/dev/null 2>&1 && metric_at "$HTTP_A" bridgelab_replicate_transactions_total; }
transactions_b() { curl -sf "http://$HTTP_B/healthz" >/dev/null 2>&1 && metric_at "$HTTP_B" bridgelab_replicate_transactions_total; }
# sharing: both own slots, 4 in all.
sharing() {
  local i a b
  for i in $(seq 600); do
    a=$(owned_at "$HTTP_A") b=$(owned_at "$HTTP_B")
    [ -n "$a" ] && [ -n "$b" ] && [ "$a" -gt 0 ] && [ "$b" -gt 0 ] && [ $((a + b)) -eq 4 ] && return 0
    sleep 0.1
  done
  diag "slots owned: A '$a', B '$b'"
  return 1
}
# owns_all HTTP: that replicator owns the 4 slots.
owns_all() {
  local i
  for i in $(seq 600); do
    [ "$(owned_at "$1")" = 4 ] && return 0
    sleep 0.1
  done
  diag "slots owned at $1: '$(owned_at "$1")'"
  return 1
}
sim_bg s8 --rate 150 --orders 100000 --threads 2 --cancel-ratio 0.05
simpid=$BG_PID
cdc_bg dc15
cdcpid=$BG_PID
member a "$HTTP_A"
a=$BG_PID
member b "$HTTP_B"
b=$BG_PID
check "r8: two replicators of one group share the 4 slots" sharing
check "r8: A commits its slots' transactions" wait_working "$a" transactions_a
check "r8: B commits its slots' transactions" wait_working "$b" transactions_b
diag "slots owned: A $(owned_at "$HTTP_A"), B $(owned_at "$HTTP_B")"
check "r8: /metrics: slots and partitions per replicator" test "$(metric_at "$HTTP_A" bridgelab_replicate_partitions)" -gt 0 -a \
  "$(metric_at "$HTTP_B" bridgelab_replicate_partitions)" -gt 0
takeovers=0
for round in 1 2 3 4; do
  if ((round % 2)); then
    kill_mid_work "$b" transactions_b && owns_all "$HTTP_A" && takeovers=$((takeovers + 1))
    member b "$HTTP_B"
    b=$BG_PID
  else
    kill_mid_work "$a" transactions_a && owns_all "$HTTP_B" && takeovers=$((takeovers + 1))
    member a "$HTTP_A"
    a=$BG_PID
  fi
  sharing || diag "round $round: not sharing again"
done
check_kills "r8: 4 SIGKILLs of one of the two, mid-work (status 137 each)" 4
check_eq "r8: after each kill the other took all 4 slots over" 4 "$takeovers"
check "r8: both share the slots again" sharing
# The zombie: B paused mid-work until A owns its slots and commits with them.
check "r8: B replicating before the pause" wait_working "$b" transactions_b
kill -STOP "$b"
check "r8: B paused (SIGSTOP): A takes all 4 slots over" owns_all "$HTTP_A"
check "r8: A commits with them" wait_working "$a" transactions_a
kill -CONT "$b"
zombie_said() {
  local i
  for i in $(seq 300); do
    grep -qE "slot [0-9]+: fenced: another replicator of group r8|slot [0-9]+ of 4: lost: the group gave it" \
      "$WORK/r8-b.log" && return 0
    sleep 0.1
  done
  return 1
}
check "r8: B woken (SIGCONT): its log says its slots were fenced or lost, nothing more written for them" zombie_said
grep -E "slot [0-9]+: fenced|lost: the group" "$WORK/r8-b.log" | head -4 | sed 's/^/# /'
check "r8: B goes on and rejoins: both share the slots again" sharing
check_stop "r8: the simulator stops on SIGTERM: exit 0" "$simpid"
check "r8: cdc caught up" cdc_caught_up dc15
REPLICATE_HTTP=$HTTP_A
check "r8: the group caught up" caught_up r8 $(cdc_topics dc15)
check_stop "r8: A: SIGTERM: exit 0" "$a"
check_stop "r8: B: SIGTERM: exit 0" "$b"
check_stop "r8: cdc: SIGTERM: exit 0" "$cdcpid"
check_equal "r8: through kills, a zombie and rebalances every record is on cloud exactly once, in order" $(cdc_topics dc15)
check_ran "r8: disagreeing on replicate.slots: exit 1, one line naming both counts and the fix" 1 "$WORK/r8-slots" \
  "replicate.slots is 3, but the group's topic _bridgelab_replicate_slots.r8 on onprem Kafka at .* has 4 partitions" \
  "$BRIDGE" replicate -F "$PROPS" -X replicate.group.id=r8 -X replicate.http.listen= -X replicate.slots=3 --include 'dc15_.*'
check "the slots topic is never replicated" python3 tests/integration/replicate_check.py absent "$CLOUD_BOOTSTRAP" \
  _bridgelab_replicate_slots.r8

# --- the onprem broker stopped mid-stream, longer than a commit, then started --
# The simulator and cdc write on (cdc waits while the broker is away); the
# replicator waits too, never skips, and goes on from its positions.
sim_bg s9 --rate 200 --orders 3000 --threads 2
simpid=$BG_PID
cdc_bg dc16
cdcpid=$BG_PID
replicate_bg r9 --include 'dc16_.*'
pid=$BG_PID
check "r9: replicating under load" wait_working "$pid" transactions
check "r9: ./lab down onprem mid-stream" logged "$WORK/lab.log" ./lab down onprem
sleep 5
check "r9: replicate waits while the broker is away" running "$pid"
check "r9: ./lab up onprem again" logged "$WORK/lab.log" ./lab up onprem
check_exit "r9: the simulator exits 0" "$simpid"
check "r9: cdc caught up" cdc_caught_up dc16
check "r9: replicate caught up once the broker is back" caught_up r9 $(cdc_topics dc16)
check "r9: it said the broker was away" grep -qE "onprem Kafka at $ONPREM_BOOTSTRAP unreachable|Kafka unreachable at $ONPREM_BOOTSTRAP" "$WORK/r9.log"
check_stop "r9: SIGTERM: exit 0" "$pid"
check_stop "r9: cdc: SIGTERM: exit 0" "$cdcpid"
check_equal "r9: nothing lost or doubled while the broker was away" $(cdc_topics dc16)

# --- a source topic deleted and made again: its stored positions are ahead ------
# Detected (stored position > the new end offset), said in one line, and the
# partition starts over from the new beginning: the new records are copied
# after the old ones, none vanishes.
onprem ensure dc22_again 1 1
onprem produce t22 dc22_again 30 dc22_pos one
replicate_bg r10 --include 'dc22_again'
pid=$BG_PID
check "r10: caught up" caught_up r10 dc22_again
check_stop "r10: SIGTERM: exit 0" "$pid"
check "r10: the source topic deleted" onprem delete dc22_again
onprem ensure dc22_again 1 1
onprem produce t22b dc22_again 12 dc22_pos two
replicate_bg r10 --include 'dc22_again'
pid=$BG_PID
check "r10: the new topic's records are copied" caught_up r10 dc22_again
check_stop "r10: SIGTERM: exit 0" "$pid"
check "r10: one line says the stored position is past the new end offset, and that it starts over" grep -q \
  "dc22_again \[0\]: the stored position 31 is past the source's end offset 13 (the topic was deleted and made again?): starting it over from its beginning" \
  "$WORK/r10.log"
check_eq "r10: cloud holds the 30 old records, then the 12 new ones" 42 \
  "$(kcat -C -b "$CLOUD_BOOTSTRAP" -t dc22_again -e -q -f 'x\n' -X isolation.level=read_committed | wc -l)"
check_equal "r10: the new records are on cloud once each, after the old ones" --tail dc22_again

# --- bad input: one clear line ---------------------------------------------------
onprem ensure dc41_few 3 1
onprem ensure dc41_fine 1 1
cloud ensure dc41_few 1 1
onprem produce t41 dc41_few 9 dc41_fine x
replicate_bg r7 --include 'dc41_.*'
pid=$BG_PID
check "fewer partitions: the other topics go on" caught_up r7 dc41_fine
check_stop "fewer partitions: SIGTERM: exit 0" "$pid"
check "fewer partitions: one line naming both counts and the fix" grep -q \
  "topic dc41_few: the destination topic dc41_few has 1 partition, the source has 3: .* --alter --topic dc41_few --partitions 3" \
  "$WORK/r7.log"
check_eq "fewer partitions: said once" 1 "$(grep -c 'the destination topic dc41_few has 1 partition' "$WORK/r7.log")"
check_eq "fewer partitions: nothing written to it" 0 \
  "$(kcat -C -b "$CLOUD_BOOTSTRAP" -t dc41_few -e -q -f 'x\n' | wc -l)"
check_ran "a bad include regex: exit 2, names the key, the regex and the error" 2 "$WORK/bad-regex" \
  "^[^ ]+ bridge replicate ERROR -X: replicate.topics.include: 'dc\[0-9' is not a POSIX extended regular expression: .+" \
  "$BRIDGE" replicate -F "$PROPS" -X 'replicate.topics.include=dc[0-9'
check_eq "a bad regex: one line" 1 "$(wc -l <"$WORK/bad-regex")"
check_ran "a bad exclude regex: exit 2" 2 "$WORK/bad-regex2" "replicate.topics.exclude: '\(x' is not" \
  "$BRIDGE" replicate -F "$PROPS" --exclude '(x'
check_ran "a rename format without \${topic}: exit 2" 2 "$WORK/bad-format" "has no \\$\\{topic\\}" \
  "$BRIDGE" replicate -F "$PROPS" --rename-format fixed
bg_start "$WORK/unreachable.log" "$BRIDGE" replicate -F "$PROPS" -X replicate.http.listen= -X cloud.bootstrap.servers=127.0.0.1:1
pid=$BG_PID
sleep 4
check "cloud unreachable: it waits, never exits" running "$pid"
check "cloud unreachable: says so" grep -q "Kafka unreachable at 127.0.0.1:1" "$WORK/unreachable.log"
check_stop "cloud unreachable: SIGTERM exits 0" "$pid"

# --- ./lab up replicate: the lab runs it as a service -------------------------------
check_lab_service replicate

"$BRIDGE" --help >"$WORK/help" 2>&1
check "bridge --help lists replicate" grep -q "^  replicate" "$WORK/help"
"$BRIDGE" replicate --help >"$WORK/help" 2>&1
check "bridge replicate --help lists the keys" grep -q "replicate.topics.include" "$WORK/help"
# The release build (bin/, not the sanitized one tested above) allocates
# with jemalloc and the settings of common/allocator.c.
MALLOC_CONF=stats_print:true bin/bridge --help >/dev/null 2>"$WORK/allocator"
check "bin/bridge allocates with jemalloc: one arena, thread cache to 4096 bytes, dirty pages kept 100 ms" \
  bash -c "grep -q '^  opt.narenas: 1\$' '$WORK/allocator' && grep -q '^  opt.tcache_max: 4096\$' '$WORK/allocator' &&
    grep -q '^  opt.dirty_decay_ms: 100 ' '$WORK/allocator'"
check "a demo's replicate on this machine (pid $demo_pid) was left alone" running "$demo_pid"
tap_finish
