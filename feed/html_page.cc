#include "feed/html_page.h"

#include <gumbo.h>

#include <algorithm>
#include <array>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "feed/html.h"
#include "feed/html_dom.h"
#include "feed/html_metadata.h"
#include "feed/url.h"
#include "feed/utf8.h"

namespace feedd::feed {
namespace {

using namespace dom;

// ---------------------------------------------------------------------------------
// The nesting estimate

char Lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool IsAsciiAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Elements that never stay open around the next one of their kind or have no end:
// void elements, and those a sibling start tag closes.
bool ClosesItself(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      // not <table>: one nests in a cell
      "area",  "base",   "br",     "col",      "embed",   "hr",       "img",  "input", "link",
      "meta",  "param",  "source", "track",    "wbr",     "keygen",   "html", "head",  "body",
      "p",     "li",     "dt",     "dd",       "option",  "optgroup", "tr",   "td",    "th",
      "tbody", "thead",  "tfoot",  "colgroup", "caption", "rb",       "rt",   "rp",    "rtc",
      "a",     "button", "nobr",   "form",     "select",  "frame",    "image"};
  if (name.size() == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6') return true;
  return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

// Elements whose content the tokenizer reads as text up to their end tag.
bool IsRawText(std::string_view name) {
  return name == "script" || name == "style" || name == "textarea" || name == "title" ||
         name == "xmp" || name == "iframe" || name == "noembed" || name == "noframes" ||
         name == "plaintext";
}
// ---------------------------------------------------------------------------------
// ---------------------------------------------------------------------------------
// Class and id hints, after Mozilla's Readability

bool ContainsAny(std::string_view hay, std::initializer_list<std::string_view> needles) {
  for (std::string_view n : needles) {
    if (hay.find(n) != std::string_view::npos) return true;
  }
  return false;
}

// Words of a class or id list, split at anything that is not a letter or digit.
bool HasWord(std::string_view hay, std::initializer_list<std::string_view> words) {
  size_t pos = 0;
  while (pos < hay.size()) {
    while (pos < hay.size() && !std::isalnum(static_cast<unsigned char>(hay[pos]))) ++pos;
    size_t end = pos;
    while (end < hay.size() && std::isalnum(static_cast<unsigned char>(hay[end]))) ++end;
    const std::string_view w = hay.substr(pos, end - pos);
    for (std::string_view word : words) {
      if (w == word) return true;
    }
    pos = end;
  }
  return false;
}

bool Unlikely(std::string_view hint) {
  return ContainsAny(
             hint, {"banner",     "breadcrumb", "combx",    "comment", "community",    "cover-wrap",
                    "disqus",     "extra",      "footer",   "gdpr",    "header",       "legends",
                    "menu",       "related",    "remark",   "replies", "rss",          "shoutbox",
                    "sidebar",    "skyscraper", "social",   "sponsor", "supplemental", "ad-break",
                    "agegate",    "pagination", "pager",    "popup",   "share",        "sharing",
                    "newsletter", "subscribe",  "signup",   "cookie",  "consent",      "webmention",
                    "modal",      "navbar",     "outbrain", "taboola", "promo",        "paywall",
                    "byline",     "author-bio", "toolbar"}) ||
         HasWord(hint, {"ad", "ads", "advert", "advertisement", "nav", "navigation", "print"});
}

bool MaybeOk(std::string_view hint) {
  return ContainsAny(hint, {"and", "article", "body", "column", "content", "main", "shadow"});
}

bool Positive(std::string_view hint) {
  return ContainsAny(hint, {"article", "body", "content", "entry", "hentry", "h-entry", "main",
                            "page", "post", "text", "blog", "story"});
}

bool Negative(std::string_view hint) {
  return ContainsAny(hint, {"banner",  "combx",    "comment", "com-",     "contact",
                            "footer",     "gdpr",    "masthead", "media",   "meta",     "outbrain",
                            "promo",      "related", "scroll",   "share",   "shoutbox", "sidebar",
                            "skyscraper", "sponsor", "shopping", "tags",    "widget",   "byline",
                            "author",     "dateline"}) ||
         HasWord(hint, {"ad", "ads"});
}

// The attributes a page's markup names a block's part with: class and id, and the
// test ids and component names of pages built with React and the like, whose class
// names are hashes (data-testid="ad-slot", class="css-1cv0dph").
constexpr const char* kHintAttributes[] = {"class", "id", "data-testid", "data-component"};

std::string HintOf(const GumboNode* n) {
  std::string hint;
  for (const char* attr : kHintAttributes) {
    const std::string_view v = AttrOf(n, attr);
    if (v.empty()) continue;
    if (!hint.empty()) hint += ' ';
    hint += LowerCopy(v);
  }
  return hint;
}

int ClassWeight(const GumboNode* n) {
  int weight = 0;
  for (const char* attr : kHintAttributes) {
    const std::string hint = LowerCopy(AttrOf(n, attr));
    if (hint.empty()) continue;
    if (Negative(hint)) weight -= 25;
    if (Positive(hint)) weight += 25;
  }
  if (AttrOf(n, "itemprop") == "articleBody") weight += 25;
  return weight;
}

// Never content, wherever it is.
bool AlwaysDropped(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_TEMPLATE:
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_EMBED:
    case GUMBO_TAG_APPLET:
    case GUMBO_TAG_SVG:
    case GUMBO_TAG_MATH:
    case GUMBO_TAG_CANVAS:
    case GUMBO_TAG_FORM:
    case GUMBO_TAG_INPUT:
    case GUMBO_TAG_BUTTON:
    case GUMBO_TAG_SELECT:
    case GUMBO_TAG_TEXTAREA:
    case GUMBO_TAG_LABEL:
    case GUMBO_TAG_FIELDSET:
    case GUMBO_TAG_NAV:
    case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_HEADER:
    case GUMBO_TAG_AUDIO:
    case GUMBO_TAG_VIDEO:
    case GUMBO_TAG_MAP:
    case GUMBO_TAG_MENU:
    case GUMBO_TAG_HEAD:
    case GUMBO_TAG_TITLE:
    case GUMBO_TAG_META:
    case GUMBO_TAG_LINK:
    case GUMBO_TAG_BASE:
    case GUMBO_TAG_FRAMESET:
    case GUMBO_TAG_FRAME:
    case GUMBO_TAG_NOFRAMES:
    case GUMBO_TAG_NOEMBED:
    case GUMBO_TAG_DATALIST:
    case GUMBO_TAG_OUTPUT:
    case GUMBO_TAG_PROGRESS:
    case GUMBO_TAG_METER:
    case GUMBO_TAG_KEYGEN:
    case GUMBO_TAG_ADDRESS:
      return true;
    default:
      return false;
  }
}

// A style attribute that hides the element ("display: none", "visibility:hidden").
bool HiddenByStyle(std::string_view style) {
  if (style.empty()) return false;
  std::string compact;
  for (char c : style) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') compact.push_back(c);
  }
  compact = LowerCopy(compact);
  for (std::string_view decl : {"display:none", "visibility:hidden"}) {
    for (size_t at = compact.find(decl); at != std::string::npos; at = compact.find(decl, at + 1)) {
      const size_t end = at + decl.size();
      const bool starts = at == 0 || compact[at - 1] == ';' || compact[at - 1] == '{';
      const bool ends = end == compact.size() || compact[end] == ';' || compact[end] == '!';
      if (starts && ends) return true;
    }
  }
  return false;
}

// AMP's components that are never an article's text: ads, analytics, consent
// banners, the menu, share buttons, embeds (their fallback text says "Advertisement").
bool AmpFurniture(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "amp-ad",          "amp-embed",       "amp-sticky-ad",          "amp-auto-ads",
      "amp-analytics",   "amp-pixel",       "amp-consent",            "amp-user-notification",
      "amp-sidebar",     "amp-social-share", "amp-iframe",            "amp-geo",
      "amp-call-tracking", "amp-install-serviceworker", "amp-story-auto-ads", "amp-web-push"};
  return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

bool IsHeading(GumboTag tag) {
  return tag == GUMBO_TAG_H1 || tag == GUMBO_TAG_H2 || tag == GUMBO_TAG_H3 || tag == GUMBO_TAG_H4 ||
         tag == GUMBO_TAG_H5 || tag == GUMBO_TAG_H6;
}

bool RoleDropped(std::string_view role) {
  static constexpr std::string_view kRoles[] = {
      "navigation", "complementary", "contentinfo", "banner",  "search",
      "dialog",     "alertdialog",   "menu",        "menubar", "form"};
  const std::string r = LowerCopy(role);
  return std::find(std::begin(kRoles), std::end(kRoles), r) != std::end(kRoles);
}

// ---------------------------------------------------------------------------------
// The article in the page

struct Stats {
  size_t chars = 0;       // code points of text, white space runs as one
  size_t link_chars = 0;  // of them inside links
  size_t commas = 0;
  size_t paragraphs = 0;
  size_t images = 0;
  bool has_block = false;  // a block-level element among the children
};

bool IsComma(char32_t cp) {
  return cp == ',' || cp == 0x060C || cp == 0xFE50 || cp == 0xFE10 || cp == 0xFE11 ||
         cp == 0x2E41 || cp == 0x2E34 || cp == 0x2E32 || cp == 0xFF0C || cp == 0x3001;
}

class Page {
 public:
  Page(const GumboOutput* out, const HtmlPageOptions& options)
      : options_(options), page_(ReadPageMetadata(*out, options)) {}

