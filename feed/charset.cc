#include "feed/charset.h"

#include <iconv.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <optional>

#include "feed/utf8.h"

namespace feedd::feed {
namespace {

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string LowerTrim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; };
  while (!s.empty() && (space(s.front()) || s.front() == '"' || s.front() == '\'')) s.remove_prefix(1);
  while (!s.empty() && (space(s.back()) || s.back() == '"' || s.back() == '\'')) s.remove_suffix(1);
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

// The Encoding standard's label table, reduced to the encodings pages use; the
// value is the name iconv knows. "" for a label feedd does not know.
std::string IconvName(const std::string& label) {
  struct Label {
    const char* label;
    const char* iconv;
  };
  static constexpr Label kLabels[] = {
      {"utf-8", "UTF-8"},          {"utf8", "UTF-8"},
      {"unicode-1-1-utf-8", "UTF-8"},
      {"utf-16", "UTF-8"},         {"utf-16le", "UTF-8"},
      {"utf-16be", "UTF-8"},       {"unicode", "UTF-8"},
      {"us-ascii", "WINDOWS-1252"}, {"ascii", "WINDOWS-1252"},
      {"iso-8859-1", "WINDOWS-1252"}, {"iso8859-1", "WINDOWS-1252"},
      {"latin1", "WINDOWS-1252"},  {"l1", "WINDOWS-1252"},
      {"cp1252", "WINDOWS-1252"},  {"windows-1252", "WINDOWS-1252"},
      {"x-cp1252", "WINDOWS-1252"}, {"cp819", "WINDOWS-1252"},
      {"iso-8859-2", "ISO-8859-2"}, {"iso-8859-3", "ISO-8859-3"},
      {"iso-8859-4", "ISO-8859-4"}, {"iso-8859-5", "ISO-8859-5"},
      {"iso-8859-6", "ISO-8859-6"}, {"iso-8859-7", "ISO-8859-7"},
      {"iso-8859-8", "ISO-8859-8"}, {"iso-8859-8-i", "ISO-8859-8"},
      {"iso-8859-9", "WINDOWS-1254"}, {"latin5", "WINDOWS-1254"},
      {"iso-8859-10", "ISO-8859-10"}, {"iso-8859-13", "ISO-8859-13"},
      {"iso-8859-15", "ISO-8859-15"}, {"latin9", "ISO-8859-15"},
      {"windows-1250", "WINDOWS-1250"}, {"windows-1251", "WINDOWS-1251"},
      {"windows-1253", "WINDOWS-1253"}, {"windows-1254", "WINDOWS-1254"},
      {"windows-1255", "WINDOWS-1255"}, {"windows-1256", "WINDOWS-1256"},
      {"windows-1257", "WINDOWS-1257"}, {"windows-1258", "WINDOWS-1258"},
      {"koi8-r", "KOI8-R"},        {"koi8-u", "KOI8-U"},
      {"gb2312", "GBK"},           {"gbk", "GBK"},
      {"gb18030", "GB18030"},      {"big5", "BIG5-HKSCS"},
      {"shift_jis", "CP932"},      {"sjis", "CP932"},
      {"windows-31j", "CP932"},    {"euc-jp", "EUC-JP"},
      {"iso-2022-jp", "ISO-2022-JP"}, {"euc-kr", "CP949"},
      {"tis-620", "CP874"},
  };
  for (const Label& l : kLabels) {
    if (label == l.label) return l.iconv;
  }
  if (label == "windows-874" || label == "iso-8859-11") return "CP874";
  return "";
}

bool StartsWithNoCase(std::string_view s, size_t at, std::string_view word) {
  if (at + word.size() > s.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (Lower(s[at + i]) != word[i]) return false;
  }
  return true;
}

// "text/html; charset=ISO-8859-1" -> "iso-8859-1"
std::string CharsetFromContentType(std::string_view content) {
  const std::string lower = LowerTrim(content);
  const size_t at = lower.find("charset");
  if (at == std::string::npos) return "";
  size_t pos = at + 7;
  while (pos < lower.size() && lower[pos] == ' ') ++pos;
  if (pos >= lower.size() || lower[pos] != '=') return "";
  ++pos;
  size_t end = pos;
  while (end < lower.size() && lower[end] != ';' && lower[end] != ' ') ++end;
  return LowerTrim(std::string_view(lower).substr(pos, end - pos));
}

// The standard's prescan, simplified: <meta> tags in the first 1024 bytes, their
// attributes read as the tokenizer reads them; comments skipped.
std::string PrescanLabel(std::string_view bytes) {
  const std::string_view head = bytes.substr(0, 1024);
  for (size_t pos = 0; pos < head.size(); ++pos) {
    if (head[pos] != '<') continue;
    if (head.compare(pos, 4, "<!--") == 0) {
      const size_t end = head.find("-->", pos + 4);
      if (end == std::string_view::npos) return "";
      pos = end + 2;
      continue;
    }
    if (!StartsWithNoCase(head, pos + 1, "meta")) continue;
    size_t p = pos + 5;
    if (p >= head.size() || !(head[p] == ' ' || head[p] == '\t' || head[p] == '\n' ||
                              head[p] == '\r' || head[p] == '\f' || head[p] == '/'))
      continue;
    std::string charset, http_equiv, content;
    while (p < head.size() && head[p] != '>') {
      while (p < head.size() && (head[p] == ' ' || head[p] == '\t' || head[p] == '\n' ||
                                 head[p] == '\r' || head[p] == '\f' || head[p] == '/'))
        ++p;
      size_t name_end = p;
      while (name_end < head.size() && head[name_end] != '=' && head[name_end] != '>' &&
             head[name_end] != ' ' && head[name_end] != '/' && head[name_end] != '\t' &&
             head[name_end] != '\n')
        ++name_end;
      const std::string name = LowerTrim(head.substr(p, name_end - p));
      p = name_end;
      while (p < head.size() && head[p] == ' ') ++p;
      std::string value;
      if (p < head.size() && head[p] == '=') {
        ++p;
        while (p < head.size() && head[p] == ' ') ++p;
        if (p < head.size() && (head[p] == '"' || head[p] == '\'')) {
          const char quote = head[p];
          const size_t end = head.find(quote, p + 1);
          if (end == std::string_view::npos) return "";
          value = std::string(head.substr(p + 1, end - p - 1));
          p = end + 1;
        } else {
          const size_t start = p;
          while (p < head.size() && head[p] != '>' && head[p] != ' ' && head[p] != '\t' &&
                 head[p] != '\n')
            ++p;
          value = std::string(head.substr(start, p - start));
        }
      }
      if (name.empty()) {
        if (p < head.size() && head[p] != '>') ++p;
        continue;
      }
      if (name == "charset" && charset.empty()) charset = LowerTrim(value);
      if (name == "http-equiv") http_equiv = LowerTrim(value);
      if (name == "content" && content.empty()) content = value;
    }
    if (!charset.empty()) return charset;
    if (http_equiv == "content-type") {
      std::string label = CharsetFromContentType(content);
      if (!label.empty()) return label;
    }
    pos = p;
  }
  return "";
}

bool ValidUtf8(std::string_view s) {
  for (size_t pos = 0; pos < s.size();) {
    const size_t before = pos;
    const char32_t cp = DecodeUtf8(s, &pos);
    if (cp == 0xFFFD && !(pos - before == 3 && s.compare(before, 3, "\xEF\xBF\xBD") == 0))
      return false;
  }
  return true;
}

// Converts with iconv; a byte sequence the encoding cannot map becomes U+FFFD and
// decoding resumes one byte later.
std::optional<std::string> Convert(std::string_view bytes, const char* from, bool* replaced) {
  iconv_t cd = ::iconv_open("UTF-8", from);
  if (cd == reinterpret_cast<iconv_t>(-1)) return std::nullopt;
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 2);
  char* in = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  std::array<char, 16384> buffer;
  while (true) {
    char* o = buffer.data();
    size_t o_left = buffer.size();
    const size_t rc = ::iconv(cd, in_left ? &in : nullptr, &in_left, &o, &o_left);
    out.append(buffer.data(), buffer.size() - o_left);
    if (rc != static_cast<size_t>(-1)) {
      if (in_left == 0) {
        // flush the shift state (ISO-2022-JP)
        o = buffer.data();
        o_left = buffer.size();
        ::iconv(cd, nullptr, nullptr, &o, &o_left);
        out.append(buffer.data(), buffer.size() - o_left);
        break;
      }
      continue;
    }
    if (errno == E2BIG) continue;
    // EILSEQ (unmappable) or EINVAL (cut short at the end): one replacement, one byte on
    out += "\xEF\xBF\xBD";
    *replaced = true;
    if (in_left == 0) break;
    ++in;
    --in_left;
    ::iconv(cd, nullptr, nullptr, nullptr, nullptr);
  }
  ::iconv_close(cd);
  return out;
}

}  // namespace

