#!/usr/bin/env bash
# common/storage against real Azurite and a local folder, through
# storage_tool (tests/integration/storage_tool.c): puts read back whole (one
# Put Blob, and Put Blocks + Put Block List when the file is larger than a
# block), create-only puts refused with the blob untouched, listings by
# prefix and delimiter over many small pages, metadata, names with spaces,
# '%', '+' and UTF-8; a wrong key, a valid, an expired and a read-only SAS
# (made by Microsoft's SDK); a missing container, refused then created;
# Azurite stopped under a put (retried until it is back) and past the retry
# limit (a clear UNAVAILABLE). Microsoft's azure-storage-blob SDK (.deps/venv)
# reads what the client wrote, byte for byte with its metadata, and writes
# what the client reads. The local folder store answers the same listing.
# lab: azurite
# time limit: 400
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. "$LAB_RUN_DIR/lab.env"
tests_work_dir storage

BIN=${BRIDGELAB_BIN:-bin}
case $BIN in
*build/*/bin) TOOL=$(dirname "$BIN")/tests/storage_tool ;;
*) TOOL=build/release/tests/storage_tool ;;
esac
PY=.deps/venv/bin/python
# a container of its own: the lab's sink writes "lake"
CONTAINER=storage-suite
URL=$AZURITE_BLOB/$CONTAINER
KEY=$AZURITE_KEY_FILE

st() { "$TOOL" -u "$URL" -k "$KEY" -w 50 "$@"; }
sdk() { "$PY" tests/integration/storage_check.py "$AZURITE_BLOB" "$KEY" "$CONTAINER" "$@"; }
sortmeta() { "$PY" tests/integration/storage_check.py - - - sortmeta; }
local_st() { "$TOOL" -u "file://$WORK/lake" "$@"; }
random_file() { head -c "$2" /dev/urandom >"$1"; }
same() { cmp -s "$1" "$2"; }

check "storage_tool is built ($TOOL)" test -x "$TOOL"
check "Microsoft's SDK is in .deps/venv (make deps)" "$PY" -c 'import azure.storage.blob'
check "the lab wrote Azurite's key file" test -s "$KEY"

# --- the container --------------------------------------------------------------
check_ran "open a missing container: not found, and how to create it" 2 "$WORK/open-missing" \
  "container $CONTAINER does not exist in account devstoreaccount1: create it or set sink.create.container=true" st open
check_ran "open with create: made, described without the key" 0 "$WORK/open-create" \
  "^azure blob $AZURITE_BLOB/$CONTAINER \(SharedKey\)$" st -c open
check "... and the SDK sees the container" sdk exists
check "... the key is in no output" bash -c "! grep -qF '$(cat "$KEY")' '$WORK/open-missing' '$WORK/open-create'"

# --- put and read back ------------------------------------------------------------
random_file "$WORK/small" 1000
check "a small put (one Put Blob)" logged "$WORK/put-small" \
  st put dir/small.bin "$WORK/small" -T text/plain -m start_offset=0000000042 -m records=7
st get dir/small.bin >"$WORK/small.back" 2>"$WORK/get-small.err"
check "... reads back byte for byte" same "$WORK/small" "$WORK/small.back"
random_file "$WORK/big" 300000
check "a multi-block put (block size 64 KiB)" logged "$WORK/put-big" \
  st -b 65536 put dir/big.json "$WORK/big" -T application/json -x -m records=300000
st get dir/big.json >"$WORK/big.back" 2>"$WORK/get-big.err"
check "... reads back byte for byte" same "$WORK/big" "$WORK/big.back"
check_eq "... Azurite committed it as 5 blocks (Put Block List)" 5 "$(sdk blocks dir/big.json 2>>"$WORK/sdk.log")"
st get dir/big.json 65530 20 >"$WORK/range" 2>"$WORK/get-range.err"
check "... a range across two blocks" same "$WORK/range" <(tail -c +65531 "$WORK/big" | head -c 20)

# --- create only ------------------------------------------------------------------
random_file "$WORK/other" 5000
check_ran "create-only over an existing blob (one Put Blob): exists" 3 "$WORK/absent-small" \
  "put 'dir/small.bin': the name is taken \(409 BlobAlreadyExists\)" st put dir/small.bin "$WORK/other" -x -m records=1
check_ran "create-only over an existing blob (blocks): exists" 3 "$WORK/absent-big" "the name is taken" \
  st -b 1000 put dir/big.json "$WORK/other" -x
st get dir/small.bin >"$WORK/small.after" 2>>"$WORK/get.err"
st get dir/big.json >"$WORK/big.after" 2>>"$WORK/get.err"
check "... both blobs untouched" bash -c "cmp -s '$WORK/small' '$WORK/small.after' && cmp -s '$WORK/big' '$WORK/big.after'"
st head dir/small.bin >"$WORK/head-small" 2>>"$WORK/get.err"
check_eq "... and their metadata too" "meta	records=7|meta	start_offset=0000000042|size	1000" \
  "$(sort "$WORK/head-small" | paste -sd'|')"
check "create-only on a new name" logged "$WORK/absent-new" st put dir/new.bin "$WORK/other" -x

# --- names ---------------------------------------------------------------------------
names=("a b/c d.txt" "pct/100%.txt" "plus/a+b=c.txt" "utf8/ünïcødé €.txt" "mixed/ 50% + ü & <x>.txt")
for n in "${names[@]}"; do
  printf '%s' "$n" >"$WORK/name"
  st put "$n" "$WORK/name" 2>>"$WORK/names.err"
  st get "$n" >"$WORK/name.back" 2>>"$WORK/names.err"
  check "name '$n': put and read back" same "$WORK/name" "$WORK/name.back"
done
st list >"$WORK/list-all" 2>"$WORK/list-all.err"
for n in "${names[@]}"; do
  check "name '$n': listed exactly" grep -qxF "$n	$(printf '%s' "$n" | wc -c)" "$WORK/list-all"
done

# --- listings: prefix, delimiter, many pages -------------------------------------------
for i in $(seq -w 1 120); do printf 'n%s' "$i" | st put "many/f$i" - -m n="$i" 2>>"$WORK/many.err"; done
for d in 3 1 2; do for f in x y; do printf '%s' "$d$f" | st put "tree/d$d/$f" - 2>>"$WORK/many.err"; done; done
printf 'top' | st put tree/top - 2>>"$WORK/many.err"
st -p 7 list many/ -M >"$WORK/list-many" 2>"$WORK/list-many.err"
check_eq "120 blobs listed over pages of 7" 120 "$(wc -l <"$WORK/list-many")"
check "... in name order" bash -c "LC_ALL=C sort -c '$WORK/list-many'"
check_eq "... each once, with its size and metadata" "many/f001	4	n=001|many/f120	4	n=120" \
  "$(sed -n '1p;$p' "$WORK/list-many" | paste -sd'|')"
check_eq "a delimiter listing over pages of 2: folders and files in name order" \
  "tree/d1/	-|tree/d2/	-|tree/d3/	-|tree/top	3" "$(st -p 2 list tree/ -d / 2>>"$WORK/list.err" | paste -sd'|')"
check_eq "a prefix in mid-name" "many/f100	4|many/f101	4" "$(st list many/f10 2>>"$WORK/list.err" | sed -n '1,2p' | paste -sd'|')"
check_eq "a prefix matching nothing" "" "$(st list nothing/ 2>>"$WORK/list.err")"

# --- the SDK reads what the client wrote ------------------------------------------------
st list -M 2>>"$WORK/list.err" | sortmeta >"$WORK/ours"
sdk list "" >"$WORK/theirs" 2>>"$WORK/sdk.log"
check "the SDK lists what the client wrote: names, sizes, metadata ($(wc -l <"$WORK/ours") blobs)" \
  diff "$WORK/ours" "$WORK/theirs"
sdk download dir/big.json "$WORK/big.sdk" 2>>"$WORK/sdk.log"
check "the SDK downloads the multi-block blob byte for byte" same "$WORK/big" "$WORK/big.sdk"
sdk download "utf8/ünïcødé €.txt" "$WORK/utf8.sdk" 2>>"$WORK/sdk.log"
check "the SDK downloads a UTF-8 name" same <(printf '%s' "utf8/ünïcødé €.txt") "$WORK/utf8.sdk"
check_eq "the SDK sees the content type and metadata of a Put Blob" \
  "type	text/plain|meta	records=7|meta	start_offset=0000000042" \
  "$(sdk props dir/small.bin 2>>"$WORK/sdk.log" | paste -sd'|')"
check_eq "... and of a Put Block List" "type	application/json|meta	records=300000" \
  "$(sdk props dir/big.json 2>>"$WORK/sdk.log" | paste -sd'|')"

# --- the client reads what the SDK wrote --------------------------------------------------
random_file "$WORK/sdkfile" 70000
sdk upload "sdk/written by the SDK ü+%.bin" "$WORK/sdkfile" application/x-test writer=sdk offset=9 2>>"$WORK/sdk.log"
st get "sdk/written by the SDK ü+%.bin" >"$WORK/sdkfile.back" 2>"$WORK/get-sdk.err"
check "the client reads what the SDK wrote" same "$WORK/sdkfile" "$WORK/sdkfile.back"
check_eq "... with its metadata" "meta	offset=9|meta	writer=sdk|size	70000" \
  "$(st head "sdk/written by the SDK ü+%.bin" 2>>"$WORK/get.err" | sort | paste -sd'|')"

# --- credentials ---------------------------------------------------------------------------
sed 's/^..../AAAA/' "$KEY" >"$WORK/wrong.key"
check_ran "a wrong key: denied, naming the credential and the cause" 4 "$WORK/wrong-key" \
  "open: denied \(403 [A-Za-z]+\) with SharedKey for account devstoreaccount1: .*the key is wrong" \
  "$TOOL" -u "$URL" -k "$WORK/wrong.key" open
check "... in one line, without the key" bash -c \
  "[ \$(wc -l <'$WORK/wrong-key') = 1 ] && ! grep -qF -e '$(cat "$WORK/wrong.key")' -e '$(cat "$KEY")' '$WORK/wrong-key'"
for kind in valid expired read; do sdk sas "$kind" >"$WORK/sas.$kind" 2>>"$WORK/sdk.log"; done
sig=$(sed -n 's/.*sig=\([^&]*\).*/\1/p' "$WORK/sas.valid")
check "the SDK made the SAS tokens" test -n "$sig"
sas_st() { "$TOOL" -u "$URL" -s "$WORK/sas.$1" -w 50 "${@:2}"; }
check_ran "a valid SAS: open" 0 "$WORK/sas-open" "\(SAS\)$" sas_st valid open
check "... put" logged "$WORK/sas-put" sas_st valid put sas/file "$WORK/small" -m via=sas
sas_st valid get sas/file >"$WORK/sas.back" 2>"$WORK/sas-get.err"
check "... get" same "$WORK/small" "$WORK/sas.back"
check_ran "... list" 0 "$WORK/sas-list" "^sas/file	1000	via=sas$" sas_st valid list sas/ -M
check_ran "an expired SAS: denied, saying when it expired" 4 "$WORK/sas-expired" \
  "open: denied \(403 [A-Za-z]+\) with the SAS: the SAS expired at 20[0-9-]+T[0-9:]+Z: make a new one" \
  sas_st expired open
