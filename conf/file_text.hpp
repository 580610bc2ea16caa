// Reading a whole small file (config, users file, TLS PEM) into memory.
#pragma once

#include <optional>
#include <string>

namespace pgsteer::conf {

// The file's bytes, or nothing when it is missing, not a regular file or not readable.
std::optional<std::string> read_text_file(const std::string& path);

}  // namespace pgsteer::conf
