// Cold load of a folder (LoadFolder, as `feedd render` does it) with a ParsePool of
// each size given: wall time, articles, files per second. Built on demand
// (`cmake --build BUILD --target feedd_load_bench`); see bench/README.md.
//
//   feedd_load_bench FEEDD DIR [WORKERS...]
//
// WORKERS: 0 = one per core, -1 = parsed in this thread (no child); default: 1 0.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "daemon/ingest/loader.h"
#include "daemon/ingest/parse_pool.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s FEEDD DIR [WORKERS...]\n", argv[0]);
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);
  std::vector<long> sizes;
  for (int i = 3; i < argc; ++i) sizes.push_back(std::strtol(argv[i], nullptr, 10));
  if (sizes.empty()) sizes = {1, 0};
  for (long workers : sizes) {
    feedd::daemon::ParsePool pool(argv[1], std::chrono::seconds(10),
                                  static_cast<size_t>(std::max(workers, 0L)));
    feedd::daemon::IngestOptions options{argv[2], "https://example.org"};
    if (workers >= 0) options.pool = &pool;  // -1: in this thread, no child, no budget
    std::string err;
    const auto start = std::chrono::steady_clock::now();
    std::optional<std::vector<feedd::feed::Article>> articles =
        feedd::daemon::LoadFolder(options, &err);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!articles) {
      std::fprintf(stderr, "cannot load %s: %s\n", argv[2], err.c_str());
      return 1;
    }
    const std::string how =
        workers < 0 ? std::string("in this thread") : std::to_string(pool.size()) + " worker(s)";
    std::printf("%s: %zu articles in %.3f s, %.0f files/s\n", how.c_str(), articles->size(),
                seconds, static_cast<double>(articles->size()) / seconds);
  }
  return 0;
}