  ParsedFields Read() {
    ParsedFields f;
    f.via = page_.canonical;

    const GumboNode* root = ChooseRoot();
    Titles(root, &f);
    Authors(root, &f);
    Dates(root, &f);
    Sections(root, &f);
    f.summary = FirstOf({page_.ld.description, page_.Meta("og:description"),
                         page_.Meta("description"), page_.Meta("twitter:description")});
    f.language = FirstOf({page_.ld.language, page_.lang, LocaleTag(page_.Meta("og:locale")),
                          page_.Meta("content-language")});
    if (!page_.dir.empty()) f.direction = page_.dir;
    f.draft = EqualsIgnoreCase(page_.ld.status, "draft") ||
              EqualsIgnoreCase(page_.Meta("draft"), "true") ||
              EqualsIgnoreCase(page_.Meta("draft"), "yes");
    Body(root, &f);
    FeaturedImage(&f);
    return f;
  }

  // og:image, JSON-LD image, twitter:image: a media file beside the page (its path,
  // resolved as front matter's `image` is), else the absolute URL the page gives.
  void FeaturedImage(ParsedFields* f) const {
    for (const std::string& raw : {page_.Meta("og:image"), page_.Meta("og:image:url"),
                                   page_.ld.image, page_.Meta("twitter:image")}) {
      if (raw.empty()) continue;
      if (page_.IsLocalMedia(raw)) {
        f->image = raw;
        return;
      }
      // A relative name that is no media file means nothing at feedd's address.
      const bool relative = raw.find("://") == std::string::npos && raw.rfind("//", 0) != 0;
      if (relative && page_.own_base) continue;
      if (const std::optional<std::string> url = page_.Url(raw, UrlContext::kImage);
          url && (url->rfind("http://", 0) == 0 || url->rfind("https://", 0) == 0)) {
        f->image = *url;
        return;
      }
    }
  }

 private:
  // --- Where the article is -------------------------------------------------------

  bool Removed(const GumboNode* n) const {
    if (!IsElement(n)) return false;
    const GumboTag tag = TagOf(n);
    if (AlwaysDropped(tag)) return true;
    if (tag == GUMBO_TAG_UNKNOWN) {
      const std::string name = UnknownName(n);
      if (name == "dialog" || AmpFurniture(name)) return true;
    }
    if (HasAttr(n, "hidden") || AttrOf(n, "aria-hidden") == "true") return true;
    if (HiddenByStyle(AttrOf(n, "style"))) return true;
    if (RoleDropped(AttrOf(n, "role"))) return true;
    if (tag == GUMBO_TAG_BODY || tag == GUMBO_TAG_HTML || tag == GUMBO_TAG_ARTICLE ||
        tag == GUMBO_TAG_MAIN || n == page_.h_entry || n == page_.article_body)
      return false;
    // A heading's class says how it looks ("header-anchor"), not where it is: one
    // inside a left-out block goes with it, one in the text stays.
    if (IsHeading(tag)) return false;
    // microformats: an entry's content and name are never junk, whatever else the class says
    if (HasClass(n, "e-content") || HasClass(n, "h-entry")) return false;
    const std::string hint = HintOf(n);
    return Unlikely(hint) && !MaybeOk(hint);
  }

  // Text measures of every kept element, bottom-up, in one walk.
  Stats Measure(const GumboNode* n, bool in_link, int depth) {
    Stats s;
    if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_CDATA ||
        n->type == GUMBO_NODE_WHITESPACE) {
      std::string_view t = n->v.text.text;
      bool space = true;
      for (size_t pos = 0; pos < t.size();) {
        const char32_t cp = DecodeUtf8(t, &pos);
        if (IsSpace(cp)) {
          if (!space) ++s.chars;
          space = true;
          continue;
        }
        space = false;
        ++s.chars;
        s.commas += IsComma(cp);
      }
      if (in_link) s.link_chars = s.chars;
      return s;
    }
    if (!IsElement(n) || Removed(n) || depth > static_cast<int>(kMaxHtmlNesting) + 64) return s;
    const GumboTag tag = TagOf(n);
    const bool link = in_link || (tag == GUMBO_TAG_A && HasAttr(n, "href"));
    const GumboVector* kids = ChildrenOf(n);
    for (unsigned i = 0; kids && i < kids->length; ++i) {
      const GumboNode* c = Child(kids, i);
      const Stats cs = Measure(c, link, depth + 1);
      s.chars += cs.chars;
      s.link_chars += cs.link_chars;
      s.commas += cs.commas;
      s.paragraphs += cs.paragraphs;
      s.images += cs.images;
      if (IsElement(c) && !IsInline(TagOf(c)) && !Removed(c)) s.has_block = true;
    }
    if (tag == GUMBO_TAG_P) ++s.paragraphs;
    if (IsImage(n) && !IsIcon(n)) ++s.images;
    stats_[n] = s;
    return s;
  }

  const Stats& StatsOf(const GumboNode* n) const {
    static const Stats kNone;
    auto it = stats_.find(n);
    return it == stats_.end() ? kNone : it->second;
  }

  static double LinkDensity(const Stats& s) {
    return s.chars == 0 ? 0.0 : static_cast<double>(s.link_chars) / static_cast<double>(s.chars);
  }

  double InitialScore(const GumboNode* n) const {
    double score = ClassWeight(n);
    switch (TagOf(n)) {
      case GUMBO_TAG_DIV:
      case GUMBO_TAG_ARTICLE:
      case GUMBO_TAG_MAIN:
        score += 5;
        break;
      case GUMBO_TAG_SECTION:
      case GUMBO_TAG_PRE:
      case GUMBO_TAG_TD:
      case GUMBO_TAG_BLOCKQUOTE:
        score += 3;
        break;
      case GUMBO_TAG_OL:
      case GUMBO_TAG_UL:
      case GUMBO_TAG_DL:
      case GUMBO_TAG_DD:
      case GUMBO_TAG_DT:
      case GUMBO_TAG_LI:
        score -= 3;
        break;
      case GUMBO_TAG_H1:
      case GUMBO_TAG_H2:
      case GUMBO_TAG_H3:
      case GUMBO_TAG_H4:
      case GUMBO_TAG_H5:
      case GUMBO_TAG_H6:
      case GUMBO_TAG_TH:
        score -= 5;
        break;
      default:
        break;
    }
    return score;
  }

