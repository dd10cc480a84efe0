#!/usr/bin/env bash
# bridge run against the test lab: cdc, replicate and sink come up under
# one supervisor and /healthz says 200; a row written to MySQL lands in the
# lake (a folder), also after each stage's process was SIGKILLed and
# started again (counted in /metrics; the lake holds the topic exactly
# once); a stage that keeps dying is reported as a crash loop (log line,
# /healthz, /metrics) and recovers once it runs steadily; a stage that
# refuses its configuration (exit 2) is not restarted and the others go
# on; SIGTERM stops every stage (exit 0, no process left), and so does a
# SIGKILLed supervisor (no orphan); every log line names its stage once;
# --stages picks a subset, a bad name is one line; ./lab up pipeline runs
# it as a lab service and ./lab status shows each stage under it.
# Only the processes it starts (and the test lab's) are stopped or looked at.
# lab: mysql onprem cloud azurite
# time limit: 300
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. "$LAB_RUN_DIR/lab.env"

BIN=${BRIDGELAB_BIN:-bin}
BRIDGE=$BIN/bridge
PROPS=$LAB_RUN_DIR/bridge.properties
tests_work_dir run
DC=dc31
LAKE=$WORK/lake
mkdir -p "$LAKE"
# Ports of this suite's own, beside the lab's (LAB_RUN_HTTP_PORT + 200 ...).
BASE=$((${LAB_RUN_HTTP_PORT:-18086} + 200))
RUNH=127.0.0.1:$BASE
CDC=127.0.0.1:$((BASE - 3))
REPL=127.0.0.1:$((BASE - 2))
SINK=127.0.0.1:$((BASE - 1))
# The pipeline of one data-centre code of its own, into a folder; static
# members (a restarted replicate or sink gets its partitions back at once)
# and quick looks at new topics, so that the suite is short.
ARGS=(-F "$PROPS" -X dc=$DC -X "replicate.topics.include=${DC}_.*" -X "sink.topics=${DC}_.*" -X sink.url="$LAKE"
  -X sink.rotate.schedule.interval.ms=1000 -X sink.topics.refresh.ms=1000 -X replicate.topics.refresh.ms=1000
  -X replicate.instance.id=run-suite -X sink.instance.id=run-suite
  -X cdc.http.listen=$CDC -X replicate.http.listen=$REPL -X sink.http.listen=$SINK -X run.http.listen=$RUNH)
TS='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'

# run_bg NAME [args]: a supervisor, its log $WORK/NAME.log, its pid in $BG_PID.
run_bg() {
  local name=$1
  shift
  bg_start "$WORK/$name.log" "$BRIDGE" run "${ARGS[@]}" "$@"
}
metrics() { curl -s --max-time 10 "http://$RUNH/metrics"; }
# metric NAME STAGE: the supervisor's series NAME{stage="STAGE"}.
metric() { metrics | awk -v m="$1{stage=\"$2\"}" '$1 == m {print $2}'; }
health() { curl -s --max-time 10 "http://$RUNH/healthz"; }
health_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://$RUNH/healthz"; }
healthy() { [ "$(health_code)" = 200 ]; }
# stage_json STAGE EXPR: EXPR of the stage's object in /healthz (python, s = the object).
stage_json() {
  health | python3 -c "
import json, sys
d = json.load(sys.stdin)
s = [x for x in d['stages'] if x['stage'] == '$1'][0]
print(*[$2])"
}
stage_state() { stage_json "$1" "s['state']" 2>/dev/null; }
state_is() { [ "$(stage_state "$1")" = "$2" ]; }
stage_pid() { metric bridgelab_run_stage_pid "$1"; }
# A row of customers with a marker of its own, and whether the lake has it.
probe_row() { sql "INSERT INTO customers (id, first_name, city) VALUES ($1, 'run-probe-$1', 'Leeds')"; }
in_lake() { grep -rqF "run-probe-$1" "$LAKE/topics/${DC}_customers" 2>/dev/null; }
# every_line_names_one_stage LOG: each line starts with the log's time and
# one of bridge run/cdc/replicate/sink and a level, and none names it twice.
every_line_names_one_stage() {
  local bad
  bad=$(grep -vcE "^$TS bridge (run|cdc|replicate|sink) (ERROR|WARN|INFO|DEBUG) " "$1")
  [ "$bad" -eq 0 ] || {
    diag "$bad lines of $1 without their stage, e.g.: $(grep -vE "^$TS bridge (run|cdc|replicate|sink) " "$1" | head -2)"
    return 1
  }
  ! grep -qE "^$TS bridge [a-z]+ [A-Z]+ $TS bridge " "$1"
}

