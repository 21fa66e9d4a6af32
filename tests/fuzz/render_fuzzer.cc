// Parse, then render: whatever an article file holds, and whatever title the
// configuration accepts, RSS and Atom are well-formed XML of XML characters only
// (pugixml reads them back) and JSON Feed is valid JSON (nlohmann::json reads it).
// The input's first line is the feed title (through config::SetOption, as the
// file and the command line give it); the second "md" for Markdown, anything else
// for plain text; the rest is the article file.
#include <cstdint>

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "config/config.h"
#include "feed/article_parser.h"
#include "feed/channel.h"
#include "feed/feed_writer.h"
#include "feed/json_feed_writer.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

// XML 1.0's Char production over valid UTF-8.
bool OnlyXmlChars(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    size_t n = b < 0x80             ? 1
               : (b & 0xE0) == 0xC0 ? 2
               : (b & 0xF0) == 0xE0 ? 3
               : (b & 0xF8) == 0xF0 ? 4
                                    : 0;
    if (n == 0 || i + n > s.size()) return false;
    char32_t cp = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
    for (size_t k = 1; k < n; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    const char32_t min = n == 1 ? 0 : n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
    if (cp < min) return false;
    const bool ok = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
                    (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
    if (!ok) return false;
    i += n;
  }
  return true;
}

void CheckXml(const std::string& doc) {
  FUZZ_CHECK(OnlyXmlChars(doc), doc);
  pugi::xml_document xml;
  const pugi::xml_parse_result r =
      xml.load_buffer(doc.data(), doc.size(), pugi::parse_default, pugi::encoding_utf8);
  FUZZ_CHECK(r, std::string(r.description()) + " at " + std::to_string(r.offset) + "\n" + doc);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::vector<std::string_view> parts = feedd::fuzz::Split(in, '\n', 3);
  feedd::config::Config config;
  std::string why;
  feedd::config::SetOption("title", parts[0], &config, &why);  // refused: the default stays
  const std::string_view body = parts[2];
  const bool markdown = parts[1] == "md";
  std::vector<std::string> warnings;
  std::string err;
  std::optional<feedd::feed::Article> article =
      feedd::feed::ParseArticle(markdown ? "a/fuzz.md" : "a/fuzz.txt", body,
                                {config.base_url, {1767225600, 0}}, &warnings, &err);
  feedd::feed::Channel channel;
  channel.base_url = config.base_url;
  channel.title = config.title;
  channel.description = config.title;
  channel.hub = "http://hub.example/";
  std::vector<const feedd::feed::Article*> items;
  if (article) items.push_back(&*article);
  CheckXml(feedd::feed::RenderRss(channel, items));
  CheckXml(feedd::feed::RenderAtom(channel, items));
  const std::string json = feedd::feed::RenderJsonFeed(channel, items);
  try {
    const nlohmann::json parsed = nlohmann::json::parse(json);
    FUZZ_CHECK(parsed.is_object(), json);
  } catch (const nlohmann::json::exception& e) {
    feedd::fuzz::Fail(e.what(), json);
  }
  return 0;
}
