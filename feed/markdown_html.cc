#include "feed/markdown_html.h"

#include <md4c.h>

#include <vector>

#include "feed/char_refs.h"

namespace feedd::feed {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// md4c-html's escaping of text and attribute values: & < > " only.
void AppendEscaped(std::string_view text, std::string* out) {
  for (char c : text) {
    switch (c) {
      case '&': *out += "&amp;"; break;
      case '<': *out += "&lt;"; break;
      case '>': *out += "&gt;"; break;
      case '"': *out += "&quot;"; break;
      default: out->push_back(c);
    }
  }
}

size_t EscapedSize(char c) {
  switch (c) {
    case '&': return 5;
    case '<':
    case '>': return 4;
    case '"': return 6;
    default: return 1;
  }
}

// Decodes one character reference as md4c reports it; a CR becomes a line feed,
// as every other line end in the (normalized) input already is.
void AppendReference(std::string_view ref, std::string* out) {
  const size_t start = out->size();
  if (!AppendCharacterReference(ref, out)) {
    out->append(ref);
    return;
  }
  for (size_t i = start; i < out->size(); ++i) {
    if ((*out)[i] == '\r') (*out)[i] = '\n';
  }
}

// An attribute's text with its references decoded.
std::string Decode(const MD_ATTRIBUTE& attr) {
  std::string out;
  if (attr.text == nullptr) return out;
  for (unsigned i = 0; attr.substr_offsets[i] < attr.size; ++i) {
    const std::string_view part(attr.text + attr.substr_offsets[i],
                                attr.substr_offsets[i + 1] - attr.substr_offsets[i]);
    switch (attr.substr_types[i]) {
      case MD_TEXT_ENTITY: AppendReference(part, &out); break;
      case MD_TEXT_NULLCHAR: out += kReplacement; break;
      default: out += part;
    }
  }
  return out;
}

std::string EscapedAttribute(const MD_ATTRIBUTE& attr) {
  std::string out;
  AppendEscaped(Decode(attr), &out);
  return out;
}

class Renderer {
 public:
  explicit Renderer(const MarkdownHtmlOptions& options) : options_(options) {}

  int EnterBlock(MD_BLOCKTYPE type, void* detail) {
    std::string open, close;
    switch (type) {
      case MD_BLOCK_DOC:
      case MD_BLOCK_HTML: break;
      case MD_BLOCK_QUOTE: open = "<blockquote>\n", close = "</blockquote>\n"; break;
      case MD_BLOCK_UL: open = "<ul>\n", close = "</ul>\n"; break;
      case MD_BLOCK_OL: {
        const unsigned start = static_cast<MD_BLOCK_OL_DETAIL*>(detail)->start;
        open = start == 1 ? "<ol>\n" : "<ol start=\"" + std::to_string(start) + "\">\n";
        close = "</ol>\n";
        break;
      }
      case MD_BLOCK_LI: {
        const auto* li = static_cast<MD_BLOCK_LI_DETAIL*>(detail);
        if (li->is_task) {
          open = "<li class=\"task-list-item\"><input type=\"checkbox\" "
                 "class=\"task-list-item-checkbox\" disabled";
          if (li->task_mark == 'x' || li->task_mark == 'X') open += " checked";
          open += ">";
        } else {
          open = "<li>";
        }
        close = "</li>\n";
        break;
      }
      case MD_BLOCK_HR: open = "<hr>\n"; break;
      case MD_BLOCK_H: {
        const std::string level =
            std::to_string(static_cast<MD_BLOCK_H_DETAIL*>(detail)->level);
        open = "<h" + level + ">", close = "</h" + level + ">\n";
        break;
      }
      case MD_BLOCK_CODE: {
        const auto* code = static_cast<MD_BLOCK_CODE_DETAIL*>(detail);
        open = "<pre><code";
        if (code->lang.text != nullptr)
          open += " class=\"language-" + EscapedAttribute(code->lang) + "\"";
        open += ">";
        close = "</code></pre>\n";
        break;
      }
      case MD_BLOCK_P: open = "<p>", close = "</p>\n"; break;
      case MD_BLOCK_TABLE: open = "<table>\n", close = "</table>\n"; break;
      case MD_BLOCK_THEAD: open = "<thead>\n", close = "</thead>\n"; break;
      case MD_BLOCK_TBODY: open = "<tbody>\n", close = "</tbody>\n"; break;
      case MD_BLOCK_TR:
        cells_in_row_ = 0;
        open = "<tr>\n", close = "</tr>\n";
        break;
      case MD_BLOCK_TH:
      case MD_BLOCK_TD: {
        if (++cells_in_row_ > options_.max_table_columns) {
          const int rc = Open("", "", Kind::kBlock, type);
          in_dropped_cell_ = rc == 0;
          closers_.back().dropped_cell = in_dropped_cell_;
          return rc;
        }
        const char* cell = type == MD_BLOCK_TH ? "th" : "td";
        open = std::string("<") + cell;
        switch (static_cast<MD_BLOCK_TD_DETAIL*>(detail)->align) {
          case MD_ALIGN_LEFT: open += " align=\"left\">"; break;
          case MD_ALIGN_CENTER: open += " align=\"center\">"; break;
          case MD_ALIGN_RIGHT: open += " align=\"right\">"; break;
          default: open += ">"; break;
        }
        close = std::string("</") + cell + ">\n";
        break;
      }
    }
    return Open(open, std::move(close), Kind::kBlock, type);
  }

