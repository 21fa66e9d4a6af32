#!/usr/bin/env bash
# The unit files pass `systemd-analyze verify` with nothing to report, their
# exposure (`systemd-analyze security --offline=true`) is 2.0 or lower, and
# `cmake --install` puts every file where it belongs. Exit 77 (skipped) without
# systemd-analyze.
#   units_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "SKIP: systemd-analyze is not installed (Debian's systemd package)"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0

# verify: the man page is looked up too, when man is there.
mkdir -p "$work/man/man8"
cp "$src/docs/feedd.8" "$work/man/man8/"
man_opt=--man=no
command -v man >/dev/null 2>&1 && man_opt=--man=yes
out=$(MANPATH="$work/man" systemd-analyze verify "$man_opt" "$build/systemd/test/feedd.service" \
      "$build/systemd/test/feedd.socket" 2>&1) || { echo "FAIL: verify exited $?"; fail=1; }
if [ -n "$out" ]; then echo "FAIL: systemd-analyze verify reported:"; echo "$out"; fail=1; fi

# security: the exposure level, "Overall exposure level for feedd.service: 1.3 OK".
line=$(systemd-analyze security --offline=true "$build/systemd/test/feedd.service" 2>&1 |
       grep 'Overall exposure level' || true)
level=$(echo "$line" | sed -n 's/.*: \([0-9.]*\) .*/\1/p')
echo "systemd-analyze security: ${line:-no result}"
if [ -z "$level" ] || ! awk -v l="$level" 'BEGIN{exit !(l <= 2.0)}'; then
  echo "FAIL: exposure ${level:-unknown} is above 2.0"
  fail=1
fi

# cmake --install into a staging root, as a package build does.
DESTDIR="$work/root" cmake --install "$build" --prefix /usr >"$work/install.log"
for f in usr/bin/feedd usr/lib/systemd/system/feedd.service usr/lib/systemd/system/feedd.socket \
         usr/share/man/man8/feedd.8 usr/share/doc/feedd/feedd.example.toml etc/feedd/feedd.toml; do
  [ -e "$work/root/$f" ] || { echo "FAIL: cmake --install did not install /$f"; fail=1; }
done
grep -q '^ExecStart=/usr/bin/feedd --config /etc/feedd/feedd.toml --state-dir ${STATE_DIRECTORY}$' \
  "$work/root/usr/lib/systemd/system/feedd.service" ||
  { echo "FAIL: the installed unit does not run /usr/bin/feedd --config /etc/feedd/feedd.toml"; fail=1; }
"$work/root/usr/bin/feedd" --check-config --config "$work/root/etc/feedd/feedd.toml" >/dev/null ||
  { echo "FAIL: the installed configuration does not check"; fail=1; }
# An existing configuration is kept.
echo 'title = "mine"' >"$work/root/etc/feedd/feedd.toml"
DESTDIR="$work/root" cmake --install "$build" --prefix /usr >"$work/install.log"
grep -q mine "$work/root/etc/feedd/feedd.toml" || { echo "FAIL: install overwrote /etc/feedd/feedd.toml"; fail=1; }

if [ "$fail" -ne 0 ]; then echo "0 passed, 1 failed"; exit 1; fi
echo "units verified, exposure $level, install layout complete"
