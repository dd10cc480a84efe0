#!/usr/bin/env bash
# Integration suite for ./lab: brings up a whole lab of its own (own run
# folder, own ports, so a running demo is never touched), checks every
# service really works, then the failure paths, down, reset and up again.
# TAP output; cleans up in a trap whatever happens.
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$top" || exit 1
. tests/lib.sh

own_lab lab 23
RUN=$LAB_RUN_DIR
services=(mysql onprem cloud azurite)
blocker=

cleanup() {
  ./lab down >/dev/null 2>&1
  rm -rf "$RUN"
}
at_exit cleanup

t_start=$SECONDS

# A run folder left by an interrupted earlier run: stop its services first.
if [ -d "$RUN" ]; then
  ./lab reset >/dev/null 2>&1 || rm -rf "$RUN"
fi

for tool in kcat mariadb curl openssl python3; do
  command -v "$tool" >/dev/null || {
    diag "$tool is missing: run make deps"
    not_ok "tools present"
    tap_finish
    exit 1
  }
done

# ------------------------------------------------------------------ helpers
root_sql() { mariadb --defaults-file="$RUN/mysql/root.cnf" -N -B -e "$1" 2>&1; }

# sim_sql SQL: as the sim user, connected only from what sim.properties says.
sim_sql() {
  local cnf=$RUN/test-sim.cnf
  if [ ! -f "$cnf" ]; then
    local host port user pwfile db
    host=$(prop mysql.host) port=$(prop mysql.port) user=$(prop mysql.user)
    pwfile=$(prop mysql.password.file) db=$(prop mysql.database)
    (
      umask 077
      printf '[client]\nprotocol=TCP\nhost=%s\nport=%s\nuser=%s\npassword=%s\ndatabase=%s\n' \
        "$host" "$port" "$user" "$(<"$pwfile")" "$db" >"$cnf"
    )
  fi
  mariadb --defaults-file="$cnf" -N -B -e "$1" 2>&1
}
cdc_sql() { mariadb --defaults-file="$RUN/mysql/cdc.cnf" -N -B -e "$1" 2>&1; }

prop() { sed -n "s/^$1=//p" "$RUN/sim.properties"; }

# fails COMMAND...: succeeds when COMMAND fails; quiet: when it succeeds
fails() { ! "$@" >/dev/null 2>&1; }
quiet() { "$@" >/dev/null 2>&1; }

# binlog_events FILE: every event of every binlog, as text, into FILE;
# fails unless the server answered with some events.
binlog_events() {
  local f
  : >"$1"
  for f in $(mariadb --defaults-file="$RUN/mysql/root.cnf" -N -e 'SHOW BINARY LOGS' | cut -f1); do
    mariadb --defaults-file="$RUN/mysql/root.cnf" -N -e "SHOW BINLOG EVENTS IN '$f'" >>"$1" || return 1
  done
  [ -s "$1" ]
}
binlog_has_secret() {
  grep -qiE "IDENTIFIED|$(<"$RUN/secrets/mysql-sim.password")|$(<"$RUN/secrets/mysql-cdc.password")|$(<"$RUN/secrets/mysql-root.password")" "$1"
}

# pid_of SERVICE: the pid the pid file names ('' when none)
pid_of() { cat "$RUN/pids/$1.pid" 2>/dev/null; }

# alive PID: running, and not a zombie waiting for init to reap it
alive() {
  local st
  st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [ -n "$st" ] && [[ $st != Z* ]]
}

status_of() { ./lab status | awk -v s="$1" '$1 == s {print $NF}'; }

all_up() {
  local s
  for s in "${services[@]}"; do
    [ "$(status_of "$s")" = up ] || return 1
  done
}

mode_of() { stat -c %a "$1" 2>/dev/null; }

row_counts() {
  root_sql "SELECT CONCAT_WS('/',
    (SELECT COUNT(*) FROM orders.customers), (SELECT COUNT(*) FROM orders.suppliers),
    (SELECT COUNT(*) FROM orders.products), (SELECT COUNT(*) FROM orders.sales_orders),
    (SELECT COUNT(*) FROM orders.sales_order_details), (SELECT COUNT(*) FROM orders.purchase_orders),
    (SELECT COUNT(*) FROM orders.purchase_order_details))"
}
seeded_counts=30/30/30/0/0/1/30