  int LeaveBlock(MD_BLOCKTYPE type) {
    Leave(Kind::kBlock, type);
    return 0;
  }

  int EnterSpan(MD_SPANTYPE type, void* detail) {
    // In an image's alt text and in dropped cells only the text counts.
    if (image_nesting_ > 0 || in_dropped_cell_) return Span("", "", type);
    switch (type) {
      case MD_SPAN_EM: return Span("<em>", "</em>", type);
      case MD_SPAN_STRONG: return Span("<strong>", "</strong>", type);
      case MD_SPAN_U: return Span("<u>", "</u>", type);
      case MD_SPAN_CODE: return Span("<code>", "</code>", type);
      case MD_SPAN_DEL: return Span("<del>", "</del>", type);
      case MD_SPAN_A: {
        const auto* a = static_cast<MD_SPAN_A_DETAIL*>(detail);
        const std::optional<std::string> href = SafeUrl(Decode(a->href), UrlContext::kLink,
                                                        options_.base);
        if (!href) return Span("", "", type);  // the text stays, without its link
        std::string open = "<a href=\"";
        AppendEscaped(*href, &open);
        open += "\"";
        if (a->title.text != nullptr) open += " title=\"" + EscapedAttribute(a->title) + "\"";
        open += ">";
        return Span(open, "</a>", type);
      }
      case MD_SPAN_IMG: {
        const auto* img = static_cast<MD_SPAN_IMG_DETAIL*>(detail);
        const std::optional<std::string> src = SafeUrl(Decode(img->src), UrlContext::kImage,
                                                       options_.base);
        if (!src) return Span("", "", type);  // the alt text stays, as text
        std::string open = "<img src=\"";
        AppendEscaped(*src, &open);
        open += "\" alt=\"";
        std::string close = "\"";
        if (img->title.text != nullptr) close += " title=\"" + EscapedAttribute(img->title) + "\"";
        close += ">";
        return Span(open, std::move(close), type);
      }
      default: return Span("", "", type);  // LaTeX math and wiki links are not enabled
    }
  }

  int LeaveSpan(MD_SPANTYPE type) {
    Leave(Kind::kSpan, type);
    return 0;
  }

  int Text(MD_TEXTTYPE type, std::string_view text) {
    if (in_dropped_cell_) return 0;
    switch (type) {
      case MD_TEXT_NULLCHAR: return Append(kReplacement);
      case MD_TEXT_BR: return image_nesting_ > 0 ? Append(" ") : Raw("<br>\n");
      case MD_TEXT_SOFTBR: return image_nesting_ > 0 ? Append(" ") : Raw("\n");
      case MD_TEXT_ENTITY: {
        std::string decoded;
        AppendReference(text, &decoded);
        return Append(decoded);
      }
      default: return Append(text);  // raw HTML too: MD_FLAG_NOHTML, and escaped anyway
    }
  }

  // The HTML, every element still open closed.
  MarkdownHtml Finish() {
    while (!closers_.empty()) Close();
    return {std::move(out_), cut_};
  }

  bool cut() const { return cut_; }

 private:
  bool Fits(size_t more) const {
    return out_.size() + closers_bytes_ + more <= options_.max_bytes;
  }

  enum class Kind { kBlock, kSpan };

  // An open element: what closes it, and which md4c event it waits for.
  struct Element {
    Kind kind;
    int type;
    std::string close;
    bool dropped_cell = false;
  };

