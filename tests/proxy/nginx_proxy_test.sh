#!/usr/bin/env bash
# feedd behind the nginx site file we ship (examples/nginx/feedd.conf), run for real:
# TLS + HTTP/2 in front, keep-alive HTTP/1.1 to feedd, the cache, the port-80 redirect.
# The example is copied and only its ports, certificate and cache path are rewritten
# (each rewrite checked, so a change of the example's shape fails here). Checks: the
# same bytes and ETags through nginx as from feedd, 304s, feedd's own gzip/br bodies
# passed through untouched, the redirect, the cache's HIT and its refresh after a new
# article, and X-Forwarded-For reaching feedd's access log (trusted_proxies).
#   nginx_proxy_test.sh FEEDD SOURCE_DIR     exit 0 pass, 77 skipped, 1 failed
set -euo pipefail
feedd_bin=$1
src=$2
max_age=3
for tool in nginx openssl curl python3 gzip; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool is not installed (apt-get install nginx openssl curl python3 gzip)"
    exit 77
  fi
done
[ -x "$feedd_bin" ] || { echo "FAIL: $feedd_bin is not an executable"; exit 1; }

work=$(mktemp -d)
feedd_pid=""
nginx_pid=""
failures=0
# Stops only what this script started, by PID; shows the logs when something failed.
stop() {
  local pid=$1
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  set +e; trap '' PIPE  # a failed write (closed stdout) must not stop the cleaning up
  stop "$nginx_pid"
  stop "$feedd_pid"
  if [ "$rc" -ne 0 ]; then
    echo "--- feedd.log (last 30 lines)"; tail -n 30 "$work/feedd.log" 2>/dev/null || true
    echo "--- nginx error.log (last 30 lines)"; tail -n 30 "$work/error.log" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; failures=$((failures + 1)); }
die() { echo "FAIL: $*"; exit 1; }
# Waits (at most 20 s) until the command succeeds.
wait_for() {
  local what=$1
  shift
  for _ in $(seq 100); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  die "gave up after 20 s waiting for $what"
}

# fetch NAME via|direct PATH [curl args]: NAME.head and NAME.body in $work; prints
# "STATUS HTTP_VERSION" (000 when the connection failed). No --compressed: bodies
# stay as sent.
fetch() {
  local name=$1 how=$2 path=$3
  shift 3
  local -a url
  if [ "$how" = via ]; then
    url=(--http2 --cacert "$work/cert.pem" --resolve "feeds.example.org:$tls_port:127.0.0.1"
         "https://feeds.example.org:$tls_port$path")
  else
    url=("http://127.0.0.1:$feedd_port$path")
  fi
  curl -sS --max-time 10 -o "$work/$name.body" -D "$work/$name.head" \
    -w '%{http_code} %{http_version}' "$@" "${url[@]}" 2>"$work/$name.err" || echo -n " (curl: $(head -c 200 "$work/$name.err"))"
}
# header NAME FIELD: the field's value in NAME.head ("" when absent).
header() { grep -i "^$2:" "$work/$1.head" | head -n 1 | cut -d: -f2- | sed 's/^ *//' | tr -d '\r' || true; }

# rewrite WHAT COUNT ERE REPLACEMENT: the example must have COUNT lines matching ERE
# before, none after, and COUNT lines holding REPLACEMENT after.
rewrite() {
  local what=$1 count=$2 ere=$3 repl=$4 before after
  before=$(grep -cE "$ere" "$site" || true)
  [ "$before" -eq "$count" ] || die "examples/nginx/feedd.conf changed shape: $count line(s) matching '$ere' expected ($what), found $before"
  sed -i -E "s|$ere|$repl|" "$site"
  after=$(grep -cF -- "${repl//\\1/}" "$site" || true)
  if grep -qE "$ere" "$site" || [ "$after" -ne "$count" ]; then
    die "rewriting $what did not take: '$ere' -> '$repl'"
  fi
}

