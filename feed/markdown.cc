#include "feed/markdown.h"

#include <yaml-cpp/yaml.h>

#include <unordered_set>

#include "feed/html.h"
#include "feed/markdown_html.h"
#include "feed/utf8.h"

namespace feedd::feed {
namespace {

struct FrontMatter {
  std::string_view yaml;
  std::string_view body;
  int body_line = 1;  // 1-based line of the body's first line
};

// Front matter starts with a "---" line and ends at the next "---" or "..." line.
FrontMatter SplitFrontMatter(std::string_view text) {
  FrontMatter fm{{}, text, 1};
  if (text.substr(0, 4) != "---\n") return fm;
  size_t pos = 4;
  int line = 2;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view l = text.substr(pos, end - pos);
    if (Trim(l) == "---" || Trim(l) == "...") {
      fm.yaml = text.substr(4, pos - 4);
      fm.body = end < text.size() ? text.substr(end + 1) : std::string_view{};
      fm.body_line = line + 1;
      return fm;
    }
    pos = end + 1;
    ++line;
  }
  return fm;  // no closing line: not front matter, all of it is body
}

std::string Where(const YAML::Node& node) {
  return "line " + std::to_string(node.Mark().line + 2) + ": front matter: ";
}

// A scalar as text; sequences and maps are errors.
bool Text(const YAML::Node& node, const std::string& key, std::string* out, std::string* err) {
  if (!node || node.IsNull()) return true;
  if (!node.IsScalar()) {
    *err = Where(node) + key + ": expected text";
    return false;
  }
  *out = std::string(Trim(node.Scalar()));
  return true;
}

// A list of names: a sequence of scalars, or one scalar with commas.
bool List(const YAML::Node& node, const std::string& key, std::vector<std::string>* out,
          std::string* err) {
  if (!node || node.IsNull()) return true;
  std::unordered_set<std::string> seen(out->begin(), out->end());  // linear, not quadratic
  auto add = [out, &seen](std::string_view item) {
    item = Trim(item);
    if (!item.empty() && seen.emplace(item).second) out->emplace_back(item);
  };
  if (node.IsScalar()) {
    std::string_view s = node.Scalar();
    size_t start = 0;
    while (start <= s.size()) {
      size_t end = s.find(',', start);
      if (end == std::string_view::npos) end = s.size();
      add(s.substr(start, end - start));
      start = end + 1;
    }
    return true;
  }
  if (node.IsSequence()) {
    for (const YAML::Node& item : node) {
      if (!item.IsScalar()) {
        *err = Where(item) + key + ": expected a list of names";
        return false;
      }
      add(item.Scalar());
    }
    return true;
  }
  *err = Where(node) + key + ": expected a list of names";
  return false;
}

// author: "Name", {name: "Name"}, or a list of either (the first is used).
bool Author(const YAML::Node& node, std::string* out, std::string* err) {
  if (!node || node.IsNull()) return true;
  const YAML::Node first = node.IsSequence() && node.size() > 0 ? node[0] : node;
  if (first.IsMap()) return Text(first["name"], "author.name", out, err);
  return Text(first, "author", out, err);
}

// image / enclosure: "path-or-URL", {url|path|src: ..., length, type}, or a list of
// either (the first is used: Hugo's `images`).
bool MediaValue(const YAML::Node& node, const std::string& key, std::string* value,
                std::string* type, std::string* length, std::string* err) {
  if (!node || node.IsNull()) return true;
  const YAML::Node first = node.IsSequence() && node.size() > 0 ? node[0] : node;
  if (!first.IsMap()) return Text(first, key, value, err);
  for (const char* k : {"url", "path", "src"}) {
    if (first[k]) return Text(first[k], key + "." + k, value, err) &&
                         (!type || Text(first["type"], key + ".type", type, err)) &&
                         (!length || Text(first["length"], key + ".length", length, err));
  }
  *err = Where(first) + key + ": expected a path or URL, or url: with it";
  return false;
}

bool ReadFrontMatter(std::string_view yaml, ParsedFields* f, std::string* err) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    *err = "line " + std::to_string(e.mark.line + 2) + ": front matter: " + e.msg;
    return false;
  }
  if (root.IsNull()) return true;
  if (!root.IsMap()) {
    *err = "line 2: front matter: expected key: value pairs";
    return false;
  }
  try {
    std::string draft;
    std::vector<std::string> categories;
    const bool ok = Text(root["title"], "title", &f->title, err) &&
                    Text(root["date"], "date", &f->date, err) &&
                    Author(root["author"] ? root["author"] : root["authors"], &f->author, err) &&
                    List(root["tags"], "tags", &f->tags, err) &&
                    List(root["categories"], "categories", &categories, err) &&
                    Text(root["category"], "category", &f->category, err) &&
                    Text(root["summary"] ? root["summary"] : root["description"], "summary",
                         &f->summary, err) &&
                    Text(root["id"] ? root["id"] : root["guid"], "id", &f->id, err) &&
                    Text(root["lang"] ? root["lang"] : root["language"], "language",
                         &f->language, err) &&
                    Text(root["draft"], "draft", &draft, err) &&
                    MediaValue(root["image"] ? root["image"] : root["images"], "image", &f->image,
                               nullptr, nullptr, err) &&
                    MediaValue(root["enclosure"], "enclosure", &f->enclosure, &f->enclosure_type,
                               &f->enclosure_length, err) &&
                    Text(root["duration"], "duration", &f->duration, err) &&
                    Text(root["episode"], "episode", &f->episode, err) &&
                    Text(root["season"], "season", &f->season, err) &&
                    Text(root["episode_type"] ? root["episode_type"] : root["episodeType"],
                         "episode_type", &f->episode_type, err) &&
                    Text(root["explicit"], "explicit", &f->explicit_content, err);
    if (!ok) return false;
    if (root["date"]) f->date_line = root["date"].Mark().line + 2;
    if (!draft.empty() && draft != "false" && draft != "no" && draft != "off") {
      if (draft != "true" && draft != "yes" && draft != "on") {
        *err = Where(root["draft"]) + "draft: expected true or false, got \"" + draft + "\"";
        return false;
      }
      f->draft = true;
    }
    // Jekyll and Hugo allow several categories; the first is the item's category,
    // the others join the tags so nothing is lost.
    std::unordered_set<std::string> tags(f->tags.begin(), f->tags.end());
    for (const std::string& c : categories) {
      if (f->category.empty()) {
        f->category = c;
      } else if (c != f->category && tags.insert(c).second) {
        f->tags.push_back(c);
      }
    }
  } catch (const YAML::Exception& e) {
    *err = "line " + std::to_string(e.mark.line + 2) + ": front matter: " + e.msg;
    return false;
  }
  return true;
}

}  // namespace

