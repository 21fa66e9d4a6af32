#include "feed/feed_writer.h"

#include <pugixml.hpp>

#include <algorithm>
#include <unordered_set>

#include "feed/article_id.h"
#include "feed/podcast.h"

namespace feedd::feed {
namespace {

class StringWriter : public pugi::xml_writer {
 public:
  explicit StringWriter(std::string* out) : out_(out) {}
  void write(const void* data, size_t size) override {
    out_->append(static_cast<const char*>(data), size);
  }

 private:
  std::string* out_;
};

std::string Serialize(const pugi::xml_document& doc) {
  std::string out;
  StringWriter writer(&out);
  doc.save(writer, "  ", pugi::format_indent, pugi::encoding_utf8);
  return out;
}

void AddDeclaration(pugi::xml_document* doc) {
  pugi::xml_node decl = doc->append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "utf-8";
}

void AddText(pugi::xml_node parent, const char* name, const std::string& text) {
  parent.append_child(name).text().set(text.c_str());
}

std::string Generator(const Channel& c) {
  return c.generator_version.empty() ? "feedd" : "feedd " + c.generator_version;
}

const std::string& AuthorOf(const Article& a, const Channel& c) {
  return a.author.empty() ? c.author : a.author;
}

}  // namespace

std::vector<std::string> ItemCategories(const Article& a) {
  std::vector<std::string> out;
  std::unordered_set<std::string_view> seen;  // linear, not quadratic
  if (!a.category.empty()) {
    out.push_back(a.category);
    seen.insert(a.category);
  }
  for (const std::string& t : a.tags) {
    if (seen.insert(t).second) out.push_back(t);
  }
  return out;
}

// With no items, the epoch, so an empty feed is still the same bytes every time.
Timestamp NewestUpdate(std::span<const Article* const> items) {
  Timestamp newest{0, 0};
  for (const Article* a : items) {
    if (a->updated.seconds > newest.seconds) newest = Timestamp{a->updated.seconds, 0};
  }
  return newest;
}

std::vector<const Article*> SelectItems(const std::vector<Article>& articles, size_t limit) {
  std::vector<const Article*> items;
  items.reserve(articles.size());
  for (const Article& a : articles) items.push_back(&a);
  return SelectItems(std::move(items), limit);
}

std::vector<const Article*> SelectItems(std::vector<const Article*> items, size_t limit) {
  std::sort(items.begin(), items.end(), [](const Article* x, const Article* y) {
    if (x->published.seconds != y->published.seconds)
      return x->published.seconds > y->published.seconds;
    return x->id < y->id;
  });
  if (items.size() > limit) items.resize(limit);
  return items;
}

namespace {

// Apple's required and recommended channel tags, in the order of Apple's example
// feed, then Podcasting 2.0's guid and locked.
void AddPodcastChannel(pugi::xml_node ch, const Channel& c) {
  const PodcastChannel& p = c.podcast;
  const std::string& author = p.author.empty() ? c.author : p.author;
  if (!author.empty()) AddText(ch, "itunes:author", author);
  if (!p.owner_name.empty() || !p.owner_email.empty()) {
    pugi::xml_node owner = ch.append_child("itunes:owner");
    if (!p.owner_name.empty()) AddText(owner, "itunes:name", p.owner_name);
    if (!p.owner_email.empty()) AddText(owner, "itunes:email", p.owner_email);
  }
  if (!p.image_url.empty()) ch.append_child("itunes:image").append_attribute("href") = p.image_url.c_str();
  for (const auto& [category, subcategory] : p.categories) {
    pugi::xml_node top = ch.append_child("itunes:category");
    top.append_attribute("text") = category.c_str();
    if (!subcategory.empty())
      top.append_child("itunes:category").append_attribute("text") = subcategory.c_str();
  }
  AddText(ch, "itunes:explicit", p.explicit_content ? "true" : "false");
  AddText(ch, "itunes:type", p.type);
  // The guid names the podcast wherever its feed moves: a configured one, else the
  // one derived from this document's own URL (a category feed is a podcast of its own).
  AddText(ch, "podcast:guid",
          !p.guid.empty() && c.path.empty() ? p.guid : PodcastGuid(c.base_url + c.path + "/rss.xml"));
  pugi::xml_node locked = ch.append_child("podcast:locked");
  if (!p.owner_email.empty()) locked.append_attribute("owner") = p.owner_email.c_str();
  locked.text().set(p.locked ? "yes" : "no");
}

// An episode's itunes tags: what the article knows; nothing is made up.
void AddPodcastItem(pugi::xml_node item, const Article& a) {
  const Episode& e = a.episode;
  if (const int64_t seconds = DurationSeconds(a); seconds > 0)
    AddText(item, "itunes:duration", std::to_string(seconds));
  if (e.number > 0) AddText(item, "itunes:episode", std::to_string(e.number));
  if (e.season > 0) AddText(item, "itunes:season", std::to_string(e.season));
  if (!e.type.empty()) AddText(item, "itunes:episodeType", e.type);
  if (e.explicit_content >= 0) AddText(item, "itunes:explicit", e.explicit_content ? "true" : "false");
  // Apple takes JPEG and PNG episode art only.
  if (a.image.type == "image/jpeg" || a.image.type == "image/png")
    item.append_child("itunes:image").append_attribute("href") = a.image.url.c_str();
}

}  // namespace

std::string RenderRss(const Channel& c, std::span<const Article* const> items) {
  pugi::xml_document doc;
  AddDeclaration(&doc);
  pugi::xml_node rss = doc.append_child("rss");
  rss.append_attribute("version") = "2.0";
  rss.append_attribute("xmlns:atom") = "http://www.w3.org/2005/Atom";
  rss.append_attribute("xmlns:content") = "http://purl.org/rss/1.0/modules/content/";
  rss.append_attribute("xmlns:dc") = "http://purl.org/dc/elements/1.1/";
  // Media RSS for the featured images, declared only where one is shown.
  if (std::any_of(items.begin(), items.end(), [](const Article* a) { return !a->image.url.empty(); }))
    rss.append_attribute("xmlns:media") = "http://search.yahoo.com/mrss/";
  const PodcastChannel& podcast = c.podcast;
  if (podcast.enabled) {
    rss.append_attribute("xmlns:itunes") = "http://www.itunes.com/dtds/podcast-1.0.dtd";
    rss.append_attribute("xmlns:podcast") = "https://podcastindex.org/namespace/1.0";
  }
  pugi::xml_node ch = rss.append_child("channel");
  AddText(ch, "title", c.title);
  AddText(ch, "link", c.base_url + "/");
  AddText(ch, "description", c.description.empty() ? c.title : c.description);
  if (!c.language.empty()) AddText(ch, "language", c.language);
  if (c.updated > 0) {
    AddText(ch, "lastBuildDate", FormatRfc822Utc(Timestamp{c.updated, 0}));
  } else if (!items.empty()) {
    AddText(ch, "lastBuildDate", FormatRfc822Utc(NewestUpdate(items)));
  }
  AddText(ch, "generator", Generator(c));
  pugi::xml_node self = ch.append_child("atom:link");
  self.append_attribute("href") = (c.base_url + c.path + "/rss.xml").c_str();
  self.append_attribute("rel") = "self";
  self.append_attribute("type") = "application/rss+xml";
  if (!c.hub.empty()) {
    pugi::xml_node hub = ch.append_child("atom:link");
    hub.append_attribute("href") = c.hub.c_str();
    hub.append_attribute("rel") = "hub";
  }
  if (podcast.enabled) AddPodcastChannel(ch, c);

  for (const Article* a : items) {
    pugi::xml_node item = ch.append_child("item");
    AddText(item, "title", a->title);
    AddText(item, "link", a->link);
    pugi::xml_node guid = item.append_child("guid");
    guid.append_attribute("isPermaLink") = a->id == a->link ? "true" : "false";
    guid.text().set(a->id.c_str());
    AddText(item, "pubDate", FormatRfc822Utc(a->published));  // UTC: issue 10
    if (!a->summary.empty()) AddText(item, "description", a->summary);
    if (!a->content_html.empty()) AddText(item, "content:encoded", a->content_html);
    if (const std::string& author = AuthorOf(*a, c); !author.empty())
      AddText(item, "dc:creator", author);
    for (const std::string& cat : ItemCategories(*a)) AddText(item, "category", cat);
    if (!a->enclosure.url.empty()) {
      // Exactly one; RSS wants a length and a type: 0 when unknown, as the RSS
      // Advisory Board advises, and the generic type when the name tells none.
      pugi::xml_node enc = item.append_child("enclosure");
      enc.append_attribute("url") = a->enclosure.url.c_str();
      enc.append_attribute("length") = std::to_string(a->enclosure.length).c_str();
      enc.append_attribute("type") =
          a->enclosure.type.empty() ? "application/octet-stream" : a->enclosure.type.c_str();
    }
    if (!a->image.url.empty()) {
      pugi::xml_node m = item.append_child("media:content");
      m.append_attribute("url") = a->image.url.c_str();
      m.append_attribute("medium") = "image";
      if (!a->image.type.empty()) m.append_attribute("type") = a->image.type.c_str();
      if (a->image.length > 0) m.append_attribute("fileSize") = std::to_string(a->image.length).c_str();
    }
    if (podcast.enabled) AddPodcastItem(item, *a);
  }
  return Serialize(doc);
}

std::string RenderAtom(const Channel& c, std::span<const Article* const> items) {
  pugi::xml_document doc;
  AddDeclaration(&doc);
  pugi::xml_node feed = doc.append_child("feed");
  feed.append_attribute("xmlns") = "http://www.w3.org/2005/Atom";
  if (!c.language.empty()) feed.append_attribute("xml:lang") = c.language.c_str();
  if (c.history.is_archive) feed.append_attribute("xmlns:fh") = "http://purl.org/syndication/history/1.0";
  AddText(feed, "id", c.feed_id.empty() ? c.base_url + c.path + "/" : c.feed_id);
  pugi::xml_node title = feed.append_child("title");
  title.append_attribute("type") = "text";
  title.text().set(c.title.c_str());
  if (!c.description.empty()) {
    pugi::xml_node sub = feed.append_child("subtitle");
    sub.append_attribute("type") = "text";
    sub.text().set(c.description.c_str());
  }
  AddText(feed, "updated",
          FormatRfc3339Utc(c.updated > 0 ? Timestamp{c.updated, 0} : NewestUpdate(items)));
  // A feed-level author makes every entry valid (RFC 4287 4.1.1), named or not.
  AddText(feed.append_child("author"), "name", c.author.empty() ? c.title : c.author);
  pugi::xml_node self = feed.append_child("link");
  self.append_attribute("rel") = "self";
  self.append_attribute("type") = "application/atom+xml";
  self.append_attribute("href") = (c.base_url + c.path + "/atom.xml").c_str();
  pugi::xml_node alt = feed.append_child("link");
  alt.append_attribute("rel") = "alternate";
  alt.append_attribute("type") = "text/html";
  alt.append_attribute("href") = (c.base_url + "/").c_str();
  for (const auto& [rel, href] : {std::pair{"current", &c.history.current},
                                  std::pair{"prev-archive", &c.history.prev_archive},
                                  std::pair{"next-archive", &c.history.next_archive}}) {
    if (href->empty()) continue;
    pugi::xml_node l = feed.append_child("link");
    l.append_attribute("rel") = rel;
    l.append_attribute("type") = "application/atom+xml";
    l.append_attribute("href") = href->c_str();
  }
  if (!c.hub.empty() && !c.history.is_archive) {
    pugi::xml_node hub = feed.append_child("link");
    hub.append_attribute("rel") = "hub";
    hub.append_attribute("href") = c.hub.c_str();
  }
  if (c.history.is_archive) feed.append_child("fh:archive");
  pugi::xml_node gen = feed.append_child("generator");
  if (!c.generator_version.empty())
    gen.append_attribute("version") = c.generator_version.c_str();
  gen.text().set("feedd");

  for (const Article* a : items) {
    pugi::xml_node entry = feed.append_child("entry");
    if (!a->language.empty()) entry.append_attribute("xml:lang") = a->language.c_str();
    AddText(entry, "id", AtomEntryId(a->id));  // an absolute IRI, as RFC 4287 requires
    pugi::xml_node t = entry.append_child("title");
    t.append_attribute("type") = "text";
    t.text().set(a->title.c_str());
    pugi::xml_node link = entry.append_child("link");
    link.append_attribute("rel") = "alternate";
    link.append_attribute("type") = "text/html";
    link.append_attribute("href") = a->link.c_str();
    if (!a->via.empty()) {  // where a saved page was first published: never its id
      pugi::xml_node via = entry.append_child("link");
      via.append_attribute("rel") = "via";
      via.append_attribute("type") = "text/html";
      via.append_attribute("href") = a->via.c_str();
    }
    if (!a->enclosure.url.empty()) {  // RFC 4287 section 4.2.7.2
      pugi::xml_node enc = entry.append_child("link");
      enc.append_attribute("rel") = "enclosure";
      if (!a->enclosure.type.empty()) enc.append_attribute("type") = a->enclosure.type.c_str();
      enc.append_attribute("href") = a->enclosure.url.c_str();
      if (a->enclosure.length > 0)
        enc.append_attribute("length") = std::to_string(a->enclosure.length).c_str();
    }
    // UTC, never the author's offset: some readers ignore offsets (issue 10).
    AddText(entry, "published", FormatRfc3339Utc(a->published));
    AddText(entry, "updated", FormatRfc3339Utc(a->updated));
    if (!a->author.empty()) AddText(entry.append_child("author"), "name", a->author);
    for (const std::string& cat : ItemCategories(*a))
      entry.append_child("category").append_attribute("term") = cat.c_str();
    if (!a->summary.empty()) {
      pugi::xml_node s = entry.append_child("summary");
      s.append_attribute("type") = "text";
      s.text().set(a->summary.c_str());
    }
    if (!a->content_html.empty()) {
      pugi::xml_node content = entry.append_child("content");
      content.append_attribute("type") = "html";
      content.text().set(a->content_html.c_str());
    }
  }
  return Serialize(doc);
}

}  // namespace feedd::feed
