#include "feed/podcast.h"

#include <array>
#include <cstdint>
#include <cstring>

namespace feedd::feed {
namespace {

struct Category {
  std::string_view name;
  std::initializer_list<std::string_view> subcategories;
};

// Apple Podcasts' categories and subcategories (the list in effect since 2019).
const Category kCategories[] = {
    {"Arts", {"Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"}},
    {"Business",
     {"Careers", "Entrepreneurship", "Investing", "Management", "Marketing", "Non-Profit"}},
    {"Comedy", {"Comedy Interviews", "Improv", "Stand-Up"}},
    {"Education", {"Courses", "How To", "Language Learning", "Self-Improvement"}},
    {"Fiction", {"Comedy Fiction", "Drama", "Science Fiction"}},
    {"Government", {}},
    {"History", {}},
    {"Health & Fitness",
     {"Alternative Health", "Fitness", "Medicine", "Mental Health", "Nutrition", "Sexuality"}},
    {"Kids & Family", {"Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"}},
    {"Leisure",
     {"Animation & Manga", "Automotive", "Aviation", "Crafts", "Games", "Hobbies",
      "Home & Garden", "Video Games"}},
    {"Music", {"Music Commentary", "Music History", "Music Interviews"}},
    {"News",
     {"Business News", "Daily News", "Entertainment News", "News Commentary", "Politics",
      "Sports News", "Tech News"}},
    {"Religion & Spirituality",
     {"Buddhism", "Christianity", "Hinduism", "Islam", "Judaism", "Religion", "Spirituality"}},
    {"Science",
     {"Astronomy", "Chemistry", "Earth Sciences", "Life Sciences", "Mathematics",
      "Natural Sciences", "Nature", "Physics", "Social Sciences"}},
    {"Society & Culture",
     {"Documentary", "Personal Journals", "Philosophy", "Places & Travel", "Relationships"}},
    {"Sports",
     {"Baseball", "Basketball", "Cricket", "Fantasy Sports", "Football", "Golf", "Hockey",
      "Rugby", "Running", "Soccer", "Swimming", "Tennis", "Volleyball", "Wilderness",
      "Wrestling"}},
    {"Technology", {}},
    {"True Crime", {}},
    {"TV & Film", {"After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"}},
};

uint32_t Rotl(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

constexpr std::array<uint8_t, 16> kPodcastNamespace = {0xea, 0xd4, 0xc2, 0x36, 0xbf, 0x58,
                                                       0x58, 0xc6, 0xa2, 0xc6, 0xa6, 0xb2,
                                                       0x8d, 0x12, 0x8c, 0xb6};

}  // namespace

bool IsPodcastCategory(std::string_view category, std::string_view subcategory) {
  for (const Category& c : kCategories) {
    if (c.name != category) continue;
    if (subcategory.empty()) return true;
    for (std::string_view s : c.subcategories)
      if (s == subcategory) return true;
    return false;
  }
  return false;
}

std::string Sha1(std::string_view data) {
  uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  std::string msg(data);
  const uint64_t bits = uint64_t{data.size()} * 8;
  msg.push_back(static_cast<char>(0x80));
  while (msg.size() % 64 != 56) msg.push_back('\0');
  for (int i = 7; i >= 0; --i) msg.push_back(static_cast<char>((bits >> (8 * i)) & 0xFF));
  for (size_t block = 0; block < msg.size(); block += 64) {
    uint32_t w[80];
    for (int i = 0; i < 16; ++i) {
      const auto* p = reinterpret_cast<const unsigned char*>(msg.data() + block + 4 * i);
      w[i] = uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
    }
    for (int i = 16; i < 80; ++i) w[i] = Rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; ++i) {
      uint32_t f, k;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5A827999;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ED9EBA1;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8F1BBCDC;
      } else {
        f = b ^ c ^ d;
        k = 0xCA62C1D6;
      }
      const uint32_t t = Rotl(a, 5) + f + e + k + w[i];
      e = d;
      d = c;
      c = Rotl(b, 30);
      b = a;
      a = t;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
  }
  std::string out(20, '\0');
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 4; ++j) out[4 * i + j] = static_cast<char>((h[i] >> (24 - 8 * j)) & 0xFF);
  return out;
}

std::string PodcastGuid(std::string_view feed_url) {
  std::string_view name = feed_url;
  if (const size_t scheme = name.find("://"); scheme != std::string_view::npos)
    name.remove_prefix(scheme + 3);
  while (!name.empty() && name.back() == '/') name.remove_suffix(1);
  std::string input(kPodcastNamespace.begin(), kPodcastNamespace.end());
  input.append(name);
  std::string hash = Sha1(input);
  hash[6] = static_cast<char>((hash[6] & 0x0F) | 0x50);  // version 5
  hash[8] = static_cast<char>((hash[8] & 0x3F) | 0x80);  // the RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[(hash[i] >> 4) & 0xF]);
    out.push_back(kHex[hash[i] & 0xF]);
  }
  return out;
}

bool IsUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!std::strchr("0123456789abcdefABCDEF", c) || c == '\0') {
      return false;
    }
  }
  return true;
}

}  // namespace feedd::feed
