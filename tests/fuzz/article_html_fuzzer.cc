// The saved-web-page parser (charset sniffing, Gumbo, the content scoring and the
// allow-list) on any bytes. Checks what the allow-list promises: the content holds
// only allowed elements, no event-handler attributes, no URL with a script scheme,
// and parses as XML once wrapped (every element closed).
#include <pugixml.hpp>

#include <algorithm>
#include <array>
#include <cstdint>

#include "feed/article_parser.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

bool Allowed(std::string_view name) {
  static constexpr std::array<std::string_view, 44> kTags{
      "p", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "blockquote", "pre",
      "code", "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "figure",
      "figcaption", "img", "a", "em", "strong", "b", "i", "u", "s", "del", "ins", "sub", "sup",
      "mark", "small", "cite", "q", "br", "hr", "abbr"};
  static constexpr std::array<std::string_view, 5> kMore{"kbd", "samp", "var", "dfn", "root"};
  return std::find(kTags.begin(), kTags.end(), name) != kTags.end() ||
         std::find(kMore.begin(), kMore.end(), name) != kMore.end();
}

void Check(const pugi::xml_node& n, const std::string& html) {
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    FUZZ_CHECK(Allowed(c.name()), html);
    for (pugi::xml_attribute a = c.first_attribute(); a; a = a.next_attribute()) {
      const std::string_view name = a.name();
      FUZZ_CHECK(name == "href" || name == "src" || name == "alt" || name == "title" ||
                     name == "start" || name == "colspan" || name == "rowspan",
                 html);
      if (name == "href" || name == "src") {
        // The scheme is what matters ("https:/x" is an https URL to a browser too).
        const std::string_view v = a.value();
        FUZZ_CHECK(v.rfind("https:", 0) == 0 || v.rfind("http:", 0) == 0 ||
                       v.rfind("mailto:", 0) == 0 || v.rfind("data:image/", 0) == 0,
                   html);
      }
    }
    Check(c, html);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> warnings;
  std::string err;
  std::optional<feedd::feed::Article> a = feedd::feed::ParseArticle(
      "saved/fuzz.html", bytes, {"https://example.org/news", {1767225600, 0}}, &warnings, &err);
  if (!a) return 0;
  // The content is HTML, not XHTML: void elements are written <br>, <img ...>, <hr>.
  std::string xml = "<root>" + a->content_html + "</root>";
  for (const char* v : {"<br>", "<hr>"}) {
    for (size_t at = 0; (at = xml.find(v, at)) != std::string::npos;) xml.insert(at + 3, "/"), at += 4;
  }
  for (size_t at = 0; (at = xml.find("<img ", at)) != std::string::npos;) {
    const size_t end = xml.find('>', at);
    FUZZ_CHECK(end != std::string::npos, a->content_html);
    xml.insert(end, "/");
    at = end;
  }
  pugi::xml_document doc;
  const pugi::xml_parse_result r = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default);
  FUZZ_CHECK(r, a->content_html);
  Check(doc.child("root"), a->content_html);
  return 0;
}
