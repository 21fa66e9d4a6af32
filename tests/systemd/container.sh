# Shared by the tests that run feedd under a real systemd in a throwaway container
# (nspawn_test.sh, package_test.sh). Sourced, not run.
#   boot_container LOG TARGET NSPAWN_ARGS...: boots systemd-nspawn ... -b to TARGET in
#     the background (console to LOG), sets nspawn_pid and leader, waits until the
#     system runs; exits 77 (skipped) with the reason when it does not boot or its
#     loopback network does not work.
#   inside CMD...: runs CMD in the container.
#   stop_container: powers it off (then kills nspawn if it lingers).
#   check DESCRIPTION CMD...: one "ok:" or "FAIL:" line; counts failures.
nspawn_pid=""
leader=""
failures=0

inside() { nsenter -t "$leader" -a "$@"; }

check() {
  local what=$1
  shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}

stop_container() {
  [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null || return 0
  [ -n "$leader" ] && inside systemctl poweroff >/dev/null 2>&1
  for _ in $(seq 100); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.1; done
  kill "$nspawn_pid" 2>/dev/null
  wait "$nspawn_pid" 2>/dev/null
}

boot_container() {
  local log=$1 target=$2
  shift 2
  systemd-nspawn --quiet --register=no --keep-unit --private-network --console=passive \
    "$@" -b "systemd.unit=$target" systemd.firstboot=no >"$log" 2>&1 &
  nspawn_pid=$!
  for _ in $(seq 300); do
    leader=$(pgrep -P "$nspawn_pid" -x systemd | head -1)
    [ -n "$leader" ] && break
    sleep 0.1
  done
  local booted="" state=""
  for _ in $(seq 300); do
    [ -n "$leader" ] || break
    state=$(inside systemctl is-system-running 2>/dev/null)
    case $state in running|degraded) booted=yes; break ;; esac
    sleep 0.2
  done
  if [ -z "$booted" ]; then
    echo "SKIP: the container did not boot here (state: ${state:-none}); console:"
    tail -5 "$log"
    exit 77
  fi
  # Inside a container whose own network namespace cannot be set up for a nested
  # one (seen on a minimal Debian 12 in a container: "Network is unreachable"),
  # nothing here could be tested. Loopback works when a connection to a closed
  # port is refused at once; a down loopback times out or is unreachable.
  local lo lo_rc
  lo=$(inside timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/1' 2>&1)
  lo_rc=$?
  if [ "$lo_rc" -ne 0 ] && ! grep -qi "refused" <<<"$lo"; then
    echo "SKIP: the container's loopback network does not work (a nested systemd-nspawn here?): ${lo:-no answer in 5 s}"
    exit 77
  fi
}
