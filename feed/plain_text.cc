#include "feed/plain_text.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "feed/html.h"
#include "feed/media.h"
#include "feed/utf8.h"

namespace feedd::feed {
namespace {

// A block is a run of non-blank lines: a paragraph, a headline, a label.
struct Block {
  std::string text;    // lines joined
  int line = 0;        // 1-based line where it starts
  bool single_line = true;
  size_t words = 0;
  size_t chars = 0;
  bool has_digit = false;
};

// Scripts written without spaces between words, and how many characters make a
// word there on average: Han, kana and the like about two; Thai, Lao, Khmer and
// Myanmar about four. 0: words are separated by spaces.
int CharsPerWord(char32_t cp) {
  if ((cp >= 0x3040 && cp <= 0x30FF) ||   // Hiragana, Katakana
      (cp >= 0x3400 && cp <= 0x4DBF) ||   // CJK Extension A
      (cp >= 0x4E00 && cp <= 0x9FFF) ||   // CJK Unified Ideographs
      (cp >= 0xF900 && cp <= 0xFAFF) ||   // CJK Compatibility Ideographs
      (cp >= 0x31F0 && cp <= 0x31FF) ||   // Katakana extensions
      (cp >= 0xFF66 && cp <= 0xFF9F) ||   // halfwidth Katakana
      (cp >= 0x20000 && cp <= 0x3FFFF))   // CJK Extensions B and later
    return 2;
  if ((cp >= 0x0E00 && cp <= 0x0EFF) ||   // Thai, Lao
      (cp >= 0x1000 && cp <= 0x109F) ||   // Myanmar
      (cp >= 0x1780 && cp <= 0x17FF))     // Khmer
    return 4;
  return 0;
}

// Words, measured so that every threshold holds in any script: tokens between
// spaces, and in scripts written without spaces a word per CharsPerWord
// characters (rounded up per run).
size_t CountWords(std::string_view s) {
  size_t words = 0;
  bool in_word = false;
  size_t dense_run = 0;
  int per_word = 0;
  auto end_run = [&] {
    if (dense_run > 0) words += (dense_run + per_word - 1) / per_word;
    dense_run = 0;
  };
  for (size_t pos = 0; pos < s.size();) {
    const char32_t cp = DecodeUtf8(s, &pos);
    const int dense = CharsPerWord(cp);
    if (dense > 0) {
      if (dense != per_word) end_run();
      per_word = dense;
      ++dense_run;
      in_word = false;  // what follows starts a new token
      continue;
    }
    end_run();
    const bool space = IsSpace(cp) || cp == 0x3000;  // ideographic space
    // CJK punctuation (、。「」 and the like) separates, and is no word.
    const bool cjk_punct = (cp >= 0x3001 && cp <= 0x303F) || (cp >= 0xFF01 && cp <= 0xFF0F) ||
                           (cp >= 0xFF1A && cp <= 0xFF20);
    if (!space && !cjk_punct && !in_word) ++words;
    in_word = !space && !cjk_punct;
  }
  end_run();
  return words;
}

Block MakeBlock(std::string text, int line, bool single_line) {
  Block b;
  b.text = std::move(text);
  b.line = line;
  b.single_line = single_line;
  b.words = CountWords(b.text);
  b.chars = CountCodePoints(b.text);
  for (size_t pos = 0; pos < b.text.size();) {
    if (IsDigit(DecodeUtf8(b.text, &pos))) b.has_digit = true;
  }
  return b;
}

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// Groups lines into blocks at blank lines. Within a group, lines that look
// hard-wrapped (all but the last are long) are joined into one paragraph; short
// lines stay separate blocks, as scraped pages put one paragraph per line.
std::vector<Block> SplitBlocks(const std::vector<std::string_view>& lines, size_t first) {
  std::vector<Block> blocks;
  size_t i = first;
  while (i < lines.size()) {
    if (Trim(lines[i]).empty()) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < lines.size() && !Trim(lines[end]).empty()) ++end;
    bool wrapped = end - i > 1;
    for (size_t k = i; k + 1 < end && wrapped; ++k) wrapped = CountCodePoints(lines[k]) >= 50;
    if (wrapped) {
      std::string joined;
      for (size_t k = i; k < end; ++k) {
        if (!joined.empty()) joined.push_back(' ');
        joined += Trim(lines[k]);
      }
      blocks.push_back(MakeBlock(std::move(joined), static_cast<int>(i + 1), false));
    } else {
      for (size_t k = i; k < end; ++k)
        blocks.push_back(MakeBlock(std::string(Trim(lines[k])), static_cast<int>(k + 1), true));
    }
    i = end;
  }
  return blocks;
}

// A quoted sentence ends a sentence too: `."`, `.”`, `。」`.
bool EndsSentence(const Block& b) { return IsSentenceEnd(LastCodePointBeforeClosers(b.text)); }

bool EndsWithEllipsis(const Block& b) {
  return LastCodePoint(b.text) == U'\u2026' ||
         (b.text.size() >= 3 && b.text.compare(b.text.size() - 3, 3, "...") == 0);
}

// A headline: one line, not a paragraph (no final full stop, bounded length).
bool IsHeadlineLike(const Block& b) {
  const char32_t last = LastCodePointBeforeClosers(b.text);
  const bool full_stop = IsSentenceEnd(last) && last != U'?' && last != U'!' &&
                         last != U'\u061F' && last != U'\uFF1F' && last != U'\uFF01';
  return b.single_line && b.words <= 30 && b.chars <= 250 && !full_stop;
}

// A section label above a headline: a few words, no sentence.
bool IsKickerLike(const Block& b) {
  return b.single_line && b.words <= 4 && b.chars <= 40 && !EndsSentence(b) &&
         LastCodePoint(b.text) != U':';
}

// A section path: "Region / City", "News › World", "Home > Sport".
bool IsPathLike(const Block& b) {
  if (!b.single_line || b.words > 8 || b.chars > 80 || EndsSentence(b)) return false;
  for (std::string_view sep : {" / ", " \u203A ", " > ", " \u00BB ", " | "}) {
    if (b.text.find(sep) != std::string::npos) return true;
  }
  return false;
}

// A label line above a headline: a site's name, a section, a section path.
bool IsLabelLike(const Block& b) { return IsKickerLike(b) || IsPathLike(b); }

// A headline under labels: one line that is not a sentence, longer than the labels
// above it (a path is a label whatever its length); headlines may be long.
bool IsHeadlineUnder(const Block& h, const std::vector<Block>& b, size_t labels) {
  const char32_t last = LastCodePointBeforeClosers(h.text);
  const bool full_stop = IsSentenceEnd(last) && last != U'?' && last != U'!' &&
                         last != U'\u061F' && last != U'\uFF1F' && last != U'\uFF01';
  if (!h.single_line || full_stop || h.words > 40 || h.chars > 320) return false;
  for (size_t k = 0; k < labels; ++k) {
    if (!IsPathLike(b[k]) && b[k].words >= h.words) return false;
  }
  return true;
}

// How many label lines (0 to 2) stand above the headline: the fewest for which
// the next block is a headline and something follows it.
size_t CountLabelsAboveHeadline(const std::vector<Block>& b) {
  for (size_t labels = 1; labels <= 2; ++labels) {
    if (b.size() < labels + 2) break;
    bool all = true;
    for (size_t k = 0; k < labels && all; ++k) all = IsLabelLike(b[k]);
    if (!all) break;
    if (IsHeadlineUnder(b[labels], b, labels)) return labels;
  }
  return 0;
}

// The heading over a listing of other stories: one line of at most 8 words, not a
// sentence, not a label that introduces something (":").
bool IsListingHeading(const Block& b) {
  return b.single_line && b.words <= 8 && b.chars <= 80 && !EndsSentence(b) &&
         LastCodePoint(b.text) != U':';
}

// "2 mins ago", "13 hours ago", "۲ ساعت پیش", "May 3, 2024": short, with a number.
bool IsTimeLine(const Block& b) {
  return b.single_line && b.has_digit && b.words <= 5 && b.chars <= 32 && !EndsSentence(b);
}

// A person's name on a line of its own: a few words, no digits, no punctuation at the end.
bool IsNameLike(const Block& b) {
  const char32_t last = LastCodePoint(b.text);
  return b.single_line && b.words >= 1 && b.words <= 6 && b.chars <= 60 && !b.has_digit &&
         !IsSentenceEnd(last) && last != U':' && last != U',';
}

bool StartsWithName(const Block& bio, const Block& name) {
  if (bio.text.size() <= name.text.size() || bio.text.compare(0, name.text.size(), name.text) != 0)
    return false;
  size_t pos = name.text.size();
  const char32_t next = DecodeUtf8(bio.text, &pos);
  // Where words are not separated by spaces ("王小明是…", "山田太郎は…"), the name
  // ends where the line did.
  if (CharsPerWord(LastCodePoint(name.text)) > 0) return true;
  return IsSpace(next) || next == U',' || next == U'\'' || next == U'\u2019' || next == U'(' ||
         next == U'\u3001' || next == U'\uFF0C';
}

// Where the site's navigation tail starts (blocks.size() when none), and by which rule.
struct Navigation {
  size_t start;
  const char* why = "";
};

// The index where the site's navigation tail starts, or blocks.size() when none.
//
// Signal one, relative times: a listing of other articles repeats a group of a
// title, perhaps a teaser, and a short line with a number ("2 mins ago"), up to the
// end of the text. The first group's length is the distance between the first two
// time lines (or, with one, the titles and teasers just above it), and a short
// label just above the first group is the listing's heading.
// Signal two, link lists: after the last paragraph that ends a sentence, a short
// label followed by two or more headline-like lines.
Navigation FindNavigationStart(const std::vector<Block>& b, size_t begin) {
  const size_t n = b.size();
  // One pass from the end instead of one scan per time line (which was quadratic):
  // for each block, the next time line after it, whether every block after it is
  // short, and whether the time lines from it on recur at most four blocks apart.
  std::vector<size_t> next_time(n + 1, n);
  std::vector<bool> short_from(n + 1, true), gaps_ok(n + 1, true);
  size_t last_time_line = n;
  for (size_t k = n; k-- > 0;) {
    next_time[k] = k + 1 < n && IsTimeLine(b[k + 1]) ? k + 1 : next_time[k + 1];
    short_from[k] = short_from[k + 1] && b[k].words <= 60 && b[k].chars <= 400;
    if (IsTimeLine(b[k])) {
      if (last_time_line == n) last_time_line = k;
      gaps_ok[k] = next_time[k] == n || (next_time[k] - k <= 4 && gaps_ok[next_time[k]]);
    }
  }
  for (size_t t = begin; t < n; ++t) {
    if (!IsTimeLine(b[t])) continue;
    // Every following block is part of a listing: time lines recur at most four
    // blocks apart and the last is near the end; nothing is a long paragraph.
    const bool listing = short_from[t + 1] && gaps_ok[t];
    const size_t last_time = last_time_line;
    const size_t gap = next_time[t] < n ? next_time[t] - t : 0;
    if (!listing || n - 1 - last_time > 3) continue;
    size_t start = t;
    const size_t max_back = gap > 0 ? gap - 1 : 2;
    for (size_t steps = 0; steps < max_back && start > begin; ++steps) {
      const Block& prev = b[start - 1];
      if (EndsWithEllipsis(prev) || (IsHeadlineLike(prev) && gap > 0) ||
          (IsHeadlineLike(prev) && !IsKickerLike(prev))) {
        --start;
      } else {
        break;
      }
    }
    if (start == t) continue;  // a number alone, with no titles above it, is not a listing
    // Its heading: a short label, which may name the site ("More from The Harbour
    // Courier"), in any language: one line, no sentence.
    if (start > begin && IsListingHeading(b[start - 1])) --start;
    return {start, "a listing of titles with relative times to the end of the text"};
  }
  // Link lists with no times.
  size_t last_sentence = n;
  for (size_t k = n; k > begin; --k) {
    if (!IsHeadlineLike(b[k - 1])) {
      last_sentence = k - 1;
      break;
    }
  }
  // Lines that mostly hold a number or a "key: value" are the article's own list
  // ("Key dates", "1994: the bridge opens"), not titles of other stories.
  size_t data_lines = 0;
  for (size_t k = last_sentence + 2; k < n && last_sentence != n; ++k) {
    const std::string_view t = b[k].text;
    const size_t colon = t.find(':');
    data_lines += b[k].has_digit || (colon != std::string_view::npos && colon + 1 < t.size());
  }
  const bool data_list = last_sentence != n && data_lines * 2 > n - last_sentence - 2;
  if (last_sentence != n && n - last_sentence - 1 >= 3 && EndsSentence(b[last_sentence]) &&
      IsKickerLike(b[last_sentence + 1]) && !data_list) {
    return {last_sentence + 1,
            "a short heading over three or more headline-like lines after the last sentence"};
  }
  // Signal three, a link list after the byline. In scripts that end sentences with no
  // mark (Thai, Lao), prose lines look like headlines, so the last sentence is not
  // found. A byline (a name-like line, then a bio that starts with that name) followed
  // by a short heading and two or more headline-like lines to the end marks the list
  // as well. The headline-like lines at the end start at `tail`; a paragraph stands
  // above the byline; only the first candidate is weighed, which keeps this linear.
  const size_t tail = last_sentence == n ? begin : last_sentence + 1;
  for (size_t h = std::max(begin + 3, tail > 0 ? tail - 1 : 0); h + 3 <= n; ++h) {
    if (!IsKickerLike(b[h]) || !IsNameLike(b[h - 2]) || !StartsWithName(b[h - 1], b[h - 2]))
      continue;
    size_t data = 0;
    for (size_t k = h + 1; k < n; ++k) {
      const std::string_view t = b[k].text;
      const size_t colon = t.find(':');
      data += b[k].has_digit || (colon != std::string_view::npos && colon + 1 < t.size());
    }
    if (data * 2 > n - h - 1) break;  // the article's own list, as above
    return {h, "a short heading over two or more headline-like lines after the byline and bio"};
  }
  return {n};
}

// Byline: a name-like line followed by a bio, a paragraph that starts with that
// name, at the end of the article (before the site's navigation): the bio is the
// last block, or one short line (a handle, an address) follows it. A name and a
// paragraph about that person earlier on are the article's own (a profile's
// subject), not its byline. Returns the name's index or npos.
size_t FindByline(const std::vector<Block>& b, size_t begin, size_t end) {
  for (size_t tail = 0; tail <= 1; ++tail) {
    if (end < begin + 2 + tail) break;
    if (tail == 1 && (!b[end - 1].single_line || b[end - 1].words > 8)) break;
    const size_t i = end - 2 - tail;
    if (IsNameLike(b[i]) && StartsWithName(b[i + 1], b[i])) return i;
  }
  return std::string::npos;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> SplitList(std::string_view value) {
  std::vector<std::string> items;
  std::unordered_set<std::string_view> seen;  // linear, not quadratic
  size_t start = 0;
  while (start <= value.size()) {
    size_t end = value.find(',', start);
    if (end == std::string_view::npos) end = value.size();
    std::string_view item = Trim(value.substr(start, end - start));
    if (!item.empty() && seen.insert(item).second) items.emplace_back(item);
    start = end + 1;
  }
  return items;
}

// Reads a leading "Key: Value" block. Every line of the first block must be a known
// key, or the block is text (a first paragraph may well start with "Note: ").
// Returns the index of the first line after the header, or nullopt.
std::optional<size_t> ReadHeader(const std::vector<std::string_view>& lines, ParsedFields* f) {
  static constexpr std::string_view kKeys[] = {
      "title",    "author",  "date",   "category",     "tags",     "summary", "id", "language",
      "image",    "enclosure", "duration", "episode", "season", "episode_type", "explicit"};
  size_t i = 0;
  while (i < lines.size() && Trim(lines[i]).empty()) ++i;
  const size_t first = i;
  struct Entry {
    std::string key;
    std::string_view value;
    int line;
  };
  std::vector<Entry> entries;
  for (; i < lines.size() && !Trim(lines[i]).empty(); ++i) {
    const size_t colon = lines[i].find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::string key = Lower(Trim(lines[i].substr(0, colon)));
    if (key == "tag" || key == "keywords") key = "tags";
    if (key == "lang") key = "language";
    if (key == "episode type" || key == "episode-type") key = "episode_type";
    if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) return std::nullopt;
    const std::string_view value = Trim(lines[i].substr(colon + 1));
    // "Image: Reuters" is a credit line, not a header: a media key names a media file.
    if ((key == "image" || key == "enclosure") &&
        !MediaTypeOf(value.substr(0, value.find_first_of("?#"))))
      return std::nullopt;
    entries.push_back({std::move(key), value, static_cast<int>(i + 1)});
  }
  if (entries.empty() || i == first) return std::nullopt;
  for (const Entry& e : entries) {
    const std::string value(e.value);
    if (e.key == "title") f->title = value;
    if (e.key == "author") f->author = value;
    if (e.key == "category") f->category = value;
    if (e.key == "summary") f->summary = value;
    if (e.key == "id") f->id = value;
    if (e.key == "language") f->language = value;
    if (e.key == "tags") f->tags = SplitList(e.value);
    if (e.key == "image") f->image = value;
    if (e.key == "enclosure") f->enclosure = value;
    if (e.key == "duration") f->duration = value;
    if (e.key == "episode") f->episode = value;
    if (e.key == "season") f->season = value;
    if (e.key == "episode_type") f->episode_type = value;
    if (e.key == "explicit") f->explicit_content = value;
    if (e.key == "date") {
      f->date = value;
      f->date_line = e.line;
    }
  }
  return i;
}

}  // namespace

