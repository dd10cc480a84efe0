#!/usr/bin/env bash
# The bridge sink benchmark, run by bench/run on its own lab (cloud,
# azurite): catch-up of a backlog of change events already on cloud into a
# local folder and into Azurite, beside the ceiling of each in the same run
# — the very files the sink wrote, written again by plain loops — then peak
# memory against sink.max.buffer.bytes, and where the time goes.
# Progress goes to stderr; the Markdown section for README.md to stdout.
#
# The backlog (bin/replicate-load events, written once): BENCH_SINK_RECORDS
# (1000000) Debezium-like change events of ~250 bytes on
# BENCH_SINK_PARTITIONS (3) partitions, round robin, with the record time of
# an hour ago, then one marker event per partition with the record time of
# now. The sink runs with sink.rotate.interval.ms at 30 min of record time,
# so each marker closes its partition's last file and stays in an open file
# of its own; files close otherwise at sink.flush.size
# (BENCH_SINK_FLUSH_SIZE, 16000 records, ~3.8 MiB: one Put Blob each), and
# wall-clock rotation is off: a run's files depend on the records alone.
#
# One unmeasured warm-up round (it warms Azurite's and the broker's JIT),
# then BENCH_SINK_ROUNDS (3) rounds of:
#   1. bin/bridge sink into a fresh folder under build/ (a group of its own:
#      no files, no positions, it reads from offset 0), timed from its start
#      until its /metrics show every partition's lake end at its marker
#      (every record in a file); start-up: until every partition is
#      assigned; peak RSS (VmHWM); the most bytes buffered and the upload
#      latency (its /metrics); CPU time of the sink, of Azurite, of the
#      cloud broker and of everything else, and the machine's idle time,
#      over the run; then SIGKILL (the markers' open files are never
#      written). /metrics is read every 50 ms over bash's /dev/tcp: the
#      poll forks nothing;
#   2. bin/sink-ceiling: the files of 1 written again into a fresh folder;
#   3. as 1 into a fresh Azurite container; 4. as 2 from and into Azurite
#      (with Azurite's CPU time while the ceiling's clock ran);
#   5. 1 and 3 with sink.max.buffer.bytes at BENCH_SINK_SMALL_BUFFER
#      (16777216) instead of the default: peak memory follows the bound;
#   6. where the time goes: 1 and 2 on a folder in tmpfs (BENCH_SINK_TMPFS,
#      /dev/shm; empty leaves it out); 1 (in the folder and in tmpfs) and 3
#      with librdkafka's prefetch unbounded
#      (cloud.kafka.queued.max.messages.kbytes=1048576,
#      cloud.kafka.queued.min.messages=10000000); a plain read of the topic
#      to its end (bin/replicate-load total, no lake).
# Medians are reported; peak RSS is the highest. Folders are removed once
# measured. Processes are stopped by pid only. The section says in words
# what the diagnostic runs show, each sentence only when the figures bear
# it out.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh # say die now need_built stop_pid median highest mib pct ratio times met ticks machine
if [ -z "${LAB_RUN_DIR:-}" ] || [ ! -f "$LAB_RUN_DIR/lab.env" ]; then
  echo "bench sink: export the LAB_* variables of a running lab (no \$LAB_RUN_DIR/lab.env)" >&2
  exit 1
fi
# shellcheck disable=SC1091
. "$LAB_RUN_DIR/lab.env" # RUN BRIDGE_PROPERTIES CLOUD_BOOTSTRAP AZURITE_BLOB AZURITE_KEY_FILE

