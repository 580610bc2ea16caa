// One Snapshot with something in every part, shared by the render and metrics tests: a
// primary, a lagging standby, a stalled cascade, a fenced old primary; pools and stats split
// over two workers; a database name that needs escaping.
#pragma once

#include "admin/snapshot.hpp"

namespace pgsteer::admin::test {

inline constexpr std::string_view odd_database = "we\"ird\\db\nx";

Snapshot sample_snapshot();

}  // namespace pgsteer::admin::test
