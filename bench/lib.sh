# Shell functions shared by the bench scripts; source it: . "$top/bench/lib.sh"

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