std::optional<ParsedFields> ParseMarkdown(std::string_view text,
                                          const MarkdownHtmlOptions& options, std::string* err,
                                          MarkdownRejection* why) {
  ParsedFields f;
  const FrontMatter fm = SplitFrontMatter(text);
  if (!fm.yaml.empty() && !ReadFrontMatter(fm.yaml, &f, err)) {
    if (why) *why = MarkdownRejection::kFrontMatter;
    return std::nullopt;
  }

  std::optional<MarkdownHtml> rendered = RenderMarkdownHtml(fm.body, options, err);
  if (!rendered) {
    if (why) *why = MarkdownRejection::kBody;
    return std::nullopt;
  }
  std::string& html = rendered->html;
  while (!html.empty() && html.back() == '\n') html.pop_back();
  f.content_html = std::move(html);
  f.content_cut = rendered->cut;

  if (f.title.empty()) {  // no front matter title: the first heading, else the first line
    const size_t h = f.content_html.find("<h");
    const size_t p = f.content_html.find("<p>");
    if (h != std::string::npos && h < p && f.content_html[h + 2] >= '1' &&
        f.content_html[h + 2] <= '6') {
      const size_t close = f.content_html.find("</h", h);
      f.title = HtmlToText(f.content_html.substr(h, close - h));
    } else {
      f.title = Summarize(HtmlToText(f.content_html.substr(0, f.content_html.find('\n'))), 100);
    }
  }
  return f;
}

}  // namespace feedd::feed
