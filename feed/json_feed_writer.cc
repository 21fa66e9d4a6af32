#include "feed/json_feed_writer.h"

#include <nlohmann/json.hpp>

#include <vector>

#include "feed/feed_writer.h"

namespace feedd::feed {

std::string RenderJsonFeed(const Channel& c, std::span<const Article* const> items) {
  using Json = nlohmann::ordered_json;
  Json feed;
  feed["version"] = "https://jsonfeed.org/version/1.1";
  feed["title"] = c.title;
  feed["home_page_url"] = c.base_url + "/";
  feed["feed_url"] = c.base_url + c.path + "/feed.json";
  if (!c.description.empty()) feed["description"] = c.description;
  if (!c.language.empty()) feed["language"] = c.language;
  if (!c.author.empty()) feed["authors"] = Json::array({Json{{"name", c.author}}});
  if (!c.hub.empty()) feed["hubs"] = Json::array({Json{{"type", "WebSub"}, {"url", c.hub}}});
  Json list = Json::array();
  for (const Article* a : items) {
    Json item;
    item["id"] = a->id;
    item["url"] = a->link;
    if (!a->via.empty()) item["external_url"] = a->via;  // where it was first published
    item["title"] = a->title;
    // An item needs content_html or content_text; one carrying its summary only
    // (feed/feed_size.h) gives it as text.
    if (!a->content_html.empty()) {
      item["content_html"] = a->content_html;
    } else {
      item["content_text"] = a->summary;
    }
    if (!a->summary.empty()) item["summary"] = a->summary;
    item["date_published"] = FormatRfc3339Utc(a->published);  // UTC, as in Atom (issue 10)
    item["date_modified"] = FormatRfc3339Utc(a->updated);
    const std::string& author = a->author.empty() ? c.author : a->author;
    if (!author.empty()) item["authors"] = Json::array({Json{{"name", author}}});
    const std::vector<std::string> tags = ItemCategories(*a);
    if (!tags.empty()) item["tags"] = tags;
    if (!a->language.empty()) item["language"] = a->language;
    if (!a->image.url.empty()) item["image"] = a->image.url;
    if (!a->enclosure.url.empty()) {
      Json att;
      att["url"] = a->enclosure.url;
      att["mime_type"] = a->enclosure.type.empty() ? "application/octet-stream" : a->enclosure.type;
      if (a->enclosure.length > 0) att["size_in_bytes"] = a->enclosure.length;
      if (const int64_t seconds = DurationSeconds(*a); seconds > 0) att["duration_in_seconds"] = seconds;
      item["attachments"] = Json::array({std::move(att)});
    }
    list.push_back(std::move(item));
  }
  feed["items"] = std::move(list);
  return feed.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace feedd::feed
