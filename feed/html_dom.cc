#include "feed/html_dom.h"

#include <algorithm>

#include "feed/html_page.h"
#include "feed/utf8.h"

namespace feedd::feed::dom {
namespace {

char Lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool IsHtmlSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

// The text under `n`, raw: blocks and <br> spaced, scripts and styles left out.
void AppendText(const GumboNode* n, std::string* out, int depth = 0) {
  if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE ||
      n->type == GUMBO_NODE_CDATA) {
    out->append(n->v.text.text);
    return;
  }
  const GumboTag tag = TagOf(n);
  if (tag == GUMBO_TAG_SCRIPT || tag == GUMBO_TAG_STYLE || tag == GUMBO_TAG_NOSCRIPT ||
      n->type == GUMBO_NODE_TEMPLATE || depth > static_cast<int>(kMaxHtmlNesting) + 64)
    return;
  const GumboVector* kids = ChildrenOf(n);
  if (!kids) return;
  if (tag == GUMBO_TAG_BR) out->push_back(' ');
  for (unsigned i = 0; i < kids->length; ++i) {
    const GumboNode* c = Child(kids, i);
    const bool block = IsElement(c) && !IsInline(TagOf(c));
    if (block) out->push_back(' ');  // "<p>a</p><p>b</p>" reads "a b"; "a<b>c</b>" reads "ac"
    AppendText(c, out, depth + 1);
    if (block) out->push_back(' ');
  }
}

const GumboNode* FirstWithClass(const GumboNode* n, std::string_view cls, int depth) {
  if (!IsElement(n) || depth > static_cast<int>(kMaxHtmlNesting) + 64) return nullptr;
  if (HasClass(n, cls)) return n;
  const GumboVector* kids = ChildrenOf(n);
  for (unsigned i = 0; kids && i < kids->length; ++i) {
    if (const GumboNode* f = FirstWithClass(Child(kids, i), cls, depth + 1)) return f;
  }
  return nullptr;
}

}  // namespace

bool IsElement(const GumboNode* n) {
  return n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE;
}

GumboTag TagOf(const GumboNode* n) {
  return IsElement(n) ? n->v.element.tag : GUMBO_TAG_UNKNOWN;
}

const GumboVector* ChildrenOf(const GumboNode* n) {
  if (IsElement(n)) return &n->v.element.children;
  if (n->type == GUMBO_NODE_DOCUMENT) return &n->v.document.children;
  return nullptr;
}

const GumboNode* Child(const GumboVector* v, unsigned i) {
  return static_cast<const GumboNode*>(v->data[i]);
}

std::string_view AttrOf(const GumboNode* n, const char* name) {
  if (!IsElement(n)) return {};
  const GumboAttribute* a = gumbo_get_attribute(&n->v.element.attributes, name);
  return a ? std::string_view(a->value) : std::string_view();
}

bool HasAttr(const GumboNode* n, const char* name) {
  return IsElement(n) && gumbo_get_attribute(&n->v.element.attributes, name) != nullptr;
}

