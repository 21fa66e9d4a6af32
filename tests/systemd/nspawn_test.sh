#!/usr/bin/env bash
# End to end under a real systemd: boots a throwaway container with
#   systemd-nspawn -D / --volatile=yes --private-network -b
# (an in-memory root over the host's read-only /usr, never the host's own systemd),
# installs the units and the built binary in it, and checks with systemctl and
# journalctl: socket-activated start, active (running) after READY with the STATUS
# text, reload keeps the same process, journald parses the log priorities, the
# watchdog does not fire, stop ends cleanly. Exit 77 (skipped) unless root with
# systemd-nspawn (Debian's systemd-container).
#   nspawn_test.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
build=$1
src=$2
if [ "$(id -u)" -ne 0 ] || ! command -v systemd-nspawn >/dev/null 2>&1; then
  echo "SKIP: needs root and systemd-nspawn (apt-get install systemd-container)"
  exit 77
fi
work=$(mktemp -d)
machine="feedd-test-$$"
source "$(dirname "${BASH_SOURCE[0]}")/container.sh"
trap 'stop_container; rm -rf "$work"' EXIT

# Boot to basic.target (the default target waits minutes for a network there is not).
boot_container "$work/console.log" basic.target -D / --volatile=yes --machine="$machine"

# Install: binary, units (watchdog shortened to 3 s), configuration, articles.
inside mkdir -p /opt/feedd /srv/feedd/articles /etc/feedd /etc/systemd/system/feedd.service.d
inside sh -c 'cat > /opt/feedd/feedd && chmod 755 /opt/feedd/feedd' <"$build/daemon/feedd"
sed 's|@FEEDD_EXEC@|/opt/feedd/feedd|; s|@FEEDD_CONFIG@|/etc/feedd/feedd.toml|' \
  "$src/systemd/feedd.service.in" | inside sh -c 'cat > /etc/systemd/system/feedd.service'
inside sh -c 'cat > /etc/systemd/system/feedd.socket' <"$src/systemd/feedd.socket"
printf '[Service]\nWatchdogSec=3s\n' | inside sh -c 'cat > /etc/systemd/system/feedd.service.d/test.conf'
printf 'input = "/srv/feedd/articles"\nbase_url = "http://feedd.test"\ntitle = "In A Container"\n' |
  inside sh -c 'cat > /etc/feedd/feedd.toml'
n=0
for f in "$src"/examples/articles/*; do
  inside sh -c "cat > '/srv/feedd/articles/$(basename "$f")'" <"$f"
  n=$((n + 1))
done
head -c 3000 /dev/urandom | inside sh -c 'cat > /srv/feedd/articles/binary.txt'
inside chmod -R a+rX /srv /opt/feedd /etc/feedd
inside systemctl daemon-reload

show() { inside systemctl show feedd.service -p "$1" --value; }
get() { inside bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080 && printf "GET $0 HTTP/1.0\r\n\r\n" >&3 && cat <&3' "$1"; }

check "the socket starts" inside systemctl start feedd.socket
check "the service waits for a first connection" test "$(show ActiveState)" = inactive
response=$(get /rss.xml)
check "the first connection is served the whole feed" \
  test "$(grep -o '<item>' <<<"$response" | wc -l)" -eq "$n"
check "it carries the configured title" grep -q '<title>In A Container</title>' <<<"$response"
check "the service is active (running)" test "$(show ActiveState)/$(show SubState)" = active/running
check "its status says what it serves" grep -q "^serving $n articles; last regeneration " <<<"$(show StatusText)"
check "it serves on the socket systemd passed" \
  grep -q 'socket feedd.socket from systemd' <<<"$(inside journalctl -u feedd --no-pager)"
pid=$(show MainPID)
worker=$(inside sh -c "cat /proc/$pid/task/*/children" | awk '{print $1; exit}')
check "articles are parsed in a child process" test -n "$worker"
check "the parse worker runs under its memory limit despite the system-call filter" \
  grep -q '^Max address space *4294967296 ' <<<"$(inside cat /proc/"$worker"/limits)"
check "reload succeeds" inside systemctl reload feedd.service
check "reload keeps the same process" test "$(show MainPID)" = "$pid"
check "reload keeps it running" test "$(show ActiveState)" = active
sleep 5  # beyond the 3 s watchdog: only pings keep it alive
check "the watchdog did not fire" test "$(show NRestarts)/$(show MainPID)" = "0/$pid"
warnings=$(inside journalctl -u feedd -p warning..warning -o cat --no-pager)
infos=$(inside journalctl -u feedd -p info..info -o cat --no-pager)
check "journald files warnings as priority 4" grep -q '^skipping binary.txt: binary data, not text$' <<<"$warnings"
check "journald files information as priority 6" grep -q '^published [0-9]* articles' <<<"$infos"
check "and not the other way round" bash -c '! grep -q "^published" <<<"$1"' _ "$warnings"
check "no timestamps in the journal's text" \
  bash -c '! grep -q "\[info\]" <<<"$1"' _ "$(inside journalctl -u feedd -o cat --no-pager)"
check "stop succeeds" inside systemctl stop feedd.service feedd.socket
check "it stopped cleanly" test "$(show Result)" = success
check "the log says so" grep -q '^stopped$' <<<"$(inside journalctl -u feedd -o cat --no-pager)"
check "the state was kept in the StateDirectory" inside test -s /var/lib/private/feedd/state.db

if [ "$failures" -ne 0 ]; then
  echo "--- journal"
  inside journalctl -u feedd --no-pager | tail -30
  echo "0 passed, $failures failed"
  exit 1
fi
echo "feedd ran under systemd in a container: every check passed"
