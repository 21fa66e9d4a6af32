#!/usr/bin/env bash
# The HTML pages in a real browser: headless Chromium (Debian's chromium package)
# loads the index and a right-to-left article page from the running daemon, with no
# console errors; screenshots are saved (BUILD_DIR/browser/*.png) and the rendered
# DOM is checked for the text and the direction. Exit 77 (skipped) without chromium.
#   pages_test.sh FEEDD SOURCE_DIR BUILD_DIR
set -uo pipefail
feedd=$1
src=$2
out="$3/browser"
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "SKIP: chromium is not installed (apt-get install chromium)"
  exit 77
fi
work=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$out" "$work/articles"
cp "$src"/tests/testdata/articles/* "$work/articles/"
"$feedd" --input "$work/articles" --listen 127.0.0.1:0 --port-file "$work/port" \
  --title "Browser Test" >"$work/feedd.log" 2>&1 &
pid=$!
for _ in $(seq 200); do [ -s "$work/port" ] && break; sleep 0.05; done
base="http://127.0.0.1:$(cat "$work/port")"
failures=0
check() {
  local what=$1
  shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
# As the probe of this machine runs it: no sandbox as root, no network chatter.
run_browser() {
  timeout 60 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --disable-dev-shm-usage --user-data-dir="$work/profile-$RANDOM" --enable-logging=stderr --v=0 \
    --window-size=1000,1400 "$@"
}
csp="Content-Security-Policy: default-src 'none'; img-src \* data:; media-src \*; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
for page in index:/ rtl-article:/articles/hebrew-rtl ltr-article:/articles/harbour-bridge-repairs; do
  name=${page%%:*}
  path=${page#*:}
  # Loaded under the policy that allows no script: a CSP violation is a console error.
  curl -sS --max-time 10 -o /dev/null -D "$work/$name.head" "$base$path"
  check "$name: served with a Content-Security-Policy that allows no script" grep -q "^$csp"$'\r'"\$" "$work/$name.head"
  run_browser --screenshot="$out/$name.png" "$base$path" >"$work/$name.out" 2>"$work/$name.err"
  check "$name: a screenshot was taken" test -s "$out/$name.png"
  check "$name: no console errors" bash -c '! grep -E "CONSOLE|Uncaught|Failed to load resource" "$1"' _ "$work/$name.err"
  run_browser --dump-dom "$base$path" >"$work/$name.dom" 2>/dev/null
done
check "index: lists the articles" grep -q 'Harbour Bridge to Close for Three Weekends of Repairs' "$work/index.dom"
check "index: offers the feeds" grep -q "$base/atom.xml" "$work/index.dom"
check "rtl article: right to left" grep -q '<html lang="" dir="rtl">' "$work/rtl-article.dom"
check "rtl article: its title" grep -q '<h1>הבנק המרכזי השאיר את הריבית ללא שינוי</h1>' "$work/rtl-article.dom"
check "rtl article: byline and bio" grep -q 'דנה לוי היא כתבת כלכלית בכירה.' "$work/rtl-article.dom"
check "ltr article: left to right" grep -q '<html lang="en" dir="ltr">' "$work/ltr-article.dom"
check "ltr article: Open Graph title" grep -q 'property="og:title" content="Harbour Bridge' "$work/ltr-article.dom"
echo "screenshots: $out"
if [ "$failures" -ne 0 ]; then echo "0 passed, $failures failed"; exit 1; fi
echo "the pages load in Chromium without console errors, in their own direction"
