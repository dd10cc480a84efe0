# Shell functions shared by the bench scripts; source it: . "$top/bench/lib.sh"

# A script's say and die name it: set BENCH_NAME before calling them.
say() { echo "bench ${BENCH_NAME:-?}: $*" >&2; }
die() {
  say "$*"
  exit 1
}
now() { echo "$EPOCHREALTIME"; }
# need_built PROGRAM...: dies unless each is built.
need_built() {
  local p
  for p in "$@"; do
    [ -x "$p" ] || die "$p is not built: run make"
  done
}

# CPU time (clock ticks, user + system) of a process; the fields after the
# command name, which may hold spaces. Nothing once the process is gone.
ticks() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $12 + $13}'; }
# The machine's busy and idle (with I/O wait) ticks, all CPUs.
machine() { awk '$1 == "cpu" {print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6}' /proc/stat; }

# Stops a process the script started: SIGTERM, then SIGKILL if it still runs
# after the given seconds; reaps it. Nothing when the pid is empty or gone.
stop_pid() { # pid, seconds to wait after TERM before KILL
  local pid=$1 i
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < $2 * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# Figures: a median, the highest and the lowest of numbers on stdin (one a
# line); KiB as MiB; a as a percentage of b; a / b, as a number and as
# "1.5×"; "met" or "**not met**" for an awk condition.
median() { sort -g | awk '{v[NR] = $1} END {if (NR == 0) print 0; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
highest() { sort -g | tail -1; }
lowest() { sort -g | head -1; }
mib() { echo $((${1:-0} / 1024)); }
pct() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.0f %%", 100 * a / b; else print "-"}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {print (b > 0) ? a / b : 0}'; }
times() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.1f×", a / b; else print "-"}'; }
met() { awk "BEGIN {print ($1) ? \"met\" : \"**not met**\"}"; }
# The value of metric $1 (a full name with labels, as /metrics shows it) in text $2.
metric() { awk -v m="$1" '$1 == m {print $2}' <<<"$2"; }
