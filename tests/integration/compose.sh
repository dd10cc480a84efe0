#!/bin/bash
# docker-compose.yml and the files it uses, checked without a Docker engine:
# the file validates, the resolved config has the lab's topology (mysql with
# the binlog settings of DESIGN.md, two separate Kafka clusters, Azurite, the
# sim, the bridge and the dashboard built from their Dockerfiles), every
# port is published on 127.0.0.1 only, every secret file a program's
# properties name is a secret its service mounts, the programs' own parsers
# (the binaries under test) accept every key of docker/*.properties, the
# Dockerfiles build on Debian 12 and install at run time the Debian package
# of every library the binary links, and the MariaDB init script fills in the
# SQL placeholders (run with `cat` as its client). Secrets are generated into
# a temporary folder: the suite leaves nothing in the tree.
# The eval'd checks below are single-quoted on purpose: they expand when run.
# shellcheck disable=SC2016 source-path=SCRIPTDIR
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"

root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
at_exit 'rm -rf "$tmp"'

# What the tree looks like before, to show the suite leaves nothing behind.
tree_state() {
  (cd "$root" && find docker-compose.yml .dockerignore docker sim/Dockerfile bridge/Dockerfile dashboard/Dockerfile \
    -print 2>/dev/null | sort)
  git -C "$root" status --porcelain --untracked-files=all 2>/dev/null
}
before=$(tree_state)

# --- secrets -----------------------------------------------------------------
secrets=$tmp/secrets
make_secrets() { "$root/docker/make-secrets.sh" "$@" >/dev/null; }
check "docker/make-secrets.sh writes the secrets into a given folder" make_secrets "$secrets"
for name in mysql_root_password mysql_sim_password mysql_cdc_password azurite_key; do
  check "secret $name is generated, not empty" test -s "$secrets/$name"
done
# The lab's value, from ./lab itself: the two must not drift apart.
lab_azurite_key=$(sed -n "s/^AZURITE_KEY='\(.*\)'$/\1/p" "$root/lab")
check "./lab names Azurite's well-known key (AZURITE_KEY)" test -n "$lab_azurite_key"
check_eq "secret azurite_key is Azurite's well-known key, as ./lab writes it" "$lab_azurite_key" \
  "$(cat "$secrets/azurite_key" 2>/dev/null)"
check_eq "secrets folder is private (700)" 700 "$(stat -c %a "$secrets" 2>/dev/null)"
check_eq "secret files are readable by the containers' users (644)" 644 \
  "$(stat -c %a "$secrets/mysql_sim_password" 2>/dev/null)"
sim_password=$(cat "$secrets/mysql_sim_password" 2>/dev/null)
"$root/docker/make-secrets.sh" "$secrets" >/dev/null 2>&1
check_eq "make-secrets.sh keeps an existing secret" "$sim_password" "$(cat "$secrets/mysql_sim_password" 2>/dev/null)"

# prop FILE KEY: the value of KEY in the properties file (the last one given).
prop() { awk -v k="$2" 'index($0, k "=") == 1 {v = substr($0, length(k) + 2)} END {print v}' "$1"; }
# runtime_stage DOCKERFILE: the lines from its last FROM on.
runtime_stage() { awk '/^FROM / {stage = ""} {stage = stage $0 "\n"} END {printf "%s", stage}' "$1"; }

# --- the compose file ----------------------------------------------------------
if command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
elif docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
else
  compose=()
fi

# compose ARGS...: compose on the repo's file, secrets from the temp folder,
# DC left to its default.
compose() {
  (cd "$root" && env -u DC BRIDGELAB_SECRETS_DIR="$secrets" \
    "${compose[@]}" -f "$root/docker-compose.yml" --project-directory "$root" "$@")
}

# q QUERY...: answers questions about the resolved config in $tmp/config.yml.
cat >"$tmp/q.py" <<'PY'
import shlex, sys, yaml

cfg = yaml.safe_load(open(sys.argv[1]))
services = cfg.get("services") or {}
what, args = sys.argv[2], sys.argv[3:]

