# labs/chapters.bash: what each chapter of labs/ ends in, for ./lab.
#
# Sourced by ./lab (it uses the lab's settings and helpers: RUN, DC, the
# ports, service_pid, <service>_health, mysql_root). For each chapter N:
#   chapter_title_N      its title, as the chapter's heading says
#   chapter_points_N     calls `point` once per thing the chapter ends in
#   chapter_solve_N      brings the lab there from the end of chapter N-1
# and the commands built on them:
#   ./lab check N   one line per point, exit 0 only when all pass
#   ./lab hint N    the next thing to try for the first failing point
#   ./lab solve N   every chapter up to N whose points do not pass is solved,
#                   in order, then checked
#   ./lab verify    MySQL against each topic, each topic against its cloud
#                   copy, each cloud topic against the lake
#   ./lab lake ...  the lake's files (labs/lake.py, Microsoft's SDK)

LABS_FIRST=1
LABS_LAST=9
LABS_TABLES="customers suppliers products sales_orders sales_order_details purchase_orders purchase_order_details"
# The column chapter 9 adds while the pipeline runs.
LABS_NEW_COLUMN=loyalty_tier

# --------------------------------------------------------------- the points ---
# A point function returns 0 when it holds; otherwise it sets WHY (what is
# wrong), FIX (what to do, one short clause) and HINT (the next thing to try,
# a sentence or two) and returns 1. It may set SEEN (what it found) either way.
WHY='' FIX='' HINT='' SEEN=''
POINT_MODE=check # check: a line per point; quiet: none; hint: stops at the first failure
POINTS_PASSED=0
POINTS_FAILED=0
FIRST_HINT=''
FIRST_TITLE=''

# point TITLE FUNCTION ARGS...: runs one point and reports it.
point() {
  local title=$1
  shift
  WHY='' FIX='' HINT='' SEEN=''
  [ "$POINT_MODE" = hint ] && [ -n "$FIRST_HINT" ] && return 0
  if "$@"; then
    POINTS_PASSED=$((POINTS_PASSED + 1))
    [ "$POINT_MODE" != check ] || printf '  ok    %s%s\n' "$title" "${SEEN:+ ($SEEN)}"
  else
    POINTS_FAILED=$((POINTS_FAILED + 1))
    [ "$POINT_MODE" != check ] || printf '  FAIL  %s: %s; %s\n' "$title" "$WHY" "$FIX"
    if [ -z "$FIRST_HINT" ]; then
      FIRST_TITLE=$title
      FIRST_HINT=${HINT:-$FIX}
    fi
  fi
}

# fails WHY FIX [HINT]: sets the three and returns 1.
fails() {
  WHY=$1 FIX=$2 HINT=${3:-}
  return 1
}

# run_points N MODE: the chapter's points in MODE; 0 when all pass.
run_points() {
  POINT_MODE=$2 POINTS_PASSED=0 POINTS_FAILED=0 FIRST_HINT='' FIRST_TITLE=''
  "chapter_points_$1"
  [ "$POINTS_FAILED" -eq 0 ]
}

# ----------------------------------------------------------- the readers ---
lab_sql() { mysql_root --connect-timeout=3 -N -B orders -e "$1" 2>/dev/null; }
onprem_servers() { printf '127.0.0.1:%s\n' "$ONPREM_PORT"; }
cloud_servers() { printf '127.0.0.1:%s\n' "$CLOUD_PORT"; }

# topics_on SERVERS: the cluster's topic names, one a line.
topics_on() {
  timeout 20 kcat -L -b "$1" -m 5 2>/dev/null | sed -n 's/^  topic "\([^"]*\)".*/\1/p'
}

# topic_values SERVERS TOPIC: every committed value, one a line.
topic_values() {
  timeout 30 kcat -C -b "$1" -t "$2" -o beginning -e -q -X isolation.level=read_committed \
    -f '%s\n' 2>/dev/null
}

topic_count() { topic_values "$1" "$2" | grep -c . || true; }

# metric URL NAME: the sum of a metric's samples on a stage's /metrics.
metric() {
  curl -s --max-time 5 "$1" 2>/dev/null |
    awk -v n="$2" '$1 == n || index($1, n "{") == 1 {s += $2; f = 1} END {if (f) print s; else exit 1}'
}

dashboard_api() { curl -s --max-time 5 "http://127.0.0.1:$DASHBOARD_PORT/api/$1" 2>/dev/null; }