  // Readability's scoring: every paragraph-like block of 25 characters or more
  // gives its parent 1 + commas + a point per 100 characters (at most 3), its
  // grandparent half of that, and further ancestors less.
  void Score(const GumboNode* n, int depth) {
    if (!IsElement(n) || Removed(n) || depth > static_cast<int>(kMaxHtmlNesting) + 64) return;
    const GumboTag tag = TagOf(n);
    const Stats& s = StatsOf(n);
    const bool paragraph_like =
        tag == GUMBO_TAG_P || tag == GUMBO_TAG_PRE || tag == GUMBO_TAG_TD ||
        ((tag == GUMBO_TAG_DIV || tag == GUMBO_TAG_SECTION || tag == GUMBO_TAG_UNKNOWN) &&
         !s.has_block);
    if (paragraph_like && s.chars >= 25) {
      const double points =
          1.0 + static_cast<double>(s.commas) + std::min(3.0, static_cast<double>(s.chars) / 100.0);
      const GumboNode* a = n->parent;
      for (int level = 0; a && IsElement(a) && level < 5; ++level, a = a->parent) {
        auto [it, fresh] = scores_.emplace(a, 0.0);
        if (fresh) it->second = InitialScore(a);
        const double divider = level == 0 ? 1.0 : level == 1 ? 2.0 : level * 3.0;
        it->second += points / divider;
      }
    }
    const GumboVector* kids = ChildrenOf(n);
    for (unsigned i = 0; kids && i < kids->length; ++i) Score(Child(kids, i), depth + 1);
  }

  double FinalScore(const GumboNode* n) const {
    auto it = scores_.find(n);
    if (it == scores_.end()) return 0;
    return it->second * (1.0 - LinkDensity(StatsOf(n)));
  }

  // The element whose content is the article: a marked one, else the best score.
  const GumboNode* ChooseRoot() {
    if (!page_.body) return nullptr;
    Measure(page_.body, false, 0);
    const GumboNode* marked = nullptr;
    if (page_.h_entry) marked = FirstWithClass(page_.h_entry, "e-content");
    if (!marked) marked = page_.article_body;
    if (marked && StatsOf(marked).chars >= 140) {
      roots_ = {marked};
      return marked;
    }
    Score(page_.body, 0);
    const GumboNode* top = nullptr;
    double best = 0;
    for (const auto& [node, raw] : scores_) {
      (void)raw;
      const double score = FinalScore(node);
      // Ties go to the earlier element, so the choice does not depend on hashing.
      if (!top || score > best ||
          (score == best && node->index_within_parent < top->index_within_parent)) {
        top = node;
        best = score;
      }
    }
    if (!top) {
      roots_ = {page_.body};
      return page_.body;
    }
    // Siblings that score near the top candidate, or paragraphs that read as text,
    // belong to the article too (a page that splits its text across blocks).
    roots_.clear();
    const GumboNode* parent = top->parent;
    const GumboVector* kids = parent ? ChildrenOf(parent) : nullptr;
    if (!kids || TagOf(top) == GUMBO_TAG_BODY) {
      roots_ = {top};
      return top;
    }
    const double threshold = std::max(10.0, best * 0.2);
    const std::string top_class(AttrOf(top, "class"));
    for (unsigned i = 0; i < kids->length; ++i) {
      const GumboNode* s = Child(kids, i);
      if (!IsElement(s) || Removed(s)) continue;
      if (s == top) {
        roots_.push_back(s);
        continue;
      }
      double bonus = 0;
      if (!top_class.empty() && AttrOf(s, "class") == top_class) bonus = best * 0.2;
      bool append = scores_.count(s) && FinalScore(s) + bonus >= threshold;
      if (!append && TagOf(s) == GUMBO_TAG_P) {
        const Stats& st = StatsOf(s);
        const double density = LinkDensity(st);
        const std::string text = TextOf(s);
        append =
            (st.chars > 80 && density < 0.25) || (st.chars > 0 && st.chars <= 80 && density == 0 &&
                                                  IsSentenceEnd(LastCodePointBeforeClosers(text)));
      }
      // The lead picture, between the headline and the text: a <figure>, or a block
      // holding pictures and at most a caption's text.
      if (!append && i < top->index_within_parent) {
        const Stats& st = StatsOf(s);
        append = st.images > 0 && st.paragraphs == 0 && st.chars <= 300 && LinkDensity(st) < 0.5;
      }
      if (append) roots_.push_back(s);
    }
    return top;
  }

  // The nearest element around the content that stands for the whole article (its
  // <article>, h-entry or itemscope), where its tags and byline are.
  const GumboNode* Scope(const GumboNode* root) const {
    for (const GumboNode* n = root; n && IsElement(n); n = n->parent) {
      if (TagOf(n) == GUMBO_TAG_ARTICLE || n == page_.h_entry || HasClass(n, "hentry") ||
          HasAttr(n, "itemscope"))
        return n;
      if (TagOf(n) == GUMBO_TAG_BODY) break;
    }
    return root ? root->parent : nullptr;
  }

  // --- Fields ----------------------------------------------------------------------

  // Comments, replies and the like: their names and dates are not the article's.
  static bool IsDiscussion(const GumboNode* n) {
    return ContainsAny(
               LowerCopy(std::string(AttrOf(n, "class")) + " " + std::string(AttrOf(n, "id"))),
               {"comment", "repl", "webmention", "related", "sidebar", "discuss"}) ||
           TagOf(n) == GUMBO_TAG_ASIDE || TagOf(n) == GUMBO_TAG_NAV;
  }

  template <typename Fn>
  void Walk(const GumboNode* n, bool skip_removed, const Fn& fn, int depth = 0) const {
    if (!IsElement(n) || depth > static_cast<int>(kMaxHtmlNesting) + 64) return;
    if (skip_removed && Removed(n)) return;
    if (!fn(n)) return;
    const GumboVector* kids = ChildrenOf(n);
    for (unsigned i = 0; kids && i < kids->length; ++i)
      Walk(Child(kids, i), skip_removed, fn, depth + 1);
  }

  const GumboNode* Headline(const GumboNode* root) const {
    const GumboNode* scope = root ? Scope(root) : nullptr;
    for (const GumboNode* h : page_.h1s) {
      for (const GumboNode* a = h; a; a = a->parent) {
        if (a == scope) return h;
      }
    }
    for (const GumboNode* h : page_.h1s) {
      bool removed = false;
      for (const GumboNode* a = h; a && !removed; a = a->parent)
        removed = a != h && Removed(a) && TagOf(a) != GUMBO_TAG_HEADER;
      if (!removed) return h;
    }
    return nullptr;
  }

  // The part of <title> that an element around the article shows as its whole text
  // (the post's title in an <h3> or a <b>, the site's name being elsewhere), the
  // longest first; "" when none.
  std::string TitleShownInArticle(const GumboNode* root) const {
    const GumboNode* scope = root ? Scope(root) : nullptr;
    if (!scope) return "";
    std::vector<std::string> parts = page_.TitleParts();
    std::stable_sort(parts.begin(), parts.end(), [](const std::string& a, const std::string& b) {
      return CountCodePoints(a) > CountCodePoints(b);
    });
    for (const std::string& part : parts) {
      const size_t n = CountCodePoints(part);
      if (n < 3) continue;
      bool found = false;
      Walk(scope, true, [&](const GumboNode* e) {
        if (found) return false;
        const Stats& st = StatsOf(e);
        if (st.chars < n) return false;  // nor anything inside it
        if (st.chars <= n + 2 && EqualsIgnoreCase(TextOf(e), part)) found = true;
        return !found;
      });
      if (found) return part;
    }
    return "";
  }

