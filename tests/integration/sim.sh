#!/usr/bin/env bash
# The simulator against the real MariaDB of the test lab: what it reports is
# what the tables hold, orders are whole, the same seed gives the same orders,
# purchase orders refill stock, and it survives kill -9, SIGTERM and a MySQL
# restart without a half-written order. Only the processes it starts are
# stopped or looked at.
# lab: mysql
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. "$LAB_RUN_DIR/lab.env"

SIM=${BRIDGELAB_BIN:-bin}/sim
PROPS=$LAB_RUN_DIR/sim.properties
tests_work_dir sim

sql() { mariadb --defaults-file="$LAB_RUN_DIR/mysql/root.cnf" -N -B orders -e "$1"; }
reseed() { ./lab seed >/dev/null; }
sim() { "$SIM" -F "$PROPS" "$@"; }
# sim_bg LOG [args]: a sim in the background, output to LOG; its pid in $BG_PID.
sim_bg() {
  local log=$1
  shift
  bg_start "$log" "$SIM" -F "$PROPS" "$@"
}
orders_written() { sql 'SELECT IFNULL(MAX(id), 0) FROM sales_orders'; }
created_ids() { sed -n 's/^Sales Order \([0-9]*\) Created$/\1/p' "$1" | sort -n; }
half_orders() {
  sql "SELECT (SELECT COUNT(*) FROM sales_orders o WHERE NOT EXISTS
                 (SELECT 1 FROM sales_order_details d WHERE d.sales_order_id = o.id))
            + (SELECT COUNT(*) FROM purchase_orders p WHERE NOT EXISTS
                 (SELECT 1 FROM purchase_order_details d WHERE d.purchase_order_id = p.id))"
}
min_stock() {
  sql "SELECT MIN(IFNULL(b.q, 0) - IFNULL(s.q, 0)) FROM products p
         LEFT JOIN (SELECT product_id, SUM(quantity) q FROM purchase_order_details GROUP BY product_id) b ON b.product_id = p.id
         LEFT JOIN (SELECT product_id, SUM(quantity) q FROM sales_order_details GROUP BY product_id) s ON s.product_id = p.id"
}
dump_orders() {
  sql "SELECT o.id, o.customer_id, d.id, d.product_id, d.quantity, d.price FROM sales_orders o
         JOIN sales_order_details d ON d.sales_order_id = o.id ORDER BY o.id, d.id"
}
reported_revenue() { sed -n 's/.* done: .*revenue \([0-9.-]*\);.*/\1/p' "$1"; }

# --- 500 orders: the tables hold exactly what it reported ---------------------
reseed
sim --orders 500 --seed 7 --rate 0 >"$WORK/a.out" 2>"$WORK/a.err"
check_eq "sim --orders 500 --seed 7 exits 0" 0 $?
check_eq "it reports 500 sales orders" 500 "$(created_ids "$WORK/a.out" | wc -l)"
check_eq "sales_orders holds 500 rows" 500 "$(sql 'SELECT COUNT(*) FROM sales_orders')"
sql "SELECT id FROM sales_orders ORDER BY id" >"$WORK/db-ids"
check "the ids in the table are the ids it reported" diff -q "$WORK/db-ids" <(created_ids "$WORK/a.out")
check_eq "every order has 1 to 5 lines" 0 "$(sql "SELECT COUNT(*) FROM (SELECT o.id, COUNT(d.id) n FROM sales_orders o
  LEFT JOIN sales_order_details d ON d.sales_order_id = o.id GROUP BY o.id HAVING n < 1 OR n > 5) x")"
check_eq "every line references a real order and product" 0 "$(sql "SELECT COUNT(*) FROM sales_order_details d
  LEFT JOIN sales_orders o ON o.id = d.sales_order_id LEFT JOIN products p ON p.id = d.product_id
  WHERE o.id IS NULL OR p.id IS NULL")"
check_eq "every order references a real customer" 0 "$(sql "SELECT COUNT(*) FROM sales_orders o
  LEFT JOIN customers c ON c.id = o.customer_id WHERE c.id IS NULL")"
check_eq "no product twice in one order" 0 "$(sql "SELECT COUNT(*) FROM (SELECT sales_order_id, product_id
  FROM sales_order_details GROUP BY 1, 2 HAVING COUNT(*) > 1) x")"
check_eq "quantities are 1 to 10" 0 "$(sql 'SELECT COUNT(*) FROM sales_order_details WHERE quantity NOT BETWEEN 1 AND 10')"
check_eq "line prices are the product prices" 0 "$(sql "SELECT COUNT(*) FROM sales_order_details d
  JOIN products p ON p.id = d.product_id WHERE d.price <> p.price")"
check_eq "the revenue it reported is the sum of the lines" "$(sql 'SELECT SUM(quantity * price) FROM sales_order_details')" \
  "$(reported_revenue "$WORK/a.err")"