check "a read-and-list SAS: open and get" logged "$WORK/sas-read" sas_st read get sas/file
check_ran "... a put is denied, naming the permission" 4 "$WORK/sas-read-put" \
  "put 'sas/x': denied \(403 AuthorizationPermissionMismatch\) with the SAS: the SAS does not allow put \(it grants sp=rl; put needs c and w" \
  sas_st read put sas/x "$WORK/small"
check "no SAS signature in any output" bash -c \
  "! grep -lF -e '$sig' -e 'sig=' '$WORK'/sas-* '$WORK/wrong-key'"

# --- Azurite stopped --------------------------------------------------------------------
logged "$WORK/lab.log" ./lab down azurite
check_ran "Azurite down, past the retry limit: unavailable, naming the address" 5 "$WORK/down-limit" \
  "open: no answer from http://127.0.0.1:$LAB_AZURITE_PORT after 3 attempts .*start the service \(Azurite: ./lab up azurite\)" \
  st -r 2 get dir/small.bin
random_file "$WORK/restart" 200000
bg_start "$WORK/put-restart.log" st -w 200 -b 65536 put restart/file "$WORK/restart" -x -m during=restart
putter=$BG_PID
sleep 1
check "... a put started while it is down is still retrying" running "$putter"
check "Azurite back (./lab up azurite)" logged "$WORK/lab.log" ./lab up azurite
check_exit "... the put goes through once it is back" "$putter"
check "... after retries it logged" grep -q "retry [0-9]* of 8" "$WORK/put-restart.log"
st get restart/file >"$WORK/restart.back" 2>"$WORK/get-restart.err"
check "... and the blob is whole" same "$WORK/restart" "$WORK/restart.back"
check "the blobs written before the restart are still there" bash -c \
  "'$TOOL' -u '$URL' -k '$KEY' get dir/big.json | cmp -s - '$WORK/big'"

