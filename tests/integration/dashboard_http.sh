#!/usr/bin/env bash
# The dashboard's HTTP layer against the serving side with fake views
# (dashboard_fake: the real settings, server, embedded assets and pipeline
# JSON; views_answer replaced by fixed figures): routes and their types,
# the security headers and Content-Length on every answer, HEAD, 404s, 405
# for every other method, path traversal (plain, encoded, double-encoded,
# NUL), bad parameters passed through as the views' 400 JSON, a URL past the
# cap (414), huge headers (431 or cut off), a slow client's half request cut
# off after the idle timeout, many connections at once, a bad setting
# refused with its key named, and 20 s of random requests over raw sockets
# (tests/integration/http_raw.py) after which the server still answers;
# under the sanitized build, any ASan/UBSan report fails the suite.
# time limit: 240
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
tests_work_dir dashboard_http

BIN=${BRIDGELAB_BIN:-bin}
case $BIN in
*build/*/bin) FAKE=$(dirname "$BIN")/tests/dashboard_fake ;;
*) FAKE=build/release/tests/dashboard_fake ;;
esac
# next to the test lab's dashboard port, never on it
PORT=$((${LAB_DASHBOARD_PORT:-18080} + 10))
BASE=http://127.0.0.1:$PORT
FUZZ_S=${DASHBOARD_FUZZ_S:-20}

check "dashboard_fake is built ($FAKE)" test -x "$FAKE"

check_ran "an unknown key is refused, named with where it came from" 2 "$WORK/badkey" \
  "-X: unknown key 'dashboard.nope'" "$FAKE" -X dashboard.nope=1
check_ran "a listen address that is no HOST:PORT is refused, the key named" 2 "$WORK/badlisten" \
  "dashboard.http.listen" "$FAKE" -X dashboard.http.listen=localhost -X dashboard.threads=2
check_ran "another stage's key in the same file is accepted (--help runs)" 0 "$WORK/help" \
  "dashboard.refresh.ms" "$FAKE" -X sink.url=lake -X cdc.http.listen=127.0.0.1:1 --help

bg_start "$WORK/fake.log" "$FAKE" -X "dashboard.http.listen=127.0.0.1:$PORT" -X dashboard.threads=4 \
  -X dashboard.connection.timeout.s=2 -X dashboard.max.connections=200 -X dashboard.max.url=1024 \
  -X dashboard.connection.memory=16384
FAKE_PID=$BG_PID
for _ in $(seq 100); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.1; done
check "the server answers /healthz" curl -sf -o /dev/null "$BASE/healthz"

# code URL: the status, type and body length curl saw, checked against the headers.
fetch() { curl -s --path-as-is -o "$WORK/body" -D "$WORK/headers" -w '%{http_code} %{content_type}' "$@"; }
header() { tr -d '\r' <"$WORK/headers" | sed -n "s/^$1: //Ip" | head -1; }

for route in "/|text/html" "/assets/app.js|text/javascript" "/assets/style.css|text/css" \
  "/assets/uPlot.iife.min.js|text/javascript" "/assets/uPlot.min.css|text/css" "/assets/favicon.svg|image/svg+xml" \
  "/api/kpis|application/json" "/api/pipeline|application/json" "/metrics|text/plain" "/healthz|text/plain"; do
  path=${route%|*} type=${route#*|}
  got=$(fetch "$BASE$path")
  check "GET $path: 200 $type" bash -c "[[ '$got' == '200 $type'* ]]"
  check_eq "GET $path: Content-Length is the body's length" "$(wc -c <"$WORK/body")" "$(header Content-Length)"
  check_eq "GET $path: Content-Security-Policy" "default-src 'self'; frame-ancestors 'none'" \
    "$(header Content-Security-Policy)"
  check_eq "GET $path: X-Content-Type-Options" nosniff "$(header X-Content-Type-Options)"
done
check "the page loads uPlot and app.js from /assets/ only" \
  bash -c "curl -s $BASE/ | grep -q 'src=\"/assets/uPlot.iife.min.js\"' && ! curl -s $BASE/ | grep -qE 'https?://'"
check_eq "the embedded uPlot is npm's file, byte for byte" \
  "$(sha256sum <deps/dashboard/node_modules/uplot/dist/uPlot.iife.min.js)" \
  "$(curl -s "$BASE/assets/uPlot.iife.min.js" | sha256sum)"
check "/api/pipeline has the five stages and refresh_ms" bash -c \
  "curl -s $BASE/api/pipeline | python3 -c 'import json,sys; d=json.load(sys.stdin); \
assert [s[\"stage\"] for s in d[\"stages\"]]==[\"mysql\",\"cdc\",\"replicate\",\"sink\",\"dashboard\"]; \
assert d[\"refresh_ms\"]==1000'"
check "/metrics counts the answers by class" bash -c "curl -s $BASE/metrics | grep -q 'bridgelab_dashboard_http_responses_total{code=\"2xx\"}'"

got=$(curl -s -I -o "$WORK/head" -w '%{http_code}' "$BASE/api/kpis")
check_eq "HEAD /api/kpis: 200" 200 "$got"
check "HEAD /api/kpis: a Content-Length, no body" bash -c \
  "grep -qi '^Content-Length: [1-9]' '$WORK/head' && [ \"\$(curl -s -I $BASE/api/kpis | tr -d '\r' | sed -n '/^$/,\$p' | wc -c)\" -le 1 ]"

for m in POST PUT DELETE PATCH OPTIONS TRACE; do
  got=$(curl -s -X "$m" -o /dev/null -D "$WORK/h405" -w '%{http_code}' "$BASE/api/kpis")
  check "$m /api/kpis: 405 with Allow: GET, HEAD" bash -c "[ $got = 405 ] && grep -qi '^Allow: GET, HEAD' '$WORK/h405'"
done
got=$(curl -s -X POST --data-binary @deps/dashboard/node_modules/uplot/dist/uPlot.iife.min.js -o /dev/null \
  -w '%{http_code}' "$BASE/")
check_eq "POST with a 50 KB body: 405" 405 "$got"

for path in /nope /api /index.html /assets /assets/ /assets/nope.js /assets/../../etc/passwd \
  /assets/..%2f..%2fetc%2fpasswd /assets/%2e%2e/%2e%2e/etc/passwd /assets/%252e%252e%252fetc%252fpasswd \
  /assets//etc/passwd "/assets/..\\..\\etc\\passwd" /../../etc/passwd /assets/app.js/ /assets/APP.JS \
  /%2e%2e/%2e%2e/etc/passwd /assets/dashboard_settings.c /assets/.. /assets/./app.js; do
  got=$(fetch "$BASE$path")
  check "GET $path: 404, no file" bash -c "[[ '$got' == 404* ]] && ! grep -q 'root:' '$WORK/body'"
done
got=$(fetch "$BASE/assets/app.js%00.html")
check "GET /assets/app.js%00.html: 400 (an encoded NUL)" bash -c "[[ '$got' == 400* ]]"
got=$(fetch "$BASE/api/nope")
check "GET /api/nope: the views' 404 JSON" bash -c "[[ '$got' == '404 application/json'* ]] && grep -q '\"error\"' '$WORK/body'"

for q in "products?top=0" "products?top=abc" "products?top=101" "products?by=price" "kpis?from=yesterday" \
  "kpis?to=2026-13" "kpis?dc=DC01" "kpis?dc=dc01%27%3B%20DROP%20TABLE%20x" "kpis?format=xml" "stock?from="; do
  got=$(fetch "$BASE/api/$q")
  name=${q#*\?}
  name=${name%%=*}
  check "GET /api/$q: 400 JSON naming '$name'" bash -c \
    "[[ '$got' == '400 application/json'* ]] && python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))[\"error\"]; assert e.startswith(sys.argv[2]+\":\"), e' '$WORK/body' '$name'"
done
got=$(fetch "$BASE/api/kpis?format=csv")
check "GET /api/kpis?format=csv: the views' CSV type passed through" bash -c "[[ '$got' == '200 text/csv'* ]]"

long=$(head -c 2000 /dev/zero | tr '\0' a)
got=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/api/kpis?x=$long")
check_eq "a 2 KB URL (dashboard.max.url=1024): 414" 414 "$got"

for n in 20000 100000 1000000; do
  got=$(python3 tests/integration/http_raw.py huge "$PORT" "$n")
  check "a $n-byte header: 431/413 or cut off ($got)" bash -c "[[ '$got' =~ ^HTTP/1\\.[01]\\ 4(31|13) || '$got' == closed ]]"
done
got=$(python3 tests/integration/http_raw.py raw "$PORT" 'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
check_eq "a plain raw request still answers after those" "HTTP/1.1 200 OK" "$got"
got=$(python3 tests/integration/http_raw.py raw "$PORT" 'GARBAGE\r\n\r\n')
check "a request line that is garbage: 400 or closed ($got)" bash -c "[[ '$got' == 'HTTP/1.1 400'* || '$got' == closed ]]"

t=$(python3 tests/integration/http_raw.py slow "$PORT")
check "a slow client's half request is cut off after the 2 s idle timeout (after $t s)" \
  awk -v t="$t" 'BEGIN { exit !(t >= 1.5 && t <= 6) }'

got=$(python3 tests/integration/http_raw.py many "$PORT" 150)
check_eq "150 connections at once: all answered" 150 "$got"
check "the server still answers after them" curl -sf -o /dev/null "$BASE/healthz"

diag "fuzzing for $FUZZ_S s"
out=$(python3 tests/integration/http_raw.py fuzz "$PORT" "$FUZZ_S" "${DASHBOARD_FUZZ_SEED:-$RANDOM}")
diag "fuzz: $out"
check "random requests for $FUZZ_S s: some sent and answered ($out)" bash -c "[[ '$out' =~ ^sent\\ [1-9][0-9]*,\\ answered\\ [1-9] ]]"
check "the server is alive and answers after the fuzz" bash -c "kill -0 $FAKE_PID && curl -sf $BASE/api/kpis >/dev/null"
check_stop "SIGTERM: the server stops cleanly (status 0, no leak)" "$FAKE_PID"

tap_finish
