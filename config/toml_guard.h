// A lexical check of feedd.toml before toml++ reads it. Pure. Thread-safe.
//
// Why: Debian 12's toml++ 3.3.0 (libtomlplusplus3, compiled with NDEBUG) has inputs
// that reach undefined behaviour instead of a parse error:
//  - its "is this whitespace?" test, is_non_ascii_horizontal_whitespace(), ends in
//    TOML_UNREACHABLE (__builtin_unreachable) for most code points in U+00A1 to
//    U+049A, U+2CEE to U+30E7 and U+FB06 to U+FEFE. The parser asks it of every
//    character that follows a value or a key outside strings (`limit = 5é`), of the
//    character after a backslash in a multi-line basic string, and of the first
//    one after a line-ending backslash (upstream issues 190 and 295);
//  - parse_table_header() calls parse_key() on a character that cannot start a key
//    (`[[[a]]]`, `[[=`), whose precondition is an assertion in a debug build and an
//    assumption (__builtin_assume) in a clang release build (upstream PR 301).
// The faults are in the shared library's compiled code: defining TOML_ASSERT in our
// build cannot reach them, toml++ #undefs TOML_ASSERT under NDEBUG even header-only,
// and TOML_UNREACHABLE sits in noexcept functions, where a throwing definition would
// call std::terminate. Debian 12 has no other maintained C++ TOML parser (cpptoml
// knows TOML 0.5 only). So feedd refuses those inputs itself, before toml++ sees
// them, with rules that valid TOML 1.0 always passes but the one narrow case noted:
//  1. the file is valid UTF-8 (a BOM is allowed at the start);
//  2. characters beyond ASCII only inside strings and comments (TOML 1.0's grammar
//     allows them nowhere else);
//  3. in a multi-line basic string ("""..."""), the character after a backslash is
//     ASCII, and so is the first one that is not whitespace after a line-ending
//     backslash (this refuses valid TOML: a continued line that starts with, say,
//     "é"; the error says how to write it instead);
//  4. a table header's `[` or `[[` is followed by a key: a letter, digit, `_`, `-`
//     or a quote (after spaces), or `]` (which toml++ reports itself);
//  5. no `}` where a list expects a value (`a = [}`: parse_value()'s precondition),
//     and no vertical tab, form feed or lone CR outside strings and comments;
//  6. no "YYYY-MM-DD D" followed by a terminator (parse_value() then scans on
//     past the terminator: its precondition, and in a release build a read of the
//     next characters as if they were part of the value).
// A value that is no string, list or table (a number, a date, a mistake) counts up
// to the next value terminator, quotes and all, as toml++ reads it: in `a = 0"é"`
// the é is outside any string.
// The fuzz target tests/fuzz/config_fuzzer.cc builds toml++ from its headers with
// its assertions on under ASan and UBSan, so a fault these rules miss is a crash
// there.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace feedd::config {

// Returns true when toml++ may read `text`. Otherwise returns false with *line and
// *column (1-based; the column counts characters, as toml++'s do) at the offending
// character and *why set to what is wrong.
bool CheckTomlText(std::string_view text, size_t* line, size_t* column, std::string* why);

}  // namespace feedd::config
