# Helpers shared by the integration suites (tests/integration/*.sh), sourced
# after `cd` to the repo root. Every suite of a stage (cdc, replicate, sink,
# dashboard, run) is built from them, so that what a check proves is the same
# everywhere:
#
# TAP: each check prints "ok N - what" or "not ok N - what"; tap_finish
#   prints the plan "1..N", which tests/run compares with what ran.
#     ok WHAT / not_ok WHAT       one result
#     check WHAT COMMAND...       passes when COMMAND exits 0
#     check_eq WHAT WANT GOT      passes when the two strings are equal
#     check_ran WHAT WANT_RC OUTFILE PATTERN COMMAND...
#                                 runs COMMAND (output to OUTFILE), passes
#                                 when it exits WANT_RC and OUTFILE matches
#                                 PATTERN (grep -E): a check that a command
#                                 failed proves nothing unless it ran
#     logged LOG COMMAND...       runs COMMAND with its output appended to LOG
#                                 (check "what" logged LOG cmd: the TAP line
#                                 stays on stdout)
#     diag TEXT                   a comment line
#
# A lab of the suite's own (for suites that start, reset or walk a whole lab,
#   where the shared test lab of tests/run would not do):
#     own_lab NAME NN             exports LAB_RUN_DIR=build/NAME-test-run and
#                                 every LAB_*_PORT in NN000-NN999 (mysql NN307,
#                                 onprem NN092/NN093, cloud NN192/NN193,
#                                 azurite NN000, stages NN083-NN086,
#                                 dashboard NN080, a trainer's room listener
#                                 NN194), dc01, a 256m Kafka heap
#
# Processes: a suite starts its long-running programs with bg_start, so it
#   knows their pids and stops only those (never pkill/pgrep by name: a demo
#   lab may run the same programs on this machine).
#     bg_start LOG COMMAND...     starts COMMAND in the background, output
#                                 appended to LOG; its pid is in $BG_PID
#     bg_wait PID                 waits for it to exit; its status in $BG_STATUS
#     running PID / gone PID      alive (not a zombie) / exited
#     bg_stop PID [SECONDS]       SIGTERM, waits (SIGKILL after SECONDS, default
#                                 30); status in $BG_STATUS
#     check_stop WHAT PID [WANT]  bg_stop, and checks the status (default 0)
#     check_exit WHAT PID [WANT]  bg_wait for a process that ends by itself,
#                                 and checks the status (default 0)
#     check_lab_service SVC       ./lab up SVC runs `bin/bridge SVC` as a lab
#                                 service, ./lab status shows it up, ./lab
#                                 down SVC stops that pid (the lab's pid file)
#   On exit every tracked process still running is killed; a suite adds
#   its own clean-up with at_exit COMMAND (not trap ... EXIT, which would
#   replace this one).
#
# Crashes: wait_working PID PROBE   waits until the process does its work
#   (below), e.g. before a SIGTERM that must land mid-work.
#   kill_mid_work PID PROBE [SETTLE]
#   waits until the process does its work: PROBE (a shell function or
#   command) prints a number of work done so far, and it must print one and
#   then a larger one (e.g. cdc: its Kafka commits; sim: orders in MySQL);
#   then it waits SETTLE more seconds (default: a random 0-0.5 s), SIGKILLs the
#   process and checks that it died of that signal (status 137). Returns 0
#   when the kill landed mid-work, 1 otherwise (the process exited or never
#   worked within KILL_WAIT_S, default 60 s); kills_mid_work and kills_tried
#   count them, and check_kills WHAT REQUIRED fails the suite when fewer than
#   REQUIRED landed mid-work.
#
# Sanitizers: every log a suite writes goes under $WORK (tests_work_dir
#   makes it) or is named with track_log FILE; tap_finish scans all of them
#   for AddressSanitizer, LeakSanitizer and UBSan reports, and fails on any.
#
# Time limit: tests/run runs each suite under `timeout`; a suite may ask for
#   more (or less) than the default with a line "# time limit: SECONDS".

tap_n=0
tap_failed=0

ok() {
  tap_n=$((tap_n + 1))
  echo "ok $tap_n - $*"
}
not_ok() {
  tap_n=$((tap_n + 1))
  tap_failed=$((tap_failed + 1))
  echo "not ok $tap_n - $*"
}

check() {
  local what=$1
  shift
  if "$@"; then ok "$what"; else not_ok "$what"; fi
}

check_eq() {
  if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (expected '$2', got '$3')"; fi
}