./lab seed >/dev/null

# --- bad --stages: one line naming the name and the valid ones, exit 2 ---
check_ran "--stages cdc,cdx: exit 2 with one line naming 'cdx' and the stages" 2 "$WORK/bad-stages.out" \
  "ERROR --stages: run.stages: 'cdx' is not a stage: the stages are cdc, replicate, sink" \
  "$BRIDGE" run "${ARGS[@]}" --stages cdc,cdx
check_eq "... and nothing else (no stage started)" 1 "$(wc -l <"$WORK/bad-stages.out")"
check_ran "an unknown key of a stage is refused before any stage starts (exit 2)" 2 "$WORK/bad-key.out" \
  "unknown key 'sink.flush.sise'" "$BRIDGE" run "${ARGS[@]}" -X sink.flush.sise=10
check_ran "run.http.listen on a stage's address: exit 2, naming both keys" 2 "$WORK/same-port.out" \
  "run.http.listen \(-X\) and cdc.http.listen \(-X\) are both $CDC" "$BRIDGE" run "${ARGS[@]}" -X run.http.listen=$CDC

# --- all three up, data flows ---
run_bg all
pid=$BG_PID
check "all three stages up: /healthz 200" wait_for healthy
if ! healthy; then # nothing below can pass: say why and stop
  diag "the supervisor is not up: $(tail -3 "$WORK/all.log" | cut -c1-300)"
  tap_finish
  exit 1
fi
health >"$WORK/all.healthz"
check "/healthz: JSON naming cdc, replicate and sink, each up" python3 -c "
import json, sys
d = json.load(open('$WORK/all.healthz'))
sys.exit(0 if d['status'] == 'ok' and [(s['stage'], s['state']) for s in d['stages']] == [('cdc', 'up'), ('replicate', 'up'), ('sink', 'up')] else 1)"
metrics >"$WORK/all.metrics"
for s in cdc replicate sink; do
  check "/metrics: bridgelab_run_stage_up{stage=\"$s\"} 1" grep -qx "bridgelab_run_stage_up{stage=\"$s\"} 1" "$WORK/all.metrics"
done
check "/metrics relays each stage's own metrics" bash -c "grep -q '^bridgelab_cdc_kafka_commits_total ' '$WORK/all.metrics' &&
  grep -q '^bridgelab_replicate_records_total ' '$WORK/all.metrics' && grep -q '^bridgelab_sink_files_total ' '$WORK/all.metrics'"
