#!/usr/bin/env bash
# lab: mysql
# The binlog row decoder (bridge/cdc/binlog_rows.c) on real binlog bytes: a scratch
# database gets one table per type family and edge values (integer limits
# signed and unsigned, negative and scale-0/scale-p decimals, zero dates,
# negative and >24h TIME, fsp 0..6, emoji and CJK, 64 KiB+ text, ENUM/SET,
# BIT, JSON, NULLs, UPDATE and DELETE, a binlog_row_image=MINIMAL session, old
# temporal types, tables mapped without full metadata); binlog_capture reads
# the binlog from before the workload to its end and keeps each TABLE_MAP and
# rows event of the scratch database; the cmocka suite test_binlog_rows then
# decodes them and checks every value (BINLOG_FIXTURES=<capture folder>).
#
#   tests/run binlog                         as part of the test runner
#   tests/integration/binlog.sh --update-fixtures
#       (with LAB_RUN_DIR set to a running lab) also refreshes the small
#       checked-in capture in tests/unit/data/binlog/ (all but t_bigtext).
set -uo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$top" || exit 1
. tests/lib.sh
. "$LAB_RUN_DIR/lab.env"

update_fixtures=0
[ "${1:-}" = "--update-fixtures" ] && update_fixtures=1

ROOT_CNF=$LAB_RUN_DIR/mysql/root.cnf
CAPTURE=$top/build/asan/tests/binlog_capture
DECODER_TESTS=$top/build/asan/tests/test_binlog_rows
OUT=$top/build/binlog-capture
FIXTURES=$top/tests/unit/data/binlog
DB=binlog_test

sql() { mariadb --defaults-file="$ROOT_CNF" -N -B "$@"; }

# Comma-separated quoted names: list PREFIX N -> 'PREFIX1','PREFIX2',...
list() {
  local i out=
  for ((i = 1; i <= $2; i++)); do out+="${out:+,}'$1$i'"; done
  printf '%s' "$out"
}