RECORDS=${BENCH_SINK_RECORDS:-1000000}
PARTITIONS=${BENCH_SINK_PARTITIONS:-3}
ROUNDS=${BENCH_SINK_ROUNDS:-3}
FLUSH_SIZE=${BENCH_SINK_FLUSH_SIZE:-16000}
SMALL_BUFFER=${BENCH_SINK_SMALL_BUFFER:-16777216}
TMPFS=${BENCH_SINK_TMPFS-/dev/shm}
TIMEOUT=${BENCH_SINK_TIMEOUT:-600}
HTTP=127.0.0.1:${BENCH_SINK_HTTP_PORT:-14085}
TOPIC=bench_sink_events
# Names of this run's groups and containers: a sink group SIGKILLed by an
# earlier run on the same lab keeps its member until the session times out.
ID=$(printf '%x' "$EPOCHSECONDS")
WORK=$PWD/build/bench-sink
rm -rf "$WORK" && mkdir -p "$WORK"
SCRATCH=
if [ -n "$TMPFS" ]; then
  SCRATCH=$(mktemp -d "$TMPFS/bridgelab-bench-sink.XXXXXX")
fi

BENCH_NAME=sink
need_built bin/bridge bin/sink-ceiling bin/replicate-load
kcat -L -b "$CLOUD_BOOTSTRAP" >/dev/null 2>&1 || die "cloud Kafka at $CLOUD_BOOTSTRAP does not answer"
curl -s -o /dev/null --max-time 2 "$AZURITE_BLOB?comp=list" || die "Azurite at $AZURITE_BLOB does not answer"
! curl -s --max-time 1 "http://$HTTP/metrics" >/dev/null 2>&1 ||
  die "something already serves http://$HTTP (BENCH_SINK_HTTP_PORT)"
AZURITE_PID=$(<"$RUN/pids/azurite.pid")
BROKER_PID=$(<"$RUN/pids/cloud.pid")

