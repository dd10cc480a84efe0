#!/usr/bin/env bash
# Trainer mode: one room, one cloud. On one machine, on loopback, a trainer
# lab (`./lab up --role trainer`: cloud Kafka with the room's SCRAM listener,
# Azurite, sink, dashboard) and two attendee labs, dc01 and dc02 (`./lab up
# --role attendee`: MySQL, onprem Kafka, sim, cdc, replicate to the
# trainer's cloud), each on its own ports and run folder. Then: each dc's
# totals on the trainer's dashboard equal its own MySQL, and the room's
# total their sum; dc02's credentials cannot write (or read) dc01's topics;
# a wrong password, a missing option, a service of the other side each get
# one line.
# time limit: 600
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$top" || exit 1
. tests/lib.sh
tests_work_dir trainer

# as NAME NN COMMAND...: COMMAND in the environment of lab NAME (own_lab NN).
as() { (own_lab "$1" "$2" && shift 2 && "$@"); }
trainer() { as trainer 26 "$@"; }
dc01() { as dc01 27 "$@"; }
dc02() { as dc02 28 "$@"; }
ROOM=127.0.0.1:26194

cleanup() {
  local l
  for l in dc01 dc02 trainer; do "$l" ./lab reset >/dev/null 2>&1; done
}
at_exit cleanup
cleanup

# ------------------------------------------------------------ the trainer ---
check_ran "trainer: ./lab up --role trainer starts the shared side and the room's users" 0 "$WORK/trainer-up.out" \
  'room: 30 attendees \(dc01\.\.dc30\) on 127\.0\.0\.1:26194' trainer ./lab up --role trainer --listen 127.0.0.1
check_eq "  and every service of the shared side answers" 4 "$(grep -cE '^(cloud|azurite|sink|dashboard): up' "$WORK/trainer-up.out")"
check_ran "attendees: a password for each of dc01..dc30 and the command to run" 0 "$WORK/attendees.out" \
  "--role attendee --dc DC --cloud $ROOM --password-file FILE" trainer ./lab attendees
check_eq "  30 users listed" 30 "$(grep -cE '^dc[0-9][0-9]  [A-Za-z0-9]{24}$' "$WORK/attendees.out")"
awk '$1 == "dc01" {printf "%s", $2}' "$WORK/attendees.out" >"$WORK/dc01.password"
awk '$1 == "dc02" {printf "%s", $2}' "$WORK/attendees.out" >"$WORK/dc02.password"
chmod 600 "$WORK"/dc0?.password
check_ran "trainer: a service of the attendees' side is refused with one line" 1 "$WORK/trainer-mysql.out" \
  "mysql is not on the trainer's side \(cloud azurite sink dashboard\)" trainer ./lab up mysql

# ------------------------------------------------------------ the attendees ---
check_ran "attendee without --dc: one line" 1 "$WORK/no-dc.out" "--dc '' is not a data-centre code" \
  dc01 ./lab up --role attendee --cloud "$ROOM" --password-file "$WORK/dc01.password"
check_ran "attendee without a password: one line" 1 "$WORK/no-password.out" \
  'no password for the cloud cluster: give --password-file FILE, or set LAB_CLOUD_PASSWORD' \
  dc01 env -u LAB_CLOUD_PASSWORD ./lab up --role attendee --dc dc01 --cloud "$ROOM"
check_ran "dc01: ./lab up --role attendee (password from a file) starts its side" 0 "$WORK/dc01-up.out" \
  '^replicate: up' dc01 ./lab up --role attendee --dc dc01 --cloud "$ROOM" --password-file "$WORK/dc01.password"
LAB_CLOUD_PASSWORD=$(<"$WORK/dc02.password") check_ran "dc02: the same with the password from LAB_CLOUD_PASSWORD" 0 \
  "$WORK/dc02-up.out" '^replicate: up' dc02 ./lab up --role attendee --dc dc02 --cloud "$ROOM"
check_ran "dc02's run folder keeps its role: --role trainer there is refused" 1 "$WORK/dc02-trainer.out" \
  "run folder .* has role attendee: \\./lab reset first" dc02 ./lab up --role trainer
check_ran "dc01: status shows only its side" 0 "$WORK/dc01-status.out" '^replicate +http' dc01 ./lab status
check "  (no cloud, sink or dashboard there)" bash -c "! grep -qE '^(cloud|azurite|sink|dashboard) ' '$WORK/dc01-status.out'"

