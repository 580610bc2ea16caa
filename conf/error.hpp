// The one error type of configuration files (pgsteer.toml and the users file): where the
// problem is, which key it concerns and what is allowed instead.
#pragma once

#include <string>
#include <vector>

namespace pgsteer::conf {

struct ConfigError {
    std::string file;
    int line = 0;              // 1-based; 0 when the problem has no single place (e.g. no [[node]])
    int column = 0;
    std::string key;           // dotted, e.g. "pool.wait_timeout" or "node[2].port"; may be empty
    std::string message;

    // "file:line:col: key: message"; the position and the key are left out when unknown.
    std::string to_string() const;
};

// Every error on its own line, ready to print to stderr.
std::string to_string(const std::vector<ConfigError>& errors);

}  // namespace pgsteer::conf
