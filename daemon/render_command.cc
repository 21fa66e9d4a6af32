#include "daemon/render_command.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <system_error>

#include "daemon/publish/file_io.h"
#include "daemon/ingest/loader.h"
#include "daemon/ingest/parse_pool.h"
#include "feed/feed_size.h"
#include "feed/feed_writer.h"
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
  return ch;
}

int RunRender(const config::Config& config) {
  std::string err;
  // A static site is rendered from a cold folder: parse on every core.
  ParsePool pool("/proc/self/exe", std::chrono::milliseconds(config.parse_timeout_ms));
  IngestOptions ingest{config.input_dir, config.base_url, config.max_article_bytes};
  ingest.max_content_bytes = config.max_content_bytes;
  ingest.pool = &pool;
  std::optional<std::vector<feed::Article>> articles = LoadFolder(ingest, &err);
  if (!articles) {
    spdlog::error("cannot read the input folder {}", err);
    return 1;
  }
  std::error_code ec;
  std::filesystem::create_directories(config.output_dir, ec);
  if (ec || !std::filesystem::is_directory(config.output_dir)) {
    spdlog::error("cannot use the output folder {}: {}", config.output_dir,
                  ec ? ec.message() : "not a folder");
    return 1;
  }
  const feed::Channel channel = ChannelFrom(config);
  const std::vector<const feed::Article*> items = feed::SelectItems(*articles, channel.limit);
  const std::filesystem::path out(config.output_dir);
  auto within = [&](const char* name, const feed::FeedRenderer& render) {
    feed::SizedFeed f = feed::RenderWithin(render, items, config.max_feed_bytes);
    if (const std::string cut = feed::DescribeCut(f, config.max_feed_bytes); !cut.empty())
      spdlog::warn("{}: {}", name, cut);
    return std::move(f.body);
  };
  for (const auto& [name, body] :
       {std::pair{"rss.xml", within("rss.xml", [&](auto i) { return feed::RenderRss(channel, i); })},
        std::pair{"atom.xml",
                  within("atom.xml", [&](auto i) { return feed::RenderAtom(channel, i); })}}) {
    if (!WriteFileAtomically((out / name).string(), body, &err)) {
      spdlog::error("cannot write {}", err);
      return 1;
    }
  }
  spdlog::info("rendered {} of {} articles into {}: rss.xml, atom.xml", items.size(),
               articles->size(), (out / "").string());
  return 0;
}

}  // namespace feedd::daemon
