#include "config/config.h"

#include <cctype>
#include <type_traits>

#include "config/text.h"
#include "feed/media.h"
#include "feed/podcast.h"
#include "feed/url.h"

namespace feedd::config {

std::optional<std::string> NormalizeBaseUrl(std::string_view url, std::string* err) {
  if (!IsCleanSettingText(url, /*multi_line=*/false, err)) return std::nullopt;
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

bool SetPodcastOption(std::string_view key, std::string_view value, PodcastConfig* podcast,
                      std::string* err) {
  auto quoted = [](std::string_view v) { return "\"" + std::string(v) + "\""; };
  auto flag = [&](bool* out) {
    if (value != "true" && value != "false") {
      *err = quoted(value) + " is not true or false";
      return false;
    }
    *out = value == "true";
    return true;
  };
  if (key == "enabled") return flag(&podcast->enabled);
  if (key == "explicit") return flag(&podcast->explicit_content);
  if (key == "locked") return flag(&podcast->locked);
  if (!IsCleanSettingText(value, /*multi_line=*/false, err)) return false;
  if (key == "image") {
    const bool url = value.starts_with("http://") || value.starts_with("https://");
    const std::optional<feed::MediaType> type = feed::MediaTypeOf(value);
    if (value.empty() || (!url && (!type || (type->mime != "image/jpeg" && type->mime != "image/png")))) {
      *err = quoted(value) + " is not a JPEG or PNG file in the input folder or an http(s) URL "
             "(Apple Podcasts takes JPEG and PNG cover art)";
      return false;
    }
    // A URL goes through the allow-list every URL in a feed passes (feed/url.h).
    const std::optional<std::string> path =
        url ? feed::SafeUrl(value, feed::UrlContext::kImage) : feed::ResolveRelativePath("", value);
    const size_t host = path ? path->find("://") : std::string::npos;
    if (!path || (url && (host == std::string::npos || host + 3 >= path->size() ||
                          (*path)[host + 3] == '/'))) {
      *err = quoted(value) + (url ? " is not a usable http(s) URL" : " is not a file inside the input folder");
      return false;
    }
    podcast->image = *path;
    return true;
  }
  if (key == "category") {
    // "Category" or "Category > Subcategory", as Apple spells them.
    std::string_view top = value, sub;
    if (const size_t gt = value.find('>'); gt != std::string_view::npos) {
      top = value.substr(0, gt);
      sub = value.substr(gt + 1);
    }
    auto trim = [](std::string_view v) {
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
      return v;
    };
    top = trim(top);
    sub = trim(sub);
    if (!feed::IsPodcastCategory(top, {})) {
      *err = quoted(top) + " is not one of Apple Podcasts' categories (\"Technology\", "
             "\"Society & Culture\", \"News\", ...)";
      return false;
    }
    if (value.find('>') != std::string_view::npos && !feed::IsPodcastCategory(top, sub)) {
      *err = quoted(sub) + " is not one of Apple Podcasts' subcategories of " + quoted(top);
      return false;
    }
    if (podcast->categories.size() >= 3) {
      *err = "at most three categories";
      return false;
    }
    podcast->categories.push_back(sub.empty() ? std::string(top) : std::string(top) + " > " + std::string(sub));
    return true;
  }
  if (key == "owner_email") {
    const size_t at = value.find('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == value.size() ||
        value.find_first_of(" <>\"") != std::string_view::npos) {
      *err = quoted(value) + " is not an email address";
      return false;
    }
    podcast->owner_email = value;
    return true;
  }
  if (key == "type") {
    if (value != "episodic" && value != "serial") {
      *err = quoted(value) + " is not episodic or serial";
      return false;
    }
    podcast->type = value;
    return true;
  }
  if (key == "guid") {
    if (!feed::IsUuid(value)) {
      *err = quoted(value) + " is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)";
      return false;
    }
    podcast->guid = value;
    for (char& c : podcast->guid) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return true;
  }
  if (key == "owner_name") {
    podcast->owner_name = value;
    return true;
  }
  if (key == "author") {
    podcast->author = value;
    return true;
  }
  *err = "unknown key";
  return false;
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

bool ParseListen(std::string_view text, std::string* host, uint16_t* port, std::string* err) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    *err = "\"" + std::string(text) + "\" is not ADDRESS:PORT";
    return false;
  }
  std::string_view h = text.substr(0, colon);
  if (h.front() == '[') {
    if (h.back() != ']') {
      *err = "\"" + std::string(text) + "\" is not ADDRESS:PORT";
      return false;
    }
    h = h.substr(1, h.size() - 2);
  }
  const std::string_view p = text.substr(colon + 1);
  uint32_t value = 0;
  bool ok = !p.empty() && p.size() <= 5;
  for (char c : p) {
    ok = ok && std::isdigit(static_cast<unsigned char>(c));
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (!ok || value > 65535 || h.empty()) {
    *err = "\"" + std::string(text) + "\" is not ADDRESS:PORT (port 0 to 65535)";
    return false;
  }
  *host = std::string(h);
  *port = static_cast<uint16_t>(value);
  return true;
}

std::optional<int> ParseDurationMs(std::string_view text, std::string* err) {
  size_t i = 0;
  uint64_t value = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) && value < 1000000000)
    value = value * 10 + static_cast<uint64_t>(text[i++] - '0');
  const std::string_view unit = text.substr(i);
  uint64_t scale = 0;
  if (unit.empty() || unit == "s") scale = 1000;
  if (unit == "ms") scale = 1;
  if (unit == "m") scale = 60000;
  if (i == 0 || scale == 0 || value == 0 || value * scale > 86400000) {
    *err = "\"" + std::string(text) + "\" is not a duration (like 10s, 500ms, 2m; at most a day)";
    return std::nullopt;
  }
  return static_cast<int>(value * scale);
}

