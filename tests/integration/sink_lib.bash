# Shell functions of the sink suites (not a suite: not *.sh) (sink.sh, sink_formats.sh); source it
# after tests/lib.sh and lab.env, with BIN, BRIDGE, PROPS, VENV_PY, WORK,
# HTTP and FAST (the -X settings every sink of the suite gets) set.

# topic NAME PARTITIONS: makes the topic on the cloud cluster (a metadata
# request for a missing topic would make it with one partition).
case $BIN in
*build/*/bin) KCHECK=$(dirname "$BIN")/tests/kafka_check ;;
*) KCHECK=build/release/tests/kafka_check ;;
esac
topic() { "$KCHECK" -b "$CLOUD_BOOTSTRAP" ensure "$1" "$2" 1 >>"$WORK/kafka_check.log" 2>&1; }
# sink_bg NAME [args]: a sink of group NAME with metrics on $HTTP, its log
# $WORK/NAME.log; its pid in $BG_PID.
sink_bg() {
  local name=$1
  shift
  bg_start "$WORK/$name.log" "$BRIDGE" sink -F "$PROPS" -X sink.group.id="$name" "${FAST[@]}" "$@"
}
metric() { curl -s "http://$HTTP/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
healthy() {
  local i
  for i in $(seq 300); do
    curl -sf "http://$HTTP/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}
# The work a sink does: the files it wrote, once healthy.
files_written() { curl -sf "http://$HTTP/healthz" >/dev/null 2>&1 && metric bridgelab_sink_files_total; }
# lake_equal WHAT WAIT CHECKER_ARGS... TOPIC...: tests/integration/lake_check.py
# equal, its last 20 lines (stack frames left out) as diagnostics when it fails.
lake_equal() {
  local what=$1 wait=$2
  shift 2
  if "$VENV_PY" tests/integration/lake_check.py equal --bootstrap "$CLOUD_BOOTSTRAP" --wait "$wait" "$@" \
    >"$WORK/check" 2>&1; then
    ok "$what ($(tail -1 "$WORK/check"))"
  else
    not_ok "$what"
    grep -v '^ *[0-9]*: \|^ *at ' "$WORK/check" | tail -20 | sed 's/^/# /'
  fi
}
lake_files() { "$VENV_PY" tests/integration/lake_check.py files "$@" 2>>"$WORK/check.err"; }
azure_url() { printf '%s/%s\n' "$AZURITE_BLOB" "$1"; }