ParsedFields ParsePlainText(std::string_view text, uint64_t max_content_bytes) {
  ParsedFields f;
  const std::vector<std::string_view> lines = SplitLines(text);
  const size_t body_line = ReadHeader(lines, &f).value_or(0);
  const std::vector<Block> blocks = SplitBlocks(lines, body_line);

  size_t begin = 0;
  if (f.title.empty() && !blocks.empty()) {
    // Up to two label lines may stand above the headline: the site's name, a
    // section, a section path ("Region / City"). The one nearest the headline is
    // the section.
    const size_t labels = f.category.empty() ? CountLabelsAboveHeadline(blocks) : 0;
    if (labels > 0) {
      f.category = blocks[labels - 1].text;
      begin = labels;
    }
    const Block& head = blocks[begin];
    if (labels > 0 || IsHeadlineLike(head) || head.chars <= 120) {  // under labels: the headline
      f.title = head.text;
      ++begin;
    } else {
      // No headline: the opening paragraph stays in the body and lends its start.
      f.title = Summarize(head.text, 100);
    }
  }

  const Navigation nav = FindNavigationStart(blocks, begin);
  size_t end = nav.start;
  const size_t byline = FindByline(blocks, begin, end);
  if (byline != std::string::npos) {
    if (f.author.empty()) f.author = blocks[byline].text;
    f.author_bio = blocks[byline + 1].text;
    f.cuts.push_back({"byline and bio",
                      "a name-like line followed by a paragraph that starts with that name",
                      Summarize(blocks[byline].text, 80), end - byline});
    end = byline;
  }
  if (nav.start < blocks.size()) {
    f.cuts.push_back({"site navigation", nav.why, Summarize(blocks[nav.start].text, 80),
                      blocks.size() - nav.start});
  }

  std::vector<std::string> paragraphs;
  for (size_t k = begin; k < end; ++k) paragraphs.push_back(blocks[k].text);
  f.content_html = ParagraphsToHtml(paragraphs, max_content_bytes, &f.content_cut);
  return f;
}

}  // namespace feedd::feed
