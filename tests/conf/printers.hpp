// How Boost.Test prints conf values when an assertion fails.
#pragma once

#include "conf/describe.hpp"
#include "conf/diff.hpp"
#include "conf/userlist.hpp"
#include "conf/values.hpp"

#include <ostream>

namespace pgsteer::conf {

inline std::ostream& operator<<(std::ostream& out, const ConfigEntry& e) {
    return out << e.key << " = " << e.value << " (default " << e.default_value << (e.reloadable ? ", live)" : ", restart)");
}
inline std::ostream& operator<<(std::ostream& out, const ConfigChange& c) { return out << c.to_string(); }
inline std::ostream& operator<<(std::ostream& out, const UserEntry& e) {
    return out << e.user << "=" << e.secret << " (" << to_string(e.kind) << ")";
}
inline std::ostream& operator<<(std::ostream& out, const HostPort& a) { return out << a.host << " port " << a.port; }

}  // namespace pgsteer::conf