# --- processes: tracked, stopped by pid ------------------------------------
sink_pid=
cleanup() {
  stop_pid "$sink_pid" 15
  [ -z "$SCRATCH" ] || rm -rf "$SCRATCH"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- measuring ---------------------------------------------------------------
TICK=$(getconf CLK_TCK)

# poll: /metrics into METRICS, over bash's /dev/tcp; 1 when the sink does
# not answer (yet). nap: 50 ms, a read that times out on a pipe nobody
# writes. The loop that uses them forks nothing, so that it does not take
# from the machine what it measures.
exec {NAP_FD}<> <(:)
nap() { read -r -t 0.05 -u "$NAP_FD" _ || true; }
poll() {
  local fd
  METRICS=
  exec {fd}<>"/dev/tcp/${HTTP%:*}/${HTTP##*:}" || return 1
  printf 'GET /metrics HTTP/1.0\r\nHost: %s\r\n\r\n' "$HTTP" >&"$fd"
  IFS= read -r -d '' -u "$fd" METRICS || true
  exec {fd}>&-
}
# value NAME: metric NAME's value from METRICS into VALUE (0 when absent).
value() {
  local re=$'\n'"$1"' ([0-9.e+-]+)'
  VALUE=0
  [[ $METRICS =~ $re ]] && VALUE=${BASH_REMATCH[1]}
  return 0
}
# written: every partition's lake end is at its marker, so every record of
# the backlog is in a file (records_total may count a marker besides).
written() {
  local p re
  for ((p = 0; p < PARTITIONS; p++)); do
    re=$'\n''bridgelab_sink_lake_end_offset\{topic="'"$TOPIC"'",partition="'"$p"'"\} ([0-9]+)'
    [[ $METRICS =~ $re ]] && [ "${BASH_REMATCH[1]}" -ge "${DATA_END[p]}" ] || return 1
  done
}
assigned() {
  local re=$'\n''bridgelab_sink_partitions '"$PARTITIONS"$'\n'
  [[ $METRICS =~ $re ]]
}

# sink_run NAME URL [-X key=value...]: bin/bridge sink from offset 0 of the
# backlog into URL until every record is in a file. Prints "seconds
# startup-seconds peak-RSS-KiB files sink-CPU-s Azurite-CPU-s broker-CPU-s
# machine-idle-% most-buffered-KiB upload-p50-s others-CPU-s" (most
# buffered: the highest bridgelab_sink_buffered_bytes of the polls; upload
# p50: a file handed to the uploader → written, queueing included, from
# /metrics; others: every other process and the kernel's own work).
sink_run() {
  local name=$1 url=$2 start ready= end deadline rss files cpu az0 br0 az1 br1 busy0 idle0 busy1 idle1 buffered=0 upload
  shift 2
  echo "=== $(date '+%F %T') $name -> $url $*" >>"$WORK/sink.log"
  az0=$(ticks "$AZURITE_PID")
  br0=$(ticks "$BROKER_PID")
  read -r busy0 idle0 < <(machine)
  start=$EPOCHREALTIME
  bin/bridge sink -F "$BRIDGE_PROPERTIES" -X sink.group.id="bench-sink-$ID-$name" -X sink.topics="$TOPIC" \
    -X sink.url="$url" -X sink.create.container=true -X sink.format=json -X sink.flush.size="$FLUSH_SIZE" \
    -X sink.rotate.schedule.interval.ms=-1 -X sink.rotate.interval.ms=1800000 -X sink.http.listen="$HTTP" \
    "$@" >>"$WORK/sink.log" 2>&1 &
  sink_pid=$!
  deadline=$((SECONDS + TIMEOUT))
  while :; do
    if poll 2>/dev/null; then
      [ -n "$ready" ] || ! assigned || ready=$EPOCHREALTIME
      value bridgelab_sink_buffered_bytes
      [ "$VALUE" -le "$buffered" ] || buffered=$VALUE
      ! written || break
    fi
    kill -0 "$sink_pid" 2>/dev/null || die "bin/bridge sink exited: read $WORK/sink.log"
    [ "$SECONDS" -lt "$deadline" ] || die "sink $name: not every record in the lake after $TIMEOUT s"
    nap
  done
  end=$EPOCHREALTIME
  rss=$(awk '/^VmHWM/ {print $2}' "/proc/$sink_pid/status")
  cpu=$(ticks "$sink_pid")
  az1=$(ticks "$AZURITE_PID")
  br1=$(ticks "$BROKER_PID")
  read -r busy1 idle1 < <(machine)
  value bridgelab_sink_files_total
  files=$VALUE
  value 'bridgelab_sink_upload_seconds\{quantile="0.5"\}'
  upload=$VALUE
  kill -KILL "$sink_pid"
  wait "$sink_pid" 2>/dev/null || true
  sink_pid=
  awk -v a="$start" -v b="$end" -v r="${ready:-$end}" -v m="$rss" -v f="$files" -v c="$cpu" \
    -v az="$((az1 - az0))" -v br="$((br1 - br0))" \
    -v busy="$((busy1 - busy0))" -v idle="$((idle1 - idle0))" -v t="$TICK" -v q="$buffered" -v p="$upload" \
    'BEGIN {printf "%.3f %.3f %d %d %.2f %.2f %.2f %.0f %d %.3f %.2f\n", b - a, r - a, m, f, c / t, az / t, br / t,
            100 * idle / (busy + idle), q / 1024, p, (busy - c - az - br) / t}'
}

# measure KIND NAME URL [-X ...]: one sink run (in this shell, so that the
# exit trap knows its pid), its line appended to $WORK/KIND, said on stderr.
measure() {
  local kind=$1 s u r f c a b i q p o
  shift
  sink_run "$@" >>"$WORK/$kind"
  read -r s u r f c a b i q p o < <(tail -1 "$WORK/$kind")
  say "$kind: $RECORDS records in $s s ($u s of it until every partition was assigned), $f files," \
    "peak RSS $(mib "$r") MiB, at most $(mib "$q") MiB buffered; upload p50 $p s; CPU: sink $c s," \
    "Azurite $a s, cloud broker $b s, others $o s; machine idle $i %"
}