pos=$(grep -c '^Purchase Order .* Created$' "$WORK/a.out")
check_eq "purchase orders reported are in the table" $((pos + 1)) "$(sql 'SELECT COUNT(*) FROM purchase_orders')"
check_eq "an out-of-stock event for each purchase line" "$(sql 'SELECT COUNT(*) FROM purchase_order_details WHERE purchase_order_id > 1')" \
  "$(sql 'SELECT COUNT(*) FROM dc01_out_of_stock_events')"
check_eq "no half-written order" 0 "$(half_orders)"
check "a summary line every few seconds or at the end names orders/s" grep -q 'orders/s' "$WORK/a.err"

# --- the same seed gives the same orders --------------------------------------
dump_orders >"$WORK/seed7-a"
reseed
sim --orders 500 --seed 7 --rate 0 --quiet >"$WORK/b.out" 2>"$WORK/b.err"
dump_orders >"$WORK/seed7-b"
check "the same seed gives the same orders, line by line" diff -q "$WORK/seed7-a" "$WORK/seed7-b"
check "--quiet prints no order lines" test ! -s "$WORK/b.out"
reseed
sim --orders 500 --seed 8 --rate 0 --quiet >/dev/null 2>&1
dump_orders >"$WORK/seed8"
check "another seed gives other orders" bash -c "! diff -q '$WORK/seed7-a' '$WORK/seed8' >/dev/null"

# --- purchase orders refill stock ---------------------------------------------
reseed
sim --orders 4000 --rate 0 --threads 2 --quiet >/dev/null 2>"$WORK/c.err"
check_eq "4000 orders on 2 threads exit 0" 0 $?
check_eq "4000 orders written" 4000 "$(sql 'SELECT COUNT(*) FROM sales_orders')"
check "stock ends at or above the reorder point for every product" test "$(min_stock)" -ge 0
check "purchase orders were raised" test "$(sql 'SELECT COUNT(*) FROM purchase_orders')" -gt 1
check_eq "each out-of-stock event was at or below the reorder point" 0 \
  "$(sql 'SELECT COUNT(*) FROM dc01_out_of_stock_events WHERE stock_level > 0')"
check_eq "each purchase buys -stock + demand, at least 50" 0 "$(sql "SELECT COUNT(*) FROM dc01_out_of_stock_events
  WHERE quantity_to_purchase <> GREATEST(50, -stock_level + demand_last_3mins)")"
check_eq "each event's quantity is what its purchase line bought" 0 "$(sql "SELECT COUNT(*) FROM dc01_out_of_stock_events e
  WHERE NOT EXISTS (SELECT 1 FROM purchase_order_details d WHERE d.product_id = e.product_id
                    AND d.quantity = e.quantity_to_purchase AND d.purchase_order_id > 1)")"
check "new customers were added" test "$(sql 'SELECT MAX(id) FROM customers')" -gt 30

# --- kill -9 mid-run, then restart: no half order, ids continue ---------------
# Each kill lands once orders are rising in MySQL (status 137 each).
reseed
crashes_ok=1
for round in 1 2 3; do
  sim_bg "$WORK/kill-$round.err" --rate 0 --threads 2 --quiet
  kill_mid_work "$BG_PID" orders_written
  [ "$(half_orders)" = 0 ] || crashes_ok=0
done
check_kills "3 kill -9s landed while the sim was writing orders" 3
check "after 3 kill -9s no order is half-written" test "$crashes_ok" = 1
before=$(sql 'SELECT MAX(id) FROM sales_orders')
check "orders were written before the kills" test "${before:-0}" -gt 0
sim --orders 100 --seed 9 --rate 0 >"$WORK/d.out" 2>"$WORK/d.err"
check_eq "restarted sim exits 0" 0 $?
check_eq "ids continue after the largest" $((before + 1)) "$(created_ids "$WORK/d.out" | head -1)"
check_eq "100 more orders" $((before + 100)) "$(sql 'SELECT MAX(id) FROM sales_orders')"
check "stock is refilled after the restart" test "$(min_stock)" -ge 0

# --- SIGTERM finishes the order in flight and exits 0 -------------------------
reseed
bg_start "$WORK/e.err" bash -c 'exec "$0" -F "$1" --rate 50 >"$2"' "$SIM" "$PROPS" "$WORK/e.out"
pid=$BG_PID
check "SIGTERM: the sim is writing orders first" wait_working "$pid" orders_written
check_stop "SIGTERM: exit 0" "$pid"
check "SIGTERM: a final summary" grep -q 'stopped: ' "$WORK/e.err"
check_eq "SIGTERM: every order it reported is in the table" \
  "$(created_ids "$WORK/e.out" | wc -l)" "$(sql 'SELECT COUNT(*) FROM sales_orders')"

