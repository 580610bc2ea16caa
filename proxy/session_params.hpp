// Session parameters as differences from a pool's defaults: what a client asked for (startup
// parameters, SET, reported ParameterStatus) and what a server connection currently has. The SQL
// that brings a server connection to a client's values is a pure function of the two.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgsteer::proxy {

// The ParameterStatus values a fresh server connection reports, in the server's spelling.
using ParamDefaults = std::vector<std::pair<std::string, std::string>>;

struct ParamValue {
    std::string name;    // lower case
    std::string value;
    bool raw = false;    // as written after SET ... TO (replayed verbatim), else a literal
    bool operator==(const ParamValue&) const = default;
};

class SessionParams {
public:
    // A literal value (startup parameter, ParameterStatus): equal to the default means no override.
    void set_literal(std::string_view name, std::string_view value, const ParamDefaults& defaults);
    void set_raw(std::string_view name, std::string_view value);
    void reset(std::string_view name);
    void clear() { values_.clear(); }
    const ParamValue* find(std::string_view name) const;   // name in any case
    const std::vector<ParamValue>& values() const { return values_; }
    bool operator==(const SessionParams&) const = default;

private:
    void put(ParamValue v);
    std::vector<ParamValue> values_;   // sorted by name
};

// "SET a = 'x'; RESET b" turning `have` into `want`; empty when they are equal.
std::string sync_sql(const SessionParams& want, const SessionParams& have);

// The value to report to a client for a default parameter: its override if literal, else default.
std::string_view reported_value(const SessionParams& client, std::string_view name,
                                std::string_view default_value);

std::string lower_name(std::string_view name);

}  // namespace pgsteer::proxy
