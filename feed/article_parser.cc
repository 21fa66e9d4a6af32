#include "feed/article_parser.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>
#include <unordered_set>

#include "feed/charset.h"
#include "feed/html.h"
#include "feed/html_page.h"
#include "feed/markdown.h"
#include "feed/markdown_html.h"
#include "feed/media.h"
#include "feed/plain_text.h"
#include "feed/slug.h"
#include "feed/text.h"
#include "feed/url.h"
#include "feed/utf8.h"

namespace feedd::feed {
namespace {

std::string Lower(std::string_view v) {
  std::string out(v);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A media value as written (a path relative to the article, or an absolute http(s)
// URL) as the article's Media; empty, with a warning, when it is neither or names no
// media file of the kinds wanted.
Media ReadMedia(std::string_view value, std::string_view source, const char* key, bool image,
                std::vector<std::string>* warnings) {
  Media m;
  value = Trim(value);
  if (value.empty()) return m;
  auto refuse = [&](const std::string& why) {
    warnings->push_back(std::string(key) + " \"" + Summarize(value, 80) + "\" " + why + "; left out");
    return Media{};
  };
  const size_t end = value.find_first_of("?#");
  const std::string_view path = value.substr(0, end);
  const std::optional<MediaType> type = MediaTypeOf(path);
  const bool want = type && (image ? type->kind == MediaKind::kImage : type->kind != MediaKind::kImage);
  if (value.find(':') != std::string_view::npos && value.find(':') < value.find('/')) {
    // A URL: only http(s), through the same allow-list as links in the content.
    std::optional<std::string> url = SafeUrl(value, image ? UrlContext::kImage : UrlContext::kLink);
    const std::string scheme = url ? Lower(url->substr(0, url->find(':'))) : "";
    if (!url || (scheme != "http" && scheme != "https")) return refuse("is not an http or https URL");
    m.url = *url;
    if (want) m.type = std::string(type->mime);
    return m;
  }
  if (!type) return refuse("is not a media file (an image, audio, video or PDF by its extension)");
  if (!want) return refuse(image ? "is not an image" : "is an image, not audio, video or a document");
  std::optional<std::string> resolved = ResolveRelativePath(source, path);
  if (!resolved) return refuse("leads out of the input folder");
  m.path = *resolved;
  m.type = std::string(type->mime);
  return m;
}

// "1:02:03", "62:03", "3723" (seconds); 0 when it is none of these.
int64_t ReadDuration(std::string_view v) {
  v = Trim(v);
  int64_t total = 0, part = 0;
  int parts = 1;
  bool digit = false;
  for (char c : v) {
    if (c >= '0' && c <= '9') {
      part = part * 10 + (c - '0');
      if (part > 100000000) return 0;
      digit = true;
    } else if (c == ':' && digit && parts < 3) {
      total = total * 60 + part;
      part = 0;
      digit = false;
      ++parts;
    } else if (c == '.' && digit) {
      break;  // fractions of a second are dropped
    } else {
      return 0;
    }
  }
  if (!digit) return 0;
  if (parts > 1 && part >= 60) return 0;
  return total * 60 + part;
}

// Decimal digits, at most `max_digits`; -1 when it is not that.
int64_t ReadCount(std::string_view v, size_t max_digits = 9) {
  v = Trim(v);
  if (v.empty() || v.size() > max_digits) return -1;
  int64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
  }
  return n;
}

Episode ReadEpisode(const ParsedFields& f, std::vector<std::string>* warnings) {
  Episode e;
  if (!f.duration.empty() && (e.duration_seconds = ReadDuration(f.duration)) <= 0) {
    e.duration_seconds = 0;
    warnings->push_back("duration \"" + Summarize(f.duration, 40) +
                        "\" is not HH:MM:SS, MM:SS or seconds; left out");
  }
  const std::pair<const std::string*, int64_t*> counts[] = {{&f.episode, &e.number},
                                                            {&f.season, &e.season}};
  for (const auto& [text, out] : counts) {
    if (text->empty()) continue;
    const int64_t n = ReadCount(*text);
    if (n > 0) {
      *out = n;
    } else {
      warnings->push_back(std::string(text == &f.episode ? "episode" : "season") + " \"" +
                          Summarize(*text, 40) + "\" is not a number from 1; left out");
    }
  }
  if (!f.episode_type.empty()) {
    const std::string t = Lower(Trim(f.episode_type));
    if (t == "full" || t == "trailer" || t == "bonus") {
      e.type = t;
    } else {
      warnings->push_back("episode_type \"" + Summarize(f.episode_type, 40) +
                          "\" is not full, trailer or bonus; left out");
    }
  }
  if (!f.explicit_content.empty()) {
    const std::string x = Lower(Trim(f.explicit_content));
    if (x == "true" || x == "yes" || x == "explicit" || x == "on") {
      e.explicit_content = 1;
    } else if (x == "false" || x == "no" || x == "clean" || x == "off") {
      e.explicit_content = 0;
    } else {
      warnings->push_back("explicit \"" + Summarize(f.explicit_content, 40) +
                          "\" is not true or false; left out");
    }
  }
  return e;
}

// A BCP 47 tag in its canonical case ("en-gb" → "en-GB", "zh-hant-tw" → "zh-Hant-TW",
// og:locale's "de_DE" → "de-DE"), or "" when `tag` is none: subtags of 1 to 8
// letters or digits, the first an ISO 639 code of 2 or 3 letters (or "x" or "i",
// private and grandfathered ones; no language has a longer one registered).
std::string CanonicalLanguageTag(std::string_view tag) {
  std::string out;
  size_t index = 0, pos = 0;
  bool ok = true;
  while (ok && pos <= tag.size()) {
    size_t end = tag.find_first_of("-_", pos);
    if (end == std::string_view::npos) end = tag.size();
    std::string sub(tag.substr(pos, end - pos));
    ok = !sub.empty() && sub.size() <= 8 && std::all_of(sub.begin(), sub.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    });
    for (char& c : sub) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (ok && index == 0) {
      ok = std::all_of(sub.begin(), sub.end(), [](char c) { return c >= 'a' && c <= 'z'; }) &&
           ((sub.size() >= 2 && sub.size() <= 3) || sub == "x" || sub == "i");
    } else if (ok && sub.size() == 2) {  // a region
      for (char& c : sub) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    } else if (ok && sub.size() == 4 && std::isalpha(static_cast<unsigned char>(sub[0]))) {
      sub[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(sub[0])));  // a script
    }
    if (!out.empty()) out += '-';
    out += sub;
    ++index;
    pos = end + 1;
  }
  return ok ? out : "";
}

std::string LowerExtension(std::string_view name) {
  const size_t slash = name.find_last_of('/');
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  const size_t dot = name.find_last_of('.');
  if (dot == std::string_view::npos || dot == 0) return "";
  std::string ext(name.substr(dot + 1));
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

bool IsRightToLeftLetter(char32_t cp) {
  return (cp >= 0x0590 && cp <= 0x08FF) || (cp >= 0xFB1D && cp <= 0xFDFF) ||
         (cp >= 0xFE70 && cp <= 0xFEFF) || (cp >= 0x10800 && cp <= 0x10FFF);
}

bool IsLeftToRightLetter(char32_t cp) {
  return (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') || (cp >= 0xC0 && cp <= 0x24F) ||
         (cp >= 0x370 && cp <= 0x58F) || (cp >= 0x900 && cp <= 0x1FFF) ||
         (cp >= 0x3040 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF);
}

// The direction of the text by majority of strongly directional letters.
bool MostlyRightToLeft(std::string_view title, std::string_view body) {
  size_t rtl = 0, ltr = 0;
  for (std::string_view s : {title, body}) {
    bool in_tag = false;
    for (size_t pos = 0; pos < s.size();) {
      const char32_t cp = DecodeUtf8(s, &pos);
      if (cp == '<') in_tag = true;
      if (cp == '>') in_tag = false;
      if (in_tag) continue;
      rtl += IsRightToLeftLetter(cp);
      ltr += IsLeftToRightLetter(cp);
    }
  }
  return rtl > ltr;
}

// Text fields from YAML escapes or header lines could still hold characters XML
// forbids, or line breaks that have no place in a title.
std::string CleanLine(std::string_view s) {
  std::string out = SanitizeUtf8(s);
  for (char& c : out) {
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
  }
  return std::string(Trim(out));
}

// A tag or category name of at most kMaxNameChars characters; sets *cut when shortened.
std::string CapName(std::string name, bool* cut) {
  if (CountCodePoints(name) <= kMaxNameChars) return name;
  *cut = true;
  size_t pos = 0;
  for (size_t count = 0; pos < name.size() && count < kMaxNameChars; ++count) DecodeUtf8(name, &pos);
  return std::string(Trim(std::string_view(name).substr(0, pos)));
}

}  // namespace

ArticleFormat FormatOf(std::string_view file_name) {
  const std::string ext = LowerExtension(file_name);
  if (ext == "txt") return ArticleFormat::kPlainText;
  if (ext == "md" || ext == "markdown") return ArticleFormat::kMarkdown;
  if (ext == "html" || ext == "htm") return ArticleFormat::kHtml;
  return ArticleFormat::kNone;
}

std::string DescribeCut(const Cut& cut) {
  return "left out " + std::to_string(cut.blocks) + (cut.blocks == 1 ? " block" : " blocks") +
         " as " + cut.what + " (" + cut.why + "), from \"" + cut.first + "\"";
}

std::optional<Article> ParseArticle(std::string_view relative_path, std::string_view bytes,
                                    const ParseContext& context,
                                    std::vector<std::string>* warnings, std::string* err) {
  ParseError error;
  std::optional<Article> a = ParseArticle(relative_path, bytes, context, warnings, &error);
  if (!a) *err = std::move(error.message);
  return a;
}

std::optional<Article> ParseArticle(std::string_view relative_path, std::string_view bytes,
                                    const ParseContext& context, std::vector<std::string>* warnings,
                                    ParseError* error, std::vector<Cut>* cuts) {
  const ArticleFormat format = FormatOf(relative_path);
  if (format == ArticleFormat::kNone) {
    *error = {ParseErrorKind::kNotArticle, "not an article file (.txt, .md, .markdown, .html, .htm)"};
    return std::nullopt;
  }
  // A page's bytes are in the encoding it declares; everything after works on UTF-8.
  std::string decoded;
  if (format == ArticleFormat::kHtml) {
    std::string unknown;
    DecodedPage page = DecodeHtmlBytes(bytes, &unknown);
    if (!unknown.empty())
      warnings->push_back("unknown charset \"" + Summarize(unknown, 40) + "\"; read as " + page.encoding);
    if (page.replaced && page.encoding != "UTF-8")
      warnings->push_back("bytes that are not " + page.encoding + " replaced with U+FFFD");
    decoded = std::move(page.text);
    bytes = decoded;
  }
  std::string* err = &error->message;
  bool invalid_utf8 = false;
  TextRejection not_text = TextRejection::kBinary;
  std::optional<std::string> text = NormalizeText(bytes, &invalid_utf8, err, &not_text);
  if (!text) {
    error->kind =
        not_text == TextRejection::kBinary ? ParseErrorKind::kBinary : ParseErrorKind::kEmpty;
    return std::nullopt;
  }
  if (invalid_utf8) warnings->push_back("invalid UTF-8 replaced with U+FFFD");

  Article a;
  a.source = std::string(relative_path);
  a.slug = MakeSlug(relative_path);
  a.link = context.base_url + "/articles/" + PercentEncode(a.slug);

  ParsedFields f;
  if (format == ArticleFormat::kMarkdown) {
    MarkdownHtmlOptions options;
    options.base = UrlBase{context.base_url, a.link, relative_path};
    options.max_bytes = context.max_content_bytes;
    MarkdownRejection bad = MarkdownRejection::kBody;
    std::optional<ParsedFields> md = ParseMarkdown(*text, options, err, &bad);
    if (!md) {
      error->kind = bad == MarkdownRejection::kFrontMatter ? ParseErrorKind::kFrontMatter
                                                           : ParseErrorKind::kMalformed;
      return std::nullopt;
    }
    f = *std::move(md);
  } else if (format == ArticleFormat::kHtml) {
    HtmlPageOptions options;
    options.site_root = context.base_url;
    options.page_url = a.link;
    options.article_path = relative_path;
    options.max_bytes = context.max_content_bytes;
    std::optional<ParsedFields> page = ParseHtmlPage(*text, options, err);
    if (!page) {
      error->kind = ParseErrorKind::kMalformed;
      return std::nullopt;
    }
    f = *std::move(page);
  } else {
    f = ParsePlainText(*text, context.max_content_bytes);
  }
  if (f.draft) {
    *error = {ParseErrorKind::kDraft, "draft"};
    return std::nullopt;
  }
  if (cuts) *cuts = std::move(f.cuts);
  if (f.content_cut) {
    warnings->push_back("content cut at " + std::to_string(context.max_content_bytes) +
                        " bytes (limits.max_content_size)");
  }
  a.title = CleanLine(f.title);
  if (a.title.empty()) a.title = a.slug;
  a.author = CleanLine(f.author);
  a.author_bio = CleanLine(f.author_bio);
  bool names_cut = false;
  a.category = CapName(CleanLine(f.category), &names_cut);
  std::unordered_set<std::string> seen;  // linear, not quadratic, in the number of tags
  for (const std::string& tag : f.tags) {
    std::string t = CapName(CleanLine(tag), &names_cut);
    if (t.empty() || !seen.insert(t).second) continue;
    if (a.tags.size() == kMaxTags) {
      names_cut = true;
      break;
    }
    a.tags.push_back(std::move(t));
  }
  if (names_cut) {
    warnings->push_back("tags and categories cut to " + std::to_string(kMaxTags) + " of at most " +
                        std::to_string(kMaxNameChars) + " characters each");
  }
  if (const std::string lang = CleanLine(f.language); !lang.empty()) {
    a.language = CanonicalLanguageTag(lang);
    if (a.language.empty())
      warnings->push_back("language \"" + Summarize(lang, 40) +
                          "\" is not a language tag; the feed's is used");
  }
  a.id = CleanLine(f.id);
  a.explicit_id = !a.id.empty();
  if (a.id.empty()) a.id = a.link;
  a.content_html = SanitizeUtf8(f.content_html);  // URLs already checked and resolved
  // An explicit summary is kept whole; otherwise the first paragraph, cut near 300 chars.
  a.summary = f.summary.empty() ? Summarize(FirstParagraphText(a.content_html), kSummaryChars)
                                : CleanLine(f.summary);
  a.right_to_left = f.direction.empty() ? MostlyRightToLeft(a.title, a.content_html)
                                        : f.direction == "rtl";
  a.via = f.via;
  a.image = ReadMedia(f.image, relative_path, "image", true, warnings);
  a.enclosure = ReadMedia(f.enclosure, relative_path, "enclosure", false, warnings);
  if (!a.enclosure.url.empty()) {
    // A remote file: its type and length only as stated.
    if (!f.enclosure_type.empty()) a.enclosure.type = CleanLine(f.enclosure_type);
    if (const int64_t n = ReadCount(f.enclosure_length, 15); n > 0) a.enclosure.length = static_cast<uint64_t>(n);
  }
  a.episode = ReadEpisode(f, warnings);

  a.published = context.file_mtime;
  if (!f.date.empty()) {
    if (std::optional<Timestamp> t = ParseDate(f.date)) {
      a.published = *t;
      a.explicit_date = true;
    } else {
      warnings->push_back("line " + std::to_string(f.date_line) + ": unrecognized date \"" +
                          Summarize(CleanLine(f.date), 100) +
                          "\"; using the file's modification time");
    }
  }
  a.updated = a.published;
  if (!f.updated.empty()) {
    if (std::optional<Timestamp> t = ParseDate(f.updated)) {
      if (t->seconds > a.published.seconds) a.updated = *t;
    } else {
      warnings->push_back("line " + std::to_string(f.updated_line) + ": unrecognized date \"" +
                          Summarize(CleanLine(f.updated), 100) + "\"; left out");
    }
  }
  return a;
}

}  // namespace feedd::feed

namespace feedd::feed {

std::vector<std::string> UniqueSlugs(const std::vector<const Article*>& sorted_by_source) {
  std::unordered_set<std::string> taken;  // every slug a file asks for
  for (const Article* a : sorted_by_source) taken.insert(a->slug);
  std::unordered_set<std::string> used;
  // The next suffix to try per slug: k files with one slug cost O(k), not O(k^2).
  std::unordered_map<std::string, int> next_suffix;
  std::vector<std::string> slugs;
  slugs.reserve(sorted_by_source.size());
  for (const Article* a : sorted_by_source) {
    std::string slug = a->slug;
    if (!used.insert(slug).second) {
      int& n = next_suffix.emplace(a->slug, 2).first->second;
      for (;; ++n) {
        slug = a->slug + "-" + std::to_string(n);
        if (!used.count(slug) && !taken.count(slug)) break;
      }
      ++n;
      used.insert(slug);
    }
    slugs.push_back(std::move(slug));
  }
  return slugs;
}

Article WithSlug(const Article& article, const std::string& slug, const std::string& base_url) {
  Article a = article;
  const bool derived_id = a.id == a.link;
  a.slug = slug;
  a.link = base_url + "/articles/" + PercentEncode(slug);
  if (derived_id) a.id = a.link;
  return a;
}

void MakeSlugsUnique(std::vector<Article>* articles, const std::string& base_url,
                     std::vector<std::string>* warnings) {
  std::sort(articles->begin(), articles->end(),
            [](const Article& a, const Article& b) { return a.source < b.source; });
  std::vector<const Article*> sorted;
  for (const Article& a : *articles) sorted.push_back(&a);
  const std::vector<std::string> slugs = UniqueSlugs(sorted);
  for (size_t i = 0; i < articles->size(); ++i) {
    Article& a = (*articles)[i];
    if (slugs[i] == a.slug) continue;
    warnings->push_back(a.source + ": slug \"" + a.slug + "\" is taken; published as \"" +
                        slugs[i] + "\"");
    a = WithSlug(a, slugs[i], base_url);
  }
}

}  // namespace feedd::feed