# kafka_roundtrip BOOTSTRAP TOPIC: produce one unique message, read it back.
kafka_roundtrip() {
  local msg="hello-$2-$RANDOM"
  printf '%s\n' "$msg" | kcat -P -b "$1" -t "$2" 2>/dev/null || return 1
  [ "$(timeout 20 kcat -C -b "$1" -t "$2" -o beginning -e -q 2>/dev/null)" = "$msg" ]
}

# kafka_topics BOOTSTRAP: the cluster's topics; fails when kcat does, or
# when it lists none (each cluster here has at least its test topic).
kafka_topics() {
  local out
  out=$(timeout 20 kcat -L -b "$1" 2>/dev/null) || return 1
  out=$(sed -n 's/^  topic "\([^"]*\)".*/\1/p' <<<"$out")
  [ -n "$out" ] || return 1
  printf '%s\n' "$out"
}

# azurite_create_container NAME: a SharedKey-signed Create Container with the
# well-known dev account key; prints the HTTP status.
azurite_create_container() {
  local account=devstoreaccount1 name=$1 date sig
  local key=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==
  date=$(LC_ALL=C TZ=GMT date '+%a, %d %b %Y %H:%M:%S GMT')
  local sts
  sts=$(printf 'PUT\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:%s\nx-ms-version:2021-08-06\n/%s/%s/%s\nrestype:container' \
    "$date" "$account" "$account" "$name")
  sig=$(printf '%s' "$sts" | openssl dgst -sha256 -mac HMAC \
    -macopt "hexkey:$(printf '%s' "$key" | base64 -d | od -An -tx1 -v | tr -d ' \n')" -binary | base64)
  curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Length: 0' -H 'Content-Type:' \
    -H "x-ms-date: $date" -H 'x-ms-version: 2021-08-06' \
    -H "Authorization: SharedKey $account:$sig" \
    "$AZURITE_BLOB/$name?restype=container"
}

# ---------------------------------------------------------------- up, cold
t0=$SECONDS
out=$(./lab up 2>&1)
rc=$?
diag "cold ./lab up: $((SECONDS - t0))s"
check_eq "./lab up exits 0" 0 "$rc"
[ "$rc" -eq 0 ] || diag "$out"
check "up brings mysql, onprem, cloud, azurite up (status)" all_up
check_eq "status lists sim as down" down "$(status_of sim)"
check "status has a header and one row per service" \
  test "$(./lab status | wc -l)" -eq 11
check_eq "status shows addresses and pids" \
  "mysql 127.0.0.1:23307 $(pid_of mysql) up|onprem 127.0.0.1:23092 $(pid_of onprem) up|cloud 127.0.0.1:23192 $(pid_of cloud) up|azurite http://127.0.0.1:23000/devstoreaccount1 $(pid_of azurite) up|sim - - down|cdc http://127.0.0.1:23083/metrics - down|replicate http://127.0.0.1:23084/metrics - down|sink http://127.0.0.1:23085/metrics - down|pipeline http://127.0.0.1:23086/metrics - down|dashboard http://127.0.0.1:23080/ - down" \
  "$(./lab status | awk 'NR > 1 {print $1, $2, $3, $4}' | paste -sd'|')"
check "logs shows the service's log" grep -q 'ready for connections' <<<"$(./lab logs mysql)"
check "help exits 0" quiet ./lab help

# ------------------------------------------------------------ up, idempotent
declare -A pid_before=()
for s in "${services[@]}"; do pid_before[$s]=$(pid_of "$s"); done
t0=$SECONDS
out=$(./lab up 2>&1)
rc=$?
diag "warm ./lab up: $((SECONDS - t0))s"
check_eq "second up exits 0" 0 "$rc"
check_eq "second up says 'already up' for each service" 4 "$(grep -c 'already up' <<<"$out")"
same=yes
for s in "${services[@]}"; do [ "${pid_before[$s]}" = "$(pid_of "$s")" ] || same=no; done
check_eq "second up keeps the same processes" yes "$same"