bool IsLogLevel(std::string_view level) {
  for (std::string_view l : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    if (level == l) return true;
  }
  return false;
}

bool SetOption(std::string_view key, std::string_view value, Config* c, std::string* err) {
  const std::string v(value);
  auto fail = [&](std::string why) {
    *err = std::move(why);
    return false;
  };
  auto count = [&](uint64_t max, auto* out) {
    std::optional<uint64_t> n = ParseCount(value, max, err);
    if (!n) return false;
    *out = static_cast<std::remove_pointer_t<decltype(out)>>(*n);
    return true;
  };
  if (key == "input") {
    if (v.empty()) return fail("empty folder name");
    c->input_dir = v;
  } else if (key == "output_dir") {
    if (v.empty()) return fail("empty folder name");
    c->output_dir = v;
  } else if (key == "state_dir") {
    if (v.empty()) return fail("empty folder name");
    c->state_dir = v;
  } else if (key == "port_file") {
    if (v.empty()) return fail("empty file name");
    c->port_file = v;
  } else if (key == "base_url") {
    std::optional<std::string> url = NormalizeBaseUrl(value, err);
    if (!url) return false;
    c->base_url = *url;
    c->base_url_set = true;
  } else if (key == "hub") {
    if (value.substr(0, 8) == "https://")
      return fail("\"" + v + "\": only http:// hubs are supported (feedd has no TLS client)");
    std::optional<std::string> url = NormalizeBaseUrl(value, err);
    if (!url) return false;
    c->hub = v;
  } else if (key == "title") {
    if (!IsCleanSettingText(value, /*multi_line=*/false, err)) return false;
    c->title = v;
  } else if (key == "description") {
    if (!IsCleanSettingText(value, /*multi_line=*/true, err)) return false;
    c->description = v;
  } else if (key == "author") {
    if (!IsCleanSettingText(value, /*multi_line=*/false, err)) return false;
    c->author = v;
  } else if (key == "language") {
    if (!IsCleanSettingText(value, /*multi_line=*/false, err)) return false;
    if (!IsLanguageTag(value)) return fail("\"" + v + "\" is not a language tag");
    c->language = v;
  } else if (key == "log_level") {
    if (!IsLogLevel(value))
      return fail("\"" + v + "\" is not one of trace, debug, info, warn, error, critical, off");
    c->log_level = v;
  } else if (key == "watch") {
    if (value == "auto") c->watch = WatchMode::kAuto;
    else if (value == "inotify") c->watch = WatchMode::kInotify;
    else if (value == "poll") c->watch = WatchMode::kPoll;
    else return fail("\"" + v + "\" is not one of auto, inotify, poll");
  } else if (key == "poll_interval") {
    std::optional<int> ms = ParseDurationMs(value, err);
    if (!ms) return false;
    if (*ms < 100 || *ms > 3'600'000) return fail("\"" + v + "\" is not between 100ms and 1h");
    c->poll_interval_ms = *ms;
  } else if (key == "limit") {
    return count(100000, &c->limit);
  } else if (key == "threads") {
    return count(256, &c->threads);
  } else if (key == "cache_max_age") {
    if (value == "0") {
      c->cache_max_age = 0;
      return true;
    }
    return count(31536000, &c->cache_max_age);
  } else if (key == "listen") {
    ListenAddress a;
    if (!ParseListen(value, &a.host, &a.port, err)) return false;
    c->listen.push_back(a);
  } else if (key == "limits.max_article_size") {
    std::optional<uint64_t> n = ParseByteSize(value, err);
    if (!n) return false;
    c->max_article_bytes = *n;
  } else if (key == "limits.max_content_size" || key == "limits.max_feed_size") {
    std::optional<uint64_t> n = ParseByteSize(value, err);
    if (!n) return false;
    if (*n < 4096) return fail("\"" + v + "\" is too small (at least 4K)");
    (key == "limits.max_content_size" ? c->max_content_bytes : c->max_feed_bytes) = *n;
  } else if (key == "limits.max_connections") {
    return count(1000000, &c->max_connections);
  } else if (key == "limits.max_connections_per_client") {
    if (value == "0") {
      c->max_connections_per_client = 0;
      return true;
    }
    return count(1000000, &c->max_connections_per_client);
  } else if (key == "limits.header_timeout" || key == "limits.idle_timeout" ||
             key == "limits.write_timeout" || key == "limits.parse_timeout") {
    std::optional<int> ms = ParseDurationMs(value, err);
    if (!ms) return false;
    (key == "limits.header_timeout"  ? c->header_timeout_ms
     : key == "limits.idle_timeout"  ? c->idle_timeout_ms
     : key == "limits.write_timeout" ? c->write_timeout_ms
                                     : c->parse_timeout_ms) = *ms;
  } else if (key == "access_log" || key == "metrics_public") {
    if (value != "true" && value != "false") return fail("\"" + v + "\" is not true or false");
    (key == "access_log" ? c->access_log : c->metrics_public) = value == "true";
  } else if (key == "trusted_proxies") {
    std::vector<AddressRange> ranges;
    size_t at = 0;
    while (at < value.size()) {
      const size_t end = std::min(value.find_first_of(", \t", at), value.size());
      if (end > at) {
        std::optional<AddressRange> r = ParseAddressRange(value.substr(at, end - at), err);
        if (!r) return false;
        ranges.push_back(*r);
      }
      at = end + 1;
    }
    c->trusted_proxies = std::move(ranges);
  } else if (key == "metrics_listen") {
    ListenAddress a;
    if (!ParseListen(value, &a.host, &a.port, err)) return false;
    c->metrics_listen = a;
  } else {
    return fail("unknown key");
  }
  return true;
}

bool IsLanguageTag(std::string_view text) {
  if (text.empty() || text.size() > 35 || text.front() == '-' || text.back() == '-') return false;
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  }
  return true;
}

}  // namespace feedd::config
