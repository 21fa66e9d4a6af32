#include "config/config_file.h"

#include <toml++/toml.h>

#include "config/text.h"
#include "config/toml_guard.h"
#include "feed/slug.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace feedd::config {
namespace {

namespace fs = std::filesystem;

enum class Kind {
  kString, kInteger, kBool, kSize, kDuration, kStringList, kRangeList, kFolder, kOptionalFolder
};

struct KeySpec {
  const char* key;
  Kind kind;
};

// Every key the file may hold; the table of the README and feedd.example.toml.
constexpr KeySpec kKeys[] = {
    {"input", Kind::kFolder},
    {"listen", Kind::kStringList},
    {"base_url", Kind::kString},
    {"hub", Kind::kString},
    {"title", Kind::kString},
    {"description", Kind::kString},
    {"language", Kind::kString},
    {"author", Kind::kString},
    {"limit", Kind::kInteger},
    {"output_dir", Kind::kOptionalFolder},
    {"state_dir", Kind::kOptionalFolder},
    {"cache_max_age", Kind::kInteger},
    {"threads", Kind::kInteger},
    {"log_level", Kind::kString},
    {"watch", Kind::kString},
    {"poll_interval", Kind::kDuration},
    {"access_log", Kind::kBool},
    {"metrics_public", Kind::kBool},
    {"metrics_listen", Kind::kString},
    {"trusted_proxies", Kind::kRangeList},
    {"limits.max_article_size", Kind::kSize},
    {"limits.max_content_size", Kind::kSize},
    {"limits.max_feed_size", Kind::kSize},
    {"limits.max_connections", Kind::kInteger},
    {"limits.max_connections_per_client", Kind::kInteger},
    {"limits.header_timeout", Kind::kDuration},
    {"limits.idle_timeout", Kind::kDuration},
    {"limits.write_timeout", Kind::kDuration},
    {"limits.parse_timeout", Kind::kDuration},
};

const KeySpec* Find(const std::string& key) {
  for (const KeySpec& k : kKeys) {
    if (key == k.key) return &k;
  }
  return nullptr;
}

std::string TypeName(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number with a fraction";
    case toml::node_type::boolean: return "true or false";
    case toml::node_type::array: return "a list";
    case toml::node_type::table: return "a table";
    default: return "a date or time";
  }
}

class Loader {
 public:
  Loader(std::string path, Config* config) : path_(std::move(path)), config_(config) {
    base_ = fs::path(path_).parent_path();
  }

  bool Table(const toml::table& table, const std::string& prefix, std::string* err) {
    // [podcast] first: each [[feed]]'s own [feed.podcast] starts from it.
    if (prefix.empty()) {
      if (const toml::node* podcast = table.get("podcast")) {
        if (!Podcast(*podcast, "podcast", &config_->podcast, err)) return false;
      }
    }
    for (auto&& [k, node] : table) {
      const std::string key = prefix + std::string(k.str());
      if (prefix.empty() && key == "podcast") continue;
      if (node.is_table() && prefix.empty() && key == "limits") {
        if (!Table(*node.as_table(), key + ".", err)) return false;
        continue;
      }
      if (prefix.empty() && key == "feed") {
        if (!Feeds(node, err)) return false;
        continue;
      }
      const KeySpec* spec = Find(key);
      if (!spec) {
        *err = Where(k.source()) + "unknown key \"" + key + "\"";
        return false;
      }
      if (!Value(*spec, key, node, err)) return false;
    }
    return true;
  }