# ceiling KIND FROM TO: bin/sink-ceiling, "seconds files Azurite-CPU-s"
# appended to $WORK/KIND.
ceiling() {
  local kind=$1
  bin/sink-ceiling -k "$AZURITE_KEY_FILE" -p "$AZURITE_PID" "$2" "$3" >"$WORK/ceiling.out" ||
    die "bin/sink-ceiling $2 $3 failed"
  say "$kind: $(<"$WORK/ceiling.out")"
  sed -n 's/^ceiling: \([0-9]*\) files, [0-9]* bytes into .* in \([0-9.]*\) s: .*: \([0-9.]*\) s of CPU$/\2 \1 \3/p' \
    "$WORK/ceiling.out" >>"$WORK/$kind"
}

# --- the backlog -------------------------------------------------------------
bin/replicate-load drop "$CLOUD_BOOTSTRAP" "$TOPIC"
line=$(bin/replicate-load events "$CLOUD_BOOTSTRAP" "$TOPIC" "$PARTITIONS" "$RECORDS") ||
  die "writing the backlog of $TOPIC failed"
say "$line"
VALUE_BYTES=$(sed -n 's/^events: [0-9]* records, \([0-9]*\) bytes of values .*/\1/p' <<<"$line")
LINE_BYTES=$((VALUE_BYTES + RECORDS)) # JSON lines: each value and its "\n"
# Record n went to partition n mod PARTITIONS: partition p's marker is at
# offset DATA_END[p], after its share of the records.
DATA_END=()
for ((p = 0; p < PARTITIONS; p++)); do
  DATA_END[p]=$(((RECORDS - p + PARTITIONS - 1) / PARTITIONS))
done

LIFTED=(-X cloud.kafka.queued.max.messages.kbytes=1048576 -X cloud.kafka.queued.min.messages=10000000)
# round N: the runs of one round; round 0 is the warm-up (not measured).
round() {
  local r=$1 w=
  [ "$r" != 0 ] || w=warm-
  say "round $r of $ROUNDS${w:+ (warm-up, not measured)}"
  measure "${w}folder" "r$r-folder" "$WORK/r$r-folder"
  ceiling "${w}ceiling-folder" "$WORK/r$r-folder" "$WORK/r$r-ceiling"
  rm -rf "$WORK/r$r-folder" "$WORK/r$r-ceiling"
  measure "${w}azure" "r$r-azure" "$AZURITE_BLOB/sink-$ID-r$r"
  ceiling "${w}ceiling-azure" "$AZURITE_BLOB/sink-$ID-r$r" "$AZURITE_BLOB/ceiling-$ID-r$r"
  [ "$r" != 0 ] || return 0
  measure folder-small "r$r-folder-small" "$WORK/r$r-folder-small" -X sink.max.buffer.bytes="$SMALL_BUFFER"
  rm -rf "$WORK/r$r-folder-small"
  measure azure-small "r$r-azure-small" "$AZURITE_BLOB/sink-$ID-small-r$r" -X sink.max.buffer.bytes="$SMALL_BUFFER"
  if [ -n "$SCRATCH" ]; then
    measure tmpfs "r$r-tmpfs" "$SCRATCH/r$r-lake"
    ceiling ceiling-tmpfs "$SCRATCH/r$r-lake" "$SCRATCH/r$r-ceiling"
    rm -rf "$SCRATCH/r$r-lake" "$SCRATCH/r$r-ceiling"
    measure tmpfs-lifted "r$r-tmpfs-lifted" "$SCRATCH/r$r-lifted" "${LIFTED[@]}"
    rm -rf "$SCRATCH/r$r-lifted"
  fi
  measure folder-lifted "r$r-folder-lifted" "$WORK/r$r-folder-lifted" "${LIFTED[@]}"
  rm -rf "$WORK/r$r-folder-lifted"
  measure azure-lifted "r$r-azure-lifted" "$AZURITE_BLOB/sink-$ID-lifted-r$r" "${LIFTED[@]}"
  local start
  start=$(now)
  bin/replicate-load total "$CLOUD_BOOTSTRAP" "$TOPIC" >/dev/null || die "reading $TOPIC failed"
  awk -v a="$start" -v b="$(now)" 'BEGIN {printf "%.3f\n", b - a}' >>"$WORK/read"
  say "read: the topic read to its end in $(tail -1 "$WORK/read") s"
}
for r in $(seq 0 "$ROUNDS"); do
  round "$r"