# the simulators write a while, then stop; the room's dashboard catches up
sleep 20
dc01 ./lab down sim >/dev/null
dc02 ./lab down sim >/dev/null

# mysql_totals: orders units lines revenue of one attendee's MySQL.
mysql_totals() {
  mariadb --defaults-file="$LAB_RUN_DIR/mysql/root.cnf" -N -B orders -e \
    'SELECT (SELECT COUNT(*) FROM sales_orders), (SELECT COALESCE(SUM(quantity), 0) FROM sales_order_details),
            (SELECT COUNT(*) FROM sales_order_details), (SELECT COALESCE(SUM(quantity * price), 0) FROM sales_order_details)' |
    tr '\t' ' '
}
# dashboard_totals [DC]: the same four from the trainer's /api/kpis.
dashboard_totals() {
  curl -s "http://127.0.0.1:26080/api/kpis${1:+?dc=$1}" |
    python3 -c 'import json, sys; k = json.load(sys.stdin); print(k["orders"], k["units"], k["lines"], k["revenue"])'
}
dc01_totals=$(dc01 mysql_totals)
dc02_totals=$(dc02 mysql_totals)
diag "MySQL dc01: $dc01_totals; dc02: $dc02_totals (orders units lines revenue)"
shows() { [ "$(dashboard_totals "$1")" = "$2" ]; }
WAIT_STEPS=1200 wait_for shows dc01 "$dc01_totals"
check_eq "the dashboard's dc01 totals equal dc01's MySQL" "$dc01_totals" "$(dashboard_totals dc01)"
WAIT_STEPS=600 wait_for shows dc02 "$dc02_totals"
check_eq "the dashboard's dc02 totals equal dc02's MySQL" "$dc02_totals" "$(dashboard_totals dc02)"
room_totals=$(awk -v a="$dc01_totals" -v b="$dc02_totals" 'BEGIN {
  split(a, x, " "); split(b, y, " "); printf "%d %d %d %.2f\n", x[1] + y[1], x[2] + y[2], x[3] + y[3], x[4] + y[4] }')
check_eq "the dashboard's room totals are their sum" "$room_totals" "$(dashboard_totals)"
check "dc01 has orders at all" test "${dc01_totals%% *}" -gt 0

# ------------------------------------------------------------------ ACLs ---
# kcat_as USER DC: a kcat config file for USER on the room's listener, with
# DC's password (from ./lab attendees).
kcat_as() {
  printf 'bootstrap.servers=%s\nsecurity.protocol=SASL_PLAINTEXT\nsasl.mechanisms=SCRAM-SHA-512\nsasl.username=%s\nsasl.password=%s\n' \
    "$ROOM" "$1" "$(<"$WORK/$2.password")" >"$WORK/$1.kcat"
  chmod 600 "$WORK/$1.kcat"
  printf '%s\n' "$WORK/$1.kcat"
}
dc02_conf=$(kcat_as dc02 dc02)
check_ran "dc02's user cannot write dc01's topic" 1 "$WORK/acl-write.out" 'Topic authorization failed' \
  bash -c "echo '{\"id\":0}' | timeout 60 kcat -F '$dc02_conf' -P -t dc01_sales_orders"
check_ran "dc02's user cannot read dc01's topic" 1 "$WORK/acl-read.out" 'Topic authorization failed|Not authorized' \
  timeout 60 kcat -F "$dc02_conf" -C -t dc01_sales_orders -o beginning -c 1 -e
check_ran "dc02's user sees its own topics" 0 "$WORK/acl-own.out" 'topic "dc02_sales_orders"' \
  timeout 60 kcat -F "$dc02_conf" -L -t dc02_sales_orders
check_eq "dc01's cloud topic holds only dc01's records (the dashboard's dc01 count is unchanged)" \
  "$dc01_totals" "$(dashboard_totals dc01)"
bad_conf=$(kcat_as dc01 dc02)
check_ran "dc01 with dc02's password: authentication fails" 1 "$WORK/acl-auth.out" 'Authentication failed|SASL authentication error' \
  timeout 60 kcat -F "$bad_conf" -L -t dc01_sales_orders
check_ran "replicate with a wrong password: one line naming the cluster and the property" 1 "$WORK/replicate-auth.out" \
  'cloud.*authentication failed.*sasl\.username / sasl\.password\.file' \
  dc01 timeout 120 bin/bridge replicate -F build/dc01-test-run/bridge.properties \
  -X cloud.kafka.sasl.password.file="$WORK/dc02.password" -X replicate.http.listen=127.0.0.1:27099

tap_finish
