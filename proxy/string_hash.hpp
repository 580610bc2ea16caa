// A transparent string hash: maps keyed by std::string looked up with a std::string_view.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

namespace pgsteer::proxy {

struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace pgsteer::proxy