done

# --- the section -------------------------------------------------------------
for k in folder azure folder-small azure-small folder-lifted azure-lifted ceiling-folder ceiling-azure read \
  ${SCRATCH:+tmpfs tmpfs-lifted ceiling-tmpfs}; do
  [ "$(wc -l <"$WORK/$k")" -eq "$ROUNDS" ] || die "$WORK/$k does not hold $ROUNDS rounds"
done
# col KIND N: the median of column N of $WORK/KIND; peak KIND N: the highest.
col() { awk -v n="$2" '{print $n}' "$WORK/$1" | median; }
peak() { awk -v n="$2" '{print $n}' "$WORK/$1" | highest; }
rate() { awk -v n="$RECORDS" -v s="$1" 'BEGIN {printf "%.0f", n / s}'; }
mbs() { awk -v b="$LINE_BYTES" -v s="$1" 'BEGIN {printf "%.1f", b / s / 1e6}'; }
one() { awk -v v="$1" 'BEGIN {printf "%.1f", v}'; }
two() { awk -v v="$1" 'BEGIN {printf "%.2f", v}'; }
holds() { awk "BEGIN {exit !($1)}"; }
# time_row WHAT KIND: a row of "where the time goes".
time_row() {
  local s
  s=$(col "$2" 1)
  printf '| %s | %s s | %s | %s | %s s | %s MiB | %s s | %s s | %s s | %s s | %.0f %% | %s MiB |\n' "$1" "$(one "$s")" \
    "$(rate "$s")" "$(mbs "$s")" "$(col "$2" 10)" "$(mib "$(peak "$2" 9)")" "$(two "$(col "$2" 5)")" \
    "$(two "$(col "$2" 6)")" "$(two "$(col "$2" 7)")" "$(two "$(col "$2" 11)")" "$(col "$2" 8)" "$(mib "$(peak "$2" 3)")"
}
RDKAFKA=$(pkg-config --modversion rdkafka 2>/dev/null || echo '?')

declare -A label=([folder]="a folder (build/, $(df -T "$WORK" | awk 'NR == 2 {print $2}'))" [azure]="Azurite")
main_rows=
goal_rows=
for lake in folder azure; do
  s=$(col "$lake" 1) u=$(col "$lake" 2) c=$(col "ceiling-$lake" 1) n=$(col "ceiling-$lake" 2)
  steady=$(awk -v s="$s" -v u="$u" 'BEGIN {print s - u}')
  how="write + fsync + rename + fsync of the folder"
  [ "$lake" = folder ] || how="one libcurl handle, Put Blob (Put Block + Put Block List above 4 MiB), SharedKey"
  main_rows+="| ${label[$lake]} | **bridge sink** (median of $ROUNDS, from its start; $(one "$u") s of it until its partitions were assigned) | $(rate "$s") | $(mbs "$s") | $(col "$lake" 4) | $(pct "$c" "$s") (goal ≥ 80 %); after its start-up $(pct "$c" "$steady") | $(mib "$(peak "$lake" 3)") MiB |"$'\n'
  main_rows+="| ${label[$lake]} | ceiling: the same files, $how (median of $ROUNDS) | $(rate "$c") | $(mbs "$c") | $n ($(awk -v n="$n" -v s="$c" 'BEGIN {printf "%.1f", n / s}') files/s) | | |"$'\n'
  goal_rows+="| ≥ 80 % of the ceiling into ${label[$lake]} | $(pct "$c" "$s") from its start, $(pct "$c" "$steady") after its start-up | $(met "$(ratio "$c" "$s") >= 0.8") |"$'\n'
done

mem_rows=
for lake in folder azure; do
  for b in default small; do
    k=$lake bound="$(mib 65536) MiB (the default)"
    [ "$b" = default ] || k=$lake-small bound="$(mib $((SMALL_BUFFER / 1024))) MiB"
    mem_rows+="| ${label[$lake]} | $bound | $(mib "$(peak "$k" 9)") MiB | $(mib "$(peak "$k" 3)") MiB | $(col "$k" 4) | $(rate "$(col "$k" 1)") |"$'\n'
  done