def svc(name):
    return services.get(name) or {}

def env(name):
    e = svc(name).get("environment") or {}
    if isinstance(e, list):
        e = dict(x.split("=", 1) if "=" in x else (x, "") for x in e)
    return {k: "" if v is None else str(v) for k, v in e.items()}

def ports(name):
    # "host_ip:published:target" whatever the form (v1 strings, v2 mappings).
    out = []
    for p in svc(name).get("ports") or []:
        if isinstance(p, dict):
            out.append("%s:%s:%s" % (p.get("host_ip", ""), p.get("published", ""), p.get("target", "")))
        else:
            parts = str(p).split("/")[0].split(":")
            parts = [""] * (3 - len(parts)) + parts
            out.append(":".join(parts))
    return out

def command(name):
    c = svc(name).get("command") or []
    return shlex.split(c) if isinstance(c, str) else [str(x) for x in c]

if what == "services":
    print(" ".join(sorted(services)))
elif what == "image":
    print(svc(args[0]).get("image", ""))
elif what == "command":
    print("\n".join(command(args[0])))
elif what == "env":
    print(env(args[0]).get(args[1], ""))
elif what == "ports":
    print("\n".join(ports(args[0])))
elif what == "healthcheck":
    t = (svc(args[0]).get("healthcheck") or {}).get("test") or []
    print(" ".join(t) if isinstance(t, list) else t)
elif what == "build":
    b = svc(args[0]).get("build") or {}
    if isinstance(b, str):
        b = {"context": b}
    print("%s %s" % (b.get("context", ""), b.get("dockerfile", "Dockerfile")))
elif what == "depends":
    d = svc(args[0]).get("depends_on") or {}
    if isinstance(d, list):
        d = {k: {"condition": "service_started"} for k in d}
    print((d.get(args[1]) or {}).get("condition", ""))
elif what == "volumes":
    for v in svc(args[0]).get("volumes") or []:
        if isinstance(v, dict):
            print("%s:%s" % (v.get("source", ""), v.get("target", "")))
        else:
            print(":".join(str(v).split(":")[:2]))
elif what == "secrets":
    for s in svc(args[0]).get("secrets") or []:
        print(s["source"] if isinstance(s, dict) else s)
elif what == "secret-file":
    print(((cfg.get("secrets") or {}).get(args[0]) or {}).get("file", ""))
PY
q() { python3 "$tmp/q.py" "$tmp/config.yml" "$@"; }