# --- pacing: --rate 20 --orders 30 takes at least 1.45 s ----------------------
start=$(date +%s%N)
sim --rate 20 --orders 30 --quiet >/dev/null 2>&1
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
check "--rate paces the orders (30 at 20/s took ${elapsed_ms} ms)" test "$elapsed_ms" -ge 1450

# --- MySQL stops and starts mid-run: the simulator carries on -----------------
reseed
bg_start "$WORK/f.err" bash -c 'exec "$0" -F "$1" --rate 100 --orders 500 >"$2"' "$SIM" "$PROPS" "$WORK/f.out"
pid=$BG_PID
check "MySQL restart: the sim is writing orders first" wait_working "$pid" orders_written
check "MySQL restart: ./lab down mysql" logged "$WORK/lab.log" ./lab down mysql
sleep 2
check "MySQL restart: ./lab up mysql" logged "$WORK/lab.log" ./lab up mysql
check_exit "MySQL restart: the sim finishes and exits 0" "$pid"
check "MySQL restart: it said it was retrying" grep -q 'retrying' "$WORK/f.err"
check_eq "MySQL restart: all 500 orders reported" 500 "$(created_ids "$WORK/f.out" | wc -l)"
check_eq "MySQL restart: all 500 orders in the table, none twice" 500 "$(sql 'SELECT COUNT(*) FROM sales_orders')"
check_eq "MySQL restart: no half order" 0 "$(half_orders)"

# --- cancellations and customer updates ---------------------------------------
reseed
sim --orders 300 --rate 0 --cancel-ratio 0.2 -X sim.customer.update.ratio=0.5 >"$WORK/g.out" 2>"$WORK/g.err"
check_eq "cancellations: exit 0" 0 $?
cancelled=$(grep -c '^Sales Order .* Cancelled$' "$WORK/g.out")
check "cancellations happened" test "$cancelled" -gt 0
check_eq "cancelled orders are gone from the table" $((300 - cancelled)) "$(sql 'SELECT COUNT(*) FROM sales_orders')"
check_eq "the revenue still matches after cancellations" "$(sql 'SELECT SUM(quantity * price) FROM sales_order_details')" \
  "$(reported_revenue "$WORK/g.err")"
check "customer updates were reported" grep -q '^Customer [0-9]* Updated$' "$WORK/g.out"

# --- bad input: one clear line, nothing written -------------------------------
printf 'mysql.port=%s\nsim.bogus=1\n' "$MYSQL_PORT" >"$WORK/bad.properties"
"$SIM" -F "$WORK/bad.properties" >/dev/null 2>"$WORK/h.err"
check_eq "unknown key: exit 2" 2 $?
check "unknown key: names the file, line and key" grep -q "bad.properties:2: unknown key 'sim.bogus'" "$WORK/h.err"
check_eq "unknown key: one line" 1 "$(wc -l <"$WORK/h.err")"
sim --password-file "$WORK/none" --orders 1 >/dev/null 2>"$WORK/i.err"
check_eq "missing password file: exit 2" 2 $?
check "missing password file: names it" grep -q "$WORK/none" "$WORK/i.err"
echo wrong >"$WORK/wrong"
timeout 20 "$SIM" -F "$PROPS" --password-file "$WORK/wrong" --orders 1 >/dev/null 2>"$WORK/j.err"
check_eq "wrong password: exit 1 at once, no retry loop" 1 $?
check "wrong password: says to check the password file" grep -q "mysql.password.file" "$WORK/j.err"
check "wrong password: the password is not in the log" bash -c "! grep -q wrong '$WORK/j.err'"
sim_bg "$WORK/first.err" --rate 0 --quiet
pid=$BG_PID
check "a first sim is writing orders" wait_working "$pid" orders_written
sim --orders 1 >/dev/null 2>"$WORK/k.err"
check_eq "a second sim on the same database: exit 1" 1 $?
check "a second sim: says one simulator per database" grep -q 'one simulator per database' "$WORK/k.err"
check_stop "the first sim: SIGTERM: exit 0" "$pid"
sim --rate abc >/dev/null 2>"$WORK/l.err"
check_eq "--rate abc: exit 2" 2 $?
check "--rate abc: names the option" grep -q -- "--rate: sim.rate: 'abc' is not a number" "$WORK/l.err"
"$SIM" --help >"$WORK/help" 2>&1
check_eq "--help exits 0" 0 $?
check "--help lists --rate and the keys" grep -q -- '--rate R' "$WORK/help"
check_ran "--password is not an option (passwords never on argv): exit 2, named" 2 "$WORK/password.err" \
  "unknown option '--password'|'--password'.*not an option|unrecognized option.*password" "$SIM" --password x

reseed
tap_finish
