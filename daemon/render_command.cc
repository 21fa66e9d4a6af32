#include "daemon/render_command.h"

#include <spdlog/spdlog.h>

#include <ctime>
#include <filesystem>
#include <system_error>

#include "daemon/ingest/parse_pool.h"
#include "daemon/publish/brotli_compressor.h"
#include "daemon/publish/publisher.h"
#include "daemon/publish/site_writer.h"
#include "daemon/store/identity_store.h"
#include "feed/media.h"
#include "feedd_version.h"

namespace feedd::daemon {

feed::Channel ChannelFrom(const config::Config& c) {
  feed::Channel ch;
  ch.base_url = c.base_url;
  ch.title = c.title;
  ch.description = c.description;
  ch.language = c.language;
  ch.author = c.author;
  ch.hub = c.hub;
  ch.limit = c.limit;
  ch.generator_version = kFeeddVersion;
  const config::PodcastConfig& p = c.podcast;
  if (p.enabled) {
    feed::PodcastChannel& pc = ch.podcast;
    pc.enabled = true;
    // A cover in the input folder is served at its /media/ URL (issue 13).
    const bool remote = p.image.starts_with("http://") || p.image.starts_with("https://");
    pc.image_url = p.image.empty() || remote ? p.image : c.base_url + feed::MediaUrlPath(p.image);
    if (!remote) pc.image_path = p.image;
    for (const std::string& category : p.categories) {
      const size_t gt = category.find(" > ");
      pc.categories.emplace_back(category.substr(0, gt),
                                 gt == std::string::npos ? std::string() : category.substr(gt + 3));
    }
    pc.explicit_content = p.explicit_content;
    pc.owner_name = p.owner_name;
    pc.owner_email = p.owner_email;
    pc.type = p.type;
    pc.author = p.author;
    pc.locked = p.locked;
    pc.guid = p.guid;
  }
  return ch;
}

int RunRender(const config::Config& config) {
  // The daemon's pipeline, once: the same publisher, identity store (the state
  // folder when one is configured, so ids and dates match the daemon's), schedules
  // and drafts, and the same site writer as the daemon's output_dir.
  std::string err;
  IdentityStore store;
  if (!store.Open(config.state_dir, "state.db", &err)) {
    spdlog::error("cannot open the state store {}", err);
    return 1;
  }
  // A cold folder: parse on every core.
  ParsePool pool("/proc/self/exe", std::chrono::milliseconds(config.parse_timeout_ms));
  BrotliCompressor brotli;
  PublisherOptions options;
  options.ingest = {config.input_dir, config.base_url, config.max_article_bytes};
  options.ingest.pool = &pool;
  options.ingest.max_content_bytes = config.max_content_bytes;
  options.channel = ChannelFrom(config);
  options.max_feed_bytes = config.max_feed_bytes;
  options.cache_max_age = config.cache_max_age;
  options.brotli = &brotli;
  Publisher publisher(options, &store);
  std::error_code ec;
  if (!std::filesystem::is_directory(config.input_dir, ec)) {
    spdlog::error("cannot read the input folder {}: {}", config.input_dir,
                  ec ? ec.message()
                     : std::filesystem::exists(config.input_dir, ec) ? "not a folder"
                                                                     : "No such file or directory");
    return 1;
  }
  std::filesystem::create_directories(config.output_dir, ec);
  if (ec || !std::filesystem::is_directory(config.output_dir)) {
    spdlog::error("cannot use the output folder {}: {}", config.output_dir,
                  ec ? ec.message() : "not a folder");
    return 1;
  }
  publisher.Rescan();
  publisher.AwaitWaiting();  // files written a moment ago, or still open
  if (publisher.waiting_count() > 0)
    spdlog::warn("{} files are still being written and are not in this render",
                 publisher.waiting_count());
  std::shared_ptr<const Snapshot> snap = publisher.Build(std::time(nullptr));
  if (!store.Flush(&err)) spdlog::warn("cannot write the state store: {}", err);
  brotli.Drain();  // the twins of the feeds and the index, before they are written
  SiteWriter writer(config.output_dir);
  if (!writer.Write(*snap, &err)) {
    spdlog::error("cannot write {}", err);
    return 1;
  }
  spdlog::info("rendered {} of {} articles into {}", snap->article_count, publisher.entry_count(),
               (std::filesystem::path(config.output_dir) / "").string());
  return 0;
}

}  // namespace feedd::daemon
