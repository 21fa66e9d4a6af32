#!/usr/bin/env bash
# The Debian package, installed for real: builds it (scripts/package), then boots a
# throwaway container on an overlay of / whose upper layer is a tmpfs, in a private
# mount namespace (every write lands in memory, never on the host; systemd 252
# refuses --volatile=overlay on /), and there: dpkg -i gives a running service that
# serves the example articles on 127.0.0.1:8080; an edited /etc/feedd/feedd.toml
# survives a reinstall; dpkg --purge leaves no state behind. Exit 77 (skipped)
# unless root with systemd-nspawn, overlayfs and the packaging tools.
#   package_test.sh SOURCE_DIR
set -uo pipefail
src=$1
if [ "$(id -u)" -ne 0 ] || ! command -v systemd-nspawn >/dev/null 2>&1 || ! command -v unshare >/dev/null 2>&1; then
  echo "SKIP: needs root, systemd-nspawn and unshare"
  exit 77
fi
for tool in dpkg-buildpackage dh lintian; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool is not installed (debhelper dpkg-dev lintian; ./scripts/test installs them)"
    exit 77
  fi
done
if ! grep -qw overlay /proc/filesystems && ! modprobe overlay 2>/dev/null; then
  echo "SKIP: no overlay file system here"
  exit 77
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# FEEDD_TEST_DEB: a package already built by scripts/package (while working on this test).
deb=${FEEDD_TEST_DEB:-$(FEEDD_BUILD="$work/build" "$src/scripts/package" 2>"$work/package.log" | tail -1)}
if [ ! -f "$deb" ]; then
  echo "FAIL: scripts/package printed no package"
  tail -30 "$work/package.log"
  exit 1
fi
echo "ok: scripts/package built $(basename "$deb"), lintian without errors"

# Everything else inside a private mount namespace: the overlay and the container
# end with it.
unshare -m --propagation private bash -s "$deb" "$work" "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)" <<'INNER'
set -uo pipefail
deb=$1
work=$2
src_dir=$3
mem=$work/mem
mkdir -p "$mem"
mount -t tmpfs -o size=2G tmpfs "$mem" || { echo "SKIP: cannot mount a tmpfs"; exit 77; }
mkdir -p "$mem/upper" "$mem/work" "$mem/root"
if ! mount -t overlay overlay -o "lowerdir=/,upperdir=$mem/upper,workdir=$mem/work" "$mem/root"; then
  echo "SKIP: cannot mount an overlay of / here"
  exit 77
fi
root=$mem/root
# /tmp is a fresh tmpfs in the container: /var/tmp is not.
cp "$deb" "$root/var/tmp/feedd.deb"
# The host's container-style policy forbids starting services: inside only.
rm -f "$root/usr/sbin/policy-rc.d"
# A host that has the package or its state would hide what the package does.
rm -rf "$root/var/lib/feedd" "$root/var/lib/private/feedd" "$root/etc/feedd" "$root/srv/feedd"

source "$src_dir/container.sh"
trap stop_container EXIT
boot_container "$work/console.log" multi-user.target -D "$root" --machine="feedd-pkg-$$"

get() { inside curl -s --max-time 5 "http://127.0.0.1:8080$1"; }
serves() {  # serves PATH PATTERN: within 20 s
  for _ in $(seq 100); do
    get "$1" | grep -q "$2" && return 0
    sleep 0.2
  done
  return 1
}
check "dpkg -i installs it" inside dpkg -i /var/tmp/feedd.deb
examples=$(inside ls /usr/share/feedd/examples/articles 2>/dev/null | wc -l)
check "the service is enabled" test "$(inside systemctl is-enabled feedd.service)" = enabled
check "the socket is enabled and listening" test "$(inside systemctl is-active feedd.socket)" = active
check "the example articles are served on 127.0.0.1:8080" serves /rss.xml '<item>'
check "all $examples of them" test "$examples" -gt 0 -a "$(get /rss.xml | grep -o '<item>' | wc -l)" -eq "$(inside ls /srv/feedd/articles | wc -l)"
check "the service is running" test "$(inside systemctl is-active feedd.service)" = active
check "as a dynamic user, its state in /var/lib/private/feedd" inside test -s /var/lib/private/feedd/state.db
check "the man page is there, compressed" inside test -s /usr/share/man/man8/feedd.8.gz
check "the nginx examples are in its documentation" inside test -s /usr/share/doc/feedd/examples/feedd.conf -a -s /usr/share/doc/feedd/examples/static.conf
check "the configuration is a conffile" \
  inside sh -c 'dpkg-query -W -f="\${Conffiles}" feedd | grep -q "/etc/feedd/feedd.toml"'

# An operator's edit survives a reinstall (and the restart it brings).
inside sed -i 's/^title = .*/title = "Edited By The Operator"/' /etc/feedd/feedd.toml
pid=$(inside systemctl show feedd.service -p MainPID --value)
check "dpkg -i again (reinstall), without an error from its scripts" \
  bash -c 'out=$(nsenter -t "$0" -a dpkg -i --force-confold /var/tmp/feedd.deb 2>&1); echo "$out"; ! grep -qi "could not\|error" <<<"$out"' "$leader"
check "the service was restarted" test "$(inside systemctl show feedd.service -p MainPID --value)" != "$pid"
check "the edit is kept" inside grep -q '^title = "Edited By The Operator"' /etc/feedd/feedd.toml
check "and served after the restart" serves /rss.xml '<title>Edited By The Operator</title>'
check "the examples are not copied over the operator's folder again" \
  test "$(inside ls /srv/feedd/articles | wc -l)" -eq "$examples"

check "dpkg --purge removes it" inside dpkg --purge feedd
check "the service is gone" bash -c '! nsenter -t "$0" -a systemctl is-active --quiet feedd.service' "$leader"
check "nothing listens on 8080" bash -c '! nsenter -t "$0" -a curl -s --max-time 2 http://127.0.0.1:8080/ >/dev/null' "$leader"
for left in /var/lib/feedd /var/lib/private/feedd /etc/feedd /usr/bin/feedd /lib/systemd/system/feedd.service; do
  check "no $left left" bash -c '! nsenter -t "$0" -a test -e "$1"' "$leader" "$left"
done
check "no unit links left" bash -c '! nsenter -t "$0" -a sh -c "ls /etc/systemd/system/*/feedd.* 2>/dev/null | grep -q ."' "$leader"

if [ "$failures" -ne 0 ]; then
  echo "--- journal"
  inside journalctl -u feedd --no-pager | tail -30
  echo "$failures failed"
  exit 1
fi
echo "the package installs, serves, keeps the operator's configuration and purges cleanly"
INNER