  // Writes `open` and remembers `close` for the matching leave; an element that
  // cannot be closed within the cap is not opened.
  int Open(std::string_view open, std::string close, Kind kind, int type) {
    if (!Fits(open.size() + close.size())) return Stop();
    out_ += open;
    closers_bytes_ += close.size();
    closers_.push_back({kind, type, std::move(close)});
    if (kind == Kind::kSpan && type == MD_SPAN_IMG) ++image_nesting_;
    return 0;
  }

  int Span(std::string_view open, std::string close, MD_SPANTYPE type) {
    return Open(open, std::move(close), Kind::kSpan, type);
  }

  // md4c 0.4.8 sometimes reports a leave without its enter (a stray end of
  // emphasis after a permissive autolink, say): a leave closes the nearest open
  // element it matches, and whatever is open inside it, or nothing. A span never
  // closes the block it is in.
  void Leave(Kind kind, int type) {
    for (size_t i = closers_.size(); i-- > 0;) {
      const Element& e = closers_[i];
      if (e.kind == kind && e.type == type) {
        while (closers_.size() > i) Close();
        return;
      }
      if (kind == Kind::kSpan && e.kind == Kind::kBlock) return;
    }
  }

  void Close() {
    const Element& e = closers_.back();
    closers_bytes_ -= e.close.size();
    out_ += e.close;
    if (e.kind == Kind::kSpan && e.type == MD_SPAN_IMG) --image_nesting_;
    if (e.dropped_cell) in_dropped_cell_ = false;
    closers_.pop_back();
  }

  int Raw(std::string_view html) {
    if (!Fits(html.size())) return Stop();
    out_ += html;
    return 0;
  }

  // Escaped text; at the cap, as much as fits, cut between characters.
  int Append(std::string_view text) {
    size_t escaped = 0;
    for (char c : text) escaped += EscapedSize(c);
    if (Fits(escaped)) {
      AppendEscaped(text, &out_);
      return 0;
    }
    size_t room = options_.max_bytes - out_.size() - closers_bytes_;
    for (size_t i = 0; i < text.size();) {
      size_t len = 1;  // whole UTF-8 sequences only
      while (i + len < text.size() && (static_cast<unsigned char>(text[i + len]) & 0xC0) == 0x80)
        ++len;
      size_t need = 0;
      for (size_t k = i; k < i + len; ++k) need += EscapedSize(text[k]);
      if (need > room) break;
      AppendEscaped(text.substr(i, len), &out_);
      room -= need;
      i += len;
    }
    return Stop();
  }

  int Stop() {
    cut_ = true;
    return 1;  // md_parse stops and returns it
  }

  const MarkdownHtmlOptions& options_;
  std::string out_;
  std::vector<Element> closers_;  // the open elements, innermost last
  size_t closers_bytes_ = 0;
  int image_nesting_ = 0;
  unsigned cells_in_row_ = 0;
  bool in_dropped_cell_ = false;
  bool cut_ = false;
};

Renderer* Of(void* userdata) { return static_cast<Renderer*>(userdata); }

}  // namespace

std::optional<MarkdownHtml> RenderMarkdownHtml(std::string_view markdown,
                                               const MarkdownHtmlOptions& options,
                                               std::string* err) {
  Renderer renderer(options);
  MD_PARSER parser{};
  parser.abi_version = 0;
  parser.flags = MD_DIALECT_GITHUB | MD_FLAG_NOHTML;
  parser.enter_block = [](MD_BLOCKTYPE t, void* d, void* u) { return Of(u)->EnterBlock(t, d); };
  parser.leave_block = [](MD_BLOCKTYPE t, void*, void* u) { return Of(u)->LeaveBlock(t); };
  parser.enter_span = [](MD_SPANTYPE t, void* d, void* u) { return Of(u)->EnterSpan(t, d); };
  parser.leave_span = [](MD_SPANTYPE t, void*, void* u) { return Of(u)->LeaveSpan(t); };
  parser.text = [](MD_TEXTTYPE t, const MD_CHAR* s, MD_SIZE n, void* u) {
    return Of(u)->Text(t, std::string_view(s, n));
  };
  const int rc = md_parse(markdown.data(), static_cast<MD_SIZE>(markdown.size()), &parser,
                          &renderer);
  if (rc != 0 && !(rc == 1 && renderer.cut())) {
    *err = "the Markdown parser failed";
    return std::nullopt;
  }
  return renderer.Finish();
}

}  // namespace feedd::feed
