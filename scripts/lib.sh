# Shared by scripts/run and scripts/test. Sourced, not run.
# Installs what is missing from Debian's packages (idempotent, quiet when all is
# there) and builds feedd into build/.
set -euo pipefail

FEEDD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FEEDD_BUILD="${FEEDD_BUILD:-$FEEDD_ROOT/build}"

# What building feedd needs.
FEEDD_BUILD_PACKAGES=(
  g++ make cmake pkg-config
  libpugixml-dev libspdlog-dev libfmt-dev libyaml-cpp-dev libmd4c-dev libmd4c-html0-dev
  libboost-dev zlib1g-dev libxxhash-dev libtomlplusplus-dev libsqlite3-dev
  nlohmann-json3-dev libbrotli-dev libgumbo-dev libtag1-dev
)
# What the test suite needs on top: GoogleTest, a JSON reader for the fixtures'
# expectations, and the real feed readers and validators the tests run.
FEEDD_TEST_PACKAGES=(
  libgtest-dev python3 python3-feedparser libxml2-utils systemd
  systemd-container newsboat python3-prometheus-client chromium fonts-dejavu-core curl
  bindfs fuse3 util-linux python3-html5lib ffmpeg debhelper dpkg-dev fakeroot lintian git
  nginx libnginx-mod-http-brotli-static openssl
)

log() { printf '==> %s\n' "$*" >&2; }

# run_args ARG...: scripts/run's command line for feedd, one argument per line.
# Its defaults (the example folder, 127.0.0.1:8080, a title) come first, and each is
# left out when the arguments give that setting themselves: feedd's --listen adds an
# address, so a default one would stay beside the user's; the base URL then
# follows the user's address (feedd's default) unless --base-url is given too.
run_args() {
  local a input=1 listen=1 title=1
  for a in "$@"; do
    case $a in
      --input|--input=*) input=0 ;;
      --listen|--listen=*) listen=0 ;;
      --title|--title=*) title=0 ;;
      --config|--config=*) input=0 listen=0 title=0 ;;  # the file says
    esac
  done
  [ $input = 1 ] && printf '%s\n' --input "$FEEDD_ROOT/examples/articles"
  [ $listen = 1 ] && printf '%s\n' --listen 127.0.0.1:8080
  [ $title = 1 ] && printf '%s\n' --title "feedd examples"
  for a in "$@"; do printf '%s\n' "$a"; done
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    log "need root to run: $*  (run as root, or install sudo)"
    exit 1
  fi
}

ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing from Debian's packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  # The tests run nginx themselves, on loopback ports of their own; Debian's
  # package starts its default site on port 80 when it is installed. Undo that
  # for an nginx installed here (one that was there before is left alone).
  if [[ " ${missing[*]} " == *" nginx "* ]] && [ -d /run/systemd/system ] &&
     systemctl is-enabled --quiet nginx 2>/dev/null; then
    log "stopping and disabling the nginx service just installed (the tests start their own)"
    as_root systemctl disable --now --quiet nginx || true
  fi
}

# build_feedd [TARGET] [CMAKE_ARGS...]: configures build/ (Release) and builds TARGET
# (default: everything configured).
build_feedd() {
  local target=${1:-all}
  shift || true
  log "building feedd in $FEEDD_BUILD"
  cmake -S "$FEEDD_ROOT" -B "$FEEDD_BUILD" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  cmake --build "$FEEDD_BUILD" --target "$target" -j "$(nproc)"
}
