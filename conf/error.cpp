// Formatting configuration errors the way compilers do, so editors can jump to them.
#include "conf/error.hpp"

#include <fmt/format.h>

namespace pgsteer::conf {

std::string ConfigError::to_string() const {
    std::string out = file;
    if (line > 0) {
        out += fmt::format(":{}:{}", line, column > 0 ? column : 1);
    }
    out += ": ";
    if (!key.empty()) {
        out += key;
        out += ": ";
    }
    out += message;
    return out;
}

std::string to_string(const std::vector<ConfigError>& errors) {
    std::string out;
    for (const ConfigError& e : errors) {
        out += e.to_string();
        out += '\n';
    }
    return out;
}

}  // namespace pgsteer::conf