if [ ${#compose[@]} -eq 0 ]; then
  not_ok "docker-compose not installed: run make deps"
elif ! python3 -c 'import yaml' 2>/dev/null; then
  not_ok "python3 yaml (python3-yaml, a docker-compose dependency) not installed: run make deps"
else
  diag "using: ${compose[*]} ($("${compose[@]}" version --short 2>/dev/null || true))"
  check "docker-compose config -q accepts docker-compose.yml" compose config -q
  compose config >"$tmp/config.yml" 2>"$tmp/config.err" || diag "$(cat "$tmp/config.err")"

  check_eq "the seven services" "azurite bridge cloud dashboard mysql onprem sim" "$(q services)"
  for s in $(q services); do
    # Published only on the host's loopback, as ./lab's services listen.
    bad=$(q ports "$s" | grep -v '^127\.0\.0\.1:' | xargs)
    check "$s publishes its ports on 127.0.0.1 only${bad:+ (not: $bad)}" test -z "$bad"
    # Each secret file its properties name is a secret it mounts.
    for v in $(q volumes "$s"); do
      file=${v%%:*}
      case $file in "$root"/docker/*.properties) ;; *) continue ;; esac
      for secret_path in $(sed -n 's/^[^#=]*\.file=//p' "$file"); do
        check "$s: ${file#"$root"/} reads $secret_path, a secret of $s" \
          grep -qx "${secret_path#/run/secrets/}" <<<"$(q secrets "$s")"
      done
    done
  done

  # mysql: MariaDB with the binlog of DESIGN.md, on 3307, initialised from sql/
  check_eq "mysql image" "mariadb:10.11" "$(q image mysql)"
  mysql_cmd=$(q command mysql)
  for setting in --log-bin=binlog --binlog-format=ROW --binlog-row-image=FULL \
    --binlog-row-metadata=FULL --server-id=1 --character-set-server=utf8mb4 \
    --collation-server=utf8mb4_general_ci; do
    check "mysql runs with $setting" grep -qxF -- "$setting" <<<"$mysql_cmd"
  done
  check "mysql publishes 127.0.0.1:3307 -> 3306" grep -qx '127.0.0.1:3307:3306' <<<"$(q ports mysql)"
  check "mysql has a healthcheck" grep -q healthcheck.sh <<<"$(q healthcheck mysql)"
  check_eq "mysql root password comes from a secret file" /run/secrets/mysql_root_password \
    "$(q env mysql MARIADB_ROOT_PASSWORD_FILE)"
  check_eq "mysql DC defaults to dc01" dc01 "$(q env mysql DC)"
  check_eq "mysql gets the three secrets" \
    "mysql_root_password mysql_sim_password mysql_cdc_password" "$(q secrets mysql | xargs)"
  for name in mysql_root_password mysql_sim_password mysql_cdc_password azurite_key; do
    check_eq "secret $name is read from BRIDGELAB_SECRETS_DIR" "$secrets/$name" "$(q secret-file $name)"
  done
  check "mysql runs docker/mysql-init.sh from /docker-entrypoint-initdb.d" \
    grep -qx "$root/docker/mysql-init.sh:/docker-entrypoint-initdb.d/[^/]*\.sh" <<<"$(q volumes mysql)"
  check "mysql mounts sql/ outside /docker-entrypoint-initdb.d" \
    grep -qx "$root/sql:/bridgelab/sql" <<<"$(q volumes mysql)"

  # onprem and cloud: two single-node KRaft clusters
  for k in onprem:19092 cloud:29092; do
    s=${k%%:*} port=${k#*:}
    check_eq "$s image" "apache/kafka:3.9.1" "$(q image "$s")"
    check_eq "$s is a combined broker+controller" "broker,controller" "$(q env "$s" KAFKA_PROCESS_ROLES)"
    check_eq "$s node id" 1 "$(q env "$s" KAFKA_NODE_ID)"
    check "$s publishes 127.0.0.1:$port" grep -qx "127.0.0.1:$port:$port" <<<"$(q ports "$s")"
    check "$s advertises 127.0.0.1:$port to the host" \
      grep -q "://127.0.0.1:$port\(,\|$\)" <<<"$(q env "$s" KAFKA_ADVERTISED_LISTENERS)"
    check "$s advertises $s:9092 to containers" \
      grep -q "://$s:9092\(,\|$\)" <<<"$(q env "$s" KAFKA_ADVERTISED_LISTENERS)"
    for prop in OFFSETS_TOPIC_REPLICATION_FACTOR TRANSACTION_STATE_LOG_REPLICATION_FACTOR \
      TRANSACTION_STATE_LOG_MIN_ISR; do
      check_eq "$s ${prop,,} is 1" 1 "$(q env "$s" "KAFKA_$prop")"
    done
    check_eq "$s group initial rebalance delay is 0" 0 "$(q env "$s" KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS)"
    check "$s has a healthcheck" grep -q kafka-broker-api-versions <<<"$(q healthcheck "$s")"
    check "$s has a cluster id" test -n "$(q env "$s" CLUSTER_ID)"
  done
  onprem_id=$(q env onprem CLUSTER_ID) cloud_id=$(q env cloud CLUSTER_ID)
  check "onprem and cloud are separate clusters (cluster ids $onprem_id, $cloud_id)" \
    test "$onprem_id" != "$cloud_id"

  # azurite
  check "azurite publishes 127.0.0.1:10000" grep -qx '127.0.0.1:10000:10000' <<<"$(q ports azurite)"
  azurite_cmd=$(q command azurite)
  check_eq "azurite runs the blob service" azurite-blob "${azurite_cmd%%$'\n'*}"

  # sim
  check_eq "sim builds from sim/Dockerfile in the repo" "$root sim/Dockerfile" "$(q build sim)"
  check_eq "sim waits for mysql to be healthy" service_healthy "$(q depends sim mysql)"
  check "sim reads /etc/bridgelab/sim.properties" \
    grep -qx -- "-F /etc/bridgelab/sim.properties.*" <<<"$(q command sim | xargs)"
  check "sim gets docker/sim.properties" \
    grep -qx "$root/docker/sim.properties:/etc/bridgelab/sim.properties" <<<"$(q volumes sim)"
  check_eq "sim gets its password secret" mysql_sim_password "$(q secrets sim)"

  # bridge: cdc, replicate and sink under bridge run, from the repo
  check_eq "bridge builds from bridge/Dockerfile in the repo" "$root bridge/Dockerfile" "$(q build bridge)"
  bridge_cmd=$(q command bridge | xargs)
  check "bridge runs bridge run -F /etc/bridgelab/bridge.properties ($bridge_cmd)" \
    grep -qx -- "run -F /etc/bridgelab/bridge.properties.*" <<<"$bridge_cmd"
  check "bridge gives its stages DC as -X dc=dc01" grep -q -- " -X dc=dc01\( \|$\)" <<<"$bridge_cmd"
  check "bridge gets docker/bridge.properties" \
    grep -qx "$root/docker/bridge.properties:/etc/bridgelab/bridge.properties" <<<"$(q volumes bridge)"
  for s in mysql onprem cloud azurite; do
    check_eq "bridge waits for $s to be healthy" service_healthy "$(q depends bridge "$s")"
  done
  check_eq "bridge publishes bridge run's /metrics and /healthz, 127.0.0.1:8086 only" \
    127.0.0.1:8086:8086 "$(q ports bridge | xargs)"
  check "bridge's healthcheck asks bridge run's /healthz" \
    grep -q "curl .*http://127.0.0.1:8086/healthz" <<<"$(q healthcheck bridge)"
  check_eq "bridge gets the cdc password and Azurite's key as secrets" "mysql_cdc_password azurite_key" \
    "$(q secrets bridge | xargs)"

  # dashboard: bin/dashboard on the same lake, from the repo
  check_eq "dashboard builds from dashboard/Dockerfile in the repo" "$root dashboard/Dockerfile" "$(q build dashboard)"
  dashboard_cmd=$(q command dashboard | xargs)
  check "dashboard reads bridge.properties, then dashboard.properties, as ./lab runs it ($dashboard_cmd)" \
    grep -qx -- "-F /etc/bridgelab/bridge.properties -F /etc/bridgelab/dashboard.properties.*" <<<"$dashboard_cmd"
  check "dashboard gets DC as -X dc=dc01" grep -q -- " -X dc=dc01\( \|$\)" <<<"$dashboard_cmd"
  for f in bridge dashboard; do
    check "dashboard gets docker/$f.properties" \
      grep -qx "$root/docker/$f.properties:/etc/bridgelab/$f.properties" <<<"$(q volumes dashboard)"
  done
  db_dir=$(dirname "$(prop "$root/docker/dashboard.properties" dashboard.db.path)")
  check "dashboard keeps its sqlite file ($db_dir) in a named volume" \
    grep -qx "[a-z][a-z0-9_-]*:$db_dir" <<<"$(q volumes dashboard)"
  for s in mysql azurite; do
    check_eq "dashboard waits for $s to be healthy" service_healthy "$(q depends dashboard "$s")"
  done
  check_eq "dashboard starts after the bridge (and shows it when it is not up)" service_started \
    "$(q depends dashboard bridge)"
  check_eq "dashboard publishes the page on 127.0.0.1:8080 only" 127.0.0.1:8080:8080 "$(q ports dashboard | xargs)"
  check "dashboard's healthcheck asks its /healthz" \
    grep -q "curl .*http://127.0.0.1:8080/healthz" <<<"$(q healthcheck dashboard)"
  check_eq "dashboard gets the cdc password and Azurite's key as secrets" "mysql_cdc_password azurite_key" \
    "$(q secrets dashboard | xargs)"
fi

# --- sim/Dockerfile and its config ----------------------------------------------
dockerfile=$root/sim/Dockerfile
check "sim/Dockerfile builds on debian:12" grep -qiE '^FROM debian:12( |$)' "$dockerfile"
check "sim/Dockerfile runs on debian:12-slim" grep -qiE '^FROM debian:12-slim( |$)' "$dockerfile"
check "sim/Dockerfile installs libmariadb-dev to build, libmariadb3 to run" \
  eval 'grep -q "libmariadb-dev" "$dockerfile" && grep -q "libmariadb3" "$dockerfile"'
check "sim/Dockerfile builds with make bin/sim" grep -qE '^RUN .*make bin/sim' "$dockerfile"
check_eq "docker/sim.properties has exactly the sim's keys" \
  "dc mysql.database mysql.host mysql.password.file mysql.port mysql.user" \
  "$(sed -n 's/^\([^#=][^=]*\)=.*/\1/p' "$root/docker/sim.properties" | sort | xargs)"
check_eq "sim's password file is its Docker secret" /run/secrets/mysql_sim_password \
  "$(sed -n 's/^mysql.password.file=//p' "$root/docker/sim.properties")"

# --- bridge/Dockerfile and docker/bridge.properties ------------------------------

# dockerfile_checks DOCKERFILE PROGRAM: Debian 12 to build with the repo's
# Makefile, from the sources alone; Debian 12 slim to run, as a user of its own.
dockerfile_checks() {
  local f=$root/$1 program=$2 runtime
  runtime=$(runtime_stage "$f")
  check "$1 builds on debian:12" grep -qiE '^FROM debian:12 AS build$' "$f"
  check "$1 runs on debian:12-slim" grep -qiE '^FROM debian:12-slim$' <<<"${runtime%%$'\n'*}"
  check "$1 builds with make bin/$program" grep -qE "^RUN .*make( -j[^ ]*)? bin/$program$" "$f"
  check "$1 copies the sources it builds, not the whole tree (no host bin/)" \
    eval '! grep -qE "^COPY +(\.|\./?) " "$f"'
  check "$1 installs no -dev package to run" eval '! grep -q -- "-dev\b" <<<"$runtime"'
  check "$1 runs as a user of its own, not root" \
    eval 'grep -qE "^USER +[a-z]" <<<"$runtime" && ! grep -qE "^USER +(root|0)\b" <<<"$runtime"'
  check "$1 installs curl for the healthcheck" grep -qE '^ +.*\bcurl\b|install .*\bcurl\b' <<<"$runtime"
}

# The Debian package of every library BINARY links, but libc's, libgcc's and
# the sanitizers' (tests run the ASan build): what a runtime stage installs.
needed_packages() {
  local so path
  readelf -d "$1" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | while read -r so; do
    path=$(ldconfig -p | awk -v l="$so" '$1 == l {print $NF; exit}')
    if [ -z "$path" ]; then
      echo "?$so"
      continue
    fi
    # dpkg knows a file by the path its package ships it at: /lib/... for
    # some (libc6), /usr/lib/... for others, whatever the merged /usr says.
    { dpkg -S "$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")" 2>/dev/null; } |
      sed -n '1s/^\([^:]*\):.*/\1/p' | grep . || echo "?$so"
  done | grep -vxE 'libc6|libgcc-s1|libstdc\+\+6|libasan[0-9]*|libubsan[0-9]*' | sort -u
}

# check_runtime_libs DOCKERFILE BINARY
check_runtime_libs() {
  local runtime missing=() p packages
  if ! command -v readelf >/dev/null || ! command -v dpkg >/dev/null; then
    ok "$1 installs the libraries $(basename "$2") links # SKIP no readelf or dpkg here"
    return
  fi
  if [ ! -x "$2" ]; then
    not_ok "$1 installs the libraries $2 links: $2 is not built (run make, or make SANITIZE=1 for tests/run)"
    return
  fi
  runtime=$(runtime_stage "$root/$1")
  packages=$(needed_packages "$2" | xargs)
  for p in $packages; do
    grep -qE "(^|[ \\])$p( |\\|$)" <<<"$runtime" || missing+=("$p")
  done
  check "$1 installs the libraries $(basename "$2") links ($packages)${missing[*]:+, not: ${missing[*]}}" \
    test ${#missing[@]} -eq 0 -a -n "$packages"
}

BIN=${BRIDGELAB_BIN:-$root/bin}
check_runtime_libs sim/Dockerfile "$BIN/sim"
dockerfile_checks bridge/Dockerfile bridge
check "bridge/Dockerfile builds from the Debian -dev packages of the libraries" \
  eval 'grep -qE "install .*libmariadb-dev .*librdkafka-dev" "$root/bridge/Dockerfile"'
check_runtime_libs bridge/Dockerfile "$BIN/bridge"
check "bridge/Dockerfile runs bridge run -F /etc/bridgelab/bridge.properties by default" \
  grep -qxF 'CMD ["run", "-F", "/etc/bridgelab/bridge.properties"]' "$root/bridge/Dockerfile"
missing_ignores=$(for x in .git bin build run .deps docker/secrets '**/node_modules'; do
  grep -qxF -- "$x" "$root/.dockerignore" 2>/dev/null || echo "$x"
done | xargs)
what=".dockerignore keeps the lab's data, the secrets, the host's builds out of the build context"
check "$what${missing_ignores:+ (not: $missing_ignores)}" test -z "$missing_ignores"

bp=$root/docker/bridge.properties
check_eq "bridge: MySQL at mysql:3306" mysql:3306 "$(prop "$bp" mysql.host):$(prop "$bp" mysql.port)"
check_eq "bridge: MySQL as cdc" cdc "$(prop "$bp" mysql.user)"
check_eq "bridge: the cdc password is its Docker secret" /run/secrets/mysql_cdc_password \
  "$(prop "$bp" mysql.password.file)"
check_eq "bridge: onprem Kafka at onprem:9092" onprem:9092 "$(prop "$bp" onprem.bootstrap.servers)"
check_eq "bridge: cloud Kafka at cloud:9092" cloud:9092 "$(prop "$bp" cloud.bootstrap.servers)"
check_eq "bridge: the lake is Azurite's container lake" http://azurite:10000/devstoreaccount1/lake \
  "$(prop "$bp" sink.url)"
check_eq "bridge: Azurite's key is its Docker secret" /run/secrets/azurite_key "$(prop "$bp" sink.account.key.file)"
for k in cdc:8083 replicate:8084 sink:8085 run:8086; do
  check_eq "bridge: ${k%%:*}.http.listen on the container's every interface" "0.0.0.0:${k#*:}" \
    "$(prop "$bp" "${k%%:*}.http.listen")"
done

# --- dashboard/Dockerfile and docker/dashboard.properties ------------------------
df=$root/dashboard/Dockerfile
dockerfile_checks dashboard/Dockerfile dashboard
check "dashboard/Dockerfile builds from the Debian -dev packages, sqlite's too" \
  eval 'grep -qE "install .*libmariadb-dev .*librdkafka-dev" "$df" && grep -q "libsqlite3-dev" "$df"'
check "dashboard/Dockerfile copies deps/dashboard/package-lock.json, not node_modules" \
  eval 'grep -qE "^COPY .*deps/dashboard/package-lock.json" "$df" && ! grep -qE "^COPY .*node_modules" "$df"'
npm_at=$(grep -nE '^RUN .*npm ci --prefix deps/dashboard( |$)' "$df" | cut -d: -f1 | head -1)
make_at=$(grep -nE '^RUN .*make( -j[^ ]*)? bin/dashboard$' "$df" | cut -d: -f1 | head -1)
what="dashboard/Dockerfile fetches uPlot with npm ci from the lock file (line ${npm_at:-none})"
check "$what before make embeds it (line ${make_at:-none})" \
  test "${npm_at:-0}" -gt 0 -a "${npm_at:-0}" -lt "${make_at:-0}"
check "dashboard/Dockerfile runs without node or npm" \
  eval '! grep -qE "\b(nodejs|npm)\b" <<<"$(runtime_stage "$df" | grep -v "^#")"'
check_runtime_libs dashboard/Dockerfile "$BIN/dashboard"
check "dashboard/Dockerfile gives its user the sqlite folder" \
  grep -qE 'chown dashboard: /var/lib/bridgelab/dashboard' "$df"

dp=$root/docker/dashboard.properties
check_eq "dashboard: the page on the container's every interface" 0.0.0.0:8080 "$(prop "$dp" dashboard.http.listen)"
check_eq "dashboard: the sqlite file in /var/lib/bridgelab/dashboard" \
  /var/lib/bridgelab/dashboard/dashboard.sqlite "$(prop "$dp" dashboard.db.path)"
check "dashboard: loads the sink's lake (no dashboard.lake.* of its own)" eval '! grep -q "^dashboard\.lake\." "$dp"'
for stage in cdc replicate sink; do
  port=$(prop "$bp" "$stage.http.listen")
  check_eq "dashboard: $stage's /metrics in the bridge container, at its $stage.http.listen" \
    "http://bridge:${port##*:}/metrics" "$(prop "$dp" "dashboard.$stage.metrics")"
done

for f in "$root"/docker/*.properties; do
  check "no secret in docker/$(basename "$f") itself (only *.file keys name them)" \
    eval '! grep -qiE "^[^#]*(password|key|sas|secret|token)(\.[a-z.]*)?=" <<<"$(grep -vE "^[^#=]*\.file=" "$f")"'
done

# --- docker/*.properties through the programs' own parsers ------------------------
# cli_parse reads every -F file before it looks at the other options: with
# --help a program reads and checks its files (every key known, every value
# of its type and range) and prints its usage, exit 0, without connecting to
# anything; an unknown key or a bad value ends it with exit 2 and one line.
# accepts WHAT PROGRAM ARGS...: the program's parser accepts them.
accepts() {
  local what=$1 out
  shift
  out=$tmp/accepts.$tap_n.out
  track_log "$out"
  check_ran "$what" 0 "$out" "^usage: " "$@" --help
}
accepts "bridge run's parser accepts every key of docker/bridge.properties" \
  "$BIN/bridge" run -F "$bp" -X dc=dc01
for stage in cdc replicate sink; do
  accepts "bridge $stage's parser accepts every key of docker/bridge.properties" "$BIN/bridge" "$stage" -F "$bp"
done
accepts "sim's parser accepts every key of docker/sim.properties" "$BIN/sim" -F "$root/docker/sim.properties"
accepts "dashboard's parser accepts every key of docker/bridge.properties and docker/dashboard.properties" \
  "$BIN/dashboard" -F "$bp" -F "$dp" -X dc=dc01
# The same path refuses what is wrong, or the checks above prove nothing.
{ cat "$bp" && echo 'sink.urll=http://azurite:10000/devstoreaccount1/lake'; } >"$tmp/typo.properties"
track_log "$tmp/typo.out"
check_ran "  ... and refuses an unknown key, naming it and its line (exit 2)" 2 "$tmp/typo.out" \
  "typo.properties:[0-9]+: unknown key 'sink.urll'" "$BIN/bridge" run -F "$tmp/typo.properties" --help
{ cat "$bp" && echo 'mysql.port=3306x'; } >"$tmp/badvalue.properties"
track_log "$tmp/badvalue.out"
check_ran "  ... and a value of the wrong type (exit 2)" 2 "$tmp/badvalue.out" \
  "badvalue.properties:[0-9]+: mysql.port" "$BIN/bridge" run -F "$tmp/badvalue.properties" --help
{ cat "$dp" && echo 'dashboard.db=/tmp/x.sqlite'; } >"$tmp/dashtypo.properties"
track_log "$tmp/dashtypo.out"
check_ran "  ... and the dashboard refuses an unknown dashboard.* key (exit 2)" 2 "$tmp/dashtypo.out" \
  "dashtypo.properties:[0-9]+: unknown key 'dashboard.db'" \
  "$BIN/dashboard" -F "$bp" -F "$tmp/dashtypo.properties" --help

# --- docker/mysql-init.sh with a fake client -------------------------------------
init() {
  env -u DC BRIDGELAB_SQL_DIR="$root/sql" BRIDGELAB_SECRETS="$secrets" \
    BRIDGELAB_SQL_CLIENT=cat "$@" "$root/docker/mysql-init.sh"
}
init >"$tmp/init.sql" 2>"$tmp/init.err"
check_eq "mysql-init.sh succeeds" 0 "$?"
check "mysql-init.sh leaves no {{placeholder}}" eval '! grep -q "{{" "$tmp/init.sql"'
check "mysql-init.sh creates dc01_out_of_stock_events by default" \
  grep -q 'CREATE TABLE dc01_out_of_stock_events' "$tmp/init.sql"
# line_of PATTERN: the first line of the rendered SQL that matches, or 0.
line_of() { grep -n -m 1 -e "$1" "$tmp/init.sql" | cut -d: -f1 | grep . || echo 0; }
schema_at=$(line_of '^CREATE DATABASE') seed_at=$(line_of '^INSERT INTO customers')
users_at=$(line_of "^CREATE OR REPLACE USER 'sim'")
check "mysql-init.sh loads schema ($schema_at), seed ($seed_at), users ($users_at) in that order" \
  test 0 -lt "$schema_at" -a "$schema_at" -lt "$seed_at" -a "$seed_at" -lt "$users_at"
check "mysql-init.sh puts the sim password from its secret" \
  grep -qF "'sim'@'%' IDENTIFIED BY '$sim_password'" "$tmp/init.sql"
check "mysql-init.sh puts the cdc password from its secret" \
  grep -qF "IDENTIFIED BY '$(cat "$secrets/mysql_cdc_password")'" "$tmp/init.sql"
check "mysql-init.sh lets sim and cdc in from other containers" \
  eval 'grep -q "TO .sim.@.%.;" "$tmp/init.sql" && grep -q "TO .cdc.@.%.;" "$tmp/init.sql"'
check "mysql-init.sh writes no password to its log" eval '! grep -qF "$sim_password" "$tmp/init.err"'

init DC=dc07 >"$tmp/init7.sql" 2>/dev/null
check "mysql-init.sh uses DC (dc07_out_of_stock_events)" grep -q 'CREATE TABLE dc07_out_of_stock_events' "$tmp/init7.sql"

init "DC=dc01; DROP TABLE x" >"$tmp/bad.sql" 2>"$tmp/bad.err"
check_eq "mysql-init.sh refuses a DC that is not a code" 1 "$?"
check "  ... names the bad value and sends nothing" \
  eval 'grep -q "not a data-centre code" "$tmp/bad.err" && ! test -s "$tmp/bad.sql"'

mkdir "$tmp/nosecrets"
env -u DC BRIDGELAB_SQL_DIR="$root/sql" BRIDGELAB_SECRETS="$tmp/nosecrets" BRIDGELAB_SQL_CLIENT=cat \
  "$root/docker/mysql-init.sh" >"$tmp/nosec.sql" 2>"$tmp/nosec.err"
check_eq "mysql-init.sh fails without its secrets" 1 "$?"
check "  ... and says to run make-secrets.sh, sending nothing" \
  eval 'grep -q "make-secrets.sh" "$tmp/nosec.err" && ! test -s "$tmp/nosec.sql"'

check "docker/mysql-init.sh is executable (the image runs it in its own shell)" test -x "$root/docker/mysql-init.sh"

check_eq "the suite leaves no file in the tree" "$before" "$(tree_state)"

tap_finish