 private:
  // [[feed]] tables: prefix and input are required; the rest defaults to the
  // top-level settings.
  bool Feeds(const toml::node& node, std::string* err) {
    const toml::array* list = node.as_array();
    if (!list || !list->is_array_of_tables()) {
      *err = Where(node.source()) + "feed: expected [[feed]] tables";
      return false;
    }
    for (const toml::node& item : *list) {
      const toml::table& t = *item.as_table();
      FeedConfig f;
      bool has_prefix = false, has_input = false;
      for (auto&& [k, value_node] : t) {
        const toml::node& v = value_node;  // clang 14 cannot capture a structured binding
        const std::string key = "feed." + std::string(k.str());
        // Every string of a [[feed]] reaches its feeds or pages: refuse what XML cannot hold.
        // (input, a folder name, reaches none and may be any bytes).
        auto text = [&](std::string* out, bool multi_line = false, bool check = true) {
          if (!v.is_string()) return Expect(key, v, "a string", err);
          std::string why;
          if (check && !IsCleanSettingText(v.as_string()->get(), multi_line, &why)) {
            *err = Where(v.source()) + key + ": " + why;
            return false;
          }
          *out = v.as_string()->get();
          return true;
        };
        std::string value;
        if (key == "feed.prefix") {
          if (!text(&value)) return false;
          while (!value.empty() && value.back() == '/') value.pop_back();
          if (!value.empty() && (value.front() != '/' || value.find_first_of("?#% ") != std::string::npos)) {
            *err = Where(v.source()) + key + ": \"" + value + "\" is not a path like \"/blog\"";
            return false;
          }
          for (const FeedConfig& other : config_->feeds) {
            if (other.prefix == value) {
              *err = Where(v.source()) + key + ": \"" + value + "\" is used by another feed";
              return false;
            }
          }
          f.prefix = value;
          has_prefix = true;
        } else if (key == "feed.input") {
          if (!text(&value, false, /*check=*/false)) return false;
          if (!value.empty() && fs::path(value).is_relative()) value = (base_ / value).string();
          f.input_dir = value;
          has_input = !value.empty();
        } else if (key == "feed.base_url") {
          if (!text(&value)) return false;
          std::string why;
          std::optional<std::string> url = NormalizeBaseUrl(value, &why);
          if (!url) {
            *err = Where(v.source()) + key + ": " + why;
            return false;
          }
          f.base_url = *url;
          f.base_url_set = true;
        } else if (key == "feed.title") {
          if (!text(&f.title)) return false;
        } else if (key == "feed.description") {
          if (!text(&f.description, /*multi_line=*/true)) return false;
        } else if (key == "feed.author") {
          if (!text(&f.author)) return false;
        } else if (key == "feed.language") {
          if (!text(&value)) return false;
          if (!IsLanguageTag(value)) {
            *err = Where(v.source()) + key + ": \"" + value + "\" is not a language tag";
            return false;
          }
          f.language = value;
        } else if (key == "feed.podcast") {
          f.podcast = config_->podcast;
          if (!Podcast(v, key, &*f.podcast, err)) return false;
        } else if (key == "feed.limit") {
          if (!v.is_integer()) return Expect(key, v, "an integer", err);
          std::string why;
          std::optional<uint64_t> n = ParseCount(std::to_string(v.as_integer()->get()), 100000, &why);
          if (!n) {
            *err = Where(v.source()) + key + ": " + why;
            return false;
          }
          f.limit = static_cast<size_t>(*n);
        } else {
          *err = Where(k.source()) + "unknown key \"" + key + "\"";
          return false;
        }
      }
      if (!has_prefix || !has_input) {
        *err = Where(item.source()) + "feed: needs " + (has_prefix ? "input" : "prefix");
        return false;
      }
      if (!SharesNoStateFile(f.prefix, item.source(), err)) return false;
      feed_lines_[config_->feeds.size()] = item.source().begin.line;
      config_->feeds.push_back(std::move(f));
    }
    return true;
  }