  void Titles(const GumboNode* root, ParsedFields* f) {
    headline_ = Headline(root);
    const std::string h1 = headline_ ? TextOf(headline_) : "";
    std::string p_name;
    if (page_.h_entry) {
      if (const GumboNode* n = FirstWithClass(page_.h_entry, "p-name")) p_name = TextOf(n);
    }
    std::string og = page_.Meta("og:title");
    if (!og.empty()) {
      for (const std::string& site : {page_.Meta("og:site_name"), page_.ld.publisher}) {
        if (site.empty() || site.size() >= og.size()) continue;
        if (og.compare(og.size() - site.size(), site.size(), site) == 0)
          og = TrimSeparators(og.substr(0, og.size() - site.size()));
      }
    }
    f->title = FirstOf({page_.ld.headline, og, page_.Meta("twitter:title"), p_name, h1,
                        TitleShownInArticle(root), page_.StrippedTitle(h1)});
    title_for_body_ = f->title;
    h1_text_ = h1;
  }

  void Authors(const GumboNode* root, ParsedFields* f) {
    std::string meta_author = page_.Meta("article:author");
    if (IsHttpUrl(meta_author)) meta_author.clear();
    std::string marked;
    const GumboNode* scope = root ? Scope(root) : page_.body;
    auto find_in = [&](const GumboNode* where) {
      if (!where) return;
      Walk(where, false, [&](const GumboNode* n) {
        if (!marked.empty()) return false;
        if (page_.h_entry && HasClass(n, "p-author")) {
          const GumboNode* name = FirstWithClass(n, "p-name");
          marked = TextOf(name ? name : n);
        } else if (TagOf(n) == GUMBO_TAG_A && HasToken(AttrOf(n, "rel"), "author")) {
          marked = TextOf(n);
        } else if (AttrOf(n, "itemprop") == "author") {
          std::string name;
          Walk(n, false, [&](const GumboNode* c) {
            if (name.empty() && AttrOf(c, "itemprop") == "name")
              name = TagOf(c) == GUMBO_TAG_META ? Collapse(AttrOf(c, "content")) : TextOf(c);
            return name.empty();
          });
          marked = name.empty() ? TextOf(n) : name;
        }
        // a comment's author is not the article's
        return !(n != where && Removed(n) && IsDiscussion(n));
      });
    };
    find_in(scope);
    if (marked.empty() && scope != page_.body) find_in(page_.body);
    if (CountCodePoints(marked) > kMaxNameChars) marked.clear();
    f->author = FirstOf({page_.ld.author, meta_author, page_.Meta("author"), marked});
  }

  static constexpr size_t kMaxNameChars = 100;

  // The first element marked itemprop=`itemprop`, else class `hatom`, in the
  // article's scope, else in the body (never in comments), read from its content,
  // datetime or title attribute or its text; nothing when *value is already set.
  void MarkedDate(const GumboNode* root, std::string_view itemprop, std::string_view hatom,
                  std::string* value, int* line) const {
    if (!value->empty() || !page_.body) return;
    const GumboNode* scope = root ? Scope(root) : page_.body;
    for (const bool microdata : {true, false}) {
      for (const GumboNode* where : {scope, page_.body}) {
        const GumboNode* found = nullptr;
        Walk(where, false, [&](const GumboNode* n) {
          if (found) return false;
          if (microdata ? HasToken(AttrOf(n, "itemprop"), itemprop) : HasClass(n, hatom)) {
            found = n;
            return false;
          }
          return !(n != where && Removed(n) && IsDiscussion(n));
        });
        if (!found) continue;
        std::string v;
        for (const char* attr : {"content", "datetime", "title"}) {
          if (v.empty()) v = std::string(Trim(AttrOf(found, attr)));
        }
        if (v.empty()) v = TextOf(found);
        *value = v;
        *line = LineOf(found);
        return;
      }
    }
  }

  void Dates(const GumboNode* root, ParsedFields* f) {
    std::string published, updated;
    int published_line = 0, updated_line = 0;
    if (!page_.ld.published.empty()) {
      published = page_.ld.published;
      published_line = page_.ld.line;
    } else if (std::string m = page_.Meta("article:published_time"); !m.empty()) {
      published = m;
      published_line = page_.MetaLine("article:published_time");
    }
    if (!page_.ld.modified.empty()) {
      updated = page_.ld.modified;
      updated_line = page_.ld.line;
    } else if (std::string m = page_.Meta("article:modified_time"); !m.empty()) {
      updated = m;
      updated_line = page_.MetaLine("article:modified_time");
    }
    if (page_.h_entry && (published.empty() || updated.empty())) {
      auto mf = [&](const char* cls, std::string* value, int* line) {
        if (!value->empty()) return;
        if (const GumboNode* n = FirstWithClass(page_.h_entry, cls)) {
          std::string v(Trim(AttrOf(n, "datetime")));
          if (v.empty()) v = TextOf(n);
          *value = v;
          *line = LineOf(n);
        }
      };
      mf("dt-published", &published, &published_line);
      mf("dt-updated", &updated, &updated_line);
    }
    // schema.org microdata, then hAtom (microformats' first version: Blogger's and
    // many old themes' <abbr class="published" title="...">), in the article first
    MarkedDate(root, "datePublished", "published", &published, &published_line);
    MarkedDate(root, "dateModified", "updated", &updated, &updated_line);
    // Dublin Core, the metadata of libraries, archives and older CMSs
    auto dc = [&](std::initializer_list<const char*> keys, std::string* value, int* line) {
      for (const char* key : keys) {
        if (!value->empty()) return;
        if (std::string m = page_.Meta(key); !m.empty()) {
          *value = m;
          *line = page_.MetaLine(key);
        }
      }
    };
    dc({"datepublished", "dcterms.issued", "dc.date.issued", "dcterms.created", "dc.date.created",
        "dcterms.date", "dc.date"},
       &published, &published_line);
    dc({"datemodified", "dcterms.modified", "dc.date.modified"}, &updated, &updated_line);
    if (published.empty()) {
      // the first <time datetime> at or after the headline, else in the article
      bool after = headline_ == nullptr;
      const GumboNode* scope = root ? Scope(root) : page_.body;
      const GumboNode* found = nullptr;
      auto search = [&](const GumboNode* where, bool need_after) {
        if (!where) return;
        Walk(where, false, [&](const GumboNode* n) {
          if (found) return false;
          if (n == headline_) after = true;
          if (TagOf(n) == GUMBO_TAG_TIME && HasAttr(n, "datetime") && (after || !need_after)) {
            found = n;
            return false;
          }
          return !(n != where && Removed(n) && IsDiscussion(n));
        });
      };
      search(scope, true);
      if (!found) search(scope, false);
      if (found) {
        published = std::string(Trim(AttrOf(found, "datetime")));
        published_line = LineOf(found);
      }
    }
    f->date = published;
    f->date_line = published_line;
    f->updated = updated;
    f->updated_line = updated_line;
  }

  void Sections(const GumboNode* root, ParsedFields* f) {
    std::string rel_category;
    std::vector<std::string> rel_tags, p_categories;
    const GumboNode* scope = root ? Scope(root) : nullptr;
    if (scope) {
      Walk(scope, false, [&](const GumboNode* n) {
        if (n != scope && Removed(n) && IsDiscussion(n)) return false;
        if (TagOf(n) == GUMBO_TAG_A) {
          const std::string_view rel = AttrOf(n, "rel");
          if (HasToken(rel, "category")) {
            if (rel_category.empty()) rel_category = TextOf(n);
          } else if (HasToken(rel, "tag")) {
            rel_tags.push_back(TextOf(n));
          }
        }
        if (page_.h_entry && HasClass(n, "p-category")) {
          p_categories.push_back(TextOf(n));
          return false;
        }
        return true;
      });
    }
    f->category = FirstOf({page_.ld.section, page_.Meta("article:section"), rel_category});
    for (const std::vector<std::string>* list :
         std::initializer_list<const std::vector<std::string>*>{
             &page_.ld.keywords, &page_.meta_tags, &p_categories, &rel_tags}) {
      if (!list->empty()) {
        f->tags = *list;
        break;
      }
    }
  }

