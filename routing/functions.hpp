// Which function calls keep a statement off the standbys: PostgreSQL built-ins that write or hold
// session state, the volatile user functions the health monitor read from pg_proc, and the
// routing.write_functions / routing.read_only_functions overrides.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pgsteer::routing {

enum class FunctionEffect : std::uint8_t {
    none,           // safe on a standby
    builtin,        // a PostgreSQL built-in that writes or must run on the primary (nextval, pg_notify…)
    pins,           // a built-in that leaves state in the server session (pg_advisory_lock, set_config…)
    volatile_user,  // a volatile non-builtin function from pg_proc: may write
    configured,     // listed in routing.write_functions
};

// The effect of a PostgreSQL built-in, by lower-case unqualified name.
FunctionEffect builtin_effect(std::string_view lower_name);

class FunctionPolicy {
public:
    FunctionPolicy() = default;
    // writing: the health view's list ("schema.name" and "name"); the two config lists as written.
    // Names are lower-cased and sorted here, once per view generation, not per statement.
    FunctionPolicy(std::vector<std::string> writing, std::vector<std::string> write_functions,
                   std::vector<std::string> read_only_functions);

    // `qualified` is "schema.name" or just "name" when the call is unqualified; `name` is the bare
    // name; both lower case. Built-ins win over everything (they fail on a standby whatever the
    // config says); then routing.write_functions; then routing.read_only_functions; then pg_proc's
    // list. A function in none of them is read-only: pg_proc's list holds every volatile
    // non-builtin function, and PostgreSQL refuses writes inside stable and immutable ones.
    FunctionEffect effect(std::string_view qualified, std::string_view name) const;

private:
    std::vector<std::string> writing_;
    std::vector<std::string> write_;
    std::vector<std::string> read_only_;
};

}  // namespace pgsteer::routing
