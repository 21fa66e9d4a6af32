#include "feed/html_metadata.h"

#include <algorithm>
#include <array>
#include <utility>

#include <nlohmann/json.hpp>

#include "feed/html_dom.h"
#include "feed/media.h"
#include "feed/utf8.h"

namespace feedd::feed {
namespace {

using json = nlohmann::json;
using namespace dom;

bool IsArticleType(const json& type) {
  auto one = [](const json& t) {
    if (!t.is_string()) return false;
    std::string s = t.get<std::string>();
    if (const size_t slash = s.find_last_of("/:"); slash != std::string::npos)
      s = s.substr(slash + 1);
    auto ends = [&](std::string_view e) {
      return s.size() >= e.size() && s.compare(s.size() - e.size(), e.size(), e) == 0;
    };
    return ends("Article") || ends("Posting");
  };
  if (type.is_array()) return std::any_of(type.begin(), type.end(), one);
  return one(type);
}

// "Tag:Cycling", "Lite:true": a facet, a key of letters before a colon and a value
// right after it. Sets *key and *value.
bool IsFacet(std::string_view keyword, std::string_view* key, std::string_view* value) {
  const size_t colon = keyword.find(':');
  if (colon == 0 || colon == std::string_view::npos || colon + 1 >= keyword.size()) return false;
  for (size_t i = 0; i < colon; ++i) {
    const char c = keyword[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
  }
  if (keyword[colon + 1] == ' ' || keyword[colon + 1] == '/') return false;  // "Note: x", URLs
  *key = keyword.substr(0, colon);
  *value = keyword.substr(colon + 1);
  return true;
}

// Keywords some publishing platforms write as facets of their own ("Tag:Cycling",
// "Topic:Cities", "Lite:true", "LayerCake:0"): when most are, only the values of the
// "tag" facets are tags, with the plain keywords; otherwise all keywords are.
std::vector<std::string> TagsOfKeywords(std::vector<std::string> keywords) {
  size_t facets = 0;
  std::string_view key, value;
  for (const std::string& k : keywords) facets += IsFacet(k, &key, &value);
  if (facets * 2 <= keywords.size()) return keywords;
  std::vector<std::string> tags;
  for (const std::string& k : keywords) {
    if (!IsFacet(k, &key, &value)) {
      tags.push_back(k);
    } else if (EqualsIgnoreCase(key, "tag") || EqualsIgnoreCase(key, "tags")) {
      tags.emplace_back(Trim(value));
    }
  }
  return tags;
}

class MetadataReader {
 public:
  MetadataReader(PageMetadata& m, const HtmlPageOptions& options) : m_(m), options_(options) {}

  void Read(const GumboOutput& out) {
    ScanDocument(out.document, 0, false);
    ReadJsonLd();
    SetBase();
  }

 private:
  // One walk over the whole document: the head's metadata, JSON-LD wherever it is,
  // and the first of the marks that name an article's parts.
  void ScanDocument(const GumboNode* n, int depth, bool in_head) {
    if (!IsElement(n) && n->type != GUMBO_NODE_DOCUMENT) return;
    if (depth > static_cast<int>(kMaxHtmlNesting) + 64) return;
    const GumboTag tag = TagOf(n);
    switch (tag) {
      case GUMBO_TAG_HTML:
        m_.lang = Collapse(AttrOf(n, "lang"));
        if (m_.lang.empty()) m_.lang = Collapse(AttrOf(n, "xml:lang"));
        SetDir(AttrOf(n, "dir"));
        break;
      case GUMBO_TAG_BODY:
        m_.body = n;
        if (m_.dir.empty()) SetDir(AttrOf(n, "dir"));
        break;
      case GUMBO_TAG_TITLE:
        if (m_.title.empty()) m_.title = TextOf(n);
        return;
      case GUMBO_TAG_META: {
        std::string key = LowerCopy(AttrOf(n, "property"));
        if (key.empty()) key = LowerCopy(AttrOf(n, "name"));
        if (key.empty()) key = LowerCopy(AttrOf(n, "http-equiv"));
        if (key.empty()) key = LowerCopy(AttrOf(n, "itemprop"));
        const std::string value = Collapse(AttrOf(n, "content"));
        if (key.empty() || value.empty()) return;
        if (key == "article:tag") {
          m_.meta_tags.push_back(value);
        } else if (!m_.meta.count(key)) {
          m_.meta[key] = value;
          m_.meta_line[key] = LineOf(n);
        }
        return;
      }
      case GUMBO_TAG_LINK:
        if (HasToken(AttrOf(n, "rel"), "canonical") && canonical_raw_.empty())
          canonical_raw_ = std::string(AttrOf(n, "href"));
        return;
      case GUMBO_TAG_BASE:
        if (base_raw_.empty()) base_raw_ = std::string(AttrOf(n, "href"));
        return;
      case GUMBO_TAG_SCRIPT:
        if (EqualsIgnoreCase(Trim(AttrOf(n, "type")), "application/ld+json")) {
          ld_scripts_.push_back({RawTextOf(n), LineOf(n)});
        }
        return;
      case GUMBO_TAG_H1:
        if (!in_head) m_.h1s.push_back(n);
        break;
      default:
        break;
    }
    if (!m_.h_entry && HasClass(n, "h-entry")) m_.h_entry = n;
    if (!m_.article_body && AttrOf(n, "itemprop") == "articleBody") m_.article_body = n;
    const GumboVector* kids = ChildrenOf(n);
    if (!kids) return;
    for (unsigned i = 0; i < kids->length; ++i)
      ScanDocument(Child(kids, i), depth + 1, in_head || tag == GUMBO_TAG_HEAD);
  }

  void SetDir(std::string_view dir) {
    const std::string d = LowerCopy(Trim(dir));
    if (d == "rtl" || d == "ltr") m_.dir = d;
  }

  static std::string JsonText(const json& v) {
    if (v.is_string()) return Collapse(v.get<std::string>());
    if (v.is_number()) return v.dump();
    return "";
  }

  std::string NameOf(const json& v, const std::unordered_map<std::string, const json*>& ids) const {
    if (v.is_string()) return Collapse(v.get<std::string>());
    if (!v.is_object()) return "";
    if (v.contains("name")) {
      const json& name = v["name"];
      if (name.is_string()) return Collapse(name.get<std::string>());
      if (name.is_array() && !name.empty()) return JsonText(name[0]);
    }
    if (v.contains("@id") && v["@id"].is_string()) {
      auto it = ids.find(v["@id"].get<std::string>());
      if (it != ids.end() && it->second != &v && it->second->contains("name"))
        return JsonText((*it->second)["name"]);
    }
    return "";
  }

  // schema.org "image": a URL, an ImageObject (url or contentUrl, or an @id of one),
  // or a list of either (the first counts).
  static std::string ImageOf(const json& v, const std::unordered_map<std::string, const json*>& ids,
                             int depth = 0) {
    if (depth > 3) return "";
    if (v.is_string()) return std::string(Trim(v.get<std::string>()));
    if (v.is_array()) return v.empty() ? "" : ImageOf(v[0], ids, depth + 1);
    if (!v.is_object()) return "";
    for (const char* key : {"url", "contentUrl"})
      if (v.contains(key) && v[key].is_string()) return std::string(Trim(v[key].get<std::string>()));
    if (v.contains("@id") && v["@id"].is_string()) {
      auto it = ids.find(v["@id"].get<std::string>());
      if (it != ids.end() && it->second != &v) return ImageOf(*it->second, ids, depth + 1);
    }
    return "";
  }

  static void Collect(const json& v, std::vector<const json*>* objects, int depth) {
    if (depth > 16) return;
    if (v.is_array()) {
      for (const json& item : v) Collect(item, objects, depth + 1);
    } else if (v.is_object()) {
      objects->push_back(&v);
      if (v.contains("@graph")) Collect(v["@graph"], objects, depth + 1);
      for (const char* key : {"mainEntity", "mainEntityOfPage"}) {
        if (v.contains(key) && v[key].is_object()) Collect(v[key], objects, depth + 1);
      }
    }
  }

  void ReadJsonLd() {
    for (const auto& [text, line] : ld_scripts_) {
      const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
      if (doc.is_discarded()) continue;
      std::vector<const json*> objects;
      Collect(doc, &objects, 0);
      std::unordered_map<std::string, const json*> ids;
      for (const json* o : objects) {
        if (o->contains("@id") && (*o)["@id"].is_string())
          ids.emplace((*o)["@id"].get<std::string>(), o);
      }
      for (const json* o : objects) {
        if (!o->contains("@type") || !IsArticleType((*o)["@type"])) continue;
        const json& a = *o;
        JsonLdArticle& ld = m_.ld;
        ld.found = true;
        ld.line = line;
        auto str = [&](const char* key) { return a.contains(key) ? JsonText(a[key]) : ""; };
        ld.headline = str("headline");
        if (ld.headline.empty()) ld.headline = str("name");
        if (a.contains("author")) {
          const json& au = a["author"];
          std::vector<std::string> names;
          if (au.is_array()) {
            for (const json& one : au) names.push_back(NameOf(one, ids));
          } else {
            names.push_back(NameOf(au, ids));
          }
          for (const std::string& name : names) {
            if (name.empty()) continue;
            if (!ld.author.empty()) ld.author += ", ";
            ld.author += name;
          }
        }
        ld.published = str("datePublished");
        if (ld.published.empty()) ld.published = str("dateCreated");
        ld.modified = str("dateModified");
        if (a.contains("articleSection")) {
          const json& s = a["articleSection"];
          ld.section = s.is_array() && !s.empty() ? JsonText(s[0]) : JsonText(s);
        }
        ld.description = str("description");
        if (a.contains("inLanguage")) {
          const json& l = a["inLanguage"];
          ld.language = l.is_object() ? (l.contains("alternateName") ? JsonText(l["alternateName"])
                                                                     : NameOf(l, ids))
                                      : JsonText(l);
        }
        ld.status = str("creativeWorkStatus");
        if (a.contains("image")) ld.image = ImageOf(a["image"], ids);
        if (a.contains("publisher")) ld.publisher = NameOf(a["publisher"], ids);
        if (a.contains("keywords")) {
          const json& k = a["keywords"];
          if (k.is_array()) {
            for (const json& one : k) {
              if (std::string t = JsonText(one); !t.empty()) ld.keywords.push_back(t);
            }
          } else {
            SplitCommas(JsonText(k), &ld.keywords);
          }
          ld.keywords = TagsOfKeywords(std::move(ld.keywords));
        }
        return;  // the first article object is the page's article
      }
    }
  }

  static void SplitCommas(std::string_view s, std::vector<std::string>* out) {
    size_t pos = 0;
    while (pos <= s.size()) {
      size_t end = s.find(',', pos);
      if (end == std::string_view::npos) end = s.size();
      const std::string_view t = Trim(s.substr(pos, end - pos));
      if (!t.empty()) out->emplace_back(t);
      pos = end + 1;
    }
  }

  // The base every relative URL in the page resolves against: <base href> (itself
  // resolved against the canonical link), the canonical link, or feedd's page.
  void SetBase() {
    const UrlBase feedd{options_.site_root, options_.page_url};
    if (!canonical_raw_.empty()) {
      std::optional<std::string> c = SafeUrl(canonical_raw_, UrlContext::kLink, feedd);
      if (c && IsHttpUrl(*c)) m_.canonical = *c;
    }
    if (!base_raw_.empty()) {
      const UrlBase against = m_.canonical.empty() ? feedd : UrlBase{m_.canonical, m_.canonical};
      std::optional<std::string> b = SafeUrl(base_raw_, UrlContext::kLink, against);
      if (b && IsHttpUrl(*b)) m_.base = *b;
    }
    if (m_.base.empty()) m_.base = m_.canonical;
    m_.own_base = m_.base.empty();
    m_.article_path = std::string(options_.article_path);
    m_.feedd_root = std::string(options_.site_root);
    m_.feedd_page = std::string(options_.page_url);
    if (m_.base.empty()) {
      m_.site_root = std::string(options_.site_root);
      m_.page_url = std::string(options_.page_url);
    } else {
      m_.site_root = m_.base;
      m_.page_url = m_.base;
    }
    const size_t colon = m_.page_url.find(':');
    m_.scheme = colon == std::string::npos ? "https" : m_.page_url.substr(0, colon);
  }

  PageMetadata& m_;
  const HtmlPageOptions& options_;
  std::string canonical_raw_, base_raw_;
  std::vector<std::pair<std::string, int>> ld_scripts_;
};

}  // namespace

std::string PageMetadata::Meta(const std::string& key) const {
  auto it = meta.find(key);
  return it == meta.end() ? std::string() : it->second;
}

int PageMetadata::MetaLine(const std::string& key) const {
  auto it = meta_line.find(key);
  return it == meta_line.end() ? 0 : it->second;
}

std::optional<std::string> PageMetadata::Url(std::string_view raw, UrlContext context) const {
  std::string url(Trim(raw));
  if (IsLocalMedia(url)) return SafeUrl(url, context, UrlBase{feedd_root, feedd_page, article_path});
  if (url.rfind("//", 0) == 0) url = scheme + ":" + url;  // protocol-relative
  return SafeUrl(url, context, UrlBase{site_root, page_url});
}

bool PageMetadata::IsLocalMedia(std::string_view raw) const {
  const std::string_view url = Trim(raw);
  if (article_path.empty() || url.empty() || url.front() == '/' || url.front() == '#' ||
      url.front() == '?')
    return false;
  const size_t end = url.find_first_of("?#");
  const std::string_view path = url.substr(0, end);
  const size_t colon = path.find(':');
  if (colon != std::string_view::npos && colon < path.find('/')) return false;  // a scheme
  if (!MediaTypeOf(path)) return false;
  if (own_base) return true;
  // "story_files/x.jpg" (or "./story_files/x.jpg") beside "2026/story.html".
  std::string_view rest = path;
  while (rest.substr(0, 2) == "./") rest.remove_prefix(2);
  const size_t slash = article_path.rfind('/');
  std::string_view name = std::string_view(article_path).substr(slash == std::string::npos ? 0 : slash + 1);
  name = name.substr(0, name.rfind('.'));
  const std::string folder = std::string(name) + "_files/";
  return !name.empty() && PercentDecode(rest).rfind(folder, 0) == 0;
}

std::string PageMetadata::StrippedTitle(const std::string& h1) const {
  const std::string& title = this->title;
  if (title.empty()) return "";
  if (!h1.empty() && title.rfind(h1, 0) == 0) return h1;
  for (const std::string& site : {Meta("og:site_name"), ld.publisher, Meta("application-name")}) {
    if (site.empty() || site.size() >= title.size()) continue;
    if (title.size() > site.size() &&
        title.compare(title.size() - site.size(), site.size(), site) == 0) {
      std::string rest = title.substr(0, title.size() - site.size());
      return TrimSeparators(rest);
    }
    if (title.rfind(site, 0) == 0) return TrimSeparators(title.substr(site.size()));
  }
  static constexpr std::array<std::string_view, 8> kSeparators{
      " | ", " - ", " \u2013 ", " \u2014 ", " \u00b7 ", " :: ", " \u00bb ", " / "};
  size_t first = std::string::npos, last = std::string::npos, first_len = 0, last_len = 0;
  for (std::string_view sep : kSeparators) {
    const size_t f = title.find(sep);
    if (f != std::string::npos && (first == std::string::npos || f < first)) {
      first = f;
      first_len = sep.size();
    }
    const size_t l = title.rfind(sep);
    if (l != std::string::npos && (last == std::string::npos || l > last)) {
      last = l;
      last_len = sep.size();
    }
  }
  if (last == std::string::npos) return title;
  const std::string head = title.substr(0, last);
  const std::string tail = title.substr(last + last_len);
  if (CountCodePoints(tail) < CountCodePoints(head)) return head;
  const std::string lead = title.substr(0, first);
  const std::string after = title.substr(first + first_len);
  if (CountCodePoints(lead) < CountCodePoints(after)) return after;
  return title;
}

std::vector<std::string> PageMetadata::TitleParts() const {
  static constexpr std::array<std::string_view, 9> kSeparators{
      " | ", " - ", " \u2013 ", " \u2014 ", " \u00b7 ", " :: ", " \u00bb ", " / ", ": "};
  std::vector<std::string> parts;
  for (std::string_view sep : kSeparators) {
    for (size_t at = title.find(sep); at != std::string::npos; at = title.find(sep, at + 1)) {
      for (std::string part : {title.substr(0, at), title.substr(at + sep.size())}) {
        part = TrimSeparators(part);
        if (!part.empty() && std::find(parts.begin(), parts.end(), part) == parts.end())
          parts.push_back(std::move(part));
      }
    }
  }
  return parts;
}

std::string TrimSeparators(std::string s) {
  auto sep = [](char32_t cp) {
    return IsSpace(cp) || cp == '|' || cp == '-' || cp == 0x2013 || cp == 0x2014 || cp == 0xB7 ||
           cp == ':' || cp == 0xBB || cp == '/';
  };
  size_t start = 0;
  for (size_t pos = 0; pos < s.size();) {
    const size_t at = pos;
    if (!sep(DecodeUtf8(s, &pos))) {
      start = at;
      break;
    }
    start = pos;
  }
  s = s.substr(start);
  while (!s.empty()) {
    size_t pos = s.size() - 1;
    while (pos > 0 && (static_cast<unsigned char>(s[pos]) & 0xC0) == 0x80) --pos;
    size_t p = pos;
    if (!sep(DecodeUtf8(s, &p))) break;
    s.resize(pos);
  }
  return s;
}

std::string LocaleTag(std::string locale) {
  std::replace(locale.begin(), locale.end(), '_', '-');
  return locale;
}

PageMetadata ReadPageMetadata(const GumboOutput& out, const HtmlPageOptions& options) {
  PageMetadata m;
  MetadataReader(m, options).Read(out);
  return m;
}

}  // namespace feedd::feed
