// feedd's settings and their validation. Pure: no I/O, no logging. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace feedd::config {

struct Config {
  std::string input_dir = "articles";
  std::string output_dir;                          // `feedd render` writes here
  std::string base_url = "http://127.0.0.1:8080";  // normalized: no trailing slash
  std::string title = "feedd";
  std::string description;
  std::string language = "en";
  std::string author;                              // for articles that name none
  size_t limit = 50;                               // items per feed
  uint64_t max_article_bytes = 10 * 1024 * 1024;   // larger files are skipped
};

// Checks an absolute http(s) URL with a host and no query or fragment, and returns
// it without trailing slashes. On failure returns std::nullopt with *err set.
std::optional<std::string> NormalizeBaseUrl(std::string_view url, std::string* err);

// "10485760", "512K", "10M", "10MB", "10MiB", "1G" (binary multiples). Returns
// std::nullopt with *err set for anything else, zero, or an overflow.
std::optional<uint64_t> ParseByteSize(std::string_view text, std::string* err);

// A positive whole number no larger than `max`.
std::optional<uint64_t> ParseCount(std::string_view text, uint64_t max, std::string* err);

// A BCP 47 language tag of letters, digits and '-' ("en", "fa-IR").
bool IsLanguageTag(std::string_view text);

}  // namespace feedd::config