# The workload. The expected values in tests/unit/test_binlog_rows.c follow it
# statement by statement: change one, change the other.
workload() {
  local i cols='' vals=''
  cat <<'SQL'
SET SESSION sql_mode = '';
SET SESSION time_zone = '+00:00';
SET SESSION binlog_row_image = FULL;
DROP DATABASE IF EXISTS binlog_test;
CREATE DATABASE binlog_test CHARACTER SET utf8mb4;
USE binlog_test;

CREATE TABLE t_int (id INT PRIMARY KEY, ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, su SMALLINT UNSIGNED,
  mi MEDIUMINT, mu MEDIUMINT UNSIGNED, ii INT, iu INT UNSIGNED, bi BIGINT, bu BIGINT UNSIGNED);
INSERT INTO t_int VALUES (1, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0);
INSERT INTO t_int VALUES (2, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295,
  9223372036854775807, 18446744073709551615),
  (3, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1), (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
UPDATE t_int SET ti = 0, bu = 18446744073709551614, ii = NULL WHERE id = 3;
DELETE FROM t_int WHERE id = 4;

CREATE TABLE t_decimal (id INT PRIMARY KEY, d DECIMAL(10,2), d0 DECIMAL(5,0), dp DECIMAL(4,4),
  d18 DECIMAL(18,9), d65 DECIMAL(65,0), d6530 DECIMAL(65,30), du DECIMAL(7,3) UNSIGNED);
INSERT INTO t_decimal VALUES (1, 0, 0, 0, 0, 0, 0, 0),
  (2, -12.50, -99999, -0.9999, -123456789.123456789,
   -99999999999999999999999999999999999999999999999999999999999999999,
   -99999999999999999999999999999999999.999999999999999999999999999999, 9999.999),
  (3, 12345678.99, 12345, 0.0001, 0.000000001, 1, 1.000000000000000000000000000001, 0.001),
  (4, -0.01, -1, -0.5, -1.5, 12345678901234567890, -0.000000000000000000000000000001, 1000),
  (5, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

CREATE TABLE t_float (id INT PRIMARY KEY, f FLOAT, d DOUBLE);
INSERT INTO t_float VALUES (1, 0, 0), (2, 3.14, 3.141592653589793), (3, -1.5, -2.2250738585072014e-308),
  (4, 3.40282e38, 1.7976931348623157e308), (5, NULL, NULL);

CREATE TABLE t_char (id INT PRIMARY KEY, c CHAR(10), c255 CHAR(255), vs VARCHAR(63), v64 VARCHAR(64),
  vl VARCHAR(5000), bn BINARY(4), vb1 VARBINARY(255), vb VARBINARY(300), cb CHAR(5) COLLATE utf8mb4_bin);
INSERT INTO t_char VALUES (1, 'abc  ', 'x', 'short', 'sixty-four', 'long', 'ab', x'00ff00', x'', 'Z');
INSERT INTO t_char VALUES (2, '😀日本語', REPEAT('😀', 255), REPEAT('é', 63), REPEAT('日', 64), REPEAT('ü😀', 100),
  x'01020304', REPEAT(x'ab', 255), REPEAT(x'cd', 300), 'ñ'),
  (3, '', '', '', '', '', '', '', '', ''), (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
UPDATE t_char SET c = 'new', vb = x'0a0b' WHERE id = 1;

CREATE TABLE t_text (id INT PRIMARY KEY, tt TINYTEXT, t TEXT, mt MEDIUMTEXT, lt LONGTEXT,
  tb TINYBLOB, b BLOB, mb MEDIUMBLOB, lb LONGBLOB);
INSERT INTO t_text VALUES (1, 'a', '日本', '😀', 'long text', x'00', x'0102', x'', x'ff'),
  (2, '', '', '', '', '', '', '', ''), (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
DELETE FROM t_text WHERE id = 1;

CREATE TABLE t_bigtext (id INT PRIMARY KEY, t TEXT, mt MEDIUMTEXT, lb LONGBLOB);
INSERT INTO t_bigtext VALUES (1, REPEAT('a', 65535), REPEAT('日本語😀', 6000), REPEAT(x'00ff', 40000));

CREATE TABLE t_date (id INT PRIMARY KEY, d DATE, dt0 DATETIME(0), dt1 DATETIME(1), dt2 DATETIME(2),
  dt3 DATETIME(3), dt4 DATETIME(4), dt5 DATETIME(5), dt6 DATETIME(6));
INSERT INTO t_date VALUES
  (1, '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00', '0000-00-00 00:00:00', '0000-00-00 00:00:00',
   '0000-00-00 00:00:00', '0000-00-00 00:00:00', '0000-00-00 00:00:00'),
  (2, '1000-01-01', '1000-01-01 00:00:00', '1000-01-01 00:00:00.0', '1000-01-01 00:00:00.00',
   '1000-01-01 00:00:00.000', '1000-01-01 00:00:00.0000', '1000-01-01 00:00:00.00000',
   '1000-01-01 00:00:00.000000'),
  (3, '9999-12-31', '9999-12-31 23:59:59', '9999-12-31 23:59:59.9', '9999-12-31 23:59:59.99',
   '9999-12-31 23:59:59.999', '9999-12-31 23:59:59.9999', '9999-12-31 23:59:59.99999',
   '9999-12-31 23:59:59.999999'),
  (4, '2024-02-29', '2024-02-29 12:34:56', '2024-02-29 12:34:56.1', '2024-02-29 12:34:56.12',
   '2024-02-29 12:34:56.123', '2024-02-29 12:34:56.1234', '2024-02-29 12:34:56.12345',
   '2024-02-29 12:34:56.123456'),
  (5, '2024-00-00', '2024-02-00 01:02:03', NULL, NULL, NULL, NULL, NULL, '2000-01-01 00:00:00.000001'),
  (6, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

CREATE TABLE t_time (id INT PRIMARY KEY, t0 TIME(0), t1 TIME(1), t2 TIME(2), t3 TIME(3), t4 TIME(4),
  t5 TIME(5), t6 TIME(6));
INSERT INTO t_time VALUES
  (1, '-838:59:59', '-838:59:59.9', '-838:59:59.99', '-838:59:59.999', '-838:59:59.9999', '-838:59:59.99999',
   '-838:59:59.999999'),
  (2, '838:59:59', '838:59:59.9', '838:59:59.99', '838:59:59.999', '838:59:59.9999', '838:59:59.99999',
   '838:59:59.999999'),
  (3, '-00:00:01', '-00:00:00.1', '-00:00:00.01', '-00:00:00.001', '-00:00:00.0001', '-00:00:00.00001',
   '-00:00:00.000001'),
  (4, '25:30:15', '25:30:15.1', '25:30:15.12', '25:30:15.123', '25:30:15.1234', '25:30:15.12345',
   '25:30:15.123456'),
  (5, '-00:00:01', '-00:00:01.5', '-00:00:01.55', '-00:00:01.555', '-00:00:01.5555', '-00:00:01.55555',
   '-00:00:01.555555'),
  (6, '00:00:00', '00:00:00', '00:00:00', '00:00:00', '00:00:00', '00:00:00', '00:00:00'),
  (7, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

CREATE TABLE t_ts (id INT PRIMARY KEY, ts0 TIMESTAMP(0) NULL DEFAULT NULL, ts1 TIMESTAMP(1) NULL DEFAULT NULL,
  ts2 TIMESTAMP(2) NULL DEFAULT NULL, ts3 TIMESTAMP(3) NULL DEFAULT NULL, ts4 TIMESTAMP(4) NULL DEFAULT NULL,
  ts5 TIMESTAMP(5) NULL DEFAULT NULL, ts6 TIMESTAMP(6) NULL DEFAULT NULL);
INSERT INTO t_ts VALUES
  (1, '1970-01-01 00:00:01', '1970-01-01 00:00:01.0', '1970-01-01 00:00:01.00', '1970-01-01 00:00:01.000',
   '1970-01-01 00:00:01.0000', '1970-01-01 00:00:01.00000', '1970-01-01 00:00:01.000000'),
  (2, '2038-01-19 03:14:07', '2038-01-19 03:14:07.9', '2038-01-19 03:14:07.99', '2038-01-19 03:14:07.999',
   '2038-01-19 03:14:07.9999', '2038-01-19 03:14:07.99999', '2038-01-19 03:14:07.999999'),
  (3, '0000-00-00 00:00:00', '0000-00-00 00:00:00', '0000-00-00 00:00:00', '0000-00-00 00:00:00',
   '0000-00-00 00:00:00', '0000-00-00 00:00:00', '0000-00-00 00:00:00'),
  (4, '2024-02-29 12:34:56', '2024-02-29 12:34:56.1', '2024-02-29 12:34:56.12', '2024-02-29 12:34:56.123',
   '2024-02-29 12:34:56.1234', '2024-02-29 12:34:56.12345', '2024-02-29 12:34:56.123456'),
  (5, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

CREATE TABLE t_year (id INT PRIMARY KEY, y YEAR);
INSERT INTO t_year VALUES (1, 1901), (2, 2155), (3, 0), (4, 2024), (5, NULL);
SQL
  cat <<SQL
CREATE TABLE t_enum (id INT PRIMARY KEY, e ENUM('a','b','c'), e300 ENUM($(list v 300)), eu ENUM('😀','日本'));
SQL
  cat <<'SQL'
INSERT INTO t_enum VALUES (1, 'a', 'v1', '😀'), (2, 'c', 'v300', '日本'), (3, 'zzz', 'v2', NULL),
  (4, NULL, NULL, NULL);
UPDATE t_enum SET e = 'b', e300 = 'v299' WHERE id = 1;
SQL
  cat <<SQL
CREATE TABLE t_set (id INT PRIMARY KEY, s SET('x','y','z'), s64 SET($(list m 64)), s9 SET($(list a 9)));
SQL
  cat <<'SQL'
INSERT INTO t_set VALUES (1, '', '', ''), (2, 'x,z', 'm1,m64', 'a9'),
  (3, 'x,y,z', 'm1,m2,m3,m4,m5,m6,m7,m8,m9,m10,m11,m12,m13,m14,m15,m16,m17,m18,m19,m20,m21,m22,m23,m24,m25,m26,m27,m28,m29,m30,m31,m32,m33,m34,m35,m36,m37,m38,m39,m40,m41,m42,m43,m44,m45,m46,m47,m48,m49,m50,m51,m52,m53,m54,m55,m56,m57,m58,m59,m60,m61,m62,m63,m64', 'a1,a2,a3,a4,a5,a6,a7,a8,a9'),
  (4, NULL, NULL, NULL);

CREATE TABLE t_bit (id INT PRIMARY KEY, b1 BIT(1), b8 BIT(8), b13 BIT(13), b64 BIT(64));
INSERT INTO t_bit VALUES (1, 0, 0, 0, 0), (2, 1, 255, 8191, 18446744073709551615),
  (3, 1, b'10100101', b'1000000000001', b'1'), (4, NULL, NULL, NULL, NULL);

CREATE TABLE t_json (id INT PRIMARY KEY, j JSON);
INSERT INTO t_json VALUES (1, '{"a": [1, 2.5, "😀"], "b": null}'), (2, '[]'), (3, NULL);

CREATE TABLE t_geom (id INT PRIMARY KEY, g POINT, txt VARCHAR(10));
INSERT INTO t_geom VALUES (1, ST_GeomFromText('POINT(1 2)'), 'x'), (2, NULL, NULL);

CREATE TABLE t_mariadb_types (id INT PRIMARY KEY, u UUID, i6 INET6);
INSERT INTO t_mariadb_types VALUES (1, '123e4567-e89b-12d3-a456-426655440000', '::1'), (2, NULL, NULL);
CREATE TABLE t_compressed (id INT PRIMARY KEY, vc VARCHAR(10) COMPRESSED);
INSERT INTO t_compressed VALUES (1, 'abc');

CREATE TABLE t_charset (id INT PRIMARY KEY, a VARCHAR(10) CHARACTER SET latin1, b VARCHAR(10),
  c VARBINARY(10), d TEXT CHARACTER SET latin1, e BLOB, f ENUM('x','y') CHARACTER SET latin1,
  g SET('p','q') CHARACTER SET utf8mb4, h CHAR(3) CHARACTER SET binary);
INSERT INTO t_charset VALUES (1, 'a', 'b', 'c', 'd', 'e', 'y', 'p,q', 'h');

CREATE TABLE t_minimal (id INT PRIMARY KEY, a INT, b VARCHAR(10), c INT);
INSERT INTO t_minimal VALUES (1, 10, 'x', 100), (2, 20, 'y', 200);
SET SESSION binlog_row_image = MINIMAL;
INSERT INTO t_minimal (id, b) VALUES (3, 'z');
UPDATE t_minimal SET b = 'w', c = NULL WHERE id = 1;
DELETE FROM t_minimal WHERE id = 2;
SET SESSION binlog_row_image = FULL;

CREATE TABLE t_pk (a INT NOT NULL, b VARCHAR(20), c INT NOT NULL, PRIMARY KEY (c, a));
INSERT INTO t_pk VALUES (1, 'one', 10);
CREATE TABLE t_pkprefix (id INT NOT NULL, name VARCHAR(100) NOT NULL, PRIMARY KEY (name(10), id));
INSERT INTO t_pkprefix VALUES (1, 'prefix');
CREATE TABLE t_nopk (a INT, b INT);
INSERT INTO t_nopk VALUES (1, 2);

CREATE TABLE t_bulk (id INT PRIMARY KEY, v INT);
INSERT INTO t_bulk SELECT seq, seq * 2 FROM seq_1_to_1000;
SQL
  for ((i = 1; i <= 300; i++)); do
    cols+="${cols:+, }c$i TINYINT"
    vals+="${vals:+, }$((i % 128))"
  done
  echo "CREATE TABLE t_wide ($cols);"
  echo "INSERT INTO t_wide VALUES ($vals);"
  # Old (pre-MySQL 5.6) temporal formats, and tables mapped without names.
  cat <<'SQL'
SET GLOBAL mysql56_temporal_format = OFF;
CREATE TABLE t_oldtime (id INT PRIMARY KEY, t TIME, dt DATETIME, ts TIMESTAMP NULL DEFAULT NULL);
SET GLOBAL mysql56_temporal_format = ON;
INSERT INTO t_oldtime VALUES (1, '-838:59:59', '1000-01-01 00:00:00', '1970-01-01 00:00:01'),
  (2, '123:45:06', '9999-12-31 23:59:59', '2038-01-19 03:14:07'),
  (3, '00:00:00', '0000-00-00 00:00:00', '0000-00-00 00:00:00'), (4, NULL, NULL, NULL);

CREATE TABLE t_meta_minimal (id INT UNSIGNED PRIMARY KEY, e ENUM('p','q'), s SET('m','n'), txt VARCHAR(5),
  bin VARBINARY(5));
CREATE TABLE t_meta_none (id INT UNSIGNED PRIMARY KEY, txt VARCHAR(5), bin VARBINARY(5));
SET GLOBAL binlog_row_metadata = MINIMAL;
INSERT INTO t_meta_minimal VALUES (4294967295, 'q', 'm,n', 'tx', x'ff');
SET GLOBAL binlog_row_metadata = NO_LOG;
INSERT INTO t_meta_none VALUES (4294967295, 'tx', x'ff');
SET GLOBAL binlog_row_metadata = FULL;
SQL
}

fail_all() {
  not_ok "$1"
  tap_finish
  exit 1
}

make --no-print-directory -s SANITIZE=1 build/asan/tests/binlog_capture build/asan/tests/test_binlog_rows >/dev/null ||
  fail_all "build binlog_capture and test_binlog_rows (make SANITIZE=1)"

read -r file pos < <(sql -e 'SHOW MASTER STATUS' | awk '{print $1, $2}')
check "the lab's binlog position is known ($file:$pos)" test -n "$file" -a -n "$pos"
workload >"$top/build/binlog-workload.sql"
check "the workload runs" sql --default-character-set=utf8mb4 -e "source $top/build/binlog-workload.sql"
# Whatever happened, the lab goes back to its settings.
sql -e 'SET GLOBAL mysql56_temporal_format = ON; SET GLOBAL binlog_row_metadata = FULL'
check_eq "t_bulk holds 1000 rows" 1000 "$(sql -e 'SELECT COUNT(*) FROM binlog_test.t_bulk')"

rm -rf "$OUT"
mkdir -p "$OUT"
"$CAPTURE" --defaults-file "$ROOT_CNF" --database "$DB" --out "$OUT" --file "$file" --pos "$pos" \
  --server-id $((4200 + $$ % 500)) >"$OUT/capture.log" 2>&1
rc=$?
check_eq "binlog_capture reads the binlog to its end and exits 0" 0 "$rc"
[ "$rc" -eq 0 ] || sed 's/^/# /' "$OUT/capture.log"
check "raw_data is the OK byte, the event and its CRC32" grep -qx 'checksum=crc32' "$OUT/info"
check "every table's events were captured" test "$(find "$OUT" -name '*.events' | wc -l)" -ge 27
track_log "$OUT/capture.log"
diag "$(tail -1 "$OUT/capture.log")"

# The decoder's cmocka suite on these bytes: each of its results is one of ours.
BINLOG_FIXTURES=$OUT CMOCKA_MESSAGE_OUTPUT=TAP "$DECODER_TESTS" >"$OUT/decoder.log" 2>&1
rc=$?
track_log "$OUT/decoder.log"
while IFS= read -r line; do
  case $line in
  "ok "*) ok "decoder: ${line#ok * - }" ;;
  "not ok "*) not_ok "decoder: ${line#not ok * - }" ;;
  "# ok - "* | "# not ok - "*) ;; # cmocka's summary line
  "#"*) echo "$line" ;;
  esac
done <"$OUT/decoder.log"
check_eq "test_binlog_rows on the fresh capture exits 0" 0 "$rc"
[ "$rc" -eq 0 ] || grep -vE '^(ok|not ok) ' "$OUT/decoder.log" | head -40 | sed 's/^/# /'

if [ "$update_fixtures" -eq 1 ]; then
  rm -f "$FIXTURES"/*.events "$FIXTURES"/info
  mkdir -p "$FIXTURES"
  for f in "$OUT"/*.events; do
    [ "$(basename "$f")" = t_bigtext.events ] || cp "$f" "$FIXTURES/"
  done
  cp "$OUT/info" "$FIXTURES/"
  diag "fixtures refreshed in $FIXTURES ($(du -sh "$FIXTURES" | cut -f1))"
fi

tap_finish