  // A [podcast] table (`name` is "podcast" or "feed.podcast"): its presence turns the
  // podcast on, unless it says `enabled = false`. `category` may be one string or a
  // list of them.
  bool Podcast(const toml::node& node, const std::string& name, PodcastConfig* podcast,
               std::string* err) {
    const toml::table* t = node.as_table();
    if (!t) return Expect(name, node, "a table", err);
    PodcastConfig p = *podcast;
    p.enabled = true;
    bool categories_given = false;
    for (auto&& [k, value_node] : *t) {
      const toml::node& v = value_node;
      const std::string key(k.str());
      const std::string full = name + "." + key;
      auto set = [&](const toml::node& item, const std::string& text) {
        std::string why;
        if (!SetPodcastOption(key, text, &p, &why)) {
          *err = (why == "unknown key" ? Where(k.source()) + "unknown key \"" + full + "\""
                                       : Where(item.source()) + full + ": " + why);
          return false;
        }
        return true;
      };
      if (key == "enabled" || key == "explicit" || key == "locked") {
        if (!v.is_boolean()) return Expect(full, v, "true or false", err);
        if (!set(v, v.as_boolean()->get() ? "true" : "false")) return false;
      } else if (key == "category") {
        if (!categories_given) p.categories.clear();  // this table's list replaces [podcast]'s
        categories_given = true;
        if (v.is_string()) {
          if (!set(v, v.as_string()->get())) return false;
        } else if (const toml::array* list = v.as_array()) {
          for (const toml::node& item : *list) {
            if (!item.is_string()) return Expect(full, item, "a string", err);
            if (!set(item, item.as_string()->get())) return false;
          }
        } else {
          return Expect(full, v, "a string or a list of strings", err);
        }
      } else if (key == "image" || key == "owner_name" || key == "owner_email" || key == "type" ||
                 key == "author" || key == "guid") {
        if (!v.is_string()) return Expect(full, v, "a string", err);
        if (!set(v, v.as_string()->get())) return false;
      } else {
        *err = Where(k.source()) + "unknown key \"" + full + "\"";
        return false;
      }
    }
    *podcast = std::move(p);
    return true;
  }

  // A [[feed]] keeps its state in state-SLUG.db, SLUG = feed::Slugify(prefix) (see
  // daemon/daemon.cc; the root feed uses state.db): two prefixes with the same slug
  // ("/Blog", "/blog") would share one file and mix their ids and dates. False with
  // *err at the [[feed]] that comes second.
  bool SharesNoStateFile(const std::string& prefix, const toml::source_region& where,
                         std::string* err) const {
    if (prefix.empty()) return true;
    const std::string slug = feed::Slugify(prefix);
    for (size_t i = 0; i < config_->feeds.size(); ++i) {
      const std::string& other = config_->feeds[i].prefix;
      if (other.empty() || feed::Slugify(other) != slug) continue;
      const auto line = feed_lines_.find(i);
      *err = Where(where) + "feed.prefix: \"" + prefix + "\" and \"" + other + "\"" +
             (line == feed_lines_.end() ? "" : " (line " + std::to_string(line->second) + ")") +
             " would share the state file state-" + slug +
             ".db; make them differ in more than letter case and punctuation";
      return false;
    }
    return true;
  }

  std::string Where(const toml::source_region& r) const {
    return path_ + ":" + std::to_string(r.begin.line) + ":" + std::to_string(r.begin.column) + ": ";
  }

  bool Expect(const std::string& key, const toml::node& node, const std::string& what,
              std::string* err) const {
    *err = Where(node.source()) + key + ": expected " + what + ", got " + TypeName(node);
    return false;
  }

  bool Set(const std::string& key, const toml::node& node, const std::string& value,
           std::string* err) {
    std::string why;
    if (!SetOption(key, value, config_, &why)) {
      *err = Where(node.source()) + key + ": " + why;
      return false;
    }
    return true;
  }

