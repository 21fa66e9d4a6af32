# Shared by the benchmarks: build feedd, make a folder of realistic articles.
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$BENCH_DIR/../scripts/lib.sh"

ensure_packages "${FEEDD_BUILD_PACKAGES[@]}" "$@"
# BENCH_FEEDD: a feedd binary to measure (a copy, another build) instead of building
# build/ and measuring build/daemon/feedd.
if [ -n "${BENCH_FEEDD:-}" ]; then
  [ -x "$BENCH_FEEDD" ] || { echo "BENCH_FEEDD=$BENCH_FEEDD is not an executable" >&2; exit 1; }
  FEEDD=$BENCH_FEEDD
else
  build_feedd feedd >/dev/null
  FEEDD="$FEEDD_BUILD/daemon/feedd"
fi

# make_articles DIR N: N plain-text articles of about 3 KB each, seed-shaped, with
# varied words (a fixed seed, so every run writes the same bytes) so that gzip sees
# text as compressible as real prose, not one repeated sentence.
WORDS=(the city council said on monday that its plan for new housing would go ahead
  despite concerns from residents about cost traffic schools water and noise while
  officials promised to publish figures before winter ministers regional budget
  agreement talks border trade river port rail station hospital energy prices farmers
  market weather storm election court ruling police report festival museum library
  university students workers union strike wages inflation exports imports harvest)
make_articles() {
  local dir=$1 n=$2 i p w sentence
  mkdir -p "$dir"
  RANDOM=42
  for ((i = 0; i < n; i++)); do
    {
      printf 'Section %d\n\nHeadline number %d about %s and %s\n\n' $((i % 7)) "$i" \
        "${WORDS[RANDOM % ${#WORDS[@]}]}" "${WORDS[RANDOM % ${#WORDS[@]}]}"
      for p in 1 2 3 4 5 6 7; do
        sentence=""
        for ((w = 0; w < 42; w++)); do sentence+="${WORDS[RANDOM % ${#WORDS[@]}]} "; done
        printf 'Paragraph %d: %s& more.\n\n' "$p" "$sentence"
      done
      printf 'Reporter Name\n\nReporter Name covers city affairs.\n'
    } > "$dir/article-$i.txt"
    touch -d "@$((1760000000 + i * 3600))" "$dir/article-$i.txt"
  done
}

# start_feedd DIR PORTFILE LOG [ARGS...]: starts the daemon, sets FEEDD_PID and FEEDD_PORT.
start_feedd() {
  local dir=$1 port_file=$2 logfile=$3
  shift 3
  rm -f "$port_file"
  "$FEEDD" --input "$dir" --listen 127.0.0.1:0 --port-file "$port_file" --log-level warn "$@" \
    >"$logfile" 2>&1 &
  FEEDD_PID=$!
  for _ in $(seq 200); do [ -s "$port_file" ] && break; sleep 0.05; done
  FEEDD_PORT=$(cat "$port_file")
}

machine_line() {
  printf '%s, %s cores, %s, %s' "$(uname -m)" "$(nproc)" \
    "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" \
    "$(. /etc/os-release && echo "$PRETTY_NAME")"
}