# --- delete ----------------------------------------------------------------------------------
check "delete" logged "$WORK/delete" st delete dir/new.bin
check_ran "... then it is not found" 2 "$WORK/deleted-get" "get 'dir/new.bin': no such blob" st get dir/new.bin
check_ran "... and deleting again is not found" 2 "$WORK/deleted-again" "no such blob" st delete dir/new.bin

# --- the local folder store -----------------------------------------------------------------
check_ran "local: a missing folder is not found" 2 "$WORK/local-missing" "does not exist" local_st open
check_ran "local: created" 0 "$WORK/local-open" "^local folder $WORK/lake$" local_st -c open
both_failed=0
same_put() { # NAME FILE ARGS...: the same put on both stores
  st put "$@" 2>>"$WORK/both.err" && local_st put "$@" 2>>"$WORK/both.err" || both_failed=$((both_failed + 1))
}
same_put both/small.bin "$WORK/small" -m records=7 -m start_offset=0000000042
same_put both/big.json "$WORK/big" -b 65536 -m records=300000
for n in "${names[@]}"; do printf '%s' "$n" >"$WORK/name" && same_put "both/$n" "$WORK/name"; done
for i in $(seq -w 1 30); do printf 'n%s' "$i" >"$WORK/n" && same_put "both/many/f$i" "$WORK/n" -m n="$i"; done
check_eq "local and Azurite: the same 37 puts (small, multi-block, odd names, metadata) on both" 0 "$both_failed"
local_st get both/big.json >"$WORK/local-big" 2>>"$WORK/both.err"
check "local: the multi-block file reads back" same "$WORK/big" "$WORK/local-big"
check_ran "local: create-only over an existing file: exists" 3 "$WORK/local-absent" "the name is taken" \
  local_st put both/small.bin "$WORK/other" -x
local_st get both/small.bin >"$WORK/local-small" 2>>"$WORK/both.err"
check "local: ... untouched" same "$WORK/small" "$WORK/local-small"
st list both/ -M 2>>"$WORK/both.err" | sortmeta >"$WORK/both-azure"
local_st list both/ -M 2>>"$WORK/both.err" | sortmeta >"$WORK/both-local"
check "local and Azurite list the same names, sizes and metadata ($(wc -l <"$WORK/both-local") files)" \
  diff "$WORK/both-azure" "$WORK/both-local"
check "... with a delimiter too" diff <(st -p 3 list both/ -d / 2>>"$WORK/both.err") \
  <(local_st list both/ -d / 2>>"$WORK/both.err")
check "... and a prefix in mid-name" diff <(st list both/many/f1 2>>"$WORK/both.err") \
  <(local_st list both/many/f1 2>>"$WORK/both.err")
check "local: no temporary file left" bash -c "! find '$WORK/lake' -name '.tmp.*' | grep -q ."

tap_finish
