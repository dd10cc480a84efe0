#!/usr/bin/env bash
# bridge offsets translate on the real clusters of the test lab: a consumer
# group has committed part of an onprem topic (committed transactions, an
# aborted one and plain records, so offsets have gaps; one partition at an
# aborted record's offset) with Kafka's own tool; after
# `translate --apply` the same group on the cloud cluster reads exactly the
# rest, record by record through the provenance header: none skipped, none
# read twice. Refused while the group has members on the cloud cluster;
# "not yet" when the group is ahead of replication.
# lab: onprem cloud
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. "$LAB_RUN_DIR/lab.env"
tests_work_dir offsets

BIN=${BRIDGELAB_BIN:-bin}
BRIDGE=$BIN/bridge
case $BIN in
*build/*/bin) KC=$(dirname "$BIN")/tests/kafka_check ;;
*) KC=build/release/tests/kafka_check ;;
esac
PROPS=$LAB_RUN_DIR/bridge.properties
T=dc01_xlate
HTTP=127.0.0.1:${OFFSETS_REPLICATE_HTTP_PORT:-18284}
REPLICATE=(-X "replicate.topics.include=$T" -X replicate.group.id=xlate -X "replicate.http.listen=$HTTP")

kc() { "$KC" -b "$ONPREM_BOOTSTRAP" "$@" >>"$WORK/kafka_check.log" 2>&1; }
lag() { curl -s "http://$HTTP/metrics" | awk -v t="$T" -v p="$1" \
  '$1 == "bridgelab_replicate_lag_records{topic=\"" t "\",partition=\"" p "\"}" {print $2}'; }
caught_up() {
  local i
  for i in $(seq 600); do
    [ "$(lag 0)" = 0 ] && [ "$(lag 1)" = 0 ] && return 0
    sleep 0.1
  done
  diag "replicate's lag: '$(lag 0)' '$(lag 1)'"
  return 1
}
# group_reads CLUSTER GROUP COUNT: a consumer of the group reads COUNT
# records (-1: to the end) and commits; prints "partition source-offset"
# lines, the source offset from the provenance header on the cloud cluster.
group_reads() {
  local bootstrap=$1 group=$2 count=$3 args=()
  [ "$count" -lt 0 ] || args=(-c "$count")
  timeout 60 kcat -b "$bootstrap" -G "$group" -e -q "${args[@]}" -X isolation.level=read_committed \
    -X auto.offset.reset=earliest -f '%p %o %h\n' "$T" 2>>"$WORK/kcat.log"
}
source_offset() { sed -n 's/.*bridgelab\.provenance=[^,]*,[^,]*,[0-9]*,\([0-9]*\).*/\1/p'; }

# --- a topic with gaps: transactions (markers), an aborted one, plain records
check "2 partitions on onprem" kc ensure "$T" 2 1
check "200 records in a committed transaction" kc produce xlate-a "$T" 200 xlate_pos p1
check "50 records in an aborted transaction" kc produce xlate-b "$T" 50 xlate_pos p2 abort
for i in $(seq 100); do printf 'plain-%d:v%d\n' "$i" "$i"; done | kcat -P -b "$ONPREM_BOOTSTRAP" -t "$T" -K: 2>>"$WORK/kcat.log"
check_eq "100 plain records" 0 $?
check "200 more in a committed transaction" kc produce xlate-c "$T" 200 xlate_pos p3

bg_start "$WORK/replicate.log" "$BRIDGE" replicate -F "$PROPS" "${REPLICATE[@]}"
rep=$BG_PID
check "replicate copies the topic" caught_up

# --- a group committed part of it on onprem ---------------------------------
# Partition 0 at the first aborted record (an offset no consumer is given),
# partition 1 at its 60th committed record.
offsets_of() { # PARTITION ISOLATION: the offsets of the records there
  kcat -C -b "$ONPREM_BOOTSTRAP" -t "$T" -p "$1" -o beginning -e -q -X isolation.level="$2" -f '%o\n' 2>>"$WORK/kcat.log"
}
offsets_of 0 read_committed >"$WORK/p0-committed"
offsets_of 0 read_uncommitted >"$WORK/p0-all"
s0=$(comm -13 <(sort "$WORK/p0-committed") <(sort "$WORK/p0-all") | sort -n | head -1)
s1=$(offsets_of 1 read_committed | sed -n 60p)
check "partition 0 has aborted records (the first at '$s0')" test -n "$s0"
check "partition 1 has 60 committed records" test -n "$s1"
commit_onprem() { # GROUP PARTITION OFFSET, with Kafka's own tool
  java -cp '.deps/kafka/libs/*' org.apache.kafka.tools.consumer.group.ConsumerGroupCommand \
    --bootstrap-server "$ONPREM_BOOTSTRAP" --group "$1" --reset-offsets --topic "$T:$2" --to-offset "$3" --execute
}
check "group g1 commits partition 0 at $s0 on onprem" logged "$WORK/groups.log" commit_onprem g1 0 "${s0:-0}"
check "group g1 commits partition 1 at $s1 on onprem" logged "$WORK/groups.log" commit_onprem g1 1 "${s1:-0}"
check_ran "translate: exit 0, a line per partition" 0 "$WORK/translate" "^$T +1 +$s1 +$T +[0-9]+$" \
  "$BRIDGE" offsets translate -F "$PROPS" "${REPLICATE[@]}" --group g1