  // --- The body -------------------------------------------------------------------

  // Link-dense or negatively hinted blocks inside the article: share bars, tag
  // lists, "related" boxes (after Readability's conditional cleaning).
  bool Junk(const GumboNode* n) const {
    const GumboTag tag = TagOf(n);
    if (!(tag == GUMBO_TAG_DIV || tag == GUMBO_TAG_SECTION || tag == GUMBO_TAG_UL ||
          tag == GUMBO_TAG_OL || tag == GUMBO_TAG_TABLE || tag == GUMBO_TAG_DL ||
          tag == GUMBO_TAG_UNKNOWN))
      return false;
    if (std::find(roots_.begin(), roots_.end(), n) != roots_.end()) return false;
    const int weight = ClassWeight(n);
    if (weight < 0) return true;
    const Stats& s = StatsOf(n);
    if (s.commas >= 10) return false;
    const double density = LinkDensity(s);
    if (tag == GUMBO_TAG_UL || tag == GUMBO_TAG_OL) return density > 0.5;
    if (weight >= 25) return density > 0.5;
    return density > 0.33 && s.paragraphs <= 1;
  }

  bool IsTitleHeading(const GumboNode* n) const {
    if (n == headline_) return true;
    const std::string t = TextOf(n);
    return !t.empty() && (EqualsIgnoreCase(t, title_for_body_) || EqualsIgnoreCase(t, h1_text_));
  }

  void Body(const GumboNode* root, ParsedFields* f) {
    if (!root) return;
    for (const GumboNode* r : roots_) {
      Flow(r, /*wrap=*/true, 0);
      FlushInline(0);
    }
    std::string html;
    size_t kept = 0;
    for (const std::string& block : blocks_) {
      if (html.size() + block.size() + 1 > options_.max_bytes) {
        f->content_cut = true;
        break;
      }
      html += block;
      html.push_back('\n');
      ++kept;
    }
    if (kept == 0 && !blocks_.empty()) {
      html = ParagraphsToHtml({HtmlToText(blocks_.front())}, options_.max_bytes, &f->content_cut);
    }
    f->content_html = std::move(html);
    if (!dropped_.empty()) {
      for (Cut& c : dropped_) f->cuts.push_back(std::move(c));
    }
  }

  // A finished top-level block, or one inside an element being written.
  void EmitBlock(std::string block, int /*depth*/) {
    if (out_stack_.empty()) {
      blocks_.push_back(std::move(block));
    } else {
      *out_stack_.back() += block;
    }
  }

  // Line breaks at the ends of a run say nothing: the paragraph's edges are its own.
  static std::string_view TrimBreaks(std::string_view s) {
    for (;;) {
      s = Trim(s);
      if (s.substr(0, 4) == "<br>") {
        s.remove_prefix(4);
      } else if (s.size() >= 4 && s.substr(s.size() - 4) == "<br>") {
        s.remove_suffix(4);
      } else {
        return s;
      }
    }
  }

  void FlushInline(int depth) {
    std::string text(TrimBreaks(inline_));
    inline_.clear();
    if (text.empty()) return;
    if (!HtmlToText(text).empty()) {
      EmitParagraph(text, depth);
    } else if (text.find("<img") != std::string::npos) {
      EmitBlock(text, depth);
    }
  }

  // The share of a serialized run's text that is inside links (0 to 1).
  static double LinkTextShare(std::string_view html) {
    size_t all = 0, linked = 0;
    int in_link = 0;
    for (size_t pos = 0; pos < html.size();) {
      const char c = html[pos];
      if (c == '<') {
        const size_t end = html.find('>', pos);
        if (end == std::string_view::npos) break;
        const std::string_view tag = html.substr(pos + 1, end - pos - 1);
        if (tag == "a" || tag.rfind("a ", 0) == 0) ++in_link;
        if (tag == "/a" && in_link > 0) --in_link;
        pos = end + 1;
        continue;
      }
      if (c == '&') {  // an entity is one character
        const size_t end = html.find(';', pos);
        pos = end == std::string_view::npos ? html.size() : end + 1;
      } else {
        const char32_t cp = DecodeUtf8(html, &pos);
        if (IsSpace(cp)) continue;
      }
      ++all;
      if (in_link > 0) ++linked;
    }
    return all == 0 ? 0.0 : static_cast<double>(linked) / static_cast<double>(all);
  }

  // Every paragraph of text goes through here. Two kinds of line are page furniture
  // whatever their markup, when short (200 characters at most) and no sentence: one
  // that is mostly a link ("Read more: TITLE", "Share", "Back to top | More
  // articles"), and, before the article's first paragraph, any such line: a kicker,
  // a byline, a date line, "5 min read" (a line ending in ":" introduces the text).
  void EmitParagraph(const std::string& inner, int depth) {
    const std::string text = HtmlToText(inner);
    if (text.empty()) return;
    const bool top_level = out_stack_.empty();
    const char32_t last = LastCodePointBeforeClosers(text);
    if (!IsSentenceEnd(last) && CountCodePoints(text) <= 200) {
      if (LinkTextShare(inner) >= 0.5) {
        dropped_.push_back({"page furniture", "a short line, mostly a link", Summarize(text, 60), 1});
        return;
      }
      if (top_level && !text_started_ && last != ':') {
        dropped_.push_back({"page furniture", "a short line before the article's first paragraph",
                            Summarize(text, 60), 1});
        return;
      }
    }
    if (top_level) text_started_ = true;
    EmitBlock("<p>" + inner + "</p>", depth);
  }

  void NoteCut(const GumboNode* n, const char* what, const char* why) {
    const std::string text = TextOf(n);
    if (text.empty()) return;
    dropped_.push_back({what, why, Summarize(text, 60), 1});
  }

  // Children of a block container: inline runs become paragraphs when `wrap`
  // (div, section, article), and are written as they are otherwise (li, td,
  // blockquote, figure).
  void Flow(const GumboNode* n, bool wrap, int depth) {
    const GumboVector* kids = ChildrenOf(n);
    for (unsigned i = 0; kids && i < kids->length; ++i) {
      const GumboNode* c = Child(kids, i);
      const bool inline_node =
          !IsElement(c) || IsInline(TagOf(c)) || IsImage(c) || UnknownName(c) == "picture";
      if (wrap && TagOf(c) == GUMBO_TAG_BR) {
        // Two or more line breaks in a row, white space between, end a paragraph: the
        // shape of text typed into an old CMS or a forum, with no <p> at all.
        unsigned j = i + 1;
        bool run = false;
        for (; j < kids->length; ++j) {
          const GumboNode* d = Child(kids, j);
          if (d->type == GUMBO_NODE_WHITESPACE) continue;
          if (TagOf(d) != GUMBO_TAG_BR) break;
          run = true;
        }
        if (run) {
          FlushInline(depth);
          i = j - 1;
          continue;
        }
      }
      if (inline_node) {
        if (wrap) {
          Inline(c, &inline_, depth);
        } else {
          Inline(c, out_stack_.back(), depth);
        }
        continue;
      }
      if (wrap) FlushInline(depth);
      Block(c, depth);
    }
    if (wrap) FlushInline(depth);
  }

