// feedd.toml: reading the configuration file. Pure apart from reading the file and
// checking that the folders it names exist. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "config/config.h"

namespace feedd::config {

// Reads the TOML file at `path` on top of *config (keys it does not set keep their
// values). Relative folder names are taken relative to the file's own folder.
// On a mistake returns false with *err set to "FILE:LINE:COLUMN: key: what is wrong"
// (or "FILE:LINE:COLUMN: what is wrong" for TOML syntax, "FILE: what is wrong" when
// the file cannot be read), leaving *config partly updated.
bool LoadConfigFile(const std::string& path, Config* config, std::string* err);

// The same for a file's bytes already read; `path` names it in errors and is the
// base of relative folder names. Never reads `path` itself (folders it names are
// still checked). Used by LoadConfigFile and by the fuzz target.
bool LoadConfigText(std::string_view text, const std::string& path, Config* config,
                    std::string* err);

}  // namespace feedd::config
