// Prometheus text exposition (format 0.0.4) of a Snapshot: nodes, pools, per-database totals,
// routing decisions, failovers. Pure; the metrics server calls it for every scrape.
#pragma once

#include "admin/command.hpp"
#include "admin/snapshot.hpp"

#include <string>
#include <string_view>

namespace pgsteer::admin {

// What render_metrics reads: the proxy gathers only these parts for a scrape.
inline constexpr Needs metrics_needs{.view = true, .node_counters = true, .pools = true,
                                     .stats = true, .lists = true, .routing = true};

std::string render_metrics(const Snapshot& snapshot);

// A label value with \, " and newline escaped as the format requires.
std::string escape_label_value(std::string_view value);
// A sample value: shortest round-trip digits, "NaN", "+Inf", "-Inf".
std::string format_sample_value(double value);

}  // namespace pgsteer::admin
