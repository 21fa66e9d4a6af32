#!/usr/bin/env bash
# scripts/run's command line (run_args in scripts/lib.sh): its defaults, and each one
# replaced, not doubled, when the user names that setting.
#   run_args_test.sh SOURCE_DIR
set -uo pipefail
source "$1/scripts/lib.sh"
set +e
failures=0
expect() {  # expect DESCRIPTION "WANTED ARGS" ARG...
  local what=$1 want=$2
  shift 2
  local got
  got=$(run_args "$@" | tr '\n' ' ')
  if [ "$got" = "$want " ]; then echo "ok: $what"; else echo "FAIL: $what: got '$got', want '$want'"; failures=$((failures + 1)); fi
}
ex="$FEEDD_ROOT/examples/articles"
expect "the defaults" "--input $ex --listen 127.0.0.1:8080 --title feedd examples"
expect "--listen replaces the default address (the links follow it)" \
  "--input $ex --title feedd examples --listen 127.0.0.1:9090" --listen 127.0.0.1:9090
expect "--listen=ADDR too" "--input $ex --title feedd examples --listen=[::1]:9090" --listen=[::1]:9090
expect "two of the user's addresses, no third" \
  "--input $ex --title feedd examples --listen 127.0.0.1:9090 --listen [::1]:9090" \
  --listen 127.0.0.1:9090 --listen [::1]:9090
expect "--base-url keeps the default address" \
  "--input $ex --listen 127.0.0.1:8080 --title feedd examples --base-url https://ex.org" \
  --base-url https://ex.org
expect "--input and --title replace theirs" "--listen 127.0.0.1:8080 --input /srv/a --title T" \
  --input /srv/a --title T
expect "--config: the file says" "--config /etc/feedd/feedd.toml" --config /etc/feedd/feedd.toml
[ "$failures" -eq 0 ] || exit 1
