// Every configuration key with its current and default value, as SHOW CONFIG prints them.
#pragma once

#include "conf/config.hpp"

#include <string>
#include <vector>

namespace pgsteer::conf {

struct ConfigEntry {
    std::string key;             // "pool.size"; nodes by name: "node.node2.port"
    std::string value;           // as written in TOML, unquoted: "5s", "16MB", "transaction"
    std::string default_value;   // "" where there is none (a node's name and port)
    bool reloadable = false;     // a reload applies a change live; otherwise it takes a restart

    bool operator==(const ConfigEntry&) const = default;
};

// Every key of the table in documentation order, then each node's keys in file order.
// Secrets (health.password) show as "(set)" or "".
std::vector<ConfigEntry> describe(const Config& config);

}  // namespace pgsteer::conf
