# TAP helpers shared by the integration suites: each check prints
# "ok N - what" or "not ok N - what"; tests/run counts them.
tap_n=0
tap_failed=0

ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok() { tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - $*"; }

# check "what" command...: passes when the command exits 0.
check() {
  local what=$1
  shift
  if "$@"; then ok "$what"; else not_ok "$what"; fi
}

# check_eq "what" expected actual
check_eq() {
  if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (expected '$2', got '$3')"; fi
}

# diag: a comment line in the TAP stream
diag() { echo "# $*"; }

tap_finish() {
  echo "1..$tap_n"
  [ "$tap_failed" -eq 0 ]
}