# ----------------------------------------------------------------- run folder
# shellcheck disable=SC1091
. "$RUN/lab.env"
check_eq "lab.env: MYSQL_PORT" 23307 "${MYSQL_PORT:-}"
check_eq "lab.env: ONPREM_BOOTSTRAP" 127.0.0.1:23092 "${ONPREM_BOOTSTRAP:-}"
check_eq "lab.env: CLOUD_BOOTSTRAP" 127.0.0.1:23192 "${CLOUD_BOOTSTRAP:-}"
check_eq "lab.env: AZURITE_BLOB" http://127.0.0.1:23000/devstoreaccount1 "${AZURITE_BLOB:-}"
check_eq "lab.env: RUN" "$RUN" "${RUN:-}"
check_eq "lab.env: AZURITE_KEY_FILE" "$RUN/secrets/azurite.key" "${AZURITE_KEY_FILE:-}"
check_eq "secrets/azurite.key is mode 0600" 600 "$(mode_of "$RUN/secrets/azurite.key")"
check "secrets/azurite.key holds Azurite's well-known key" \
  grep -qx 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==' \
  "$RUN/secrets/azurite.key"

check_eq "sim.properties has exactly the six keys" \
  "dc mysql.database mysql.host mysql.password.file mysql.port mysql.user" \
  "$(grep -v '^#' "$RUN/sim.properties" | cut -d= -f1 | sort | tr '\n' ' ' | sed 's/ $//')"
check_eq "sim.properties: dc" dc01 "$(prop dc)"
check_eq "sim.properties: mysql.host" 127.0.0.1 "$(prop mysql.host)"
check_eq "sim.properties: mysql.port" 23307 "$(prop mysql.port)"
check_eq "sim.properties: mysql.user" sim "$(prop mysql.user)"
check_eq "sim.properties: mysql.password.file" "$RUN/secrets/mysql-sim.password" "$(prop mysql.password.file)"
check_eq "sim.properties: mysql.database" orders "$(prop mysql.database)"
for f in mysql-root mysql-sim mysql-cdc; do
  check_eq "secrets/$f.password is mode 0600" 600 "$(mode_of "$RUN/secrets/$f.password")"
  check "secrets/$f.password is 24 alphanumeric characters" \
    grep -qxE '[A-Za-z0-9]{24}' "$RUN/secrets/$f.password"
done
check_eq "mysql/root.cnf is mode 0600" 600 "$(mode_of "$RUN/mysql/root.cnf")"
check "the socket is at mysql/mysqld.sock" test -S "$RUN/mysql/mysqld.sock"
check "logs are in logs/<service>.log" test -s "$RUN/logs/mysql.log" -a -s "$RUN/logs/onprem.log" \
  -a -s "$RUN/logs/cloud.log" -a -f "$RUN/logs/azurite.log"

# ---------------------------------------------------------------------- mysql
check_eq "orders has 8 tables" 8 \
  "$(root_sql "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'orders'")"
check_eq "seed row counts (customers/suppliers/products/so/sod/po/pod)" "$seeded_counts" "$(row_counts)"
check_eq "dc01_out_of_stock_events exists" 1 \
  "$(root_sql "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'orders' AND table_name = 'dc01_out_of_stock_events'")"
check_eq "purchase order 1 buys 100 of every product" 3000 \
  "$(root_sql 'SELECT SUM(quantity) FROM orders.purchase_order_details WHERE purchase_order_id = 1')"
check_eq "binlog settings" "binlog_format=ROW binlog_row_image=FULL binlog_row_metadata=FULL log_bin=ON server_id=1" \
  "$(root_sql "SHOW GLOBAL VARIABLES WHERE Variable_name IN
     ('log_bin', 'binlog_format', 'binlog_row_image', 'binlog_row_metadata', 'server_id')" |
    sort | tr '\t' '=' | tr '\n' ' ' | sed 's/ $//')"
check_eq "utf8mb4 server charset" utf8mb4 "$(root_sql 'SELECT @@character_set_server')"
check_eq "root is localhost-only" "localhost" "$(root_sql "SELECT GROUP_CONCAT(host) FROM mysql.user WHERE user = 'root'")"
check_eq "MySQL listens on 127.0.0.1 only" 127.0.0.1 "$(root_sql 'SELECT @@bind_address')"
binlog_text=$(mktemp)
check "the binlog's events can be read (SHOW BINLOG EVENTS)" binlog_events "$binlog_text"
check "the binlog holds the seed's statements" grep -q 'INSERT INTO' "$binlog_text"
check "no password in the binlog" fails binlog_has_secret "$binlog_text"
rm -f "$binlog_text"