# json_field FIELD: reads a JSON object on stdin, prints one top-level field.
json_field() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1" 2>/dev/null; }

lake() { "$VENV_PYTHON" "$TOP/labs/lake.py" --url "$(azurite_addr)/lake" --key-file "$RUN/secrets/azurite.key" "$@"; }

# ----------------------------------------------------- points shared by many ---
p_service() {
  local svc=$1
  if ! service_pid "$svc" >/dev/null 2>&1; then
    fails "$svc is not running" "./lab up $svc" \
      "Start it with ./lab up $svc; if that fails, the line it prints names the log to read (./lab logs $svc)."
    return
  fi
  "${svc}_health" || fails "$svc runs but does not answer" "./lab logs $svc, then ./lab down $svc && ./lab up $svc" \
    "Read the end of its log with ./lab logs $svc: the last error says why it does not answer."
}

# p_topics SERVERS CLUSTER: a topic per table of orders on the cluster.
p_topics() {
  local have t n=0 missing=''
  have=$(topics_on "$1")
  for t in $LABS_TABLES; do
    if grep -qx "${DC}_$t" <<<"$have"; then n=$((n + 1)); else missing+=" ${DC}_$t"; fi
  done
  SEEN="$n of 7"
  [ -z "$missing" ] || fails "missing on $2:$missing" "wait a few seconds and check again" \
    "The topics appear once the stage has sent a first record; if they stay missing, read ./lab logs $3."
}

# ------------------------------------------------------------- chapter 1 ---
chapter_title_1() { echo "Start the lab and check it"; }
chapter_points_1() {
  point "mysql answers on $(mysql_addr)" p_service mysql
  point "onprem answers on 127.0.0.1:$ONPREM_PORT" p_service onprem
  point "cloud answers on 127.0.0.1:$CLOUD_PORT" p_service cloud
  point "azurite answers on $(azurite_addr)" p_service azurite
}
chapter_solve_1() { "$TOP/lab" up; }