done
rss_default=$(printf '%s\n%s\n' "$(peak folder 3)" "$(peak azure 3)" | highest)
rss_small=$(printf '%s\n%s\n' "$(peak folder-small 3)" "$(peak azure-small 3)" | highest)
buffered_default=$(printf '%s\n%s\n' "$(peak folder 9)" "$(peak azure 9)" | highest)
buffered_small=$(printf '%s\n%s\n' "$(peak folder-small 9)" "$(peak azure-small 9)" | highest)
topic_kib=$((LINE_BYTES / 1024))
small_kib=$((SMALL_BUFFER / 1024))
# The bound is checked between read bursts (2000 records at most): allow one
# MiB past it, and say how far the buffer went.
over=$(printf '%s\n%s\n' "$((buffered_default - 65536))" "$((buffered_small - small_kib))" | highest)
bounded="$buffered_default <= 65536 + 1024 && $buffered_small <= $small_kib + 1024"
if holds "$over <= 0"; then
  memory_text="The buffer keeps to its bound"
elif holds "$bounded"; then
  memory_text="The buffer keeps to its bound within $over KiB (the bound is checked between read bursts)"
else
  memory_text="The buffer went past its bound, by up to $(mib "$over") MiB"
fi
memory_text+="; a smaller bound closes files early, so there are more of them, and pauses the reading more often.
Peak RSS less the bound: $(mib $((rss_default - 65536))) MiB at 64 MiB, $(mib $((rss_small - small_kib))) MiB at $(mib "$small_kib") MiB. That rest does not follow the bound:
librdkafka's prefetch (16 MiB of values, with its per-message overhead: unbounded, the peak reaches
$(mib "$(peak folder-lifted 3)") MiB into the folder), the files' buffers doubling as they grow, and the heap's slack."

# What the diagnostic runs show, each claim only when the figures bear it out.
folder_s=$(col folder 1) lifted_s=$(col folder-lifted 1) ceiling_s=$(col ceiling-folder 1) read_s=$(col read 1)
why="- Into the folder the sink's CPU time was $(two "$(col folder 5)") s of its $(one "$folder_s") s, the machine $(one "$(col folder 8)") % idle"
if holds "$(col folder 5) < 0.5 * $folder_s"; then
  why+=": **it waits more than it works.**"
else
  why+="."
fi
if holds "$folder_s >= 1.3 * $lifted_s"; then
  why+=" With librdkafka's prefetch unbounded the same sink is $(times "$folder_s" "$lifted_s") as fast into the folder and $(times "$(col azure 1)" "$(col azure-lifted 1)") into Azurite, at $(mib "$(peak folder-lifted 3)") and $(mib "$(peak azure-lifted 3)") MiB peak RSS. That is the stall: the sink caps librdkafka's prefetch at 16 MiB (\`queued.max.messages.kbytes\`, so that memory follows its buffer bound), and librdkafka $RDKAFKA, once a partition's prefetch queue is full, fetches for it again only about a second later, however soon the sink empties the queue (librdkafka issue #2879; \`fetch.queue.backoff.ms\` came with 2.2)."
else
  why+=" With librdkafka's prefetch unbounded it is $(times "$folder_s" "$lifted_s") as fast: the prefetch is not what holds it back in this run."
fi
why+=$'\n'
if [ -n "$SCRATCH" ]; then
  tmpfs_s=$(col tmpfs 1)
  if holds "$tmpfs_s > 0.85 * $folder_s"; then
    why+="- **Not the disk.** On tmpfs, where a file costs no disk (the ceiling there: $(mbs "$(col ceiling-tmpfs 1)") MB/s), the sink takes $(one "$tmpfs_s") s, about as long as into the folder."
  else
    why+="- **The disk.** On tmpfs, where a file costs no disk (the ceiling there: $(mbs "$(col ceiling-tmpfs 1)") MB/s), the sink takes $(one "$tmpfs_s") s against $(one "$folder_s") s into the folder."
  fi
  why+=" With neither the stall nor the disk (tmpfs, prefetch unbounded) it writes $(mbs "$(col tmpfs-lifted 1)") MB/s, its CPU time $(two "$(col tmpfs-lifted 5)") s of $(one "$(col tmpfs-lifted 1)") s."$'\n'