check "translate: partition 0 too" grep -qE "^$T +0 +$s0 +$T +[0-9]+$" "$WORK/translate"
sed 's/^/# /' "$WORK/translate"
check_ran "translate --apply: exit 0" 0 "$WORK/apply" "2 offsets written on the cloud cluster" \
  "$BRIDGE" offsets translate -F "$PROPS" "${REPLICATE[@]}" --group g1 --apply

# What the group has not read on onprem, partition by partition, is exactly
# what it reads on the cloud cluster after the translation.
for p in 0 1; do
  committed=$(awk -v t="$T" -v p="$p" '$1 == t && $2 == p {print $3}' "$WORK/translate")
  kcat -C -b "$ONPREM_BOOTSTRAP" -t "$T" -p "$p" -o "${committed:-0}" -e -q -X isolation.level=read_committed \
    -f "$p %o\n" >>"$WORK/rest-onprem" 2>>"$WORK/kcat.log"
done
group_reads "$CLOUD_BOOTSTRAP" g1 -1 >"$WORK/g1-cloud"
awk '{print $1}' "$WORK/g1-cloud" >"$WORK/cloud-partitions"
source_offset <"$WORK/g1-cloud" | paste -d' ' "$WORK/cloud-partitions" - | sort -n -k1 -k2 >"$WORK/rest-cloud"
sort -n -k1 -k2 -o "$WORK/rest-onprem" "$WORK/rest-onprem"
check "the rest of the topic is not empty ($(wc -l <"$WORK/rest-onprem") records)" test -s "$WORK/rest-onprem"
check "on cloud, the group reads exactly the records it had not read on onprem (none skipped, none twice)" \
  diff "$WORK/rest-onprem" "$WORK/rest-cloud"

# --- refused while the group has members on the cloud cluster ----------------
check "group g2 commits on onprem" logged "$WORK/groups.log" commit_onprem g2 0 1
bg_start "$WORK/g2-member.log" kcat -b "$CLOUD_BOOTSTRAP" -G g2 -q -X isolation.level=read_committed "$T"
member=$BG_PID
# The member joins within seconds; until then --apply may still go through.
apply_g2() { "$BRIDGE" offsets translate -F "$PROPS" "${REPLICATE[@]}" --group g2 --apply; }
refused() {
  local i
  for i in $(seq 30); do
    apply_g2 >"$WORK/refused" 2>&1 && { sleep 1; continue; }
    return 0
  done
  return 1
}
check "--apply while the group has a member on cloud: refused" refused
check "... in one line naming the group, the members and what to do" grep -q \
  "group 'g2' has 1 active member on the destination cluster.*stop its consumers there" "$WORK/refused"
check_eq "... one error line" 1 "$(grep -c 'ERROR' "$WORK/refused")"
bg_stop "$member"
check "the member is gone" gone "$member"

# --- replicate.sync.group.offsets: replicate keeps a group's offsets itself ---
check "group g4 commits partition 1 at $s1 on onprem" logged "$WORK/groups.log" commit_onprem g4 1 "${s1:-0}"
check_stop "replicate: SIGTERM: exit 0" "$rep"
bg_start "$WORK/replicate-sync.log" "$BRIDGE" replicate -F "$PROPS" "${REPLICATE[@]}" \
  -X replicate.sync.group.offsets=true -X replicate.sync.group.offsets.interval.ms=500
rep=$BG_PID
cloud_offset() { # GROUP PARTITION: the group's committed offset on cloud
  java -cp '.deps/kafka/libs/*' org.apache.kafka.tools.consumer.group.ConsumerGroupCommand \
    --bootstrap-server "$CLOUD_BOOTSTRAP" --group "$1" --describe 2>/dev/null |
    awk -v t="$T" -v p="$2" '$2 == t && $3 == p {print $4}'
}
want=$(awk -v t="$T" '$1 == t && $2 == 1 {print $5}' "$WORK/translate")
synced() {
  local i
  for i in $(seq 15); do
    [ "$(cloud_offset g4 1)" = "$want" ] && return 0
    sleep 1
  done
  diag "g4 on cloud: '$(cloud_offset g4 1)', translated '$want'"
  return 1
}
check "with replicate.sync.group.offsets, group g4 gets its translated offset ($want) on cloud" synced
check "... and its startup says so" grep -q "offsets synced to the cloud cluster every 500 ms" "$WORK/replicate-sync.log"

# --- a group ahead of replication: not yet ------------------------------------
check_stop "replicate: SIGTERM: exit 0" "$rep"
check "50 more records while replicate is stopped" kc produce xlate-d "$T" 50 xlate_pos p4
end0=$(offsets_of 0 read_committed | tail -1)
check "group g3 commits past the replicated position" logged "$WORK/groups.log" commit_onprem g3 0 "$((end0 + 1))"
check_ran "a group past the replicated position: exit 1, 'run again later'" 1 "$WORK/not-yet" \
  "replicated up to [0-9]+ only: run again later" \
  "$BRIDGE" offsets translate -F "$PROPS" "${REPLICATE[@]}" --group g3

# --- bad input ----------------------------------------------------------------
check_ran "no --group: exit 2, says how" 2 "$WORK/nogroup" "no consumer group given" \
  "$BRIDGE" offsets translate -F "$PROPS"
check_ran "an unknown subcommand: exit 2" 2 "$WORK/badsub" "the one subcommand is 'translate'" \
  "$BRIDGE" offsets flip

tap_finish
