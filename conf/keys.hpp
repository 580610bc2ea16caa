// The one table of configuration keys: for each, its name, whether a reload applies it live,
// how it is read from TOML and how it is written back. load, describe and diff all walk it.
#pragma once

#include "conf/config.hpp"

#include <toml++/toml.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace pgsteer::conf {

template <typename Root>
struct KeySpec {
    std::string_view name;     // dotted in Config ("pool.size"), bare in a [[node]] ("port")
    bool reloadable = true;    // a reload applies it live; otherwise it takes a restart
    bool required = false;     // no usable default: loading fails when it is absent
    bool secret = false;       // never shown, only said to be set
    // Stores a present TOML value into the root; returns "" or what is wrong, without the key.
    std::function<std::string(const toml::node&, Root&)> read;
    // The value as written in TOML, without quotes: "5s", "16MB", "transaction".
    std::function<std::string(const Root&)> format;
    std::function<void(const Root& from, Root& to)> copy;
};

// Sections first-to-last as documented: server, auth, tls, pool, routing, health, admin, log.
const std::vector<KeySpec<Config>>& config_keys();
// The key named `name` ("pool.size"), or nullptr.
const KeySpec<Config>* find_config_key(std::string_view name);
// The keys of one [[node]] table.
const std::vector<KeySpec<NodeConfig>>& node_keys();

// `value` as shown to people: secrets are "(set)" or "".
template <typename Root>
std::string shown_value(const KeySpec<Root>& key, const Root& root) {
    std::string value = key.format(root);
    return key.secret && !value.empty() ? std::string("(set)") : value;
}

}  // namespace pgsteer::conf
