// Hostile configuration files and settings (issue 9): every one ends in a clear
// error naming FILE:LINE:COLUMN, never in an assertion or undefined behaviour inside
// toml++ 3.3.0 (run these under -DFEEDD_SANITIZE=ON, which compiles toml++ from its
// headers with its assertions on), and no configured string that reaches a feed or
// a page can hold what XML cannot.
#include <gtest/gtest.h>

#include "config/config_file.h"
#include "config/text.h"
#include "config/toml_guard.h"
#include "tests/test_util.h"

namespace feedd::config {
namespace {

struct Case {
  std::string text;
  std::string error;  // after "FILE:"
};

std::string Load(const std::string& text) {
  Config c;
  std::string err;
  if (LoadConfigText(text, "f.toml", &c, &err)) return "ok";
  return err;
}

// Each reached an assertion (debug build) or TOML_UNREACHABLE / __builtin_assume
// (release) inside toml++ 3.3.0 before CheckTomlText refused it first.
const Case kTomlppFaults[] = {
    // parse_table_header() -> parse_key() on a character that cannot start a key.
    {"[[[a]]]", "1:3: expected a table name after '[[', saw '['"},
    {"[[[a]]]\n", "1:3: expected a table name after '[[', saw '['"},
    {"[[[", "1:3: expected a table name after '[[', saw '['"},
    {"[[[[a]]]]", "1:3: expected a table name after '[[', saw '['"},
    {"[[ [a] ]]", "1:4: expected a table name after '[[', saw '['"},
    {"[ [a] ]", "1:3: expected a table name after '[', saw '['"},
    {"x = 1\n[[[a]]]\n", "2:3: expected a table name after '[[', saw '['"},
    {"\xEF\xBB\xBF[[[a]]]", "1:3: expected a table name after '[[', saw '['"},
    {"  [[[a]]]", "1:5: expected a table name after '[[', saw '['"},
    {"[[=", "1:3: expected a table name after '[[', saw '='"},
    {"[=]", "1:2: expected a table name after '[', saw '='"},
    {"[[.a]]", "1:3: expected a table name after '[[', saw '.'"},
    {"[\n", "1:2: expected a table name after '[', saw U+000A"},
    {"[[#]]", "1:3: expected a table name after '[[', saw '#'"},
    {"[[ {a} ]]", "1:4: expected a table name after '[[', saw '{'"},
    {"[\xC3\xA9]", "1:2: expected a table name after '[', saw U+00E9"},
    {"[\xFF]", "1:2: expected a table name after '[', saw a byte that is not UTF-8"},
    // is_non_ascii_horizontal_whitespace() reaches TOML_UNREACHABLE for a
    // character after a value or key, outside strings.
    {"limit = 5\xC3\xA9", "1:10: U+00E9 outside a string or comment (TOML allows only ASCII there)"},
    {"limit = 5\xC3\xA9\n", "1:10: U+00E9 outside a string or comment (TOML allows only ASCII there)"},
    {"limit = 5.0\xC3\xA9", "1:12: U+00E9 outside a string or comment (TOML allows only ASCII there)"},
    {"limit = 0x5\xC3\xA9", "1:12: U+00E9 outside a string or comment (TOML allows only ASCII there)"},
    {"limit = 5e\xC3\xA9", "1:11: U+00E9 outside a string or comment (TOML allows only ASCII there)"},
    {"limit = 1_\xC3\xA9", "1:11: U+00E9 outside a string or comment (TOML allows only ASCII there)"},
    {"limit = inf\xC3\xA9", "1:12: U+00E9 outside a string or comment (TOML allows only ASCII there)"},
    {"limit = true\xC3\xA9", "1:13: U+00E9 outside a string or comment (TOML allows only ASCII there)"},
    {"limit = 1979-05-27\xC3\xA9", "1:19: U+00E9 outside a string or comment (TOML allows only ASCII there)"},
    {"limit = 07:32:00\xC3\xA9", "1:17: U+00E9 outside a string or comment (TOML allows only ASCII there)"},
    {"limit = [5\xC3\xA9]", "1:11: U+00E9 outside a string or comment (TOML allows only ASCII there)"},
    {"limit = {a=5\xC3\xA9}", "1:13: U+00E9 outside a string or comment (TOML allows only ASCII there)"},
    {"title = \"x\"\xC3\xA9", "1:12: U+00E9 outside a string or comment (TOML allows only ASCII there)"},
    {"title = 'x'\xC3\xA9", "1:12: U+00E9 outside a string or comment (TOML allows only ASCII there)"},
    {"title = \"\"\"x\"\"\"\xC2\xA7", "1:16: U+00A7 outside a string or comment (TOML allows only ASCII there)"},
    // Up to two quotes right before the closing ones belong to the string.
    {"title = \"\"\"x\"\"\"\"\"\xC2\xA7", "1:18: U+00A7 outside a string or comment (TOML allows only ASCII there)"},
    {"title = '''x'''''\xC2\xA7", "1:18: U+00A7 outside a string or comment (TOML allows only ASCII there)"},
    {"\xC3\xA9 = 1", "1:1: U+00E9 outside a string or comment (TOML allows only ASCII there)"},
    {"a\xC3\xA9 = 1", "1:2: U+00E9 outside a string or comment (TOML allows only ASCII there)"},
    {"[a\xC3\xA9]", "1:3: U+00E9 outside a string or comment (TOML allows only ASCII there)"},
    {"limit = 5 \xC3\xA9", "1:11: U+00E9 outside a string or comment (TOML allows only ASCII there)"},
    {"limit = 5\t\xD0\x96", "1:11: U+0416 outside a string or comment (TOML allows only ASCII there)"},
    {"limit = 5\xE3\x80\x81", "1:10: U+3001 outside a string or comment (TOML allows only ASCII there)"},
    {"limit = 5\xEF\xB9\x90", "1:10: U+FE50 outside a string or comment (TOML allows only ASCII there)"},
    {"limit = 5\xE3\x80\x80", "1:10: U+3000 outside a string or comment (TOML allows only ASCII there)"},
    {"a = [\n  1,\xC3\xA9\n]", "2:5: U+00E9 outside a string or comment (TOML allows only ASCII there)"},
    // The same in a multi-line basic string, after a (line-ending) backslash.
    {"title = \"\"\"\\\n\xC2\xA7\"\"\"",
     "2:1: a line continued with a backslash must go on with an ASCII character, not U+00A7 "
     "(toml++ 3.3 cannot read it): write it on the previous line"},
    {"title = \"\"\"a\\  \n\n   \xC3\xA9\"\"\"",
     "3:4: a line continued with a backslash must go on with an ASCII character, not U+00E9 "
     "(toml++ 3.3 cannot read it): write it on the previous line"},
    {"title = \"\"\"a\\\r\n\xC3\xA9\"\"\"",
     "2:1: a line continued with a backslash must go on with an ASCII character, not U+00E9 "
     "(toml++ 3.3 cannot read it): write it on the previous line"},
    {"title = \"\"\"a\\\xC3\xA9\"\"\"", "1:14: U+00E9 after a backslash is not an escape sequence"},
    // Found by tests/fuzz/config_fuzzer: toml++ reads a number up to a value
    // terminator, through quotes, and calls parse_value() on a '}' in a list.
    {"s =0es\"\xC2\xA7\"\n", "1:8: U+00A7 outside a string or comment (TOML allows only ASCII there)"},
    {"a = 1'\xC3\xA9'", "1:7: U+00E9 outside a string or comment (TOML allows only ASCII there)"},
    {"a = [1\"\xC3\xA9\"]", "1:8: U+00E9 outside a string or comment (TOML allows only ASCII there)"},
    {"s = [}", "1:6: expected a value or ']' in the list, saw '}'"},
    {"s = [1, }", "1:9: expected a value or ']' in the list, saw '}'"},
    {"s = [\n#c\n}", "3:1: expected a value or ']' in the list, saw '}'"},
    {"s = 1\v", "1:6: U+000B (a control character) outside a string"},
    {"s = [\f1]", "1:6: U+000C (a control character) outside a string"},
    {"s = 1\r", "1:6: U+000D (a control character) outside a string"},
    {"tt = [2--------s 2# flass\n", "1:18: expected a time like 07:32:00 after the date, saw '2'"},
    {"a = 2000-01-01 1\n", "1:16: expected a time like 07:32:00 after the date, saw '1'"},
    {"a = [2000-01-01 1,\"\xC3\xA9\"]", "1:17: expected a time like 07:32:00 after the date, saw '1'"},
    {"a = 2_000-01-01 1 ", "1:17: expected a time like 07:32:00 after the date, saw '1'"},
    // Bytes that are not UTF-8 (toml++ refuses them too, but after the faults above).
    {"limit = 5\x80", "1:10: not valid UTF-8"},
    {"limit = 5\xFF", "1:10: not valid UTF-8"},
    {"limit = 5\xC3", "1:10: not valid UTF-8"},
    {"title = \"\xC3\"", "1:10: not valid UTF-8"},
    {"title = \"\xED\xA0\x80\"", "1:10: not valid UTF-8"},
    {"title = \"\xC0\xAF\"", "1:10: not valid UTF-8"},
    {"# \xF4\x90\x80\x80\n", "1:3: not valid UTF-8"},
    // Still toml++'s own errors: the guard lets them through.
    {"title = \"x", "1:11: Error while parsing string: encountered end-of-file"},
    {"title = '''x", "1:13: Error while parsing literal string: encountered end-of-file"},
    {"[[a]", "1:5: Error while parsing table header: encountered end-of-file"},
    {"[]", "1:2: Error while parsing table header: tables with blank bare keys are explicitly prohibited"},
    {"[[]]", "1:3: Error while parsing table header: tables with blank bare keys are explicitly prohibited"},
    {"[a.[b]]", "1:4: Error while parsing key: expected bare key starting character or string "
                "delimiter, saw '['"},
    {"limit = 5\x01", "1:10: Error while parsing decimal integer: expected digit, saw '\\u0001'"},
};

TEST(HostileConfigTest, TomlppFaultsEndInAnErrorWithFileLineColumn) {
  for (const Case& c : kTomlppFaults) {
    EXPECT_EQ("f.toml:" + c.error, Load(c.text)) << ::testing::PrintToString(c.text);
  }
}

TEST(HostileConfigTest, ValidTomlWithNonAsciiTextStillLoads) {
  Config c;
  std::string err;
  ASSERT_TRUE(LoadConfigText("\xEF\xBB\xBF# Caf\xC3\xA9 \xC2\xA7 \xE3\x80\x81\n"
                             "title = \"Caf\xC3\xA9 \xC2\xA7\" # \xD0\x96\n"
                             "author = '\xE3\x80\x81 \xEF\xB9\x90'\n"
                             "description = \"\"\"\xC2\xA7\n\xC2\xA7 \\\n  x\xC3\xA9\"\"\"\n"
                             "[[feed]]\nprefix = \"/a\"\ninput = \"in\"\n"
                             "title = '''\n\xC3\xA9'''\n",
                             "f.toml", &c, &err))
      << err;
  EXPECT_EQ("Caf\xC3\xA9 \xC2\xA7", c.title);
  EXPECT_EQ("\xE3\x80\x81 \xEF\xB9\x90", c.author);
  EXPECT_EQ("\xC2\xA7\n\xC2\xA7 x\xC3\xA9", c.description);
  ASSERT_EQ(1u, c.feeds.size());
  EXPECT_EQ("\xC3\xA9", c.feeds[0].title);
}

TEST(HostileConfigTest, TheGuardPassesValidTomlOfEveryShape) {
  const char* valid[] = {
      "a = [{b = [1, \"\xC3\xA9\"], c = {d = '\xC3\xA9'}}, [\"\xC3\xA9\"]]\r\n",
      "a = [\n  [[1]], # \xC3\xA9\n  [\"\xC3\xA9\"],\n]\n[[b]]\n[c . \"\xC3\xA9\"]\n",
      "d = 1979-05-27 07:32:00Z\ne = \"\"\"\"\xC3\xA9\"\"\"\"\"\nf = '''\xC3\xA9''''\n",
      "g = \"a\\\"\xC3\xA9\"\nh = {}\ni = []\n",
      "j = 2000-01-01 07:32:00\nk = 2000-01-01\nl = [2000-01-01 07:32:00, 1]\n",
  };
  for (const char* text : valid) {
    size_t line = 0, column = 0;
    std::string why;
    EXPECT_TRUE(CheckTomlText(text, &line, &column, &why))
        << ::testing::PrintToString(text) << line << ":" << column << ": " << why;
  }
}

TEST(HostileConfigTest, TomlppFaultsFromAFile) {
  testing::TempDir dir;
  const std::string f = (dir.path() / "f.toml").string();
  for (const Case& c : kTomlppFaults) {
    testing::WriteFile(f, c.text);
    Config config;
    std::string err;
    EXPECT_FALSE(LoadConfigFile(f, &config, &err));
    EXPECT_EQ(f + ":" + c.error, err) << ::testing::PrintToString(c.text);
  }
}

TEST(HostileConfigTest, SettingTextRefusesWhatXmlCannotHold) {
  struct TextCase {
    std::string text;
    bool multi_line;
    const char* why;  // nullptr: accepted
  } cases[] = {
      {"Feed title", false, nullptr},
      {"Caf\xC3\xA9 \xE2\x80\x94 \xF0\x9F\x98\x80", false, nullptr},
      {"", false, nullptr},
      {"Feed \x01 title", false, "contains U+0001 (a control character)"},
      {std::string("a\0b", 3), false, "contains U+0000 (a control character)"},
      {"a\tb", false, "contains U+0009 (a control character)"},
      {"a\tb", true, nullptr},
      {"a\nb", false, "contains U+000A (a control character)"},
      {"a\nb", true, nullptr},
      {"a\rb", true, "contains U+000D (a control character)"},
      {"a\x1F", true, "contains U+001F (a control character)"},
      {"a\x7F", false, "contains U+007F (a control character)"},
      {"a\xC2\x80", false, "contains U+0080 (a control character)"},
      {"a\xC2\x85", true, "contains U+0085 (a control character)"},
      {"a\xC2\x9F", false, "contains U+009F (a control character)"},
      {"a\xC2\xA0", false, nullptr},
      {"a\xEF\xBF\xBE", false, "contains U+FFFE (not a character)"},
      {"a\xEF\xBF\xBF", false, "contains U+FFFF (not a character)"},
      {"a\xEF\xBF\xBD", false, nullptr},
      {"a\xED\xA0\x80", false, "contains a surrogate code point (U+D800 to U+DFFF), which is not a character"},
      {"a\xED\xBF\xBF", false, "contains a surrogate code point (U+D800 to U+DFFF), which is not a character"},
      {"ab\xFF", false, "is not valid UTF-8 (byte 3)"},
      {"a\xC3", false, "is not valid UTF-8 (byte 2)"},
      {"a\xC0\x80", false, "is not valid UTF-8 (byte 2)"},
      {"a\xE0\x80\x80", false, "is not valid UTF-8 (byte 2)"},
      {"a\xF4\x90\x80\x80", false, "is not valid UTF-8 (byte 2)"},
      {"a\x80", false, "is not valid UTF-8 (byte 2)"},
  };
  for (const TextCase& c : cases) {
    std::string why;
    EXPECT_EQ(c.why == nullptr, IsCleanSettingText(c.text, c.multi_line, &why))
        << ::testing::PrintToString(c.text);
    if (c.why) {
      EXPECT_EQ(c.why, why) << ::testing::PrintToString(c.text);
    }
  }
}

TEST(HostileConfigTest, ConfiguredStringsThatReachFeedsAreChecked) {
  const Case cases[] = {
      {"title = \"Feed \\u0001 title\"\n", "1:9: title: contains U+0001 (a control character)"},
      {"title = \"a\\tb\"\n", "1:9: title: contains U+0009 (a control character)"},
      {"title = \"a\\u0085\"\n", "1:9: title: contains U+0085 (a control character)"},
      {"title = \"a\\uFFFE\"\n", "1:9: title: contains U+FFFE (not a character)"},
      {"title = \"a\\uFFFF\"\n", "1:9: title: contains U+FFFF (not a character)"},
      {"title = \"a\\u007F\"\n", "1:9: title: contains U+007F (a control character)"},
      {"author = \"\\u001b[31m\"\n", "1:10: author: contains U+001B (a control character)"},
      {"description = \"\"\"a\nb\\u0000\"\"\"\n",
       "1:15: description: contains U+0000 (a control character)"},
      {"base_url = \"https://ex.org/\\u0085\"\n",
       "1:12: base_url: contains U+0085 (a control character)"},
      {"hub = \"http://hub.example/\\uFFFF\"\n", "1:7: hub: contains U+FFFF (not a character)"},
      {"language = \"en\\u0001\"\n", "1:12: language: contains U+0001 (a control character)"},
      {"[[feed]]\nprefix = \"/a\"\ninput = \"x\"\ntitle = \"\\u0002\"\n",
       "4:9: feed.title: contains U+0002 (a control character)"},
      {"[[feed]]\nprefix = \"/a\"\ninput = \"x\"\nauthor = \"\\u009F\"\n",
       "4:10: feed.author: contains U+009F (a control character)"},
      {"[[feed]]\nprefix = \"/a\"\ninput = \"x\"\ndescription = \"\\uFFFE\"\n",
       "4:15: feed.description: contains U+FFFE (not a character)"},
      {"[[feed]]\nprefix = \"/a\\u0001\"\ninput = \"x\"\n",
       "2:10: feed.prefix: contains U+0001 (a control character)"},
      {"[[feed]]\nprefix = \"/a\"\ninput = \"x\"\nbase_url = \"http://a/\\u0001\"\n",
       "4:12: feed.base_url: contains U+0001 (a control character)"},
      {"[[feed]]\nprefix = \"/a\"\ninput = \"x\"\nlanguage = \"e\\u0001\"\n",
       "4:12: feed.language: contains U+0001 (a control character)"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ("f.toml:" + c.error, Load(c.text)) << c.text;
  }
  // A tab and line feeds are fine in descriptions, and a feed's input folder may be
  // any bytes (it reaches no feed).
  Config c;
  std::string err;
  ASSERT_TRUE(LoadConfigText("description = \"a\\tb\\nc\"\n[[feed]]\nprefix = \"/a\"\n"
                             "input = \"x\\u0001\"\ndescription = \"\"\"\n\ta\nb\"\"\"\n",
                             "f.toml", &c, &err))
      << err;
  EXPECT_EQ("a\tb\nc", c.description);
  EXPECT_EQ("\ta\nb", c.feeds.at(0).description);
}

TEST(HostileConfigTest, CommandLineValuesAreCheckedTheSameWay) {
  const struct {
    const char* key;
    std::string value;
    const char* why;
  } cases[] = {
      {"title", "Feed \x01 title", "contains U+0001 (a control character)"},
      {"description", "a\x0B", "contains U+000B (a control character)"},
      {"author", "\xEF\xBF\xBE", "contains U+FFFE (not a character)"},
      {"language", "e\xC2\x80", "contains U+0080 (a control character)"},
      {"base_url", "http://a/\xFF", "is not valid UTF-8 (byte 10)"},
      {"hub", "http://a/\xED\xA0\x80",
       "contains a surrogate code point (U+D800 to U+DFFF), which is not a character"},
  };
  for (const auto& c : cases) {
    Config config;
    std::string why;
    EXPECT_FALSE(SetOption(c.key, c.value, &config, &why)) << c.key;
    EXPECT_EQ(c.why, why) << c.key;
  }
  Config config;
  std::string why;
  EXPECT_TRUE(SetOption("description", "a\tb\nc", &config, &why)) << why;
  EXPECT_TRUE(SetOption("title", "Caf\xC3\xA9", &config, &why)) << why;
}

}  // namespace
}  // namespace feedd::config
