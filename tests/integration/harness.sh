#!/usr/bin/env bash
# The test harness itself (tests/lib.sh and tests/run), with no lab: a kill
# counts only when it lands while the process works and kills it (137); a
# process that exited first, or never worked, does not count, and too few
# kills fail the suite; check_ran fails on the wrong status or output; a
# process that ignores SIGTERM is killed; a planted sanitizer report fails
# the suite that wrote it. The runner, on suites made up here: a suite that
# ends before its plan, runs out of its time limit, or exits non-zero with
# no failure counts as failed, the next suite still runs, and a lab that
# does not start skips only the suites that need it.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
tests_work_dir harness
export KILL_WAIT_S=3

# in_subshell COMMAND...: the TAP lines COMMAND prints, counted apart from ours.
in_subshell() { (tap_n=0 tap_failed=0 "$@"); }
fails_quietly() { ! "$@" >/dev/null 2>&1; }
count_none() { :; }

# ------------------------------------------------------------ kill_mid_work
bg_start "$WORK/worker.log" bash -c 'i=0; while :; do i=$((i + 1)); echo $i >"$0.tmp"; mv "$0.tmp" "$0"; sleep 0.02; done' "$WORK/count"
worker=$BG_PID
count() { cat "$WORK/count" 2>/dev/null; }
check "kill_mid_work: a working process is killed mid-work" kill_mid_work "$worker" count
check_eq "kill_mid_work: it died of SIGKILL (137)" 137 "$BG_STATUS"
check_eq "kill_mid_work: counted" "1 1" "$kills_mid_work $kills_tried"

bg_start "$WORK/quick.log" sleep 0.2
check "kill_mid_work: a process that exits before it works is not a kill" fails_quietly kill_mid_work "$BG_PID" count_none
bg_start "$WORK/idle.log" sleep 100
idle=$BG_PID
echo 5 >"$WORK/still"
still() { cat "$WORK/still"; }
check "kill_mid_work: a process whose work does not rise is not a kill" fails_quietly kill_mid_work "$idle" still
check "kill_mid_work: ... and it is not left running" gone "$idle"
check_eq "kill_mid_work: 1 of 3 counted" "1 3" "$kills_mid_work $kills_tried"
out=$(in_subshell check_kills "kills" 2)
check "check_kills: fewer kills than required fail" grep -q '^not ok 1 - kills (only 1 of 3 kills landed mid-work, 2 required)' <<<"$out"

# ---------------------------------------------------------------- check_ran
out=$(in_subshell check_ran "x" 2 "$WORK/ran" 'usage' bash -c 'echo usage; exit 1')
check "check_ran: the wrong exit status fails" grep -q '^not ok 1 - x (exit 1, expected 2' <<<"$out"
out=$(in_subshell check_ran "x" 0 "$WORK/ran" 'usage' bash -c 'echo other')
check "check_ran: output without the pattern fails" grep -q '^not ok 1 - x (exit 0, but the output lacks' <<<"$out"
out=$(in_subshell check_ran "x" 127 "$WORK/ran" 'usage' ./no-such-program)
check "check_ran: a command that did not run fails (exit 127, no message)" grep -q '^not ok 1' <<<"$out"
out=$(in_subshell check_ran "x" 2 "$WORK/ran" 'usage' bash -c 'echo usage; exit 2')
check "check_ran: the right status and output pass" grep -q '^ok 1 - x$' <<<"$out"

# ------------------------------------------------------------------ bg_stop
bg_start "$WORK/stubborn.log" bash -c 'trap "" TERM; while :; do sleep 0.1; done'
stubborn=$BG_PID
sleep 0.2
bg_stop "$stubborn" 1 >/dev/null
check_eq "bg_stop: a process that ignores SIGTERM is killed after the limit (137)" 137 "$BG_STATUS"
bg_start "$WORK/polite.log" sleep 100
check_stop "check_stop: SIGTERM ends sleep with 143" "$BG_PID" 143

