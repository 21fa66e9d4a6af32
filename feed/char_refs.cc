#include "feed/char_refs.h"

#include <algorithm>
#include <cctype>
#include <iterator>

#include "feed/utf8.h"

namespace feedd::feed {
namespace {

struct NamedReference {
  std::string_view name;  // without '&' and ';'
  std::string_view text;  // UTF-8
  bool legacy;            // also recognized without the ';'
};

constexpr NamedReference kNamed[] = {
#include "feed/html_entities.inc"
};

constexpr size_t kLongestName = 32;

const NamedReference* FindNamed(std::string_view name) {
  const auto it = std::lower_bound(std::begin(kNamed), std::end(kNamed), name,
                                   [](const NamedReference& e, std::string_view n) {
                                     return e.name < n;
                                   });
  return it != std::end(kNamed) && it->name == name ? it : nullptr;
}

bool IsAsciiAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

void AppendCodePoint(uint64_t cp, std::string* out) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = kReplacementChar;
  AppendUtf8(static_cast<char32_t>(cp), out);
}

// Parses the digits of a numeric reference at text[pos] ("106", "x6A"); returns the
// position after the digits, or pos when there are none. Long runs saturate.
size_t ParseNumber(std::string_view text, size_t pos, uint64_t* cp) {
  bool hex = false;
  if (pos < text.size() && (text[pos] == 'x' || text[pos] == 'X')) {
    hex = true;
    ++pos;
  }
  const size_t start = pos;
  uint64_t value = 0;
  for (; pos < text.size(); ++pos) {
    const unsigned char c = static_cast<unsigned char>(text[pos]);
    int digit;
    if (std::isdigit(c)) {
      digit = c - '0';
    } else if (hex && std::isxdigit(c)) {
      digit = std::tolower(c) - 'a' + 10;
    } else {
      break;
    }
    value = std::min<uint64_t>(value * (hex ? 16 : 10) + static_cast<uint64_t>(digit), 0x110000);
  }
  *cp = value;
  return pos == start ? start - (hex ? 1 : 0) : pos;
}

}  // namespace

bool AppendCharacterReference(std::string_view ref, std::string* out) {
  if (ref.size() < 3 || ref.front() != '&' || ref.back() != ';') return false;
  const std::string_view body = ref.substr(1, ref.size() - 2);
  if (body[0] == '#') {
    uint64_t cp = 0;
    const size_t end = ParseNumber(body, 1, &cp);
    if (end != body.size() || end <= 1) return false;
    AppendCodePoint(cp, out);
    return true;
  }
  const NamedReference* e = FindNamed(body);
  if (!e) return false;
  out->append(e->text);
  return true;
}

std::string DecodeCharacterReferences(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const size_t amp = text.find('&', i);
    if (amp == std::string_view::npos) break;
    out.append(text.substr(i, amp - i));
    i = amp + 1;
    if (i < text.size() && text[i] == '#') {
      uint64_t cp = 0;
      const size_t end = ParseNumber(text, i + 1, &cp);
      if (end > i + 1) {
        AppendCodePoint(cp, &out);
        i = end < text.size() && text[end] == ';' ? end + 1 : end;
        continue;
      }
      out.push_back('&');
      continue;
    }
    // The longest name that is a reference: with its ';', or a legacy one without.
    size_t run = i;
    while (run < text.size() && run - i < kLongestName && IsAsciiAlnum(text[run])) ++run;
    const NamedReference* found = nullptr;
    size_t found_end = i;
    if (run < text.size() && text[run] == ';') {
      if (const NamedReference* e = FindNamed(text.substr(i, run - i))) {
        found = e;
        found_end = run + 1;
      }
    }
    for (size_t end = run; !found && end > i + 1; --end) {
      const NamedReference* e = FindNamed(text.substr(i, end - i));
      if (e && e->legacy) {
        // In an attribute, "&amp=" and "&ampx" stay as written.
        if (end < text.size() && (IsAsciiAlnum(text[end]) || text[end] == '=')) break;
        found = e;
        found_end = end;
      }
    }
    if (found) {
      out.append(found->text);
      i = found_end;
    } else {
      out.push_back('&');
    }
  }
  out.append(text.substr(i));
  return out;
}

}  // namespace feedd::feed