fi
# A sink that read and wrote in full overlap, with bridge sink's start-up.
startup_s=$(col folder 2)
best_s=$(awk -v u="$startup_s" -v r="$read_s" -v c="$ceiling_s" 'BEGIN {print u + (r > c ? r : c)}')
overlap="A plain read of the topic to its end, nothing written, takes $(two "$read_s") s from its start; the folder's ceiling writes the bytes in $(two "$ceiling_s") s. A sink that read and wrote in full overlap, with bridge sink's start-up ($(two "$startup_s") s), would need at least $(two "$best_s") s: $(pct "$ceiling_s" "$best_s") of the ceiling"
if holds "$ceiling_s < 0.8 * $best_s"; then
  why+="- **From its start, the folder's goal is out of reach.** $overlap, for any sink fed from this Kafka on this machine. Measured after its start-up instead, it would have to read at $(pct "$read_s" "$(awk -v c="$ceiling_s" 'BEGIN {print c / 0.8}')") of the plain read's speed while it writes."$'\n'
else
  why+="- $overlap."$'\n'
fi
az_ceiling_s=$(col ceiling-azure 1) az_ceiling_cpu=$(col ceiling-azure 3) az_cpu=$(col azure 6)
az_share=$(awk -v c="$az_ceiling_cpu" -v s="$az_ceiling_s" 'BEGIN {printf "%.0f", 100 * c / s}')
if holds "$az_share >= 90"; then
  why+="- **Azurite is its own ceiling.** In the ceiling's $(one "$az_ceiling_s") s Azurite used $(two "$az_ceiling_cpu") s of CPU ($az_share % of one core: Node's one thread and its helpers)."
else
  why+="- In the Azurite ceiling's $(one "$az_ceiling_s") s Azurite used $(two "$az_ceiling_cpu") s of CPU ($az_share % of one core)."
fi
if holds "$az_cpu < 1.25 * $az_ceiling_cpu && $az_cpu > 0.8 * $az_ceiling_cpu"; then
  why+=" A sink run makes it do about the same work ($(two "$az_cpu") s)."
fi
az_lifted_s=$(col azure-lifted 1) az_lifted_cpu=$(col azure-lifted 6)
why+=" With the prefetch unbounded the sink reaches $(pct "$az_ceiling_s" "$az_lifted_s") of that ceiling: Azurite did its $(two "$az_lifted_cpu") s of work in $(one "$az_lifted_s") s, busy $(awk -v c="$az_lifted_cpu" -v s="$az_lifted_s" 'BEGIN {printf "%.0f", 100 * c / s}') % of a core instead of $az_share %, waiting for the sink part of the time while the sink read and built files on the same $(nproc) cores ($(two "$(col azure-lifted 5)") s of CPU; the broker $(two "$(col azure-lifted 7)") s, the others $(two "$(col azure-lifted 11)") s)."$'\n'
why+="- **The machine is shared.** \"Others\" is the CPU time of every other process and of the kernel's own work over the run: this lab's other services, and whatever else runs here."
tmpfs_rows=
if [ -n "$SCRATCH" ]; then
  tmpfs_rows=$(time_row "sink → a folder on tmpfs ($TMPFS)" tmpfs)$'\n'
  tmpfs_rows+=$(time_row "sink → a folder on tmpfs, prefetch unbounded" tmpfs-lifted)$'\n'
fi