  bool Value(const KeySpec& spec, const std::string& key, const toml::node& node,
             std::string* err) {
    switch (spec.kind) {
      case Kind::kString:
        if (!node.is_string()) return Expect(key, node, "a string", err);
        return Set(key, node, node.as_string()->get(), err);
      case Kind::kInteger:
        if (!node.is_integer()) return Expect(key, node, "an integer", err);
        return Set(key, node, IntegerText(*node.as_integer()), err);
      case Kind::kBool:
        if (!node.is_boolean()) return Expect(key, node, "true or false", err);
        return Set(key, node, node.as_boolean()->get() ? "true" : "false", err);
      case Kind::kSize:
        if (node.is_integer()) return Set(key, node, IntegerText(*node.as_integer()), err);
        if (!node.is_string()) return Expect(key, node, "a size like \"10M\" or a number of bytes", err);
        return Set(key, node, node.as_string()->get(), err);
      case Kind::kDuration:
        if (node.is_integer()) return Set(key, node, IntegerText(*node.as_integer()), err);
        if (!node.is_string()) return Expect(key, node, "a duration like \"10s\" or a number of seconds", err);
        return Set(key, node, node.as_string()->get(), err);
      case Kind::kStringList: {
        config_->listen.clear();  // the file's list replaces the default
        if (node.is_string()) return Set(key, node, node.as_string()->get(), err);
        if (!node.is_array()) return Expect(key, node, "a string or a list of strings", err);
        const toml::array& list = *node.as_array();
        if (list.empty()) {
          *err = Where(node.source()) + key + ": needs at least one address";
          return false;
        }
        for (const toml::node& item : list) {
          if (!item.is_string()) return Expect(key, item, "a string", err);
          if (!Set(key, item, item.as_string()->get(), err)) return false;
        }
        return true;
      }
      case Kind::kRangeList: {
        // A list (empty: trust nobody) or one string; each entry checked where it is.
        if (node.is_string()) return Set(key, node, node.as_string()->get(), err);
        if (!node.is_array()) return Expect(key, node, "a string or a list of strings", err);
        std::string all;
        for (const toml::node& item : *node.as_array()) {
          if (!item.is_string()) return Expect(key, item, "a string", err);
          const std::string& one = item.as_string()->get();
          std::string why;
          if (one.find_first_of(", \t") != std::string::npos || !config::ParseAddressRange(one, &why)) {
            *err = Where(item.source()) + key + ": " +
                   (why.empty() ? "\"" + one + "\" holds more than one address" : why);
            return false;
          }
          all += one + ",";
        }
        return Set(key, node, all, err);
      }
      case Kind::kFolder:
      case Kind::kOptionalFolder: {
        if (!node.is_string()) return Expect(key, node, "a folder name", err);
        std::string folder = node.as_string()->get();
        if (!folder.empty() && fs::path(folder).is_relative()) folder = (base_ / folder).string();
        if (spec.kind == Kind::kOptionalFolder && !folder.empty()) {
          std::error_code ec;
          if (!fs::is_directory(folder, ec)) {
            *err = Where(node.source()) + key + ": " + folder +
                   (fs::exists(folder, ec) ? " is not a folder" : " does not exist");
            return false;
          }
        }
        return Set(key, node, folder, err);
      }
    }
    return true;
  }

  static std::string IntegerText(const toml::value<int64_t>& v) {
    return std::to_string(v.get());
  }

  std::string path_;
  fs::path base_;
  Config* config_;
  std::map<size_t, uint32_t> feed_lines_;  // config_->feeds index -> its [[feed]]'s line
};

}  // namespace

bool LoadConfigText(std::string_view text, const std::string& path, Config* config,
                    std::string* err) {
  // toml++ 3.3.0 has inputs that reach undefined behaviour: CheckTomlText refuses
  // them first (config/toml_guard.h says which and why this way).
  size_t line = 0, column = 0;
  std::string why;
  if (!CheckTomlText(text, &line, &column, &why)) {
    *err = path + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + why;
    return false;
  }
  toml::table table;
  try {
    table = toml::parse(text, std::string(path));
  } catch (const toml::parse_error& e) {
    *err = path + ":" + std::to_string(e.source().begin.line) + ":" +
           std::to_string(e.source().begin.column) + ": " + std::string(e.description());
    return false;
  }
  return Loader(path, config).Table(table, "", err);
}

bool LoadConfigFile(const std::string& path, Config* config, std::string* err) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *err = path + ": cannot read: " + std::strerror(errno);
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return LoadConfigText(text.str(), path, config, err);
}

}  // namespace feedd::config
