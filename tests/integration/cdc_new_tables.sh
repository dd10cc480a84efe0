#!/usr/bin/env bash
# bridge cdc on a database with no tables yet, as Debezium takes it: it
# starts and streams (no "has no tables" exit), and a table created later
# gets what a table there at the start gets: its topic when its CREATE TABLE
# comes, before any row, with cdc.topic.partitions; its column names and key
# from the TABLE_MAP, or from information_schema when binlog_row_metadata is
# not FULL (ENUM names too); none if excluded. Each table's history matches
# MySQL (cdc_check.py), through a restart that finds a table created while
# cdc was down; a second cdc started afterwards snapshots the tables there
# are then. An include list naming tables not created yet waits for them; a
# database that does not exist is still an error. Only the processes it
# starts (and the test lab's) are stopped or looked at.
# lab: mysql onprem
# time limit: 300
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. "$LAB_RUN_DIR/lab.env"

BIN=${BRIDGELAB_BIN:-bin}
BRIDGE=$BIN/bridge
PROPS=$LAB_RUN_DIR/bridge.properties
tests_work_dir cdc_new_tables
DB=cdc_fresh
DB2=cdc_fresh_include
# The cdc names (and so topics and stored positions) of this run: a second
# run on the same lab starts from nothing too.
R=n$(date +%s)
E1=${R}e1 E2=${R}e2 E3=${R}e3 E4=${R}e4