check_ran() {
  local what=$1 want=$2 out=$3 pattern=$4 rc
  shift 4
  "$@" >"$out" 2>&1
  rc=$?
  if [ "$rc" != "$want" ]; then
    not_ok "$what (exit $rc, expected $want: $(head -c 300 "$out" | tr '\n' ' '))"
  elif ! grep -qE -- "$pattern" "$out"; then
    not_ok "$what (exit $rc, but the output lacks /$pattern/: $(head -c 300 "$out" | tr '\n' ' '))"
  else
    ok "$what"
  fi
}

diag() { echo "# $*"; }

own_lab() {
  local p=$2
  export LAB_RUN_DIR=$PWD/build/$1-test-run
  export LAB_DC=dc01
  export LAB_MYSQL_PORT=${p}307
  export LAB_ONPREM_PORT=${p}092
  export LAB_ONPREM_CONTROLLER_PORT=${p}093
  export LAB_CLOUD_PORT=${p}192
  export LAB_CLOUD_CONTROLLER_PORT=${p}193
  export LAB_AZURITE_PORT=${p}000
  export LAB_CDC_HTTP_PORT=${p}083
  export LAB_REPLICATE_HTTP_PORT=${p}084
  export LAB_SINK_HTTP_PORT=${p}085
  export LAB_RUN_HTTP_PORT=${p}086
  export LAB_DASHBOARD_PORT=${p}080
  export LAB_ROOM_PORT=${p}194
  export LAB_KAFKA_HEAP=${LAB_KAFKA_HEAP:-256m}
}

logged() {
  local log=$1
  shift
  "$@" >>"$log" 2>&1
}

# sql QUERY: one query on the lab's orders database as root, tab-separated,
# no header (lab.env gives MYSQL_ROOT_CNF). A suite on another database
# defines its own.
sql() { mariadb --defaults-file="$MYSQL_ROOT_CNF" -N -B orders -e "$1"; }
# wait_for COMMAND...: runs it every 0.1 s until it succeeds, at most
# WAIT_STEPS (600) times; 1 when it never did.
wait_for() {
  local i
  for i in $(seq "${WAIT_STEPS:-600}"); do "$@" && return 0; sleep 0.1; done
  return 1
}

# ---------------------------------------------------------------- logs ---
tracked_logs=()
WORK=${WORK:-}

# tests_work_dir NAME: a fresh build/test-logs/NAME-work (kept after the
# run, for reading) as $WORK.
tests_work_dir() {
  WORK=$PWD/build/test-logs/$1-work
  rm -rf "$WORK" && mkdir -p "$WORK"
}

track_log() { tracked_logs+=("$@"); }

SANITIZER_PATTERN='ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|SUMMARY: UndefinedBehaviorSanitizer'