  // Writes the element `open` with its flowed children as one block.
  void Container(const GumboNode* n, const std::string& open, const std::string& close, bool wrap,
                 int depth) {
    std::string body;
    const std::string saved_inline = std::move(inline_);
    inline_.clear();
    out_stack_.push_back(&body);
    Flow(n, wrap, depth + 1);
    out_stack_.pop_back();
    inline_ = saved_inline;
    std::string trimmed(Trim(body));
    if (HtmlToText(trimmed).empty() && trimmed.find("<img") == std::string::npos) return;
    EmitBlock(open + trimmed + close, depth);
  }

  void Block(const GumboNode* n, int depth) {
    if (!IsElement(n) || depth > static_cast<int>(kMaxHtmlNesting)) return;
    if (Removed(n)) {
      const std::string hint =
          LowerCopy(std::string(AttrOf(n, "class")) + " " + std::string(AttrOf(n, "id")));
      if (!AlwaysDropped(TagOf(n)) || TagOf(n) == GUMBO_TAG_NAV || TagOf(n) == GUMBO_TAG_ASIDE)
        NoteCut(n, ContainsAny(hint, {"byline", "author"}) ? "byline" : "page furniture",
                "its element or class marks it as outside the article");
      return;
    }
    if (Junk(n)) {
      NoteCut(n, "page furniture", "mostly links, or its class marks it as outside the article");
      return;
    }
    if (captions_.count(n)) return;  // written as the caption of the picture before it
    if (Figure(n, depth)) return;
    const GumboTag tag = TagOf(n);
    switch (tag) {
      case GUMBO_TAG_P: {
        std::string body;
        const GumboVector* kids = ChildrenOf(n);
        for (unsigned i = 0; kids && i < kids->length; ++i)
          Inline(Child(kids, i), &body, depth + 1);
        std::string trimmed(TrimBreaks(body));
        if (!HtmlToText(trimmed).empty()) {
          EmitParagraph(trimmed, depth);
        } else if (trimmed.find("<img") != std::string::npos) {
          EmitBlock(trimmed, depth);
        }
        return;
      }
      case GUMBO_TAG_H1:
      case GUMBO_TAG_H2:
      case GUMBO_TAG_H3:
      case GUMBO_TAG_H4:
      case GUMBO_TAG_H5:
      case GUMBO_TAG_H6: {
        if (IsTitleHeading(n)) return;
        const int level = tag == GUMBO_TAG_H1 ? 2 : 1 + (tag - GUMBO_TAG_H1);
        std::string body;
        const GumboVector* kids = ChildrenOf(n);
        for (unsigned i = 0; kids && i < kids->length; ++i)
          Inline(Child(kids, i), &body, depth + 1);
        std::string trimmed(Trim(body));
        if (HtmlToText(trimmed).empty()) return;
        const std::string h = "h" + std::to_string(level);
        EmitBlock("<" + h + ">" + trimmed + "</" + h + ">", depth);
        return;
      }
      case GUMBO_TAG_UL:
      case GUMBO_TAG_OL:
      case GUMBO_TAG_DL: {
        const std::string name = tag == GUMBO_TAG_UL ? "ul" : tag == GUMBO_TAG_OL ? "ol" : "dl";
        std::string open = "<" + name;
        if (tag == GUMBO_TAG_OL) {
          const std::string start(Trim(AttrOf(n, "start")));
          if (!start.empty() && start.size() < 10 &&
              std::all_of(start.begin(), start.end(), [](char c) { return c >= '0' && c <= '9'; }))
            open += " start=\"" + start + "\"";
        }
        Container(n, open + ">", "</" + name + ">", false, depth);
        return;
      }
      case GUMBO_TAG_LI:
        Container(n, "<li>", "</li>", false, depth);
        return;
      case GUMBO_TAG_DT:
        Container(n, "<dt>", "</dt>", false, depth);
        return;
      case GUMBO_TAG_DD:
        Container(n, "<dd>", "</dd>", false, depth);
        return;
      case GUMBO_TAG_BLOCKQUOTE:
        Container(n, "<blockquote>", "</blockquote>", false, depth);
        return;
      case GUMBO_TAG_FIGURE:
        Container(n, "<figure>", "</figure>", false, depth);
        return;
      case GUMBO_TAG_FIGCAPTION:
        Container(n, "<figcaption>", "</figcaption>", false, depth);
        return;
      case GUMBO_TAG_TABLE:
        Container(n, "<table>", "</table>", false, depth);
        return;
      case GUMBO_TAG_CAPTION:
        Container(n, "<caption>", "</caption>", false, depth);
        return;
      case GUMBO_TAG_THEAD:
        Container(n, "<thead>", "</thead>", false, depth);
        return;
      case GUMBO_TAG_TBODY:
        Container(n, "<tbody>", "</tbody>", false, depth);
        return;
      case GUMBO_TAG_TFOOT:
        Container(n, "<tfoot>", "</tfoot>", false, depth);
        return;
      case GUMBO_TAG_TR:
        Container(n, "<tr>", "</tr>", false, depth);
        return;
      case GUMBO_TAG_TH:
      case GUMBO_TAG_TD: {
        const std::string name = tag == GUMBO_TAG_TH ? "th" : "td";
        std::string open = "<" + name;
        for (const char* attr : {"colspan", "rowspan"}) {
          const std::string v(Trim(AttrOf(n, attr)));
          if (!v.empty() && v.size() < 5 &&
              std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }))
            open += std::string(" ") + attr + "=\"" + v + "\"";
        }
        std::string body;
        out_stack_.push_back(&body);
        Flow(n, false, depth + 1);
        out_stack_.pop_back();
        EmitBlock(open + ">" + std::string(Trim(body)) + "</" + name + ">", depth);
        return;
      }
      case GUMBO_TAG_COLGROUP:
      case GUMBO_TAG_COL:
        return;
      case GUMBO_TAG_PRE: {
        std::string text;
        AppendPreText(n, &text, depth + 1);
        if (Trim(text).empty()) return;
        const bool code = HasDescendant(n, GUMBO_TAG_CODE);
        EmitBlock(code ? "<pre><code>" + text + "</code></pre>" : "<pre>" + text + "</pre>", depth);
        return;
      }
      case GUMBO_TAG_HR:
        EmitBlock("<hr>", depth);
        return;
      default:
        // div, section, article, main, center and unknown elements: their content,
        // text as paragraphs at the top, as it is inside li or blockquote
        Flow(n, out_stack_.empty(), depth + 1);
        return;
    }
  }

  // A block holding one picture and a line of text is a figure and its caption (a
  // CMS's "image with caption" box, an old page's <center><img><br><i>...</i>); a
  // picture alone takes as its caption the small print right after it (Blogger's
  // caption line under a picture). Returns whether it wrote `n` so.
  bool Figure(const GumboNode* n, int depth) {
    const GumboNode* img = FigureImage(n);
    if (!img) return false;
    std::string picture;
    Inline(img, &picture, depth + 1);
    if (picture.empty()) return false;
    std::string caption = TextOf(n);
    if (caption.empty()) {
      if (const GumboNode* next = NextElement(n); next && IsSmallPrint(next)) {
        const Stats& st = StatsOf(next);
        if (st.images == 0 && st.link_chars == 0 && st.chars > 0 && st.chars <= 200) {
          caption = TextOf(next);
          captions_.insert(next);
        }
      }
    }
    EmitBlock("<figure>" + picture +
                  (caption.empty() ? "" : "<figcaption>" + EscapeHtml(caption) + "</figcaption>") +
                  "</figure>",
              depth);
    return true;
  }

  static const GumboNode* NextElement(const GumboNode* n) {
    const GumboNode* parent = n->parent;
    const GumboVector* kids = parent ? ChildrenOf(parent) : nullptr;
    for (unsigned i = n->index_within_parent + 1; kids && i < kids->length; ++i) {
      const GumboNode* c = Child(kids, i);
      if (c->type == GUMBO_NODE_WHITESPACE || c->type == GUMBO_NODE_COMMENT) continue;
      return IsElement(c) ? c : nullptr;
    }
    return nullptr;
  }

  // Text set smaller than the text around it, by the element or the one element it
  // wraps: <small>, <font size="1">, style="font-size: x-small" or under 14px, 1em,
  // 100%.
  static bool IsSmallPrint(const GumboNode* n) {
    for (int level = 0; n && IsElement(n) && level < 8; ++level) {
      const GumboTag tag = TagOf(n);
      if (tag == GUMBO_TAG_SMALL) return true;
      if (tag == GUMBO_TAG_FONT) {
        const std::string_view size = Trim(AttrOf(n, "size"));
        if (size == "1" || size == "2" || size == "-1" || size == "-2") return true;
      }
      std::string style;
      for (char c : AttrOf(n, "style")) {
        if (c != ' ' && c != '\t') style.push_back(c);
      }
      style = LowerCopy(style);
      if (const size_t at = style.find("font-size:"); at != std::string::npos) {
        std::string v = style.substr(at + 10, style.find(';', at) - at - 10);
        if (v == "x-small" || v == "xx-small" || v == "small" || v == "smaller") return true;
        char* end = nullptr;
        const double number = std::strtod(v.c_str(), &end);
        const std::string unit = end ? std::string(end) : "";
        if ((unit == "px" && number < 14) || ((unit == "em" || unit == "rem") && number < 1) ||
            (unit == "%" && number < 100))
          return true;
      }
      // down into the only element it holds, when it holds no text of its own
      const GumboVector* kids = ChildrenOf(n);
      const GumboNode* only = nullptr;
      for (unsigned i = 0; kids && i < kids->length; ++i) {
        const GumboNode* c = Child(kids, i);
        if (c->type == GUMBO_NODE_WHITESPACE || c->type == GUMBO_NODE_COMMENT) continue;
        if (!IsElement(c) || only) return false;
        only = c;
      }
      n = only;
    }
    return false;
  }

  // The image of a generic block that holds one image, no paragraph and at most a
  // short caption's text (a CMS's "image with caption" box), or nullptr.
  const GumboNode* FigureImage(const GumboNode* n) const {
    const GumboTag tag = TagOf(n);
    if (!(tag == GUMBO_TAG_DIV || tag == GUMBO_TAG_SECTION || tag == GUMBO_TAG_UNKNOWN ||
          tag == GUMBO_TAG_CENTER || tag == GUMBO_TAG_P))
      return nullptr;
    const Stats& s = StatsOf(n);
    if (s.images != 1 || s.paragraphs != 0 || s.chars > (tag == GUMBO_TAG_P ? 200 : 300) ||
        s.link_chars * 2 > s.chars + 1)
      return nullptr;
    const GumboNode* found = nullptr;
    Walk(n, true, [&](const GumboNode* c) {
      if (IsImage(c)) found = c;
      return !found;
    });
    return found;
  }

  static bool HasDescendant(const GumboNode* n, GumboTag tag, int depth = 0) {
    const GumboVector* kids = ChildrenOf(n);
    for (unsigned i = 0; kids && i < kids->length && depth < 64; ++i) {
      const GumboNode* c = Child(kids, i);
      if (TagOf(c) == tag || HasDescendant(c, tag, depth + 1)) return true;
    }
    return false;
  }

  void AppendPreText(const GumboNode* n, std::string* out, int depth) const {
    const GumboVector* kids = ChildrenOf(n);
    for (unsigned i = 0; kids && i < kids->length; ++i) {
      const GumboNode* c = Child(kids, i);
      if (c->type == GUMBO_NODE_TEXT || c->type == GUMBO_NODE_WHITESPACE ||
          c->type == GUMBO_NODE_CDATA) {
        *out += EscapeHtml(c->v.text.text);
      } else if (IsElement(c) && !AlwaysDropped(TagOf(c)) &&
                 depth < static_cast<int>(kMaxHtmlNesting)) {
        if (TagOf(c) == GUMBO_TAG_BR) *out += "\n";
        AppendPreText(c, out, depth + 1);
      }
    }
  }

  static void AppendCollapsed(std::string_view text, std::string* to) {
    for (size_t pos = 0; pos < text.size();) {
      const size_t start = pos;
      const char32_t cp = DecodeUtf8(text, &pos);
      if (IsSpace(cp)) {
        // kept even at the start of an element's text ("a<em> b</em>"); a block trims its ends
        if (to->empty() || to->back() != ' ') to->push_back(' ');
        while (pos < text.size()) {
          size_t p = pos;
          if (!IsSpace(DecodeUtf8(text, &p))) break;
          pos = p;
        }
        continue;
      }
      *to += EscapeHtml(text.substr(start, pos - start));
    }
  }

  static bool IsPlaceholder(std::string_view src) {
    return src.empty() || EqualsIgnoreCase(src.substr(0, 5), "data:");
  }

  // An image's real source. A lazy loader keeps it in data-src (or data-srcset) and
  // puts a placeholder in src, a data: URL or a grey GIF, so those come first; then
  // src; then the best of srcset; then the best of the <source> elements of its
  // <picture>; then the copy in the <noscript> that follows it (Next.js, WordPress).
  std::string ImageSource(const GumboNode* n, int depth = 0) const {
    for (const char* lazy : {"data-src", "data-lazy-src", "data-original", "data-url"}) {
      const std::string_view v = Trim(AttrOf(n, lazy));
      if (!IsPlaceholder(v)) return std::string(v);
    }
    for (const char* set : {"data-srcset", "data-lazy-srcset"}) {
      const std::string_view v = BestSrcsetCandidate(AttrOf(n, set));
      if (!IsPlaceholder(v)) return std::string(v);
    }
    const std::string_view src = Trim(AttrOf(n, "src"));
    if (!IsPlaceholder(src)) return std::string(src);
    if (const std::string_view v = BestSrcsetCandidate(AttrOf(n, "srcset")); !IsPlaceholder(v))
      return std::string(v);
    const GumboNode* parent = n->parent;
    if (parent && IsElement(parent) && UnknownName(parent) == "picture") {
      const GumboVector* kids = ChildrenOf(parent);
      for (unsigned i = 0; kids && i < kids->length; ++i) {
        const GumboNode* c = Child(kids, i);
        if (TagOf(c) != GUMBO_TAG_SOURCE) continue;
        for (const char* set : {"data-srcset", "srcset"}) {
          const std::string_view v = BestSrcsetCandidate(AttrOf(c, set));
          if (!IsPlaceholder(v)) return std::string(v);
        }
      }
    }
    if (parent && depth == 0) {
      const GumboVector* kids = ChildrenOf(parent);
      for (unsigned i = n->index_within_parent + 1; kids && i < kids->length; ++i) {
        const GumboNode* c = Child(kids, i);
        if (c->type == GUMBO_NODE_WHITESPACE) continue;
        if (TagOf(c) != GUMBO_TAG_NOSCRIPT) break;
        const GumboNode* copy = nullptr;
        Walk(c, false, [&](const GumboNode* d) {
          if (!copy && IsImage(d)) copy = d;
          return !copy;
        });
        if (copy) return ImageSource(copy, depth + 1);
        break;
      }
    }
    return "";
  }

  // Icons, avatars and tracking pixels: an image whose markup gives it a size under
  // 100 pixels each way, or under 3 pixels either way.
  static bool IsIcon(const GumboNode* n) {
    auto pixels = [&](const char* attr) -> long {
      const std::string v(Trim(AttrOf(n, attr)));
      if (v.empty() || v.size() > 6 || !std::all_of(v.begin(), v.end(), [](char c) {
            return c >= '0' && c <= '9';
          }))
        return -1;
      return std::stol(v);
    };
    const long w = pixels("width"), h = pixels("height");
    if ((w >= 0 && w < 3) || (h >= 0 && h < 3)) return true;
    return w >= 0 && h >= 0 && w < 100 && h < 100;
  }

  void Inline(const GumboNode* n, std::string* to, int depth) {
    if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE ||
        n->type == GUMBO_NODE_CDATA) {
      AppendCollapsed(n->v.text.text, to);
      return;
    }
    if (!IsElement(n) || depth > static_cast<int>(kMaxHtmlNesting)) return;
    if (Removed(n)) {
      if (!AlwaysDropped(TagOf(n)))
        NoteCut(n, "byline", "its class marks it as outside the article");
      return;
    }
    const GumboTag tag = TagOf(n);
    auto children = [&](std::string* into) {
      const GumboVector* kids = ChildrenOf(n);
      for (unsigned i = 0; kids && i < kids->length; ++i) Inline(Child(kids, i), into, depth + 1);
    };
    if (IsImage(n)) {
      if (IsIcon(n)) return;
      const std::optional<std::string> src = page_.Url(ImageSource(n), UrlContext::kImage);
      if (!src || src->empty()) return;
      *to += "<img src=\"" + EscapeHtml(*src) + "\" alt=\"" +
             EscapeHtml(Collapse(AttrOf(n, "alt"))) + "\">";
      return;
    }
    switch (tag) {
      case GUMBO_TAG_BR:
        *to += "<br>";
        return;
      case GUMBO_TAG_WBR:
        return;
      case GUMBO_TAG_A: {
        std::string inner;
        children(&inner);
        const std::string_view href = AttrOf(n, "href");
        const std::optional<std::string> url =
            HasAttr(n, "href") ? page_.Url(href, UrlContext::kLink) : std::nullopt;
        if (!url || url->empty() || HtmlToText(inner).empty()) {
          *to += inner;
          return;
        }
        *to += "<a href=\"" + EscapeHtml(*url) + "\">" + inner + "</a>";
        return;
      }
      case GUMBO_TAG_EM:
      case GUMBO_TAG_STRONG:
      case GUMBO_TAG_B:
      case GUMBO_TAG_I:
      case GUMBO_TAG_U:
      case GUMBO_TAG_S:
      case GUMBO_TAG_DEL:
      case GUMBO_TAG_INS:
      case GUMBO_TAG_SUB:
      case GUMBO_TAG_SUP:
      case GUMBO_TAG_MARK:
      case GUMBO_TAG_SMALL:
      case GUMBO_TAG_CITE:
      case GUMBO_TAG_Q:
      case GUMBO_TAG_CODE:
      case GUMBO_TAG_KBD:
      case GUMBO_TAG_SAMP:
      case GUMBO_TAG_VAR:
      case GUMBO_TAG_ABBR:
      case GUMBO_TAG_DFN: {
        std::string inner;
        children(&inner);
        if (inner.empty()) return;
        const std::string name = gumbo_normalized_tagname(tag);
        std::string open = "<" + name;
        if (tag == GUMBO_TAG_ABBR && HasAttr(n, "title"))
          open += " title=\"" + EscapeHtml(Collapse(AttrOf(n, "title"))) + "\"";
        *to += open + ">" + inner + "</" + name + ">";
        return;
      }
      default:
        // span, time, font, picture and the rest: their content only
        if (!IsInline(tag)) {
          // a block inside a line (a <div> in a link): its text, spaced
          if (!to->empty() && to->back() != ' ') to->push_back(' ');
          children(to);
          if (!to->empty() && to->back() != ' ') to->push_back(' ');
          return;
        }
        children(to);
        return;
    }
  }

  const HtmlPageOptions& options_;
  const PageMetadata page_;

  const GumboNode* headline_ = nullptr;
  std::vector<const GumboNode*> roots_;
  std::string title_for_body_, h1_text_;
  std::unordered_map<const GumboNode*, Stats> stats_;
  std::unordered_map<const GumboNode*, double> scores_;

  std::vector<std::string> blocks_;
  std::vector<std::string*> out_stack_;
  std::string inline_;
  std::vector<Cut> dropped_;
  bool text_started_ = false;
  std::unordered_set<const GumboNode*> captions_;  // blocks written as a picture's caption  // a paragraph of the article's own was written
};
}  // namespace