check_eq "sim (from sim.properties) logs in over TCP" "sim@127.0.0.1" "$(sim_sql 'SELECT CURRENT_USER()')"
check "sim can INSERT into orders" \
  sim_sql "INSERT INTO sales_orders (id, order_date, customer_id) VALUES (1, NOW(), 1)"
check "sim cannot DROP a table" fails sim_sql 'DROP TABLE customers'
check "sim cannot DROP the database" fails sim_sql 'DROP DATABASE orders'
check "sim cannot CREATE a table" fails sim_sql 'CREATE TABLE t (i INT)'
check "sim cannot read mysql.user" fails sim_sql 'SELECT * FROM mysql.user'
check_eq "sales_orders has the row sim inserted" 1 "$(root_sql 'SELECT COUNT(*) FROM orders.sales_orders')"

cdc_grants=$(cdc_sql 'SHOW GRANTS')
check "cdc has REPLICATION SLAVE" grep -q 'REPLICATION SLAVE' <<<"$cdc_grants"
check "cdc has BINLOG MONITOR (REPLICATION CLIENT)" grep -qE 'BINLOG MONITOR|REPLICATION CLIENT' <<<"$cdc_grants"
check "cdc has SELECT on *.*" grep -qE 'GRANT SELECT.* ON \*\.\*' <<<"$cdc_grants"
check "cdc can read the binlog position" grep -q '^binlog' <<<"$(cdc_sql 'SHOW MASTER STATUS')"

# ---------------------------------------------------------------------- kafka
check "onprem: produce and consume with kcat" kafka_roundtrip "$ONPREM_BOOTSTRAP" lab_test_onprem
check "cloud: produce and consume with kcat" kafka_roundtrip "$CLOUD_BOOTSTRAP" lab_test_cloud
onprem_topics=$(kafka_topics "$ONPREM_BOOTSTRAP")
check_eq "onprem lists its topics" 0 $?
cloud_topics=$(kafka_topics "$CLOUD_BOOTSTRAP")
check_eq "cloud lists its topics" 0 $?
check "onprem has its topic" grep -qx lab_test_onprem <<<"$onprem_topics"
check "cloud has its topic" grep -qx lab_test_cloud <<<"$cloud_topics"
check "the topic made on onprem is absent on cloud" fails grep -qx lab_test_onprem <<<"$cloud_topics"
check "the topic made on cloud is absent on onprem" fails grep -qx lab_test_cloud <<<"$onprem_topics"
check "the two clusters have different cluster ids" test "$(cat "$RUN/onprem/cluster.id")" != "$(cat "$RUN/cloud/cluster.id")"

# -------------------------------------------------------------------- azurite
check_eq "azurite answers on the blob port" 403 \
  "$(curl -s -o /dev/null -w '%{http_code}' "$AZURITE_BLOB?comp=list")"
check_eq "azurite creates a container (SharedKey, dev account)" 201 "$(azurite_create_container labtest)"

# ------------------------------------------------------------------------ seed
sim_sql "INSERT INTO customers (id, first_name) VALUES (1000, 'Extra')" >/dev/null
out=$(./lab seed 2>&1)
check_eq "./lab seed exits 0" 0 "$?"
check_eq "seed recreates the database (counts back to the seed)" "$seeded_counts" "$(row_counts)"

# ------------------------------------------------------ failures fail fast
./lab down azurite >/dev/null
bg_start /dev/null python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); time.sleep(300)' "$LAB_AZURITE_PORT"
blocker=$BG_PID
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$LAB_AZURITE_PORT") 2>/dev/null && break
  sleep 0.1