# sanitizer_reports: the logs (under $WORK and tracked) with a report.
sanitizer_reports() {
  local files=()
  [ -z "$WORK" ] || [ ! -d "$WORK" ] || mapfile -t files < <(find "$WORK" -type f)
  files+=("${tracked_logs[@]}")
  [ ${#files[@]} -gt 0 ] || return 0
  grep -lE "$SANITIZER_PATTERN" "${files[@]}" 2>/dev/null
}

scan_sanitizer_reports() {
  local bad count
  bad=$(sanitizer_reports | tr '\n' ' ')
  count=$({ [ -z "$WORK" ] || [ ! -d "$WORK" ] || find "$WORK" -type f; } | wc -l)
  count=$((count + ${#tracked_logs[@]}))
  if [ -n "$bad" ]; then
    not_ok "no sanitizer report in the $count logs of this suite (reports in: $bad)"
  else
    ok "no sanitizer report in the $count logs of this suite"
  fi
}

# ----------------------------------------------------------- processes ---
tracked_pids=()
BG_PID=
BG_STATUS=

bg_start() {
  local log=$1
  shift
  "$@" >>"$log" 2>&1 &
  BG_PID=$!
  tracked_pids+=("$BG_PID")
  case $log in "$WORK"/*) ;; /dev/null) ;; *) track_log "$log" ;; esac
}

# running PID: alive and not a zombie waiting for us to reap it.
running() {
  local st
  st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [ -n "$st" ] && [[ $st != Z* ]]
}

# gone PID: exited (a zombie no one has reaped yet counts as gone).
gone() { ! running "$1"; }

bg_wait() {
  wait "$1" 2>/dev/null
  BG_STATUS=$?
}

bg_stop() {
  local pid=$1 limit=${2:-30} i
  for ((i = 0; i < limit * 10; i++)); do
    # again every second: a signal that lands while a just-started child
    # is still between fork and exec is lost
    ((i % 10)) || kill -TERM "$pid" 2>/dev/null
    running "$pid" || break
    sleep 0.1
  done
  if running "$pid"; then
    diag "pid $pid still running ${limit}s after SIGTERM: SIGKILL"
    kill -KILL "$pid" 2>/dev/null
  fi
  bg_wait "$pid"
}

check_stop() {
  bg_stop "$2"
  check_eq "$1" "${3:-0}" "$BG_STATUS"
}

check_exit() {
  bg_wait "$2"
  check_eq "$1" "${3:-0}" "$BG_STATUS"
}

kill_tracked() {
  local pid
  for pid in "${tracked_pids[@]}"; do
    running "$pid" && kill -KILL "$pid" 2>/dev/null
  done
  return 0
}

check_lab_service() {
  local svc=$1 pid
  ./lab up "$svc" >"$WORK/lab-up" 2>&1
  check_eq "./lab up $svc: exit 0" 0 $?
  check "./lab status shows $svc up" bash -c "./lab status | grep -qE '^$svc .* up'"
  pid=$(cat "$LAB_RUN_DIR/pids/$svc.pid" 2>/dev/null)
  check "./lab up $svc: its pid file names a running bridge $svc" \
    bash -c "tr '\\0' ' ' </proc/$pid/cmdline | grep -q 'bin/bridge $svc -F $LAB_RUN_DIR/bridge.properties'"
  ./lab down "$svc" >>"$WORK/lab.log" 2>&1
  check_eq "./lab down $svc: exit 0" 0 $?
  check "./lab down $svc: the lab's $svc (pid $pid) is gone" gone "$pid"
  track_log "$LAB_RUN_DIR/logs/$svc.log"
}

# --------------------------------------------------------------- crashes ---
kills_tried=0
kills_mid_work=0
KILL_WAIT_S=${KILL_WAIT_S:-60}

# work_done PROBE: the probe's number, or nothing.
work_done() {
  local n
  n=$("$@" 2>/dev/null | tail -1)
  [[ $n =~ ^[0-9]+$ ]] && echo "$n"
}

# wait_working PID PROBE: waits until PROBE has printed a number and then a
# larger one while PID runs; fails when PID exits or KILL_WAIT_S passes.
wait_working() {
  local pid=$1 probe=$2 first='' now='' i
  for ((i = 0; i < KILL_WAIT_S * 20; i++)); do
    running "$pid" || return 1
    now=$(work_done "$probe")
    if [ -n "$now" ]; then
      if [ -z "$first" ]; then
        first=$now
      elif [ "$now" -gt "$first" ]; then
        return 0
      fi
    fi
    sleep 0.05
  done
  diag "pid $pid did no work within ${KILL_WAIT_S}s ($probe: '$first' -> '$now')"
  return 1
}

kill_mid_work() {
  local pid=$1 probe=$2 settle=${3:-}
  kills_tried=$((kills_tried + 1))
  if ! wait_working "$pid" "$probe"; then
    if running "$pid"; then
      kill -KILL "$pid" 2>/dev/null
      bg_wait "$pid"
    else
      bg_wait "$pid"
      diag "kill $kills_tried: pid $pid had already exited (status $BG_STATUS) before it was killed"
    fi
    return 1
  fi
  sleep "${settle:-$(awk -v r="$RANDOM" 'BEGIN {printf "%.2f", (r % 50) / 100}')}"
  kill -KILL "$pid" 2>/dev/null
  bg_wait "$pid"
  if [ "$BG_STATUS" != 137 ]; then
    diag "kill $kills_tried: pid $pid ended with status $BG_STATUS, not 137 (SIGKILL)"
    return 1
  fi
  kills_mid_work=$((kills_mid_work + 1))
  return 0
}

check_kills() {
  diag "$kills_mid_work of $kills_tried kills landed while the process was working"
  if [ "$kills_mid_work" -ge "$2" ]; then
    ok "$1 ($kills_mid_work of $kills_tried kills landed mid-work)"
  else
    not_ok "$1 (only $kills_mid_work of $kills_tried kills landed mid-work, $2 required)"
  fi
  kills_tried=0
  kills_mid_work=0
}

# ------------------------------------------------------------------ end ---
tap_finish() {
  kill_tracked
  scan_sanitizer_reports
  echo "1..$tap_n"
  [ "$tap_failed" -eq 0 ]
}

exit_hooks=()
at_exit() { exit_hooks+=("$1"); }
run_exit_hooks() {
  local hook
  kill_tracked
  for hook in "${exit_hooks[@]}"; do eval "$hook"; done
}

# A suite killed by its time limit (SIGTERM) still kills what it started.
trap 'run_exit_hooks' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