# ------------------------------------------------------------- chapter 2 ---
chapter_title_2() { echo "The order application and its database"; }
p_tables() {
  local n
  n=$(lab_sql 'SHOW TABLES' | grep -c . || true)
  [ "$n" -eq 8 ] || fails "orders has $n tables, not 8" "./lab seed" \
    "The database is made by ./lab up mysql on first start; ./lab seed makes it again from sql/."
}
p_seed_rows() {
  local counts
  counts=$(lab_sql "SELECT (SELECT COUNT(*) FROM customers WHERE id <= 30), (SELECT COUNT(*) FROM suppliers),
    (SELECT COUNT(*) FROM products), (SELECT COUNT(*) FROM purchase_order_details WHERE purchase_order_id = 1)" | tr '\t' /)
  SEEN="customers/suppliers/products/PO 1 lines $counts"
  [ "$counts" = 30/30/30/30 ] || fails "found $counts" "./lab seed (it drops what the simulator wrote)" \
    "Customers 1-30, 30 suppliers, 30 products and purchase order 1's 30 lines come from sql/seed.sql."
}
p_sales_orders() {
  local n
  n=$(lab_sql 'SELECT COUNT(*) FROM sales_orders')
  SEEN="${n:-0} so far"
  [ "${n:-0}" -gt 0 ] || fails "no sales order yet" "./lab up sim, then wait a few seconds" \
    "The simulator writes one order a second; ./lab logs sim shows 'Sales Order N Created' lines."
}
chapter_points_2() {
  point "the orders database has its 8 tables" p_tables
  point "the seed rows are there" p_seed_rows
  point "the simulator runs" p_service sim
  point "sales orders are being written" p_sales_orders
}
chapter_solve_2() {
  run_points 2 quiet && return 0
  p_tables && p_seed_rows || "$TOP/lab" seed
  "$TOP/lab" up sim
  labs_wait 30 p_sales_orders
}

# ------------------------------------------------------------- chapter 3 ---
chapter_title_3() { echo "Stream database changes to the on-prem cluster"; }
p_snapshot() {
  local n
  n=$(topic_count "$(onprem_servers)" "${DC}_products")
  SEEN="$n events in ${DC}_products"
  [ "$n" -ge 30 ] || fails "${DC}_products holds $n events, not the 30 products' snapshot" \
    "wait a few seconds, or read ./lab logs cdc" "cdc reads each table once when it first starts (op r), then the binlog."
}
p_streamed() {
  local n
  n=$(topic_values "$(onprem_servers)" "${DC}_sales_orders" | grep -c '"op":"c"' || true)
  SEEN="$n created orders in ${DC}_sales_orders"
  [ "$n" -gt 0 ] || fails "no streamed order in ${DC}_sales_orders" "./lab up sim (cdc streams what it writes)" \
    "Streamed changes have op c (insert), u (update) or d (delete); the simulator makes them."
}
chapter_points_3() {
  point "bridge cdc runs and answers" p_service cdc
  point "a topic per table on onprem" p_topics "$(onprem_servers)" onprem cdc
  point "the snapshot is in" p_snapshot
  point "new orders stream in" p_streamed
}
chapter_solve_3() {
  "$TOP/lab" up cdc
  labs_wait 60 p_topics "$(onprem_servers)" onprem cdc
  labs_wait 60 p_snapshot
  labs_wait 60 p_streamed
}

# ------------------------------------------------------------- chapter 4 ---
chapter_title_4() { echo "Build the bridge to the cloud"; }
p_replicated() {
  local n
  n=$(metric "$(replicate_addr)" bridgelab_replicate_records_total) || n=0
  SEEN="$n records copied"
  [ "$n" -gt 0 ] || fails "replicate has copied nothing yet" "wait a few seconds, or read ./lab logs replicate" \
    "It copies the topics named by replicate.topics.include (dc[0-9][0-9]_.* by default)."
}
p_lag() {
  local n
  n=$(metric "$(replicate_addr)" bridgelab_replicate_lag_records) || n=unknown
  SEEN="lag $n records"
  [ "$n" != unknown ] && [ "$n" -lt 1000 ] || fails "lag is $n records" "wait, or read ./lab logs replicate" \
    "Lag is the source's end offset minus the replicated position, summed over the partitions."
}
chapter_points_4() {
  point "bridge replicate runs and answers" p_service replicate
  point "the topics are on the cloud cluster" p_topics "$(cloud_servers)" cloud replicate
  point "records are copied" p_replicated
  point "the cloud copy keeps up" p_lag
}
chapter_solve_4() {
  "$TOP/lab" up replicate
  labs_wait 60 p_topics "$(cloud_servers)" cloud replicate
  labs_wait 60 p_replicated
  labs_wait 60 p_lag
}

# ------------------------------------------------------------- chapter 5 ---
chapter_title_5() { echo "Land the data in ADLS Gen2"; }
p_lake_files() {
  local n
  n=$(lake ls "topics/${DC}_sales_orders/" 2>/dev/null | grep -c . || true)
  SEEN="$n files of ${DC}_sales_orders"
  [ "$n" -gt 0 ] || fails "no file of ${DC}_sales_orders in the lake yet" "wait 10 s (the sink closes files every 10 s)" \
    "sink.rotate.schedule.interval.ms=10000 in run/bridge.properties closes a file every 10 s; ./lab logs sink says what it wrote."
}
chapter_points_5() {
  point "bridge sink runs and answers" p_service sink
  point "the lake holds the orders' files" p_lake_files
}
chapter_solve_5() {
  "$TOP/lab" up sink
  labs_wait 60 p_lake_files
}

# ------------------------------------------------------------- chapter 6 ---
chapter_title_6() { echo "Visualize"; }
p_dashboard_orders() {
  local n
  n=$(dashboard_api "kpis?dc=$DC" | json_field orders) || n=0
  SEEN="${n:-0} orders"
  [ "${n:-0}" -gt 0 ] || fails "the dashboard shows no order of $DC yet" "wait 10 s for the next files of the lake" \
    "The dashboard loads the lake's files as the sink closes them; ./lab logs dashboard shows what it loaded."
}
chapter_points_6() {
  point "the dashboard runs and answers" p_service dashboard
  point "the dashboard shows the orders" p_dashboard_orders
}
chapter_solve_6() {
  "$TOP/lab" up dashboard
  labs_wait 60 p_dashboard_orders
}

# ------------------------------------------------------------- chapter 7 ---
chapter_title_7() { echo "Stock and demand"; }
p_restocked() {
  local n
  n=$(lab_sql 'SELECT COUNT(*) FROM purchase_orders WHERE id > 1')
  SEEN="${n:-0} purchase orders after the first"
  [ "${n:-0}" -gt 0 ] || fails "no product has run out yet" \
    "let the simulator run, or sell faster: ./lab down sim; bin/sim -F run/sim.properties --rate 0 --orders 300 --quiet; ./lab up sim" \
    "Each product starts with 100 in stock; when one reaches 0 the simulator records an out-of-stock event and buys more."
}
p_dashboard_restock() {
  local n
  n=$(dashboard_api "out_of_stock?dc=$DC" |
    python3 -c 'import json, sys; print(sum(1 for p in json.load(sys.stdin)["purchase_orders"] if p["purchase_order_id"] > 1))' 2>/dev/null) || n=0
  SEEN="${n:-0} restocking purchase orders"
  [ "${n:-0}" -gt 0 ] || fails "the dashboard shows no restocking purchase order yet" "wait 10 s for the lake's next files" \
    "The purchase orders travel like the sales orders: MySQL, cdc, replicate, sink, the dashboard."
}
chapter_points_7() {
  point "a product ran out and was bought again" p_restocked
  point "the dashboard shows the restock" p_dashboard_restock
}
# One simulator per database: the fast one runs while the service is down.
chapter_solve_7() {
  if ! p_restocked; then
    "$TOP/lab" down sim
    "$SIM_BIN" -F "$RUN/sim.properties" --rate 0 --orders 300 --quiet >>"$(log_file sim)" 2>&1 ||
      die "solve 7: bin/sim failed: read $(log_file sim)"
    "$TOP/lab" up sim
  fi
  labs_wait 90 p_restocked
  labs_wait 90 p_dashboard_restock
}

# ------------------------------------------------------------- chapter 8 ---
chapter_title_8() { echo "Break it"; }
# The times ./lab started a service: the "=== lab: ./lab up S" lines of its log.
starts_of() { grep -c "^=== $PROG: ./lab up $1 at " "$(log_file "$1")" 2>/dev/null || true; }
p_restarted() {
  local n
  n=$(starts_of "$1")
  SEEN="started $n times"
  [ "$n" -ge 2 ] || fails "$1 was never restarted" "kill -9 \$(cat run/pids/$1.pid), then ./lab up $1" \
    "Kill it mid-stream while the simulator runs, then start it again: it carries on where it stopped."
}
p_verified() {
  local f=$RUN/labs/verify.passed s newest=0 t
  [ -f "$f" ] || fails "./lab verify has not passed yet" "./lab down sim, then ./lab verify" \
    "verify compares MySQL with each topic and the lake once the simulator is stopped and the stages caught up." || return
  for s in cdc replicate sink; do
    t=$(stat -c %Y "$(pid_file "$s")" 2>/dev/null || echo 0)
    [ "$t" -le "$newest" ] || newest=$t
  done
  [ "$(stat -c %Y "$f")" -ge "$newest" ] || fails "./lab verify last passed before the latest restart" \
    "./lab down sim, then ./lab verify" "Run verify again after the last kill."
}
p_all_stages() {
  local s
  for s in cdc replicate sink; do
    p_service "$s" || return 1
  done
}
chapter_points_8() {
  point "cdc was killed and restarted" p_restarted cdc
  point "replicate was killed and restarted" p_restarted replicate
  point "sink was killed and restarted" p_restarted sink
  point "every stage runs" p_all_stages
  point "nothing lost or doubled (./lab verify)" p_verified
}
chapter_solve_8() {
  local s pid
  for s in cdc replicate sink; do
    if ! p_restarted "$s" || ! p_service "$s"; then
      if pid=$(service_pid "$s"); then
        kill -KILL "$pid"
        while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
      fi
      "$TOP/lab" up "$s"
    fi
  done
  p_verified && return 0
  "$TOP/lab" down sim
  "$TOP/lab" verify
  "$TOP/lab" up sim
}

# ------------------------------------------------------------- chapter 9 ---
chapter_title_9() { echo "Change the schema while it runs"; }
p_column() {
  local n
  n=$(lab_sql "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = 'orders'
    AND table_name = 'customers' AND column_name = '$LABS_NEW_COLUMN'")
  [ "${n:-0}" -eq 1 ] || fails "customers has no column $LABS_NEW_COLUMN" \
    "ALTER TABLE customers ADD COLUMN $LABS_NEW_COLUMN VARCHAR(10) (chapter 9's first command)" \
    "Run the ALTER TABLE as root: mariadb --defaults-file=run/mysql/root.cnf orders."
}
p_column_on() {
  local n
  n=$(topic_values "$1" "${DC}_customers" | grep -c "\"$LABS_NEW_COLUMN\":\"" || true)
  SEEN="events with it: $n"
  [ "$n" -gt 0 ] || fails "no ${DC}_customers event on $2 carries a $LABS_NEW_COLUMN value" \
    "UPDATE a customer's $LABS_NEW_COLUMN (chapter 9), then wait a few seconds" \
    "Only a change made after the ALTER carries the new column; set it on a customer with UPDATE."
}
p_column_in_lake() {
  local n
  n=$(lake grep "topics/${DC}_customers/" "\"$LABS_NEW_COLUMN\":\"" 2>/dev/null | grep -c . || true)
  SEEN="records with it: $n"
  [ "${n:-0}" -gt 0 ] || fails "no lake file of ${DC}_customers holds a $LABS_NEW_COLUMN value yet" \
    "wait 10 s for the sink's next file" "The sink writes what it reads: the new column is in the next file it closes."
}
chapter_points_9() {
  point "customers has the column $LABS_NEW_COLUMN" p_column
  point "onprem's ${DC}_customers carries it" p_column_on "$(onprem_servers)" onprem
  point "cloud's ${DC}_customers carries it" p_column_on "$(cloud_servers)" cloud
  point "the lake's ${DC}_customers files carry it" p_column_in_lake
}
chapter_solve_9() {
  p_column || lab_sql "ALTER TABLE customers ADD COLUMN $LABS_NEW_COLUMN VARCHAR(10)" ||
    die "solve 9: ALTER TABLE customers failed"
  p_column_on "$(onprem_servers)" onprem ||
    lab_sql "UPDATE customers SET $LABS_NEW_COLUMN = 'gold' WHERE id = 1" || die "solve 9: UPDATE customers failed"
  labs_wait 60 p_column_on "$(onprem_servers)" onprem
  labs_wait 60 p_column_on "$(cloud_servers)" cloud
  labs_wait 60 p_column_in_lake
}

# labs_wait SECONDS FUNCTION ARGS...: until the point holds, or fails with its WHY.
labs_wait() {
  local limit=$1 t0=$SECONDS
  shift
  until "$@"; do
    [ $((SECONDS - t0)) -lt "$limit" ] || die "solve: $WHY after ${limit}s; $FIX"
    sleep 1
  done
}

# ---------------------------------------------------------------- commands ---
# chapter_number COMMAND ARGS...: the one argument is a chapter with a check.
chapter_number() {
  local cmd=$1
  shift
  [ $# -eq 1 ] || die "$cmd takes a chapter number ($LABS_FIRST to $LABS_LAST), e.g. ./lab $cmd 3"
  [[ $1 =~ ^[0-9]+$ ]] && [ "$1" -ge "$LABS_FIRST" ] && [ "$1" -le "$LABS_LAST" ] ||
    die "$cmd: '$1' is not a chapter with a check: give $LABS_FIRST to $LABS_LAST (labs/README.md lists them)"
}

labs_setup() {
  check_config
  find_run
  [ -d "$RUN/pids" ] || die "the lab has never been started here ($RUN): ./lab up, as chapter 1 says"
}

# The chapters follow a lab of one; in a room, the trainer's dashboard
# shows each dc's progress.
solo_lab() {
  [ "$ROLE" = solo ] ||
    die "$1: the chapters' checks are for a lab of one (./lab up); $RUN is a room's $ROLE lab: the trainer's dashboard shows each dc"
}

cmd_check() {
  chapter_number check "$@"
  labs_setup
  solo_lab check
  printf 'chapter %s: %s\n' "$1" "$("chapter_title_$1")"
  if run_points "$1" check; then
    printf 'all %s points pass: go on with chapter %s\n' "$POINTS_PASSED" "$(($1 + 1))"
  else
    printf '%s of %s points pass: ./lab hint %s says what to try\n' "$POINTS_PASSED" \
      "$((POINTS_PASSED + POINTS_FAILED))" "$1"
    return 1
  fi
}

cmd_hint() {
  chapter_number hint "$@"
  labs_setup
  solo_lab hint
  if run_points "$1" hint; then
    printf 'chapter %s: every point passes; go on with chapter %s\n' "$1" "$(($1 + 1))"
  else
    printf 'chapter %s, "%s": %s\n' "$1" "$FIRST_TITLE" "$FIRST_HINT"
    printf 'still stuck? ./lab solve %s brings the lab to the end of chapter %s\n' "$1" "$1"
  fi
}

cmd_solve() {
  chapter_number solve "$@"
  check_config
  local n
  find_run
  solo_lab solve
  for n in $(seq "$LABS_FIRST" "$1"); do
    if [ -d "$RUN/pids" ] && run_points "$n" quiet; then continue; fi
    printf 'solve: chapter %s, %s\n' "$n" "$("chapter_title_$n")"
    "chapter_solve_$n"
    find_run
    # each chapter ends where `./lab solve n` would: so one solve 9 from a
    # reset lab shows that solve n, then check n, passes for every n
    [ "$n" -eq "$1" ] || run_points "$n" quiet ||
      die "solve: chapter $n still fails after its solution: ./lab check $n says what is wrong"
  done
  cmd_check "$1"
}

# ------------------------------------------------------------------ verify ---
# Each link checked by a reader of its own (tests/integration/*_check.py, the
# same the test suites use), retried while the stages catch up.
cmd_verify() {
  [ $# -eq 0 ] || die "verify takes no arguments"
  labs_setup
  solo_lab verify
  service_pid sim >/dev/null 2>&1 &&
    die "verify: the simulator is still writing, so the stages cannot catch up: ./lab down sim, then ./lab verify"
  local s
  for s in mysql onprem cloud azurite cdc replicate sink; do
    p_service "$s" || die "verify: $WHY: $FIX"
  done
  [ -x "$VENV_PYTHON" ] || die "verify: the Python venv is missing ($VENV_PYTHON): run make deps"
  local topics=() t ddl
  for t in $LABS_TABLES; do topics+=("${DC}_$t"); done
  ddl=$(lab_sql "SELECT GROUP_CONCAT(CONCAT(table_name, '.', column_name)) FROM information_schema.columns
    WHERE table_schema = 'orders' AND column_name = '$LABS_NEW_COLUMN'")
  [ "$ddl" != NULL ] || ddl=''
  local failed=0
  verify_link "MySQL -> onprem" 60 python3 "$TOP/tests/integration/cdc_check.py" ${ddl:+--ddl-columns "$ddl"} \
    "$(onprem_servers)" "$RUN/mysql/root.cnf" "$DC" $LABS_TABLES || failed=1
  verify_link "onprem -> cloud" 60 python3 "$TOP/tests/integration/replicate_check.py" equal \
    "$(onprem_servers)" "$(cloud_servers)" "$(<"$RUN/onprem/cluster.id")" "${topics[@]}" || failed=1
  verify_link "cloud -> lake" 1 "$VENV_PYTHON" "$TOP/tests/integration/lake_check.py" equal \
    --bootstrap "$(cloud_servers)" --azure "$(azurite_addr)/lake" --key-file "$RUN/secrets/azurite.key" \
    --wait 60 "${topics[@]}" || failed=1
  if [ "$failed" -eq 0 ]; then
    mkdir -p "$RUN/labs"
    date '+%F %T' >"$RUN/labs/verify.passed"
    echo "verify: nothing lost, nothing doubled"
  else
    echo "verify: FAILED: the lines above name what differs"
    return 1
  fi
}

# verify_link NAME SECONDS COMMAND...: runs the checker until it passes or
# SECONDS pass; prints one line with its summary (its findings on failure).
verify_link() {
  local name=$1 limit=$2 out t0=$SECONDS
  shift 2
  while :; do
    if out=$("$@" 2>&1); then
      printf 'verify: %-16s ok: %s\n' "$name" "$(tail -1 <<<"$out")"
      return 0
    fi
    [ $((SECONDS - t0)) -lt "$limit" ] || break
    sleep 2
  done
  printf 'verify: %-16s FAILED:\n' "$name"
  head -20 <<<"$out" | sed 's/^/  /'
  return 1
}

cmd_lake() {
  labs_setup
  [ -x "$VENV_PYTHON" ] || die "lake: the Python venv is missing ($VENV_PYTHON): run make deps"
  [ -f "$RUN/secrets/azurite.key" ] || die "lake: azurite has not been started: ./lab up azurite"
  lake "$@"
}