check "the stages run as children of the supervisor, each its own process" bash -c "
  for s in cdc replicate sink; do
    p=\$(curl -s http://$RUNH/metrics | awk -v m=\"bridgelab_run_stage_pid{stage=\\\"\$s\\\"}\" '\$1 == m {print \$2}')
    [ \"\$(ps -o ppid= -p \"\$p\" | tr -d ' ')\" = $pid ] || exit 1
    tr '\\0' ' ' </proc/\$p/cmdline | grep -q \"bridge \$s -F $PROPS -X dc=$DC \" || exit 1
  done"
probe_row 900001
check "a row written to MySQL lands in the lake" wait_for in_lake 900001

# --- SIGKILL of each stage's process: started again, counted, data still flows ---
new_pid() { p=$(stage_pid "$1") && [ -n "$p" ] && [ "$p" != 0 ] && [ "$p" != "$2" ]; }
for s in cdc replicate sink; do
  old=$(stage_pid $s)
  kill -KILL "$old" 2>/dev/null
  check "$s: SIGKILLed (pid $old): started again" wait_for new_pid $s "$old"
  check "$s: up again" wait_for state_is $s up
  check_eq "$s: bridgelab_run_restarts_total{stage=\"$s\"} 1" 1 "$(metric bridgelab_run_restarts_total $s)"
  check_eq "$s: its last exit is 137 (SIGKILL) in /metrics" 137 "$(metric bridgelab_run_stage_last_exit_status $s)"
  check "$s: the log names it, its pid and the signal" \
    grep -qE "^$TS bridge run WARN $s \(pid $old\) was killed by signal 9 \(SIGKILL\) after [0-9.]+ s; starting it again in 0.5 s" \
    "$WORK/all.log"
done
probe_row 900002
check "after the three SIGKILLs a new row still lands in the lake" wait_for in_lake 900002
check "/healthz 200 again" wait_for healthy
if .deps/venv/bin/python3 tests/integration/lake_check.py equal --bootstrap "$CLOUD_BOOTSTRAP" --wait 30 --dir "$LAKE" \
  "${DC}_customers" >"$WORK/lake-check" 2>&1; then
  ok "the lake holds ${DC}_customers exactly once through the kills ($(tail -1 "$WORK/lake-check"))"
else
  not_ok "the lake holds ${DC}_customers exactly once through the kills"
  tail -5 "$WORK/lake-check" | sed 's/^/# /'
fi

# --- SIGTERM: every stage stops, exit 0, nothing left ---
pids="$(stage_pid cdc) $(stage_pid replicate) $(stage_pid sink)"
check_stop "SIGTERM: exit 0" "$pid"
left=''
for p in $pids; do running "$p" && left+="$p "; done
check_eq "SIGTERM: none of the stages' processes is left ($pids)" "" "$left"
check "SIGTERM: the log says each stopped cleanly" bash -c "
  for s in cdc replicate sink; do grep -qE '^$TS bridge run INFO '\$s' \\(pid [0-9]+\\) stopped: exited with status 0' '$WORK/all.log' || exit 1; done
  grep -q 'bridge run INFO stopped: every stage stopped cleanly' '$WORK/all.log'"
check "the log: every line names its stage exactly once" every_line_names_one_stage "$WORK/all.log"
check "the log: each stage's own lines are there" bash -c "grep -q 'bridge cdc INFO cdc .$DC-cdc.: reading the binlog' '$WORK/all.log' &&
  grep -q 'bridge replicate INFO replicate group' '$WORK/all.log' && grep -q 'bridge sink INFO sink group' '$WORK/all.log'"

# --- a crash loop: the sink's lake folder is missing (it exits 1 at once) ---
MISSING=$WORK/lake-later
run_bg loop --stages sink -X sink.url="$MISSING" -X sink.create.container=false -X run.restart.backoff.initial.ms=100 \
  -X run.restart.backoff.max.ms=400 -X run.restart.steady.ms=4000
pid=$BG_PID
looping() { grep -qE 'bridge run ERROR sink \(pid [0-9]+\): crash loop' "$WORK/loop.log"; }
check "a stage that keeps exiting: a crash loop within seconds" wait_for looping
check "... one log line naming the stage, its exit status and the count" \
  grep -qE "^$TS bridge run ERROR sink \(pid [0-9]+\): crash loop: 5 exits within 60 s, the last: exited with status 1 after [0-9.]+ s" \
  "$WORK/loop.log"
check_eq "... /healthz 503" 503 "$(health_code)"
check_eq "... /healthz names the sink in a crash loop" "crash-loop True" "$(stage_json sink "s['state'], s['crash_loop']")"
check "... and why (the count, how it ended)" bash -c "curl -s http://$RUNH/healthz | grep -q 'sink: crash loop: [0-9]* exits within 60 s, the last: exited with status 1'"
check_eq "... /metrics: bridgelab_run_crash_loop{stage=\"sink\"} 1" 1 "$(metric bridgelab_run_crash_loop sink)"
check "... restarted again and again" test "$(metric bridgelab_run_restarts_total sink)" -ge 4
mkdir -p "$MISSING"
check "the folder made: the sink runs steadily, the crash loop is over (log)" wait_for grep -q \
  'bridge run INFO sink has run 4 s without exiting: the crash loop is over' "$WORK/loop.log"
check "... and /healthz is 200" wait_for healthy
check_eq "... bridgelab_run_crash_loop{stage=\"sink\"} 0" 0 "$(metric bridgelab_run_crash_loop sink)"
check_stop "SIGTERM after the crash loop: exit 0" "$pid"

# --- exit 2: a configuration the stage refuses is not retried ---
run_bg refused --stages cdc,replicate -X cdc.snapshot.mode=bogus
pid=$BG_PID
failed() { state_is cdc failed; }
check "cdc refuses its configuration (exit 2): /healthz names it failed" wait_for failed
check "... the log says it is not started again" grep -qE \
  "^$TS bridge run ERROR cdc \(pid [0-9]+\) exited with status 2 after [0-9.]+ s: it refused its configuration" \
  "$WORK/refused.log"
check "... the stage's own line says why" grep -q "bridge cdc ERROR .*cdc.snapshot.mode: 'bogus' is not a mode" \
  "$WORK/refused.log"
check "... replicate goes on: up" wait_for state_is replicate up
sleep 1.5
check_eq "... cdc not restarted (bridgelab_run_restarts_total 0)" 0 "$(metric bridgelab_run_restarts_total cdc)"
check_eq "... bridgelab_run_stage_failed{stage=\"cdc\"} 1" 1 "$(metric bridgelab_run_stage_failed cdc)"
check_eq "... /healthz 503" 503 "$(health_code)"
check_stop "SIGTERM with a stage failed: exit 1 (not every stage ran to a clean stop)" "$pid" 1
check_ran "--stages cdc and cdc refuses its configuration: nothing left, exit 2" 2 "$WORK/refused-alone.out" \
  "nothing left to run: every stage refused its configuration" \
  timeout 60 "$BRIDGE" run "${ARGS[@]}" --stages cdc -X cdc.snapshot.mode=bogus

# --- --stages: a subset, in the pipeline's order; a SIGKILLed supervisor leaves no orphan ---
run_bg subset --stages replicate,cdc
pid=$BG_PID
check "--stages replicate,cdc: /healthz 200" wait_for healthy
check_eq "... names cdc and replicate, in the pipeline's order" "['cdc', 'replicate']" \
  "$(health | python3 -c 'import json, sys; print([s["stage"] for s in json.load(sys.stdin)["stages"]])')"
check "... no sink: not in /metrics, not in the log" bash -c "! curl -s http://$RUNH/metrics | grep -q 'stage=\"sink\"' &&
  ! grep -q 'bridge sink ' '$WORK/subset.log'"
pids="$(stage_pid cdc) $(stage_pid replicate)"
kill -KILL "$pid"
bg_wait "$pid"
check_eq "the supervisor SIGKILLed (status 137)" 137 "$BG_STATUS"
no_orphan() {
  local p
  for p in $pids; do running "$p" && return 1; done
  return 0
}
check "... its stages stop by themselves (SIGTERM from PR_SET_PDEATHSIG): no orphan ($pids)" wait_for no_orphan
check "the subset's log: every line names its stage exactly once" every_line_names_one_stage "$WORK/subset.log"

# --- the lab's pipeline service: bin/bridge run, each stage under it in ./lab status ---
./lab up pipeline >"$WORK/lab-up" 2>&1
check_eq "./lab up pipeline: exit 0" 0 $?
./lab status >"$WORK/lab-status"
check "./lab status shows the pipeline up" grep -qE '^pipeline .* up$' "$WORK/lab-status"
for s in cdc replicate sink; do
  check "./lab status shows pipeline/$s up, with its pid" grep -qE "^pipeline/$s +http://127.0.0.1:[0-9]+/metrics +[0-9]+ +up$" \
    "$WORK/lab-status"
done
lpid=$(cat "$LAB_RUN_DIR/pids/pipeline.pid" 2>/dev/null)
check "./lab up pipeline: its pid file names a running bridge run" \
  bash -c "tr '\\0' ' ' </proc/$lpid/cmdline | grep -q 'bin/bridge run -F $LAB_RUN_DIR/bridge.properties'"
check_ran "./lab up cdc while the pipeline runs it: refused in one line" 1 "$WORK/lab-up-cdc" \
  "cdc: it runs under the pipeline service" ./lab up cdc
lchildren=$(ps -o pid= --ppid "$lpid" | tr '\n' ' ')
./lab down pipeline >>"$WORK/lab.log" 2>&1
check_eq "./lab down pipeline: exit 0" 0 $?
left=''
for p in $lpid $lchildren; do running "$p" && left+="$p "; done
check_eq "./lab down pipeline: the supervisor and its stages are gone" "" "$left"
grep -v '^=== ' "$LAB_RUN_DIR/logs/pipeline.log" >"$WORK/lab-pipeline.log"
check "the lab's pipeline log: every line names its stage exactly once (but the lab's own === lines)" \
  every_line_names_one_stage "$WORK/lab-pipeline.log"
track_log "$LAB_RUN_DIR/logs/pipeline.log"

tap_finish
