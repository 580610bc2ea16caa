// Printers so Boost.Test can show roles and states in failed checks.
#pragma once

#include "health/cluster_view.hpp"

#include <ostream>

namespace pgsteer::health {
inline std::ostream& operator<<(std::ostream& os, NodeState s) { return os << state_name(s); }
inline std::ostream& operator<<(std::ostream& os, Role r) { return os << role_name(r); }
}  // namespace pgsteer::health
