#!/bin/bash
# nginx serving feedd's output folder with examples/nginx/static.conf answers like
# feedd: for every file of the folder, fetched without Accept-Encoding, with gzip
# and with br, the same status, body bytes, Content-Type, Content-Encoding,
# Cache-Control, Vary, security fields and Last-Modified; a 304 to If-Modified-Since
# and If-None-Match; feedd's 404 for hidden, temporary and twin files.
# Usage: nginx_static_test.sh FEEDD_BINARY SOURCE_DIR. Exit 0 pass, 77 skip, 1 fail.
set -euo pipefail

feedd_src=${1:?usage: $0 FEEDD_BINARY SOURCE_DIR}
src=${2:?usage: $0 FEEDD_BINARY SOURCE_DIR}
brotli_so=/usr/lib/nginx/modules/ngx_http_brotli_static_module.so
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }

nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx_bin" ] || skip "no nginx (apt-get install -y nginx)"
command -v curl >/dev/null || skip "no curl (apt-get install -y curl)"
command -v python3 >/dev/null || skip "no python3"
[ -f "$brotli_so" ] || skip "no $brotli_so (apt-get install -y libnginx-mod-http-brotli-static)"
[ -x "$feedd_src" ] || fail "$feedd_src is not an executable"
curl() { command curl --max-time 5 "$@"; }  # no request waits longer

