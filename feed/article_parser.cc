#include "feed/article_parser.h"

#include <algorithm>
#include <cctype>
#include <unordered_set>

#include "feed/html.h"
#include "feed/markdown.h"
#include "feed/plain_text.h"
#include "feed/slug.h"
#include "feed/text.h"
#include "feed/utf8.h"

namespace feedd::feed {
namespace {

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

}  // namespace

ArticleFormat FormatOf(std::string_view file_name) {
  const std::string ext = LowerExtension(file_name);
  if (ext == "txt") return ArticleFormat::kPlainText;
  if (ext == "md" || ext == "markdown") return ArticleFormat::kMarkdown;
  return ArticleFormat::kNone;
}

std::optional<Article> ParseArticle(std::string_view relative_path, std::string_view bytes,
                                    const ParseContext& context,
                                    std::vector<std::string>* warnings, std::string* err) {
  const ArticleFormat format = FormatOf(relative_path);
  if (format == ArticleFormat::kNone) {
    *err = "not an article file (.txt, .md, .markdown)";
    return std::nullopt;
  }
  bool invalid_utf8 = false;
  std::optional<std::string> text = NormalizeText(bytes, &invalid_utf8, err);
  if (!text) return std::nullopt;
  if (invalid_utf8) warnings->push_back("invalid UTF-8 replaced with U+FFFD");

  ParsedFields f;
  if (format == ArticleFormat::kMarkdown) {
    std::optional<ParsedFields> md = ParseMarkdown(*text, err);
    if (!md) return std::nullopt;
    f = *std::move(md);
  } else {
    f = ParsePlainText(*text);
  }
  if (f.draft) {
    *err = "draft";
    return std::nullopt;
  }

  Article a;
  a.source = std::string(relative_path);
  a.slug = MakeSlug(relative_path);
  a.link = context.base_url + "/articles/" + PercentEncode(a.slug);
  a.title = CleanLine(f.title);
  if (a.title.empty()) a.title = a.slug;
  a.author = CleanLine(f.author);
  a.author_bio = CleanLine(f.author_bio);
  a.category = CleanLine(f.category);
  for (const std::string& tag : f.tags) {
    std::string t = CleanLine(tag);
    if (!t.empty() && std::find(a.tags.begin(), a.tags.end(), t) == a.tags.end())
      a.tags.push_back(std::move(t));
  }
  a.language = CleanLine(f.language);
  a.id = CleanLine(f.id);
  a.explicit_id = !a.id.empty();
  if (a.id.empty()) a.id = a.link;
  a.content_html = SanitizeUtf8(AbsolutizeUrls(f.content_html, context.base_url, a.link));
  // An explicit summary is kept whole; otherwise the first paragraph, cut near 300 chars.
  a.summary = f.summary.empty() ? Summarize(FirstParagraphText(a.content_html), kSummaryChars)
                                : CleanLine(f.summary);
  a.right_to_left = MostlyRightToLeft(a.title, a.content_html);

  a.published = context.file_mtime;
  if (!f.date.empty()) {
    if (std::optional<Timestamp> t = ParseDate(f.date)) {
      a.published = *t;
      a.explicit_date = true;
    } else {
      warnings->push_back("line " + std::to_string(f.date_line) + ": unrecognized date \"" +
                          CleanLine(f.date) + "\"; using the file's modification time");
    }
  }
  a.updated = a.published;
  return a;
}

}  // namespace feedd::feed

namespace feedd::feed {

std::vector<std::string> UniqueSlugs(const std::vector<const Article*>& sorted_by_source) {
  std::unordered_set<std::string> taken;  // every slug a file asks for
  for (const Article* a : sorted_by_source) taken.insert(a->slug);
  std::unordered_set<std::string> used;
  std::vector<std::string> slugs;
  slugs.reserve(sorted_by_source.size());
  for (const Article* a : sorted_by_source) {
    std::string slug = a->slug;
    if (!used.insert(slug).second) {
      for (int n = 2;; ++n) {
        slug = a->slug + "-" + std::to_string(n);
        if (!used.count(slug) && !taken.count(slug)) break;
      }
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
