#!/usr/bin/env bash
# The simulator benchmark, run by bench/run on its own lab (mysql): orders/s
# that `sim --rate 0` sustains beside the raw ceiling of the same server —
# bin/sim-ceiling replaying the same actions' SQL on the same number of
# connections in a minimal loop. Medians of ROUNDS runs each, alternating,
# the database reseeded before every run. Progress goes to stderr; the
# Markdown section for README.md to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
. "$LAB_RUN_DIR/lab.env"

ORDERS=${BENCH_ORDERS:-20000}
ROUNDS=${BENCH_ROUNDS:-3}
THREADS=${BENCH_THREADS:-1 4}

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
sim_rate() {
  ./lab seed >/dev/null
  bin/sim -F "$SIM_PROPERTIES" --rate 0 --orders "$ORDERS" --threads "$1" --seed 1 --quiet 2>&1 |
    sed -n 's/.* done: .*; \([0-9.]*\) orders\/s$/\1/p'
}
ceiling_rate() {
  ./lab seed >/dev/null
  bin/sim-ceiling -F "$SIM_PROPERTIES" --orders "$ORDERS" --threads "$1" --seed 1 | sed -n 's/.*: \([0-9.]*\) orders\/s$/\1/p'
}

rows=""
for t in $THREADS; do
  sims=() ceilings=()
  for round in $(seq "$ROUNDS"); do
    # Alternate which goes first, so neither always meets a warmer server.
    if [ $((round % 2)) -eq 1 ]; then
      sims+=("$(sim_rate "$t")")
      ceilings+=("$(ceiling_rate "$t")")
    else
      ceilings+=("$(ceiling_rate "$t")")
      sims+=("$(sim_rate "$t")")
    fi
    echo "bench sim: threads $t round $round: sim ${sims[-1]} orders/s, ceiling ${ceilings[-1]} orders/s" >&2
  done
  s=$(printf '%s\n' "${sims[@]}" | median)
  c=$(printf '%s\n' "${ceilings[@]}" | median)
  ratio=$(awk -v s="$s" -v c="$c" 'BEGIN {printf "%.0f", 100 * s / c}')
  rows+="| $t | $(printf '%.0f' "$s") | $(printf '%.0f' "$c") | $ratio % |"$'\n'
done

cat <<MD
Measured $(date -u +%Y-%m-%d) with \`make bench\` ($ORDERS orders a run, median of $ROUNDS runs, $(nproc) cores, MariaDB $(mariadbd --version | awk '{print $3}' | cut -d- -f1)):

| connections | sim --rate 0 (orders/s) | ceiling (orders/s) | sim / ceiling |
| --- | --- | --- | --- |
${rows%$'\n'}
MD