# The articles, feedd, and a certificate nginx serves for feeds.example.org.
mkdir -p "$work/articles"
cp -r "$src"/examples/articles/. "$work/articles/"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=feeds.example.org \
  -addext subjectAltName=DNS:feeds.example.org,IP:127.0.0.1 \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>"$work/openssl.log" || die "openssl: $(cat "$work/openssl.log")"
"$feedd_bin" --input "$work/articles" --listen 127.0.0.1:0 --port-file "$work/port" \
  --base-url https://feeds.example.org/ --cache-max-age "$max_age" --access-log --log-level info \
  >"$work/feedd.log" 2>&1 &
feedd_pid=$!
wait_for "feedd's port file" test -s "$work/port"
feedd_port=$(cat "$work/port")
wait_for "feedd's /healthz" curl -sf --max-time 2 "http://127.0.0.1:$feedd_port/healthz"

# Two free ports on 127.0.0.1 for nginx (TLS, plain), never 80/443 of the host.
read -r tls_port http_port < <(python3 -c 'import socket
a, b = socket.socket(), socket.socket()
a.bind(("127.0.0.1", 0)); b.bind(("127.0.0.1", 0))
print(a.getsockname()[1], b.getsockname()[1])')

# The real site file, rewritten to this sandbox.
site="$work/feedd-site.conf"
cp "$src/examples/nginx/feedd.conf" "$site"
rewrite "TLS listen" 1 '^( *)listen 443 ssl http2;' "\1listen 127.0.0.1:$tls_port ssl http2;"
rewrite "IPv6 TLS listen" 1 '^ *listen \[::\]:443 ssl http2;' '# [::]:443 dropped by the test'
rewrite "plain listen" 1 '^( *)listen 80;' "\1listen 127.0.0.1:$http_port;"
rewrite "IPv6 plain listen" 1 '^ *listen \[::\]:80;' '# [::]:80 dropped by the test'
rewrite "certificate" 1 'ssl_certificate /etc/ssl/certs/feeds.example.org.pem;' "ssl_certificate $work/cert.pem;"
rewrite "key" 1 'ssl_certificate_key /etc/ssl/private/feeds.example.org.key;' "ssl_certificate_key $work/key.pem;"
rewrite "upstream" 1 'server 127.0.0.1:8080;' "server 127.0.0.1:$feedd_port;"
rewrite "cache path" 1 'proxy_cache_path /var/cache/nginx-feedd ' "proxy_cache_path $work/cache "

# A minimal main config around it. As root the workers run as root too, so they
# can reach the 0700 temp folder (CI runs as root).
{
  [ "$(id -u)" -eq 0 ] && echo "user root;"
  cat <<EOF
pid $work/nginx.pid;
error_log $work/error.log;
events {}
http {
  include /etc/nginx/mime.types;
  access_log $work/access.log;
  client_body_temp_path $work/body;
  proxy_temp_path $work/proxy;
  fastcgi_temp_path $work/fastcgi;
  uwsgi_temp_path $work/uwsgi;
  scgi_temp_path $work/scgi;
  include $site;
}
EOF
} >"$work/nginx.conf"
nginx -t -q -e "$work/error.log" -c "$work/nginx.conf" -p "$work/" 2>"$work/nginx-t.log" \
  || die "nginx -t refused the rewritten example: $(cat "$work/nginx-t.log")"
nginx -e "$work/error.log" -c "$work/nginx.conf" -p "$work/" -g 'daemon off;' &
nginx_pid=$!
wait_for "nginx on 127.0.0.1:$tls_port" curl -sf --max-time 2 --cacert "$work/cert.pem" \
  --resolve "feeds.example.org:$tls_port:127.0.0.1" "https://feeds.example.org:$tls_port/healthz"

# a, b. The feeds over HTTP/2: feedd's bytes and ETag; the ETag gives a 304.
for path in /rss.xml /atom.xml /feed.json; do
  got=$(fetch direct direct "$path")
  [ "$got" = "200 1.1" ] || die "feedd itself answered $path with '$got'"
  cp "$work/direct.body" "$work/identity$(basename "$path")"
  etag=$(header direct ETag)
  got=$(fetch via via "$path")
  if [ "$got" = "200 2" ]; then ok "a: $path through nginx: 200 over HTTP/2"; else bad "a: $path through nginx: '$got', not '200 2'"; fi
  if [ "$(header via ETag)" = "$etag" ]; then ok "a: $path: feedd's ETag $etag"; else bad "a: $path: ETag '$(header via ETag)', feedd's is '$etag'"; fi
  if cmp -s "$work/direct.body" "$work/via.body"; then ok "a: $path: feedd's body ($(wc -c <"$work/via.body") bytes)"
  else bad "a: $path: body differs from feedd's ($(wc -c <"$work/via.body") vs $(wc -c <"$work/direct.body") bytes)"; fi
  got=$(fetch cond via "$path" -H "If-None-Match: $etag")
  if [ "${got%% *}" = 304 ]; then ok "b: $path with If-None-Match: 304"; else bad "b: $path with If-None-Match: $etag: '$got', not 304"; fi
done

# c. Precompressed bodies pass through: feedd's own bytes, not nginx's recompression.
for path in /rss.xml /atom.xml /feed.json; do
  for enc in gzip br; do
    fetch direct direct "$path" -H "Accept-Encoding: $enc" >/dev/null
    if [ "$(header direct Content-Encoding)" != "$enc" ]; then
      [ "$enc" = gzip ] && bad "c: feedd itself sends no gzip for $path" || echo "note: feedd sends no br for $path; not checked"
      continue
    fi
    got=$(fetch via via "$path" -H "Accept-Encoding: $enc")
    ce=$(header via Content-Encoding)
    if [ "$got" = "200 2" ] && [ "$ce" = "$enc" ]; then ok "c: $path $enc through nginx: Content-Encoding: $enc"
    else bad "c: $path $enc through nginx: '$got', Content-Encoding '$ce'"; fi
    if cmp -s "$work/direct.body" "$work/via.body" && [ "$(header via ETag)" = "$(header direct ETag)" ]; then
      ok "c: $path $enc: feedd's compressed bytes and ETag $(header via ETag)"
    else bad "c: $path $enc: body or ETag '$(header via ETag)' differs from feedd's ('$(header direct ETag)')"; fi
    if [ "$enc" = gzip ]; then
      if gzip -dc <"$work/via.body" 2>/dev/null | cmp -s - "$work/identity$(basename "$path")"; then
        ok "c: $path gzip: gunzips to the identity body"
      else bad "c: $path gzip: does not gunzip to the identity body"; fi
    fi
  done
done

# d. Plain HTTP: a permanent redirect to the same URL over HTTPS.
got=$(curl -sS --max-time 10 -o /dev/null -D "$work/redirect.head" -w '%{http_code}' \
  -H 'Host: feeds.example.org' "http://127.0.0.1:$http_port/rss.xml" 2>&1 || true)
location=$(header redirect Location)
if [ "$got" = 301 ] && [ "$location" = https://feeds.example.org/rss.xml ]; then ok "d: port 80 answers 301 to $location"
else bad "d: port 80 answered '$got' with Location '$location', not 301 to https://feeds.example.org/rss.xml"; fi

# e. The cache: a second fetch within max-age is a HIT; a new article shows through
# nginx once feedd's max-age has passed (the cache may serve the old feed until then).
fetch via via /rss.xml >/dev/null
first=$(header via X-Cache-Status)
fetch via via /rss.xml >/dev/null
second=$(header via X-Cache-Status)
if [ "$second" = HIT ]; then ok "e: second fetch of /rss.xml is a cache HIT (first: $first)"
else bad "e: second fetch of /rss.xml: X-Cache-Status '$second', not HIT (first: $first)"; fi
title="Proxy Test Ferry Timetable $$"
printf 'Title: %s\nDate: %s\n\nThe ferry runs every twenty minutes.\n' "$title" \
  "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$work/articles/.proxy-new.txt"
mv "$work/articles/.proxy-new.txt" "$work/articles/proxy-new.txt"
start=$(date +%s%N)
old=0
seen=""
while [ $(( ($(date +%s%N) - start) / 1000000 )) -lt $(( (max_age + 10) * 1000 )) ]; do
  fetch via via /rss.xml >/dev/null
  if grep -qF "$title" "$work/via.body"; then seen=$(( ($(date +%s%N) - start) / 1000000 )); break; fi
  old=$((old + 1))
  sleep 0.3
done
if [ -n "$seen" ]; then
  ok "e: the new article is in /rss.xml through nginx after ${seen} ms (X-Cache-Status $(header via X-Cache-Status))"
  echo "note: before that, $old poll(s) got the previous feed (allowed: the cached copy lives up to max-age=$max_age s)"
  fetch direct direct /rss.xml >/dev/null
  if [ "$(header via ETag)" = "$(header direct ETag)" ]; then ok "e: then nginx's ETag is feedd's: $(header via ETag)"
  else bad "e: nginx's ETag '$(header via ETag)' is not feedd's '$(header direct ETag)' after the change"; fi
else
  fetch direct direct /rss.xml >/dev/null
  bad "e: '$title' not in /rss.xml through nginx after $((max_age + 10)) s ($old polls, last X-Cache-Status '$(header via X-Cache-Status)'; feedd directly: $(grep -cF "$title" "$work/direct.body") match)"
fi

# f. The reader's address reaches feedd's access log: curl from another loopback
# address (all of 127/8 is on lo), nginx puts it in X-Forwarded-For, feedd trusts
# loopback proxies (trusted_proxies) and logs it instead of nginx's 127.0.0.1.
# /healthz is Cache-Control: no-store, so this request reaches feedd, not the cache.
agent="feedd-proxy-test-xff-$$"
got=$(fetch xff via /healthz --interface 127.0.0.7 -A "$agent")
if [ "$got" != "200 2" ]; then
  bad "f: curl --interface 127.0.0.7 through nginx: '$got'"
elif ! grep -q "^127\.0\.0\.7 .*$agent" "$work/access.log"; then
  bad "f: nginx did not see the request from 127.0.0.7: $(grep "$agent" "$work/access.log" || echo 'no line')"
else
  ok "f: nginx saw the request from 127.0.0.7"
  line=""
  for _ in $(seq 25); do line=$(grep -F "\"$agent\"" "$work/feedd.log" | tail -n 1 || true); [ -n "$line" ] && break; sleep 0.2; done
  # The client address is the field before "- - [dd/Mon/yyyy:..." (Combined Log Format).
  client=$(sed -E 's|.* ([^ ]+) [^ ]+ [^ ]+ \[[0-9]{2}/[A-Za-z]{3}/[0-9]{4}:.*|\1|' <<<"$line")
  if [ -z "$line" ]; then bad "f: no access log line in feedd's log for the request (agent $agent)"
  elif [ "$client" = 127.0.0.7 ]; then ok "f: feedd's access log names the reader, 127.0.0.7"
  else bad "f: feedd's access log names '$client', not the forwarded 127.0.0.7 (X-Forwarded-For from a trusted proxy): $line"; fi
fi

kill -0 "$feedd_pid" 2>/dev/null || bad "feedd exited during the test"
kill -0 "$nginx_pid" 2>/dev/null || bad "nginx exited during the test"
if [ "$failures" -ne 0 ]; then echo "$failures check(s) failed"; exit 1; fi
echo "all checks passed"