root_sql() { mariadb --defaults-file="$MYSQL_ROOT_CNF" -N -B -e "$1"; }
sql() { mariadb --defaults-file="$MYSQL_ROOT_CNF" -N -B "$DB" -e "$1"; }
# cdc_bg DC [args]: a cdc of $DB writing to topics <DC>_<table>; its pid in $BG_PID.
cdc_bg() {
  local dc=$1
  shift
  bg_start "$WORK/$dc.log" "$BRIDGE" cdc -F "$PROPS" -X dc="$dc" -X mysql.database="$DB" \
    -X cdc.http.listen="$CDC_HTTP" "$@"
}
metric() { curl -s "http://$CDC_HTTP/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
position() { curl -s "http://$CDC_HTTP/metrics" | sed -n 's/^bridgelab_cdc_position_info{gtid="\(.*\)"} 1$/\1/p'; }
streaming() {
  local i
  for i in $(seq 600); do
    curl -sf "http://$CDC_HTTP/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}
# Waits until the cdc's committed position is the binlog head: every event
# written so far (DDL included) has been handled.
caught_up() {
  local i head
  for i in $(seq 1200); do
    head=$(root_sql 'SELECT @@gtid_binlog_pos')
    [ -n "$head" ] && [ "$(position)" = "$head" ] && return 0
    sleep 0.1
  done
  diag "not caught up: cdc at '$(position)', head '$head'"
  return 1
}
topics() { kcat -L -b "$ONPREM_BOOTSTRAP" >"$WORK/topics" 2>&1 && cat "$WORK/topics"; }
# has_topic NAME PARTITIONS
has_topic() { topics | grep -q "topic \"$1\" with $2 partitions"; }
no_topic() { ! topics | grep -q "topic \"$1\""; }
consume() { kcat -C -b "$ONPREM_BOOTSTRAP" -t "$1" -e -q -X isolation.level=read_committed -f '%k %s\n'; }
# topic_has TOPIC PATTERN: a "key value" line of the topic matches (grep -E).
topic_has() { consume "$1" | grep -qE -- "$2"; }
# check_history WHAT DC TABLE...: the checker on the DC's topics of $DB.
check_history() {
  local what=$1 dc=$2
  shift 2
  if python3 tests/integration/cdc_check.py --database "$DB" "$ONPREM_BOOTSTRAP" "$MYSQL_ROOT_CNF" "$dc" "$@" \
    >"$WORK/check-$dc" 2>&1; then
    ok "$what ($(tail -1 "$WORK/check-$dc"))"
  else
    not_ok "$what"
    tail -5 "$WORK/check-$dc" | sed 's/^/# /'
  fi
}

root_sql "DROP DATABASE IF EXISTS $DB; DROP DATABASE IF EXISTS $DB2; CREATE DATABASE $DB CHARACTER SET utf8mb4"
at_exit "root_sql 'SET GLOBAL binlog_row_metadata=FULL; DROP DATABASE IF EXISTS $DB; DROP DATABASE IF EXISTS $DB2'"

# --- an empty database: cdc starts and streams --------------------------------
cdc_bg "$E1" -X cdc.topic.partitions=3 --exclude skipped
pid=$BG_PID
check "e1: on a database with no tables, cdc streams (/healthz ok)" streaming
check "e1: it says the database has no tables yet, and goes on" grep -q "database '$DB' has no tables yet" "$WORK/$E1.log"
check "e1: its snapshot of no tables is committed" grep -q "snapshot committed: 0 rows" "$WORK/$E1.log"
sleep 1
check "e1: still running" running "$pid"
check "e1: no topic yet" no_topic "${E1}_items"

# --- tables created while it streams ------------------------------------------
sql "CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(40), price DECIMAL(8,2), tags SET('a','b','c'),
  state ENUM('new','old'))"
sql "CREATE TABLE skipped (id INT PRIMARY KEY)"
check "e1: caught up after the CREATE TABLEs" caught_up
check "e1: a created table's topic is made at its CREATE TABLE, before any row, with cdc.topic.partitions=3" \
  has_topic "${E1}_items" 3
check "e1: ... and its CREATE TABLE is in the schema history" bash -c \
  "kcat -C -b $ONPREM_BOOTSTRAP -t _bridgelab_cdc_schema_history -e -q | grep -q 'CREATE TABLE items'"
sql "INSERT INTO items VALUES (1, 'one', 1.50, 'a,c', 'new'), (2, 'two', 2.50, '', 'old'), (3, 'three', NULL, NULL, NULL)"
sql "UPDATE items SET price = price + 1 WHERE id <= 2"
sql "DELETE FROM items WHERE id = 3"
sql "UPDATE items SET id = 10 WHERE id = 1"
sql "INSERT INTO skipped VALUES (1)"
check "e1: caught up after the rows" caught_up
check "e1: no topic for an excluded table created later, rows or not" no_topic "${E1}_skipped"
consume "${E1}_items" >"$WORK/${E1}_items"
check "e1: the new table's rows: key, names, ENUM and SET from the TABLE_MAP" grep -q \
  '^{"id":1} {"before":null,"after":{"id":1,"name":"one","price":"1.50","tags":"a,c","state":"new"}' "$WORK/${E1}_items"
check "e1: the multi-row insert's rows numbered 0, 1, 2 in source.row" python3 -c '
import json, sys
rows = [json.loads(l.split(" ", 1)[1]) for l in open(sys.argv[1]) if l.split(" ", 1)[1].startswith("{")]
got = sorted(e["source"]["row"] for e in rows if e["op"] == "c" and e["after"]["id"] in (1, 2, 3))
sys.exit(0 if got == [0, 1, 2] else f"rows {got}")' "$WORK/${E1}_items"

# binlog_row_metadata=MINIMAL: a new table's names, key and ENUM names come
# from information_schema, as a table's there at the start do.
root_sql "SET GLOBAL binlog_row_metadata=MINIMAL"
sql "CREATE TABLE later_minimal (code VARCHAR(8) PRIMARY KEY, qty INT, state ENUM('on','off'))"
sql "INSERT INTO later_minimal VALUES ('A', 1, 'off'), ('B', 2, 'on')"
root_sql "SET GLOBAL binlog_row_metadata=FULL"
check "e1: caught up after a table made under binlog_row_metadata=MINIMAL" caught_up
check "e1: ... its topic with cdc.topic.partitions=3" has_topic "${E1}_later_minimal" 3
check "e1: ... its names, key and ENUM names from information_schema" bash -c \
  "kcat -C -b $ONPREM_BOOTSTRAP -t ${E1}_later_minimal -e -q -f '%k %s\n' -X isolation.level=read_committed |
   grep -q '^{\"code\":\"A\"} {\"before\":null,\"after\":{\"code\":\"A\",\"qty\":1,\"state\":\"off\"}'"
check "e1: ... it said where the names came from" grep -q "$DB.later_minimal: column names from information_schema" \
  "$WORK/$E1.log"
check_stop "e1: SIGTERM: exit 0" "$pid"
check_history "e1: the created tables' histories match MySQL" "$E1" items later_minimal

# --- a restart: a table created while cdc was down ----------------------------
sql "CREATE TABLE while_down (id INT PRIMARY KEY, v INT); INSERT INTO while_down VALUES (1, 1), (2, 4)"
cdc_bg "$E1" -X cdc.topic.partitions=3 --exclude skipped
pid=$BG_PID
check "e1 again: streaming" streaming
sql "INSERT INTO items VALUES (4, 'four', 4.00, 'b', 'new'); UPDATE while_down SET v = 9 WHERE id = 2"
check "e1 again: caught up" caught_up
check "e1 again: a table created while cdc was down: its topic" has_topic "${E1}_while_down" 3
check_stop "e1 again: SIGTERM: exit 0" "$pid"
check_history "e1 again: every history still matches MySQL, nothing twice" "$E1" items later_minimal while_down

# --- a new cdc now: the tables there are get snapshotted ----------------------
cdc_bg "$E2" -X cdc.topic.partitions=2 --exclude skipped
pid=$BG_PID
check "e2: caught up" caught_up
check_stop "e2: SIGTERM: exit 0" "$pid"
check "e2: the snapshot read the tables there are" bash -c \
  "grep -q 'snapshot: items: 3 rows' '$WORK/$E2.log' && grep -q 'snapshot: while_down: 2 rows' '$WORK/$E2.log'"
check "e2: ... and made their topics (cdc.topic.partitions=2)" has_topic "${E2}_while_down" 2
check_history "e2: snapshot histories match MySQL" "$E2" items later_minimal while_down
check "e2: snapshot reads carry source.row 0" topic_has "${E2}_items" '"snapshot":"true".*"row":0,'
check "e2: ... and no other row" bash -c "! kcat -C -b $ONPREM_BOOTSTRAP -t ${E2}_items -e -q | grep -qv '\"row\":0,'"

# --- an include list on an empty database waits for its tables ---------------
root_sql "CREATE DATABASE $DB2"
bg_start "$WORK/$E3.log" "$BRIDGE" cdc -F "$PROPS" -X dc="$E3" -X mysql.database="$DB2" -X cdc.tables.include=wanted \
  -X cdc.http.listen="$CDC_HTTP"
pid=$BG_PID
check "e3: an include list naming a table not created yet: cdc streams" streaming
check "e3: it says the list is not checked against an empty database" grep -q "cdc.tables.include is not checked" \
  "$WORK/$E3.log"
# Run with no default database: the statement names the database.
root_sql "CREATE TABLE $DB2.wanted (id INT PRIMARY KEY); CREATE TABLE $DB2.other (id INT PRIMARY KEY)"
check "e3: caught up after the CREATE TABLEs" caught_up
check "e3: the included table's topic, made at a CREATE TABLE run outside the database" has_topic "${E3}_wanted" 1
root_sql "INSERT INTO $DB2.wanted VALUES (7); INSERT INTO $DB2.other VALUES (8)"
check "e3: caught up after the rows" caught_up
check "e3: the included table's row" topic_has "${E3}_wanted" '^\{"id":7\} \{'

check "e3: no topic for the table not included" no_topic "${E3}_other"
check_stop "e3: SIGTERM: exit 0" "$pid"

# --- still errors -------------------------------------------------------------
check_ran "a database that does not exist: exit 1, says so" 1 "$WORK/nodb" \
  "database 'cdc_no_such_db' does not exist .*check mysql.database" \
  "$BRIDGE" cdc -F "$PROPS" -X dc="$E4" -X mysql.database=cdc_no_such_db -X cdc.http.listen=
check_ran "a database with tables: an include list naming none of them is still an error" 1 "$WORK/badinclude" \
  "'nosuch', which is not a table of '$DB'" \
  "$BRIDGE" cdc -F "$PROPS" -X dc="$E4" -X mysql.database="$DB" -X cdc.tables.include=items,nosuch -X cdc.http.listen=

tap_finish