cat <<MD
Measured $(date -u +%Y-%m-%d) with \`make bench\` (\`BENCH_SINK_ROUNDS=$ROUNDS bench/run sink\` for this section alone): $(nproc) cores,
everything on one machine — the cloud Kafka cluster (3.9.2, one KRaft node), Azurite $(node -p "require('./deps/azurite/node_modules/azurite/package.json').version" 2>/dev/null || echo '?') (one Node process),
the sink measured and the load tools; bridge sink at $(git rev-parse --short HEAD 2>/dev/null || echo '?'), librdkafka $RDKAFKA, libcurl $(pkg-config --modversion libcurl 2>/dev/null || echo '?').
Other work may share the machine (the "others" column below): medians and ratios are what count.

The backlog: $RECORDS change events (Debezium-like envelopes of \`sales_order_details\`, $(awk -v b="$VALUE_BYTES" -v n="$RECORDS" 'BEGIN {printf "%.1f", b / n}') bytes on average;
$(awk -v b="$LINE_BYTES" 'BEGIN {printf "%.1f", b / 1e6}') MB as JSON lines) on $PARTITIONS partitions, lz4, read from offset 0 by a sink of a fresh group into a fresh folder or
container, timed from the process's start until its /metrics show every record in a file. Settings: \`sink.format=json\`,
\`sink.flush.size=$FLUSH_SIZE\` (files of $(awk -v b="$LINE_BYTES" -v n="$RECORDS" -v f="$FLUSH_SIZE" 'BEGIN {printf "%.1f", b / n * f / 1048576}') MiB: one Put Blob each), the default partitioner, wall-clock rotation off,
\`sink.rotate.interval.ms=1800000\` with one more event per partition an hour of record time later (it closes each
partition's last file; it is not counted). The ceiling is \`bin/sink-ceiling\` in the same round: the files that
run wrote, read back first (not timed), written again as the same files into a fresh folder or container (without
the sink's metadata: its side records in a folder, \`x-ms-meta-*\` on Azurite). MB/s: the JSON lines' bytes.

| lake | what | records/s | MB/s | files | bridge sink vs it | peak RSS |
| --- | --- | --- | --- | --- | --- | --- |
${main_rows}| — | Confluent's S3 sink, from one third-party benchmark: 1.2 KB records on 1 vCPU with a 15–20 GiB heap (no per-task ADLS Gen2 figure is published) — **not from this machine** | ~59 000 | ~71 | | | |

Memory at two \`sink.max.buffer.bytes\` (the highest of $ROUNDS runs each; buffered: the most \`bridgelab_sink_buffered_bytes\`
seen, every 50 ms); the topic holds $(mib "$topic_kib") MiB of JSON lines.

| lake | sink.max.buffer.bytes | most buffered | peak RSS | files | records/s |
| --- | --- | --- | --- | --- | --- |
${mem_rows}
${memory_text}

Where the time goes (medians of the same rounds; upload: a file handed to the uploader → written, queueing included,
p50 from /metrics; CPU time over the run; machine idle: both cores):

| run | time | records/s | MB/s | upload p50 | most buffered | CPU: sink | Azurite | cloud broker | others | machine idle | peak RSS |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
$(time_row "sink → the folder" folder)
$(time_row "sink → Azurite" azure)
${tmpfs_rows}$(time_row "sink → the folder, librdkafka's prefetch unbounded (\`cloud.kafka.queued.max.messages.kbytes=1048576\`, \`cloud.kafka.queued.min.messages=10000000\`)" folder-lifted)
$(time_row "sink → Azurite, prefetch unbounded" azure-lifted)

${why}

| goal | measured | |
| --- | --- | --- |
${goal_rows}| peak RSS bounded by sink.max.buffer.bytes, not by the topic's size | buffered at most $(mib "$buffered_default") MiB at 64 MiB and $(mib "$buffered_small") MiB at $(mib "$small_kib") MiB; peak RSS $(mib "$rss_default") and $(mib "$rss_small") MiB; the topic: $(mib "$topic_kib") MiB | $(met "$bounded && $rss_small < $rss_default && $rss_default < $topic_kib") |
MD
