// The read/write classifier: a query string (one Query message, or the SQL of one Parse) to the
// Classification that routing decides on. Pure and allocation-free for ordinary statements.
#pragma once

#include <string_view>

#include "routing/classification.hpp"
#include "routing/functions.hpp"

namespace pgsteer::routing {

// Only what is proven read-only comes back as Kind::read; anything the lexer cannot prove is a
// write. A string of several statements is a write when any of them writes, and a
// transaction_begin when it leaves a transaction open. Callers cache the result per prepared
// statement, not per execution.
Classification classify(std::string_view sql, const FunctionPolicy& functions);

}  // namespace pgsteer::routing