done
t0=$SECONDS
err=$(timeout 60 ./lab up 2>&1 >/dev/null)
rc=$?
check "up with azurite's port taken fails (exit $rc)" test "$rc" -ne 0 -a "$rc" -ne 124
check "... within 10 s" test $((SECONDS - t0)) -le 10
check_eq "... with one line" 1 "$(printf '%s\n' "$err" | grep -c .)"
check "... naming the service, the port and the log" \
  grep -qE "azurite: port $LAB_AZURITE_PORT is already in use.*$RUN/logs/azurite.log" <<<"$err"
diag "$err"
check_stop "the port's blocker stops on SIGTERM (143)" "$blocker" 143
blocker=

./lab down cloud >/dev/null
err=$(LAB_KAFKA_HEAP=1k timeout 60 ./lab up cloud 2>&1 >/dev/null)
rc=$?
check "a service that dies while starting fails up (exit $rc)" test "$rc" -ne 0 -a "$rc" -ne 124
check "... with one line naming it and its log" \
  test "$(printf '%s\n' "$err" | grep -c .)" -eq 1 -a -n "$(grep "cloud: exited while starting.*$RUN/logs/cloud.log" <<<"$err")"
diag "$err"
check_eq "... and leaves no pid file" "" "$(pid_of cloud)"

err=$(./lab up nosuchservice 2>&1)
check "an unknown service is refused" test $? -ne 0 -a -n "$(grep -F "unknown service 'nosuchservice'" <<<"$err")"

out=$(./lab up 2>&1)
check_eq "up after the failures works" 0 "$?"
check "... and all four are up again" all_up
check_eq "data survives down/up (the row sim inserted is gone only by seed)" "$seeded_counts" "$(row_counts)"
sim_sql "INSERT INTO sales_orders (id, order_date, customer_id) VALUES (2, NOW(), 2)" >/dev/null

# ----------------------------------------------------------------------- down
declare -A pid_up=()
for s in "${services[@]}"; do pid_up[$s]=$(pid_of "$s"); done
t0=$SECONDS
out=$(./lab down 2>&1)
rc=$?
diag "./lab down: $((SECONDS - t0))s"
check_eq "down exits 0" 0 "$rc"
check_eq "down stops in reverse order" "azurite cloud onprem mysql" \
  "$(sed -n 's/^\([a-z]*\): stopped.*/\1/p' <<<"$out" | tr '\n' ' ' | sed 's/ $//')"
alive_after=
for s in "${services[@]}"; do
  [ -z "${pid_up[$s]}" ] || ! alive "${pid_up[$s]}" || alive_after+="$s "
done
check_eq "down leaves none of the pids alive" "" "$alive_after"
check_eq "no process mentions the run folder (pgrep -f)" "" "$(pgrep -f "$RUN" | tr '\n' ' ')"
check "status shows all down" test "$(./lab status | awk 'NR > 1 && $NF == "down"' | wc -l)" -eq 10
check "no pid files remain" test -z "$(ls -A "$RUN/pids")"
out=$(./lab down 2>&1)
check_eq "a second down is a no-op" "0:" "$?:$out"

out=$(./lab up 2>&1)
check_eq "up after down works" 0 "$?"
check_eq "data survives down/up" 1 "$(root_sql 'SELECT COUNT(*) FROM orders.sales_orders WHERE id = 2')"
check "kafka topics survive down/up" grep -qx lab_test_onprem <<<"$(kafka_topics "$ONPREM_BOOTSTRAP")"

# ---------------------------------------------------------------------- reset
out=$(./lab reset 2>&1)
check_eq "reset exits 0" 0 "$?"
check "reset wipes the run folder" test ! -e "$RUN"
check_eq "reset leaves no process (pgrep -f)" "" "$(pgrep -f "$RUN" | tr '\n' ' ')"

t0=$SECONDS
out=$(./lab up 2>&1)
rc=$?
diag "./lab up after reset: $((SECONDS - t0))s"
check_eq "up after reset works" 0 "$rc"
check "... all four up" all_up
check_eq "... with fresh data" "$seeded_counts" "$(row_counts)"
check "... and fresh Kafka clusters" fails grep -qx lab_test_onprem <<<"$(kafka_topics "$ONPREM_BOOTSTRAP")"
check "... and new passwords that work" test "$(sim_sql 'SELECT 1')" = 1

diag "lab.sh ran in $((SECONDS - t_start))s"
tap_finish