tmp=$(mktemp -d)
feedd_pid='' nginx_pid=''
cleanup() {
  # Only what this test started, by PID.
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
  [ -n "$feedd_pid" ] && kill "$feedd_pid" 2>/dev/null && wait "$feedd_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
chmod 755 "$tmp"  # nginx's workers read the folder

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Polls "$@" every 0.1 s until it succeeds; false after $1 seconds.
wait_for() {
  local limit=$(($1 * 10)); shift
  for ((i = 0; i < limit; i++)); do "$@" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}

# ---- feedd, on a copy of the example articles plus two media files -------------
cp "$feedd_src" "$tmp/feedd"
mkdir -p "$tmp/in"
cp -RL "$src/examples/articles/." "$tmp/in/"  # the contents, never a link to them
printf '\x89PNG\r\n\x1a\nnot really a picture' >"$tmp/in/cover.png"
mkdir -p "$tmp/in/episodes" "$tmp/out"
head -c 40000 /dev/urandom >"$tmp/in/episodes/one.m4a"  # a type mime.types names otherwise
nginx_port=$(free_port)
"$tmp/feedd" --input "$tmp/in" --output "$tmp/out" --listen 127.0.0.1:0 \
  --port-file "$tmp/feedd.port" --base-url "http://127.0.0.1:$nginx_port/" >"$tmp/feedd.log" 2>&1 &
feedd_pid=$!
wait_for 20 test -s "$tmp/feedd.port" || { cat "$tmp/feedd.log"; fail "feedd wrote no port file"; }
feedd="http://127.0.0.1:$(cat "$tmp/feedd.port")"
wait_for 20 curl -fsS -o /dev/null "$feedd/healthz" || fail "feedd's /healthz never answered 200"
wait_for 20 test -f "$tmp/out/rss.xml" || fail "feedd wrote no rss.xml into the output folder"
# The hot resources get their .br twins a moment later, on the brotli thread.
hot_twins() { for f in index.html rss.xml atom.xml feed.json; do test -f "$tmp/out/$f.br" || return 1; done; }
wait_for 20 hot_twins || echo "note: the hot .br twins did not all appear within 20 s"
sleep 1.5  # the writer thread looks again every second: let it settle

# ---- nginx, with the real example file ------------------------------------------
site="$tmp/static.conf"
sed -e "s|^\( *\)listen 80;|\1listen 127.0.0.1:$nginx_port;|" \
    -e '/^ *listen \[::\]:80;/d' \
    -e "s|^\( *\)root /srv/feedd/site;|\1root $tmp/out;|" \
    "$src/examples/nginx/static.conf" >"$site"
# The example changed shape if a substitution did not happen: fail, not test something else.
grep -q "^ *listen 127.0.0.1:$nginx_port;\$" "$site" || fail "static.conf: no 'listen 80;' line to replace"
grep -q "^ *root $tmp/out;\$" "$site" || fail "static.conf: no 'root /srv/feedd/site;' line to replace"
[ "$(grep -Ec '^ *(listen|root) ' "$site")" = 2 ] || fail "static.conf: another listen or root is left"
grep -q '^ *brotli_static on;' "$site" || fail "static.conf: no 'brotli_static on;'"

mkdir -p "$tmp/nginx"
cat >"$tmp/nginx/nginx.conf" <<EOF
load_module $brotli_so;
$( [ "$(id -u)" = 0 ] && echo 'user root;' )
worker_processes 1;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 64; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log $tmp/nginx/access.log;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    include $site;
}
EOF
nginx_args=(-p "$tmp/nginx/" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log")
"$nginx_bin" -t -q "${nginx_args[@]}" || fail "nginx rejects static.conf (see above)"
"$nginx_bin" "${nginx_args[@]}" &
nginx_pid=$!
nginx="http://127.0.0.1:$nginx_port"
wait_for 20 curl -fsS -o /dev/null "$nginx/rss.xml" || { cat "$tmp/nginx/error.log"; fail "nginx never answered"; }

# ---- the URLs: every file of the folder, by the path feedd serves it at -----------
mapfile -t urls < <(cd "$tmp/out" && find . -type f ! -name '*.gz' ! -name '*.br' | sort | python3 -c '
import sys, urllib.parse
for line in sys.stdin:
    rel = line.strip()[2:]
    if rel == "index.html": path = ""
    elif rel.endswith("/index.html"): path = rel[: -len("/index.html")]
    else: path = rel
    print("/" + urllib.parse.quote(path))')
[ "${#urls[@]}" -ge 10 ] || fail "only ${#urls[@]} files in the output folder"
# What neither may serve: feedd 404s, nginx must send the same 404.
touch "$tmp/out/.hidden" "$tmp/out/rss.xml.tmp.4242" "$tmp/out/media/.one.m4a.feedd-tmp"
missing=(/no-such-page /index.html /rss.xml.gz /atom.xml.br /.hidden /rss.xml.tmp.4242
         /media/.one.m4a.feedd-tmp /articles /media/ /media/episodes)

fields=(Content-Type Content-Encoding Cache-Control Vary Last-Modified
        X-Content-Type-Options Referrer-Policy Content-Security-Policy Accept-Ranges)
# A response's header fields into the associative array named $2, by lowercased
# name (bash only: this runs ~250 times).
read_fields() {
  local -n into=$2
  local name value
  into=()
  while IFS=: read -r name value; do
    [ -n "$value" ] || continue  # the status line, the empty line
    value=${value%$'\r'}
    value=${value#"${value%%[![:space:]]*}"}
    name=${name,,}
    into["$name"]=${into["$name"]:+${into["$name"]}, }$value  # a repeated field shows as a list
  done <"$1"
}
mismatches="$tmp/mismatches"; : >"$mismatches"
declare -A failed_by=()
report() { printf '%-52s %-5s %-18s %-40s | %s\n' "$@" >>"$mismatches"; failed_by[$3]=$((${failed_by[$3]:-0} + 1)); }

# Fetches $1 with Accept-Encoding $2 (empty: none) from both and compares.
compare() {
  local url=$1 ae=$2 a="$tmp/a" b="$tmp/b" sa sb
  local opt=(); [ -n "$ae" ] && opt=(-H "Accept-Encoding: $ae")
  sa=$(curl -sS "${opt[@]}" -D "$a.h" -o "$a.body" -w '%{http_code}' "$feedd$url")
  sb=$(curl -sS "${opt[@]}" -D "$b.h" -o "$b.body" -w '%{http_code}' "$nginx$url")
  [ "$sa" = "$sb" ] || report "$url" "${ae:--}" status "$sa" "$sb"
  cmp -s "$a.body" "$b.body" || report "$url" "${ae:--}" body "$(wc -c <"$a.body") bytes" "$(wc -c <"$b.body") bytes"
  local -A ha hb
  read_fields "$a.h" ha; read_fields "$b.h" hb
  for f in "${fields[@]}"; do
    local va=${ha[${f,,}]:-} vb=${hb[${f,,}]:-}
    [ "$va" = "$vb" ] || report "$url" "${ae:--}" "$f" "${va:-(none)}" "${vb:-(none)}"
  done
}

start=$SECONDS
for url in "${urls[@]}"; do for ae in '' gzip br; do compare "$url" "$ae"; done; done
for url in "${missing[@]}"; do compare "$url" ''; done

# Conditional GETs to nginx: its own Last-Modified and ETag give 304.
declare -A hc
for url in "${urls[@]}"; do
  for ae in '' gzip br; do
    curl -sS -H "Accept-Encoding: ${ae:-identity}" -D "$tmp/c.h" -o /dev/null "$nginx$url"
    read_fields "$tmp/c.h" hc
    lm=${hc[last-modified]:-} tag=${hc[etag]:-}
    s1=$(curl -sS -o /dev/null -w '%{http_code}' -H "Accept-Encoding: ${ae:-identity}" -H "If-Modified-Since: $lm" "$nginx$url")
    s2=$(curl -sS -o /dev/null -w '%{http_code}' -H "Accept-Encoding: ${ae:-identity}" -H "If-None-Match: $tag" "$nginx$url")
    [ "$s1" = 304 ] || report "$url" "${ae:--}" If-Modified-Since 304 "$s1"
    [ "$s2" = 304 ] || report "$url" "${ae:--}" If-None-Match 304 "$s2"
  done
done

echo "compared ${#urls[@]} URLs x 3 codings and ${#missing[@]} missing paths in $((SECONDS - start)) s"
if [ -s "$mismatches" ]; then
  printf '%-52s %-5s %-18s %-40s | %s\n' URL AE CHECK FEEDD NGINX
  cat "$mismatches"
  for k in "${!failed_by[@]}"; do echo "mismatches in $k: ${failed_by[$k]}"; done | sort
  fail "nginx with examples/nginx/static.conf does not answer like feedd ($(wc -l <"$mismatches") mismatches)"
fi
echo "PASS: nginx serves feedd's output folder as feedd does"
