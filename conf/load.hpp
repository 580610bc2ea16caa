// Reading pgsteer.toml: TOML (toml++) into a validated, immutable Config, or every error found,
// each naming the file, the line, the key and what is allowed.
#pragma once

#include "conf/config.hpp"
#include "conf/error.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pgsteer::conf {

struct LoadResult {
    std::shared_ptr<const Config> config;   // null unless ok()
    std::vector<ConfigError> errors;        // all of them, in file order where they have one

    bool ok() const { return errors.empty() && config != nullptr; }
};

// Loads the file at `path`. Relative paths inside it (auth.users_file, tls.cert, tls.key) are
// resolved against the file's directory; the users file is read into Config::auth.users.
LoadResult load_file(const std::string& path);

// Loads TOML text as if it were the file `source_name`: errors name it, and relative paths are
// resolved against its directory (the current directory when it has none).
LoadResult load_string(std::string_view toml, std::string_view source_name);

}  // namespace pgsteer::conf