std::string LowerCopy(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

bool HasToken(std::string_view list, std::string_view token) {
  size_t pos = 0;
  while (pos < list.size()) {
    while (pos < list.size() && IsSpace(static_cast<unsigned char>(list[pos]))) ++pos;
    size_t end = pos;
    while (end < list.size() && !IsSpace(static_cast<unsigned char>(list[end]))) ++end;
    if (end > pos && EqualsIgnoreCase(list.substr(pos, end - pos), token)) return true;
    pos = end;
  }
  return false;
}

std::string UnknownName(const GumboNode* n) {
  if (!IsElement(n) || n->v.element.tag != GUMBO_TAG_UNKNOWN) return "";
  GumboStringPiece piece = n->v.element.original_tag;
  gumbo_tag_from_original_text(&piece);
  std::string name(piece.data, piece.length);
  for (char& c : name) c = Lower(c);
  return name;
}

bool HasClass(const GumboNode* n, std::string_view cls) {
  return HasToken(AttrOf(n, "class"), cls);
}

bool IsImage(const GumboNode* n) {
  const GumboTag tag = TagOf(n);
  return tag == GUMBO_TAG_IMG || (tag == GUMBO_TAG_UNKNOWN && UnknownName(n) == "amp-img");
}

// The best candidate of a srcset list, as HTML parses one: the widest ("800w"), else
// the densest ("2x"), else the first. A URL may hold commas (an image CDN's
// "c_fill,w_300"); a candidate ends at white space, or at the commas ending its URL.
std::string_view BestSrcsetCandidate(std::string_view list) {
  std::string_view best;
  double best_size = -1;
  size_t pos = 0;
  while (pos < list.size()) {
    while (pos < list.size() && (IsHtmlSpace(list[pos]) || list[pos] == ',')) ++pos;
    const size_t start = pos;
    while (pos < list.size() && !IsHtmlSpace(list[pos])) ++pos;
    std::string_view url = list.substr(start, pos - start);
    double size = 0;  // no descriptor: 1x
    if (!url.empty() && url.back() == ',') {
      while (!url.empty() && url.back() == ',') url.remove_suffix(1);
      size = 1;
    } else {
      // descriptors up to the next comma outside parentheses
      const size_t dstart = pos;
      int parens = 0;
      while (pos < list.size() && (list[pos] != ',' || parens > 0)) {
        if (list[pos] == '(') ++parens;
        if (list[pos] == ')' && parens > 0) --parens;
        ++pos;
      }
      const std::string_view d = Trim(list.substr(dstart, pos - dstart));
      size = 1;
      if (d.size() > 1 && (d.back() == 'w' || d.back() == 'x')) {
        const std::string number(d.substr(0, d.size() - 1));
        char* end = nullptr;
        const double v = std::strtod(number.c_str(), &end);
        // widths outrank densities: a list mixes them only by mistake
        if (end && *end == '\0' && v > 0) size = d.back() == 'w' ? 1e6 + v : v;
      }
    }
    if (!url.empty() && size > best_size) {
      best = url;
      best_size = size;
    }
  }
  return best;
}

int LineOf(const GumboNode* n) {
  return IsElement(n) ? static_cast<int>(n->v.element.start_pos.line) : 0;
}

std::string Collapse(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool space = false;
  for (size_t pos = 0; pos < s.size();) {
    const size_t start = pos;
    const char32_t cp = DecodeUtf8(s, &pos);
    if (IsSpace(cp)) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.append(s.substr(start, pos - start));
  }
  return out;
}

bool IsInline(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_A:
    case GUMBO_TAG_ABBR:
    case GUMBO_TAG_B:
    case GUMBO_TAG_BDI:
    case GUMBO_TAG_BDO:
    case GUMBO_TAG_BR:
    case GUMBO_TAG_CITE:
    case GUMBO_TAG_CODE:
    case GUMBO_TAG_DATA:
    case GUMBO_TAG_DFN:
    case GUMBO_TAG_EM:
    case GUMBO_TAG_FONT:
    case GUMBO_TAG_I:
    case GUMBO_TAG_IMG:
    case GUMBO_TAG_KBD:
    case GUMBO_TAG_MARK:
    case GUMBO_TAG_Q:
    case GUMBO_TAG_S:
    case GUMBO_TAG_SAMP:
    case GUMBO_TAG_SMALL:
    case GUMBO_TAG_SPAN:
    case GUMBO_TAG_STRIKE:
    case GUMBO_TAG_STRONG:
    case GUMBO_TAG_SUB:
    case GUMBO_TAG_SUP:
    case GUMBO_TAG_TIME:
    case GUMBO_TAG_TT:
    case GUMBO_TAG_U:
    case GUMBO_TAG_VAR:
    case GUMBO_TAG_WBR:
    case GUMBO_TAG_DEL:
    case GUMBO_TAG_INS:
    case GUMBO_TAG_BIG:
    case GUMBO_TAG_NOBR:
    case GUMBO_TAG_RUBY:
    case GUMBO_TAG_RT:
    case GUMBO_TAG_RP:
      return true;
    default:
      return false;
  }
}

std::string TextOf(const GumboNode* n) {
  std::string raw;
  AppendText(n, &raw);
  return Collapse(raw);
}

const GumboNode* FirstWithClass(const GumboNode* n, std::string_view cls) {
  return FirstWithClass(n, cls, 0);
}

std::string RawTextOf(const GumboNode* n) {
  std::string out;
  const GumboVector* kids = ChildrenOf(n);
  for (unsigned i = 0; kids && i < kids->length; ++i) {
    const GumboNode* c = Child(kids, i);
    if (c->type == GUMBO_NODE_TEXT || c->type == GUMBO_NODE_WHITESPACE ||
        c->type == GUMBO_NODE_CDATA)
      out.append(c->v.text.text);
  }
  return out;
}

std::string FirstOf(std::initializer_list<std::string> values) {
  for (const std::string& v : values) {
    if (!Trim(v).empty()) return std::string(Trim(v));
  }
  return "";
}

bool IsHttpUrl(std::string_view url) {
  const std::string lower = LowerCopy(url.substr(0, 8));
  return lower.rfind("http://", 0) == 0 || lower.rfind("https://", 0) == 0;
}

}  // namespace feedd::feed::dom
