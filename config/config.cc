#include "config/config.h"

#include <cctype>

namespace feedd::config {

std::optional<std::string> NormalizeBaseUrl(std::string_view url, std::string* err) {
  const size_t scheme_end = url.find("://");
  const std::string_view scheme = url.substr(0, scheme_end);
  if (scheme_end == std::string_view::npos || (scheme != "http" && scheme != "https")) {
    *err = "\"" + std::string(url) + "\" is not an http:// or https:// URL";
    return std::nullopt;
  }
  const std::string_view rest = url.substr(scheme_end + 3);
  const size_t host_end = rest.find('/');
  const std::string_view host = rest.substr(0, host_end);
  if (host.empty() || host.front() == ':') {
    *err = "\"" + std::string(url) + "\" has no host";
    return std::nullopt;
  }
  for (char c : url) {
    if (c == '?' || c == '#') {
      *err = "\"" + std::string(url) + "\" must not have a query or fragment";
      return std::nullopt;
    }
    if (static_cast<unsigned char>(c) <= ' ' || c == '"' || c == '<' || c == '>' || c == '\\' ||
        static_cast<unsigned char>(c) == 0x7F) {
      *err = "\"" + std::string(url) + "\" contains a character URLs cannot hold";
      return std::nullopt;
    }
  }
  std::string out(url);
  while (out.size() > scheme_end + 3 + host.size() && out.back() == '/') out.pop_back();
  return out;
}

std::optional<uint64_t> ParseByteSize(std::string_view text, std::string* err) {
  size_t i = 0;
  uint64_t value = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    if (value > (UINT64_MAX - 9) / 10) {
      *err = "\"" + std::string(text) + "\" is too large";
      return std::nullopt;
    }
    value = value * 10 + static_cast<uint64_t>(text[i++] - '0');
  }
  std::string unit(text.substr(i));
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  uint64_t scale = 0;
  if (unit.empty() || unit == "B") scale = 1;
  if (unit == "K" || unit == "KB" || unit == "KIB") scale = uint64_t{1} << 10;
  if (unit == "M" || unit == "MB" || unit == "MIB") scale = uint64_t{1} << 20;
  if (unit == "G" || unit == "GB" || unit == "GIB") scale = uint64_t{1} << 30;
  if (i == 0 || scale == 0 || value == 0) {
    *err = "\"" + std::string(text) + "\" is not a size (a positive number of bytes, or with K, M or G)";
    return std::nullopt;
  }
  if (value > UINT64_MAX / scale) {
    *err = "\"" + std::string(text) + "\" is too large";
    return std::nullopt;
  }
  return value * scale;
}

std::optional<uint64_t> ParseCount(std::string_view text, uint64_t max, std::string* err) {
  uint64_t value = 0;
  bool ok = !text.empty();
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c)) || value > max) {
      ok = false;
      break;
    }
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (!ok || value == 0 || value > max) {
    *err = "\"" + std::string(text) + "\" is not a whole number from 1 to " + std::to_string(max);
    return std::nullopt;
  }
  return value;
}

bool IsLanguageTag(std::string_view text) {
  if (text.empty() || text.size() > 35 || text.front() == '-' || text.back() == '-') return false;
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  }
  return true;
}

}  // namespace feedd::config