DecodedPage DecodeHtmlBytes(std::string_view bytes, std::string* unknown_label) {
  DecodedPage page;
  std::string name;
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") {
    bytes.remove_prefix(3);
    page.declared = "BOM";
    name = "UTF-8";
  } else if (bytes.substr(0, 2) == "\xFF\xFE") {
    bytes.remove_prefix(2);
    page.declared = "BOM";
    name = "UTF-16LE";
  } else if (bytes.substr(0, 2) == "\xFE\xFF") {
    bytes.remove_prefix(2);
    page.declared = "BOM";
    name = "UTF-16BE";
  } else if (std::string label = PrescanLabel(bytes); !label.empty()) {
    page.declared = label;
    name = IconvName(label);
    if (name.empty() && unknown_label) *unknown_label = label;
  }
  if (name.empty()) name = ValidUtf8(bytes) ? "UTF-8" : "WINDOWS-1252";
  page.encoding = name;
  if (name == "UTF-8") {
    page.text = std::string(bytes);  // invalid sequences are replaced by NormalizeText
    page.replaced = !ValidUtf8(bytes);
    return page;
  }
  if (std::optional<std::string> text = Convert(bytes, name.c_str(), &page.replaced)) {
    page.text = *std::move(text);
  } else {  // iconv lacks the encoding (a minimal system without gconv modules)
    page.text = std::string(bytes);
    page.encoding = "UTF-8";
    page.replaced = !ValidUtf8(bytes);
  }
  return page;
}

}  // namespace feedd::feed