size_t EstimateHtmlNesting(std::string_view html) {
  size_t depth = 0, deepest = 0, foreign = 0;
  std::unordered_map<std::string, size_t> open;  // per name, to close only what is open
  std::string name;
  for (size_t pos = 0; pos < html.size();) {
    const size_t lt = html.find('<', pos);
    if (lt == std::string_view::npos) break;
    pos = lt + 1;
    if (html.compare(lt, 4, "<!--") == 0) {
      const size_t end = html.find("-->", lt + 4);
      if (end == std::string_view::npos) break;
      pos = end + 3;
      continue;
    }
    bool closing = false;
    if (pos < html.size() && html[pos] == '/') {
      closing = true;
      ++pos;
    }
    if (pos >= html.size() || !IsAsciiAlpha(html[pos])) continue;
    name.clear();
    while (pos < html.size() && (std::isalnum(static_cast<unsigned char>(html[pos])) ||
                                 html[pos] == '-' || html[pos] == ':'))
      name.push_back(Lower(html[pos++]));
    // to the end of the tag, quotes respected
    char quote = 0;
    bool self_closing = false;
    while (pos < html.size()) {
      const char c = html[pos++];
      if (quote) {
        if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '>') {
        self_closing = pos >= 2 && html[pos - 2] == '/';
        break;
      }
    }
    if (closing) {
      auto it = open.find(name);
      if (it != open.end() && it->second > 0) {
        --it->second;
        if ((name == "svg" || name == "math") && foreign > 0) --foreign;
        if (depth > 0) --depth;
      }
      continue;
    }
    if (IsRawText(name)) {
      // skip to </name
      const std::string end = "</" + name;
      size_t at = pos;
      while (true) {
        at = html.find("</", at);
        if (at == std::string_view::npos) return deepest;
        bool match = true;
        for (size_t i = 0; i < end.size() && match; ++i)
          match = at + i < html.size() && Lower(html[at + i]) == end[i];
        if (match) break;
        at += 2;
      }
      pos = at;
      continue;
    }
    if (ClosesItself(name)) continue;
    // In SVG and MathML "<path/>" closes itself (in HTML "<div/>" is an open <div>).
    if (self_closing && foreign > 0) continue;
    if (name == "svg" || name == "math") ++foreign;
    ++open[name];
    deepest = std::max(deepest, ++depth);
  }
  return deepest;
}

std::optional<ParsedFields> ParseHtmlPage(std::string_view utf8, const HtmlPageOptions& options,
                                          std::string* err) {
  if (const size_t depth = EstimateHtmlNesting(utf8); depth > kMaxHtmlNesting) {
    *err = "HTML nested " + std::to_string(depth) + " elements deep (more than " +
           std::to_string(kMaxHtmlNesting) + ")";
    return std::nullopt;
  }
  GumboOptions gumbo = kGumboDefaultOptions;
  gumbo.max_errors = 0;  // gumbo copies the open elements into every error: none are kept
  std::unique_ptr<GumboOutput, void (*)(GumboOutput*)> out(
      gumbo_parse_with_options(&gumbo, utf8.data(), utf8.size()),
      [](GumboOutput* o) { gumbo_destroy_output(&kGumboDefaultOptions, o); });
  if (!out) {
    *err = "the HTML parser gave up (out of memory)";
    return std::nullopt;
  }
  Page page(out.get(), options);
  return page.Read();
}

}  // namespace feedd::feed