# ---------------------------------------------------------------- sanitizer
planted=$(mktemp -d)
echo '==1==ERROR: AddressSanitizer: heap-use-after-free on address 0x1' >"$planted/prog.log"
out=$(in_subshell bash -c '. tests/lib.sh; WORK=$1; tap_finish' - "$planted")
check "tap_finish: a planted ASan report fails the suite" grep -q '^not ok 1 - no sanitizer report in the 1 logs of this suite (reports in: .*prog.log' <<<"$out"
echo 'x.c:3:5: runtime error: signed integer overflow' >"$planted/prog.log"
out=$(in_subshell bash -c '. tests/lib.sh; WORK=$1; tap_finish' - "$planted")
check "tap_finish: a planted UBSan report fails the suite" grep -q '^not ok 1 - no sanitizer report' <<<"$out"
rm -rf "$planted"

# ------------------------------------------------------------------- runner
suites=$WORK/suites
mkdir -p "$suites"
cat >"$suites/a_good.sh" <<'EOF'
. tests/lib.sh
# lab: notadeclaration (below the opening comments: text, not a declaration)
ok "one"
ok "two"
tap_finish # and a third: no sanitizer report
EOF
cat >"$suites/b_early.sh" <<'EOF'
echo "1..3"
echo "ok 1 - the first of three"
exit 0
EOF
cat >"$suites/c_hang.sh" <<EOF
# time limit: 2
. tests/lib.sh
bg_start /dev/null sleep 300
echo "\$BG_PID" >"$WORK/hang-child"
sleep 60
tap_finish
EOF
cat >"$suites/d_needs_lab.sh" <<'EOF'
# lab: nosuchservice
echo "ok 1 - should not run"
echo "1..1"
EOF
cat >"$suites/e_status.sh" <<'EOF'
echo "ok 1 - fine"
echo "1..1"
exit 3
EOF
TESTS_SUITES_DIR=$suites TESTS_LOG_DIR=$WORK/runner-logs LAB_RUN_DIR=$WORK/runner-lab \
  tests/run a_good b_early c_hang d_needs_lab e_status >"$WORK/runner.out" 2>&1
check_eq "runner: exits non-zero when a suite failed" 1 $?
check "runner: a good suite passes" grep -qx '   3 passed, 0 failed ([0-9]* s)' <(sed -n '/^== a_good/,/passed/p' "$WORK/runner.out")
check "runner: a suite that ends before its plan fails" grep -q '^not ok - b_early planned 3 tests but 1 ran' "$WORK/runner.out"
check "runner: a suite past its time limit fails" grep -q '^not ok - c_hang ran out of its 2 s time limit' "$WORK/runner.out"
check "runner: ... and what it started is killed" gone "$(cat "$WORK/hang-child" 2>/dev/null || echo 1)"
check "runner: ... and the next suite runs" grep -q '^== e_status' "$WORK/runner.out"
check "runner: a lab that does not start is one failure" grep -q '^not ok - the test lab did not start' "$WORK/runner.out"
check "runner: ... the suite needing it is not run, and says so" grep -q '^not ok - d_needs_lab: not run, it needs the test lab (nosuchservice)' "$WORK/runner.out"
check "runner: only a suite's opening comments declare its lab" grep -q '^== lab up nosuchservice (run folder' "$WORK/runner.out"
check "runner: ... the suites needing no lab run" grep -q '^== a_good' "$WORK/runner.out"
check "runner: a non-zero exit without a failure line counts one" grep -q '^not ok - e_status exited with status 3' "$WORK/runner.out"
check_eq "runner: the closing line counts every suite" "5 passed, 5 failed" "$(tail -1 "$WORK/runner.out")"
TESTS_SUITES_DIR=$suites TESTS_LOG_DIR=$WORK/runner-logs LAB_RUN_DIR=$WORK/runner-lab \
  tests/run nosuch >"$WORK/runner-nosuch.out" 2>&1
check "runner: an unknown suite name fails" grep -q '^not ok - nosuch: no such suite' "$WORK/runner-nosuch.out"

tap_finish
