#!/usr/bin/env bash
# The dashboard's page in headless Chromium (Debian's chromium) against the
# serving side with fake views (dashboard_fake): the page loads with no
# network but the server, its scripts run, the KPI cards show exactly what
# /api/kpis answers, the revenue chart (uPlot's canvas) has every minute of
# /api/revenue_per_minute, the bars and tables have the views' rows (stock
# out of stock highlighted), the pipeline panel has the five stages and,
# once the fake sink has stopped for dashboard.stall.ms, names it stalled in
# red; the console has no error. Screenshots at 1280x800 are kept in
# build/test-logs/dashboard_page-work/.
# time limit: 240
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
tests_work_dir dashboard_page

BIN=${BRIDGELAB_BIN:-bin}
case $BIN in
*build/*/bin) FAKE=$(dirname "$BIN")/tests/dashboard_fake ;;
*) FAKE=build/release/tests/dashboard_fake ;;
esac
PORT=$((${LAB_DASHBOARD_PORT:-18080} + 11))
BASE=http://127.0.0.1:$PORT
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)

check "dashboard_fake is built ($FAKE)" test -x "$FAKE"
check "chromium is installed (make deps)" test -n "$CHROMIUM"

# The fake's sink stops after 5 s; stalled after 3 s more.
bg_start "$WORK/fake.log" "$FAKE" -X "dashboard.http.listen=127.0.0.1:$PORT" -X dashboard.stall.ms=3000 \
  -X dashboard.refresh.ms=500
FAKE_PID=$BG_PID
for _ in $(seq 100); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.1; done
check "the server answers" curl -sf -o /dev/null "$BASE/healthz"

# browser OUT ARGS...: headless Chromium at 1280x800 with a profile of its
# own and no network but loopback; its log (console included) in OUT.log.
browser() {
  local out=$1
  shift
  timeout 90 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --disable-extensions --disable-background-networking --disable-component-update \
    --proxy-server='http://127.0.0.1:9' --proxy-bypass-list='127.0.0.1' \
    --user-data-dir="$WORK/profile" --window-size=1280,800 --enable-logging=stderr --v=0 \
    --virtual-time-budget=6000 "$@" "$BASE/" 2>"$out.log"
}

# past the fake sink's stop plus dashboard.stall.ms
sleep 9
browser "$WORK/dom" --dump-dom | tr -d '\n' >"$WORK/dom.html"
check "the page's DOM is dumped after its scripts ran" grep -q 'data-refreshed=' "$WORK/dom.html"
browser "$WORK/shot" --screenshot="$WORK/dashboard-1280x800.png" >/dev/null
check "a 1280x800 screenshot is saved ($WORK/dashboard-1280x800.png)" test -s "$WORK/dashboard-1280x800.png"

curl -s "$BASE/api/kpis" >"$WORK/kpis.json"
curl -s "$BASE/api/revenue_per_minute?from=0" >"$WORK/minutes.json"
curl -s "$BASE/api/products" >"$WORK/products.json"
curl -s "$BASE/api/stock" >"$WORK/stock.json"
curl -s "$BASE/api/customers" >"$WORK/customers.json"
# dom_value ID: the data-value of the element with that id.
dom_value() { sed -n "s/.*id=\"$1\"[^>]*data-value=\"\\([^\"]*\\)\".*/\\1/p" "$WORK/dom.html" | head -1; }
api() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }

check_eq "KPI revenue on the page = /api/kpis" "$(api "$WORK/kpis.json" 'd["revenue"]')" "$(dom_value kpi-revenue)"
check_eq "KPI orders on the page = /api/kpis" "$(api "$WORK/kpis.json" 'd["orders"]')" "$(dom_value kpi-orders)"
check_eq "KPI units on the page = /api/kpis" "$(api "$WORK/kpis.json" 'd["units"]')" "$(dom_value kpi-units)"
check_eq "KPI average order value on the page = /api/kpis" "$(api "$WORK/kpis.json" 'd["average_order_value"]')" \
  "$(dom_value kpi-aov)"
check "the KPI revenue card reads £12,345.67" grep -q 'id="kpi-revenue"[^>]*>£12,345.67<' "$WORK/dom.html"
check "the revenue chart is drawn (uPlot's canvas)" bash -c \
  "grep -o 'id=\"chart-revenue\".*' '$WORK/dom.html' | grep -q '<canvas'"
check_eq "the chart has every minute of /api/revenue_per_minute" "$(api "$WORK/minutes.json" 'len(d["minutes"])')" \
  "$(sed -n 's/.*data-points="\([0-9]*\)".*/\1/p' "$WORK/dom.html" | head -1)"
check_eq "the chart's revenue adds up to the API's" \
  "$(api "$WORK/minutes.json" '"%.2f" % sum(float(m["revenue"]) for m in d["minutes"])')" \
  "$(sed -n 's/.*data-revenue-total="\([0-9.]*\)".*/\1/p' "$WORK/dom.html" | head -1)"
check_eq "the product bars are the API's revenue, in order" \
  "$(api "$WORK/products.json" '" ".join(p["revenue"] for p in d["products"])')" \
  "$(grep -o 'id="bars-products".*id="bars-cities"' "$WORK/dom.html" | grep -o 'class="bar" data-value="[^"]*"' |
    sed 's/.*data-value="\([^"]*\)"/\1/' | tr '\n' ' ' | sed 's/ $//')"
check_eq "every out-of-stock product is highlighted" \
  "$(api "$WORK/stock.json" 'sum(1 for p in d["products"] if p["out_of_stock"])')" \
  "$(grep -o '<tr class="out">' "$WORK/dom.html" | wc -l)"
check_eq "the customers table has the API's rows" "$(api "$WORK/customers.json" 'len(d["customers"])')" \
  "$(grep -o 'id="customers".*id="stock"' "$WORK/dom.html" | grep -o '<tr><td' | wc -l)"
check_eq "the pipeline panel has the five stages" 5 "$(grep -o 'data-stage="' "$WORK/dom.html" | wc -l)"
check "the stalled sink is red and named" bash -c \
  "grep -q '<tr data-stage=\"sink\" class=\"bad\">' '$WORK/dom.html' && grep -q 'id=\"pipeline-alert\"[^>]*>sink stalled' '$WORK/dom.html'"
check "the status line says it updated (no failed fetch)" grep -q 'class="status">updated' "$WORK/dom.html"
for f in dom shot; do
  check "no console error while loading ($f)" bash -c "! grep -E 'Uncaught|ERROR:CONSOLE|console.*(error|Error)|Refused to' '$WORK/$f.log'"
done

check_stop "SIGTERM: the server stops cleanly" "$FAKE_PID"
tap_finish
