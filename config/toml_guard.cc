#include "config/toml_guard.h"

#include "config/text.h"

namespace feedd::config {
namespace {

bool IsKeyStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '"' || c == '\'';
}

bool IsSpace(char32_t cp) {
  return cp == ' ' || cp == '\t';
}

// toml++'s is_value_terminator() over ASCII: whitespace, ']', '}', ',' and '#'.
bool IsValueTerminator(char c) {
  return c == ' ' || c == '\t' || (c >= '\n' && c <= '\r') || c == ']' || c == '}' || c == ',' ||
         c == '#';
}

}  // namespace

bool CheckTomlText(std::string_view text, size_t* line, size_t* column, std::string* why) {
  enum class Str { kNone, kBasic, kLiteral, kMultiBasic, kMultiLiteral };
  Str str = Str::kNone;
  bool comment = false;
  bool escaped = false;    // after a backslash in a basic string
  bool continued = false;  // after a line-ending backslash, before the next character
  bool line_start = true;  // only spaces so far on this line, outside any value
  bool in_value = false;   // after a key's '=' on this line
  std::string open;        // the value's open arrays ('[') and inline tables ('{')
  bool table_key = false;  // in the innermost inline table, before a key's '='
  bool bare = false;       // in a value that is not a string, array or table
  std::string token;       // that value's first characters, without '_'
  size_t ln = 1, col = 1;
  auto fail = [&](size_t at_column, std::string what) {
    *line = ln;
    *column = at_column;
    *why = std::move(what);
    return false;
  };
  auto starts = [&](size_t pos, std::string_view s) { return text.substr(pos, s.size()) == s; };
  size_t pos = starts(0, "\xEF\xBB\xBF") ? 3 : 0;
  for (size_t len = 1; pos < text.size(); pos += len, ++col) {
    const char32_t cp = DecodeUtf8Strict(text, pos, &len);
    if (cp == kInvalidUtf8) return fail(col, "not valid UTF-8");
    const char c = cp < 0x80 ? static_cast<char>(cp) : '\0';
    if (c == '\n') {
      comment = false;
      bare = false;
      if (str == Str::kBasic || str == Str::kLiteral) str = Str::kNone;  // toml++ refuses it
      if (str == Str::kMultiBasic && escaped) continued = true;
      escaped = false;
      if (str == Str::kNone && open.empty()) {
        in_value = false;
        line_start = true;
      }
      ++ln;
      col = 0;
      continue;
    }
    if (comment) continue;
    switch (str) {
      case Str::kMultiBasic:
        if (escaped) {
          escaped = false;
          if (cp >= 0x80)
            return fail(col, CodePointName(cp) + " after a backslash is not an escape sequence");
          if (IsSpace(cp) || c == '\r') continued = true;  // a line-ending backslash
          continue;
        }
        if (continued) {
          if (IsSpace(cp) || c == '\r') continue;
          if (cp >= 0x80)
            return fail(col,
                        "a line continued with a backslash must go on with an ASCII "
                        "character, not " +
                            CodePointName(cp) +
                            " (toml++ 3.3 cannot read it): write it on the previous line");
          continued = false;
        }
        if (c == '\\') {
          escaped = true;
        } else if (starts(pos, "\"\"\"")) {
          len = 3;
          while (len < 5 && pos + len < text.size() && text[pos + len] == '"') ++len;
          col += len - 1;
          str = Str::kNone;
        }
        continue;
      case Str::kMultiLiteral:
        if (starts(pos, "'''")) {
          len = 3;
          while (len < 5 && pos + len < text.size() && text[pos + len] == '\'') ++len;
          col += len - 1;
          str = Str::kNone;
        }
        continue;
      case Str::kBasic:
        if (escaped) {
          escaped = false;
        } else if (c == '\\') {
          escaped = true;
        } else if (c == '"') {
          str = Str::kNone;
        }
        continue;
      case Str::kLiteral:
        if (c == '\'') str = Str::kNone;
        continue;
      case Str::kNone:
        break;
    }
    if (cp >= 0x80) {
      return fail(
          col, CodePointName(cp) + " outside a string or comment (TOML allows only ASCII there)");
    }
    if (c == '\v' || c == '\f' || (c == '\r' && !starts(pos, "\r\n"))) {
      return fail(col, CodePointName(cp) + " (a control character) outside a string");
    }
    if (c == '}' && !open.empty() && open.back() == '[') {
      // toml++ would call parse_value() on it, whose precondition this breaks.
      return fail(col, "expected a value or ']' in the list, saw '}'");
    }
    if (bare) {
      // toml++ reads a value that is no string, array or table (a number, a date, a
      // boolean, or a mistake) up to a value terminator, quotes and all: so does this.
      if (!IsValueTerminator(c)) {
        if (c != '_' && token.size() < 11) token.push_back(c);
        continue;
      }
      bare = false;
      // toml++ takes "YYYY-MM-DD D" for the start of a date-time with a space and
      // then reads on from past the D, terminator or not (parse_value's scan()
      // precondition). Never valid TOML: a time needs HH:MM.
      if (c == ' ' && token.size() == 10 && token[4] == '-' && token[7] == '-' &&
          pos + 2 < text.size() && text[pos + 1] >= '0' && text[pos + 1] <= '9' &&
          IsValueTerminator(text[pos + 2])) {
        return fail(col + 1, "expected a time like 07:32:00 after the date, saw '" +
                                 std::string(1, text[pos + 1]) + "'");
      }
    }
    if (line_start && (IsSpace(cp) || c == '\r')) continue;
    if (line_start && c == '[') {
      size_t p = pos + 1;
      if (p < text.size() && text[p] == '[') ++p;
      const std::string_view open = text.substr(pos, p - pos);
      while (p < text.size() && (text[p] == ' ' || text[p] == '\t')) ++p;
      if (p < text.size() && !IsKeyStart(text[p]) && text[p] != ']') {
        // toml++ would call parse_key() here, whose precondition this breaks.
        size_t n = 0;
        const char32_t next = DecodeUtf8Strict(text, p, &n);
        const std::string saw = next >= 0x21 && next < 0x7F ? "'" + std::string(1, text[p]) + "'"
                                : next == kInvalidUtf8 ? std::string("a byte that is not UTF-8")
                                                       : CodePointName(next);
        return fail(col + (p - pos),
                    "expected a table name after '" + std::string(open) + "', saw " + saw);
      }
    }
    line_start = false;
    const bool value_context =
        open.empty() ? in_value : open.back() == '[' || (open.back() == '{' && !table_key);
    if (value_context && !IsValueTerminator(c) && c != '"' && c != '\'' && c != '[' && c != '{' &&
        c != '=') {
      bare = true;
      token.assign(1, c);
      continue;
    }
    switch (c) {
      case '#':
        comment = true;
        break;
      case '"':
        str = starts(pos, "\"\"\"") ? Str::kMultiBasic : Str::kBasic;
        break;
      case '\'':
        str = starts(pos, "'''") ? Str::kMultiLiteral : Str::kLiteral;
        break;
      case '=':
        if (open.empty()) in_value = true;
        if (!open.empty() && open.back() == '{') table_key = false;
        break;
      case ',':
        if (!open.empty() && open.back() == '{') table_key = true;
        break;
      case '[':
      case '{':
        if (value_context) {
          open.push_back(c);
          table_key = c == '{';
        }
        break;
      case ']':
      case '}':
        if (!open.empty()) open.pop_back();
        table_key = false;
        break;
      default:
        break;
    }
    if (str == Str::kMultiBasic || str == Str::kMultiLiteral) {
      len = 3;
      col += 2;
    }
  }
  return true;
}

}  // namespace feedd::config
