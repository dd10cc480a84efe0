#!/usr/bin/env bash
# The chapters of labs/ cannot rot: on a lab of its own (own run folder, own
# ports), from a reset, this suite walks chapters 1 to 9 as an attendee
# would — every command of each chapter's sh blocks, in order, its output
# compared with the text block the chapter shows (labs_walk.py: ports and
# the run folder mapped, numbers masked) — then `./lab check N`, given the
# time an attendee would wait (up to a minute), must pass. Then the commands
# around the chapters: check and hint on a failing point, bad chapter
# numbers, solve from wherever the lab is (a stage killed), and
# `./lab reset && ./lab solve 9`, after which `./lab check N` passes for
# every N: `./lab solve N` from a reset lab runs the solutions of chapters
# 1..N in order, the very steps `solve 9` runs first, and solve checks each
# chapter before the next, so this one walk covers each N.
#   LABS_CAPTURE=DIR  also writes each chapter's actual output to DIR/NN.md
# time limit: 900
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$top" || exit 1
. tests/lib.sh

own_lab labs 25
RUN=$LAB_RUN_DIR
tests_work_dir labs

cleanup() {
  ./lab reset >/dev/null 2>&1
  rm -rf "$RUN"
}
at_exit cleanup
if [ -d "$RUN" ]; then ./lab reset >/dev/null 2>&1 || rm -rf "$RUN"; fi

# check_passes N: ./lab check N passes within a minute.
check_passes() {
  local i
  for i in $(seq 30); do
    ./lab check "$1" >"$WORK/check-$1.out" 2>&1 && return 0
    sleep 2
  done
  sed 's/^/# /' "$WORK/check-$1.out"
  return 1
}

chapter_file() { ls labs/"$(printf '%02d' "$1")"-*.md; }

# ---------------------------------------------------------- the walk ---
for n in $(seq 1 9); do
  f=$(chapter_file "$n")
  capture=()
  [ -z "${LABS_CAPTURE:-}" ] || { mkdir -p "$LABS_CAPTURE" && capture=(--capture "$LABS_CAPTURE/$(basename "$f")"); }
  check "chapter $n ($f): its commands run and print what it shows" python3 tests/integration/labs_walk.py "$f" "${capture[@]}"
  check "chapter $n: ./lab check $n passes after its commands" check_passes "$n"
done

# ------------------------------------------------- around the chapters ---
./lab down sim >/dev/null 2>&1
kill -9 "$(cat "$RUN/pids/cdc.pid")"
check_ran "check 3 with cdc killed: fails, naming the point and the fix" 1 "$WORK/fail.out" \
  'FAIL  bridge cdc runs and answers: cdc is not running; \./lab up cdc' ./lab check 3
check_ran "hint 3 with cdc killed: the next thing to try" 0 "$WORK/hint.out" \
  'chapter 3, "bridge cdc runs and answers": Start it with \./lab up cdc' ./lab hint 3
check_ran "solve 4 with cdc killed: starts it again and checks chapter 4" 0 "$WORK/solve4.out" \
  'all 4 points pass' ./lab solve 4
check "  and chapter 3 passes again" check_passes 3
check_ran "check 12: not a chapter with a check" 1 "$WORK/bad.out" \
  "check: '12' is not a chapter with a check: give 1 to 9" ./lab check 12
check_ran "solve without a number: one line" 1 "$WORK/bad2.out" \
  'solve takes a chapter number \(1 to 9\)' ./lab solve
./lab up sim >/dev/null 2>&1
check_ran "verify while the simulator writes: one line saying to stop it" 1 "$WORK/verify-sim.out" \
  'verify: the simulator is still writing.*\./lab down sim' ./lab verify

# ----------------------------------------------- solve from a reset lab ---
./lab reset >/dev/null 2>&1
check_ran "reset, then check 1: every server down, each named" 1 "$WORK/reset-check.out" \
  'lab has never been started here' ./lab check 1
t0=$SECONDS
check_ran "reset, then solve 9: the lab at the end of chapter 9" 0 "$WORK/solve9.out" \
  'all 4 points pass: go on with chapter 10' ./lab solve 9
diag "solve 9 from a reset lab took $((SECONDS - t0)) s"
for n in $(seq 1 9); do
  check "after solve 9, ./lab check $n passes" check_passes "$n"
done

tap_finish
