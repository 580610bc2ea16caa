// The unit of client input that one routing decision covers (one Query, or an extended-protocol
// batch up to its Sync) and what it asks of routing. Pure over the buffered bytes, so the node is
// chosen before any byte of the unit is sent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

#include "routing/classification.hpp"
#include "routing/functions.hpp"

namespace pgsteer::proxy {

struct UnitScan {
    enum class Status : std::uint8_t { need_more, ready } status = Status::need_more;
    std::size_t need = 0;                     // need_more: bytes to hold from the unit's start
    routing::Classification classification;   // ready: of the unit as a whole
    std::size_t query_size = 0;               // ready, a lone Query: its wire size (for swallowing)
};

// The cached classification of a client's named statement; nullptr when unknown.
using StatementClass = std::function<const routing::Classification*(std::string_view name)>;

// Looks at the buffered input from the start of a unit. A Query is classified; a batch combines
// the classifications of its Parses and of the statements its Binds execute (pins over writes over
// session SETs over transaction control over reads), with `unnamed` standing for the unnamed
// statement a Bind uses before any Parse of it in the batch. A batch without its Sync in `limit`
// bytes, one cut by a Flush, a FunctionCall or anything unexpected is a write: only what is proven
// read-only leaves the primary.
// `parse_class`, when given, classifies a Parse's SQL instead of routing::classify (the worker's
// cache: drivers send the same parameterized SQL again and again).
using ParseClass = std::function<const routing::Classification&(std::string_view sql)>;
UnitScan scan_unit(std::span<const std::uint8_t> input, const StatementClass& named,
                   const routing::Classification* unnamed, const routing::FunctionPolicy& functions,
                   std::size_t limit, const ParseClass& parse_class = {});

// The stronger of two classifications for one unit (see scan_unit); sets are kept from both.
routing::Classification combine(routing::Classification a, const routing::Classification& b);

// Whether `sql` (classified as c) drops the server's prepared statements: DISCARD ALL,
// DISCARD PLANS, DEALLOCATE [PREPARE] ALL.
bool drops_prepared_statements(const routing::Classification& c, std::string_view sql);

}  // namespace pgsteer::proxy
