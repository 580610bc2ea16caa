// How routing values print in Boost.Test failure messages.
#pragma once

#include <ostream>

#include "routing/classification.hpp"
#include "routing/session_route.hpp"

namespace pgsteer::routing {

inline std::ostream& operator<<(std::ostream& os, Hint h) {
    constexpr const char* names[] = {"none", "primary", "standby", "automatic"};
    return os << "hint " << names[static_cast<int>(h)];
}

inline std::ostream& operator<<(std::ostream& os, Target t) {
    constexpr const char* names[] = {"primary", "standby", "same_as_transaction"};
    return os << names[static_cast<int>(t)];
}

}  // namespace pgsteer::routing
