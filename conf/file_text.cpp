// Reading a whole small file into memory with plain stdio, failing softly on every error.
#include "conf/file_text.hpp"

#include <cstdio>
#include <filesystem>
#include <memory>

namespace pgsteer::conf {

std::optional<std::string> read_text_file(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        return std::nullopt;
    }
    const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!file) {
        return std::nullopt;
    }
    std::string text;
    char buffer[4096];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) {
        text.append(buffer, n);
    }
    if (std::ferror(file.get())) {
        return std::nullopt;
    }
    return text;
}

}  // namespace pgsteer::conf
