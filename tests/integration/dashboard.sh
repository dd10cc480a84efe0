#!/usr/bin/env bash
# bin/dashboard on the whole pipeline of the test lab: the simulator writes
# orders with customer updates and cancellations, bridge cdc, replicate and
# sink carry them into a lake folder, and the dashboard loads it. Its
# figures must equal the same aggregates computed in MySQL (the truth), to
# the cent: revenue, orders, units, and revenue and units of every product.
# A restart of the dashboard adds nothing (no double counting); a damaged
# file in the lake is reported and skipped while the rest loads; the
# pipeline panel names every stage.
# lab: mysql onprem cloud
# time limit: 900
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. "$LAB_RUN_DIR/lab.env"

BIN=${BRIDGELAB_BIN:-bin}
BRIDGE=$BIN/bridge
PROPS=$LAB_RUN_DIR/bridge.properties
tests_work_dir dashboard
LAKE=$WORK/lake
DASH=127.0.0.1:${DASHBOARD_TEST_PORT:-18180}
CDC=127.0.0.1:18183
REPL=127.0.0.1:18184
SINK=127.0.0.1:18185
DC=dc21

WAIT_STEPS=${WAIT_STEPS:-1200} # wait_for: 2 minutes
api() { curl -s --max-time 5 "http://$DASH/api/$1"; }
json() { python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"; }
dashboard_bg() {
  bg_start "$WORK/dashboard.log" "$BIN/dashboard" -F "$PROPS" -X dashboard.http.listen="$DASH" \
    -X dashboard.lake.url="$LAKE" -X dashboard.db.path="$WORK/dashboard.sqlite" -X dashboard.lake.poll.ms=300 \
    -X dashboard.cdc.metrics="http://$CDC/metrics" -X dashboard.replicate.metrics="http://$REPL/metrics" \
    -X dashboard.sink.metrics="http://$SINK/metrics" "$@"
}
# truth: revenue, orders and units in MySQL
truth() {
  sql "SELECT (SELECT COALESCE(SUM(quantity * price), 0.00) FROM sales_order_details), (SELECT COUNT(*) FROM sales_orders), (SELECT COALESCE(SUM(quantity), 0) FROM sales_order_details)" |
    tr '\t' ' '
}
seen() { api "kpis?dc=$DC" | json '" ".join(str(d[k]) for k in ("revenue", "orders", "units"))' 2>/dev/null; }
same_kpis() { [ "$(seen)" = "$(truth)" ]; }
products_truth() {
  sql "SELECT product_id, SUM(quantity * price), SUM(quantity) FROM sales_order_details GROUP BY product_id ORDER BY product_id" |
    tr '\t' ' '
}
products_seen() {
  api "products?dc=$DC&top=1000" | python3 -c '
import json, sys
for r in sorted(json.load(sys.stdin)["products"], key=lambda r: r["product_id"]):
    print(r["product_id"], r["revenue"], r["units"])'
}

# --- the pipeline: sim -> cdc -> replicate -> sink (a folder) -> dashboard ---
./lab seed >/dev/null
bg_start "$WORK/cdc.log" "$BRIDGE" cdc -F "$PROPS" -X dc=$DC -X cdc.http.listen=$CDC
cdcpid=$BG_PID
bg_start "$WORK/replicate.log" "$BRIDGE" replicate -F "$PROPS" -X replicate.group.id=dash \
  -X "replicate.topics.include=${DC}_.*" -X replicate.http.listen=$REPL -X replicate.topics.refresh.ms=1000
replpid=$BG_PID
bg_start "$WORK/sink.log" "$BRIDGE" sink -F "$PROPS" -X sink.group.id=dash -X "sink.topics=${DC}_.*" \
  -X sink.url="$LAKE" -X sink.rotate.schedule.interval.ms=1000 -X sink.http.listen=$SINK -X sink.topics.refresh.ms=1000
sinkpid=$BG_PID
dashboard_bg
dashpid=$BG_PID
check "the dashboard answers /healthz" wait_for curl -sf "http://$DASH/healthz" -o /dev/null
"$BIN/sim" -F "$SIM_PROPERTIES" --quiet --orders 400 --seed 7 --rate 0 --cancel-ratio 0.05 \
  -X sim.customer.update.ratio=0.2 >>"$WORK/sim.log" 2>&1
check_eq "the simulator wrote its 400 orders" 0 $?
if wait_for same_kpis; then
  ok "revenue, orders and units equal MySQL's to the cent ($(truth))"
else
  not_ok "revenue, orders and units equal MySQL's (MySQL: $(truth); dashboard: $(seen))"
fi
check_eq "revenue and units of every product equal MySQL's" "$(products_truth)" "$(products_seen)"
check "KPIs as CSV" bash -c "curl -s 'http://$DASH/api/kpis?dc=$DC&format=csv' | head -1 | grep -q '^revenue,orders,units'"
check "revenue per minute has minutes" test "$(api "revenue_per_minute?dc=$DC" | json 'len(d["minutes"])')" -ge 1
api pipeline >"$WORK/pipeline.json"
check "the pipeline panel names every stage" python3 -c "
import json, sys
d = json.load(open('$WORK/pipeline.json'))
text = json.dumps(d)
sys.exit(0 if all(s in text for s in ('mysql', 'cdc', 'replicate', 'sink', 'lake')) else 1)"
check "a bad parameter is a 400 naming it" bash -c \
  "curl -s -w '%{http_code}' 'http://$DASH/api/kpis?top=abc&dc=BAD!' | grep -q '400$'"

# --- a restart adds nothing ---
check_stop "the dashboard: SIGTERM: exit 0" "$dashpid"
dashboard_bg
dashpid=$BG_PID
check "restarted: answers" wait_for curl -sf "http://$DASH/healthz" -o /dev/null
sleep 2
check_eq "restarted: the same figures (nothing counted twice)" "$(truth)" "$(seen)"

# --- a damaged file is reported and skipped; the rest loads ---
bad=$(find "$LAKE" -name "${DC}_sales_order_details+*.json" 2>/dev/null | sort | tail -1)
dir=$(dirname "${bad:-$WORK/no-lake/x}") # no lake: the check below fails, nothing lands outside $WORK
mkdir -p "$dir"
name=${DC}_sales_order_details+0+9999999999.json
printf '{"not":"an envelope"\n' >"$dir/$name"
cp "$dir/.$(basename "$bad").meta" "$dir/.$name.meta"
"$BIN/sim" -F "$SIM_PROPERTIES" --quiet --orders 50 --seed 8 --rate 0 >>"$WORK/sim.log" 2>&1
if wait_for same_kpis; then
  ok "after more orders and a damaged file: the figures still equal MySQL's ($(truth))"
else
  not_ok "after a damaged file (MySQL: $(truth); dashboard: $(seen))"
fi
check "the damaged file is named in one log line" test "$(grep -c "$name skipped" "$WORK/dashboard.log")" -eq 1

check_stop "the dashboard: SIGTERM: exit 0" "$dashpid"
check_stop "sink: SIGTERM: exit 0" "$sinkpid"
check_stop "replicate: SIGTERM: exit 0" "$replpid"
check_stop "cdc: SIGTERM: exit 0" "$cdcpid"
tap_finish
