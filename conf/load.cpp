// Loading pgsteer.toml: walks the TOML tree against the key table, collecting every error with
// its position, then checks what spans keys (nodes, TLS files, the users file, auth_query).
#include "conf/load.hpp"

#include "conf/file_text.hpp"
#include "conf/keys.hpp"
#include "conf/userlist.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <tuple>
#include <toml++/toml.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace pgsteer::conf {
namespace {

namespace fs = std::filesystem;

struct Position {
    int line = 0;
    int column = 0;
};

Position position_of(const toml::source_region& region) {
    return {static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)};
}

std::string_view leaf(std::string_view dotted) {
    const auto dot = dotted.rfind('.');
    return dot == std::string_view::npos ? dotted : dotted.substr(dot + 1);
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) {
        row[j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

// The candidate a typo most likely meant: close in spelling, or the same key in another section
// ("pool.max_lag" for "routing.max_lag").
std::optional<std::string_view> closest(std::string_view key, const std::vector<std::string>& candidates) {
    std::optional<std::string_view> best;
    std::size_t best_distance = std::max<std::size_t>(2, leaf(key).size() / 4) + 1;
    for (const std::string& candidate : candidates) {
        std::size_t d = edit_distance(key, candidate);
        if (leaf(candidate) == leaf(key)) {
            d = std::min<std::size_t>(d, 1);
        }
        if (d < best_distance) {
            best_distance = d;
            best = candidate;
        }
    }
    return best;
}

std::vector<std::string> section_names() {
    std::vector<std::string> sections;
    for (const auto& key : config_keys()) {
        std::string section(key.name.substr(0, key.name.find('.')));
        if (std::find(sections.begin(), sections.end(), section) == sections.end()) {
            sections.push_back(std::move(section));
        }
    }
    return sections;
}

class Loader {
public:
    explicit Loader(std::string_view source_name) : file_(source_name) {
        std::error_code ec;
        const fs::path absolute = fs::absolute(fs::path(file_), ec);
        config_.path = file_.empty() || ec ? file_ : absolute.string();
        base_dir_ = file_.empty() || ec ? fs::current_path(ec) : absolute.parent_path();
    }

    LoadResult run(std::string_view text) {
        toml::table root;
        try {
            root = toml::parse(text, file_);
        } catch (const toml::parse_error& e) {
            error("", position_of(e.source()), fmt::format("TOML syntax error: {}", e.description()));
            return {nullptr, std::move(errors_)};
        }
        read_root(root);
        check_nodes();
        check_tls();
        check_auth();
        check_loopback_congestion();
        // Tables iterate in key order; people read errors in file order: this file's by line,
        // then those with no place, then the users file's.
        std::stable_sort(errors_.begin(), errors_.end(), [this](const ConfigError& a, const ConfigError& b) {
            const auto rank = [this](const ConfigError& e) {
                return std::tuple(e.file != file_, e.line == 0 ? std::numeric_limits<int>::max() : e.line, e.column);
            };
            return rank(a) < rank(b);
        });
        if (!errors_.empty()) {
            return {nullptr, std::move(errors_)};
        }
        return {std::make_shared<const Config>(std::move(config_)), {}};
    }

private:
    void error(std::string key, Position where, std::string message) {
        errors_.push_back({file_, where.line, where.column, std::move(key), std::move(message)});
    }

    Position where(std::string_view key) const {
        const auto it = positions_.find(key);
        return it == positions_.end() ? Position{} : it->second;
    }

    // `key` names the place ("node[2].prot"); `written` is what is compared with the candidates.
    void unknown_key(std::string key, std::string_view written, Position at, const std::vector<std::string>& candidates,
                     std::string_view known) {
        if (const auto guess = closest(written, candidates)) {
            error(std::move(key), at, fmt::format("unknown key; did you mean \"{}\"?", *guess));
        } else {
            error(std::move(key), at, fmt::format("unknown key; {}", known));
        }
    }

    void read_root(const toml::table& root) {
        const std::vector<std::string> sections = section_names();
        std::vector<std::string> top_level = sections;
        top_level.push_back("node");
        for (const auto& key : config_keys()) {
            top_level.emplace_back(key.name);
        }
        for (const auto& [key, value] : root) {
            const std::string name(key.str());
            const Position at = position_of(key.source());
            if (name == "node") {
                node_key_present_ = true;
                read_nodes(value, at);
            } else if (std::find(sections.begin(), sections.end(), name) == sections.end()) {
                unknown_key(name, name, at, top_level,
                            fmt::format("the sections are [{}] and [[node]]", fmt::join(sections, "], [")));
            } else if (const auto* table = value.as_table()) {
                read_section(name, *table);
            } else {
                error(name, at, fmt::format("expected a table ([{}]), got {}", name, value.is_array() ? "an array" : "a value"));
            }
        }
    }

    void read_section(const std::string& section, const toml::table& table) {
        std::vector<std::string> candidates;
        std::vector<std::string_view> in_section;
        for (const auto& key : config_keys()) {
            candidates.emplace_back(key.name);
            if (key.name.starts_with(section + ".")) {
                in_section.push_back(leaf(key.name));
            }
        }
        for (const auto& [key, value] : table) {
            const std::string name = section + "." + std::string(key.str());
            const Position at = position_of(key.source());
            const auto spec = std::find_if(config_keys().begin(), config_keys().end(), [&](const auto& k) { return k.name == name; });
            if (spec == config_keys().end()) {
                unknown_key(name, name, at, candidates, fmt::format("[{}] has {}", section, fmt::join(in_section, ", ")));
                continue;
            }
            positions_[name] = at;
            if (std::string problem = spec->read(value, config_); !problem.empty()) {
                error(name, at, std::move(problem));
            }
        }
    }

    void read_nodes(const toml::node& value, Position at) {
        const auto* array = value.as_array();
        if (array == nullptr) {
            error("node", at, "write [[node]] (two brackets) once per node, each with name, host and port");
            return;
        }
        for (std::size_t i = 0; i < array->size(); ++i) {
            const std::string name = fmt::format("node[{}]", i + 1);
            if (const auto* table = (*array)[i].as_table()) {
                read_node(name, *table, position_of((*array)[i].source()));
            } else {
                error(name, position_of((*array)[i].source()), "expected a table; write [[node]] once per node");
            }
        }
    }

    void read_node(const std::string& prefix, const toml::table& table, Position at) {
        std::vector<std::string> candidates;
        for (const auto& key : node_keys()) {
            candidates.emplace_back(key.name);
        }
        NodeConfig node;
        for (const auto& [key, value] : table) {
            const std::string name(key.str());
            const Position key_at = position_of(key.source());
            const auto spec = std::find_if(node_keys().begin(), node_keys().end(), [&](const auto& k) { return k.name == name; });
            if (spec == node_keys().end()) {
                unknown_key(prefix + "." + name, name, key_at, candidates, fmt::format("a [[node]] has {}", fmt::join(candidates, ", ")));
                continue;
            }
            positions_[prefix + "." + name] = key_at;
            if (std::string problem = spec->read(value, node); !problem.empty()) {
                error(prefix + "." + name, key_at, std::move(problem));
            }
        }
        for (const auto& key : node_keys()) {
            if (key.required && !table.contains(key.name)) {
                error(fmt::format("{}.{}", prefix, key.name), at, fmt::format("missing; every [[node]] needs a {}", key.name));
            }
        }
        positions_[prefix] = at;
        node_names_.push_back(prefix);
        config_.nodes.push_back(std::move(node));
    }

    void check_nodes() {
        if (!node_key_present_) {
            error("node", {}, "no [[node]]: add one [[node]] table (name, host, port) per PostgreSQL server");
        }
        const auto& nodes = config_.nodes;
        for (std::size_t j = 0; j < nodes.size(); ++j) {
            for (std::size_t i = 0; i < j; ++i) {
                if (!nodes[j].name.empty() && nodes[j].name == nodes[i].name) {
                    error(node_names_[j] + ".name", where(node_names_[j] + ".name"),
                          fmt::format("\"{}\" is already the name of {}", nodes[j].name, node_names_[i]));
                }
                if (nodes[j].port != 0 && nodes[j].host == nodes[i].host && nodes[j].port == nodes[i].port) {
                    error(node_names_[j] + ".port", where(node_names_[j] + ".port"),
                          fmt::format("{}:{} is already the address of {}", nodes[j].host, nodes[j].port, node_names_[i]));
                }
            }
        }
    }

    std::string resolve(const std::string& path) const {
        const fs::path p(path);
        return p.is_absolute() ? path : (base_dir_ / p).lexically_normal().string();
    }

    void check_tls() {
        TlsConfig& tls = config_.tls;
        for (auto [name, path] : {std::pair("tls.cert", &tls.cert), std::pair("tls.key", &tls.key)}) {
            if (!path->empty()) {
                *path = resolve(*path);
            }
            if (tls.mode == TlsMode::disable) {
                continue;
            }
            if (path->empty()) {
                error(name, where("tls.mode"), fmt::format("required when tls.mode is \"{}\"", find_config_key("tls.mode")->format(config_)));
            } else if (!read_text_file(*path)) {
                error(name, where(name), fmt::format("cannot read \"{}\" (missing or not readable)", *path));
            }
        }
    }

    // The kernel knows which algorithms exist and which an unprivileged process may choose:
    // ask it with a socket now rather than find out on every connection.
    void check_loopback_congestion() {
        const std::string& name = config_.server.loopback_tcp_congestion;
        if (name.empty()) {
            return;
        }
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            return;   // no socket to ask with: the proxy will not get one either, and says so
        }
        const int rc = ::setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name.data(), static_cast<socklen_t>(name.size()));
        const int err = errno;
        ::close(fd);
        if (rc != 0) {
            error("server.loopback_tcp_congestion", where("server.loopback_tcp_congestion"),
                  fmt::format("the kernel refuses \"{}\" ({}); use one listed in /proc/sys/net/ipv4/{}, "
                              "or \"\" to keep the system's",
                              name, std::strerror(err),
                              err == EPERM ? "tcp_allowed_congestion_control" : "tcp_available_congestion_control"));
        }
    }

    void check_auth() {
        AuthConfig& auth = config_.auth;
        auth.users_file = resolve(auth.users_file);
        if (const std::optional<std::string> text = read_text_file(auth.users_file)) {
            Userlist users = parse_userlist(*text, auth.users_file);
            for (ConfigError& e : users.errors) {
                e.key = "auth.users_file";
                errors_.push_back(std::move(e));
            }
            auth.users = std::move(users.entries);
        } else {
            error("auth.users_file", where("auth.users_file"), fmt::format("cannot read \"{}\" (missing or not readable)", auth.users_file));
        }
        if (auth.query.empty()) {
            return;
        }
        if (auth.query_user.empty()) {
            error("auth.query_user", where("auth.query"), "required when auth.query is set: the user pgsteer runs the query as");
        } else if (const UserEntry* user = find_user(auth.users, auth.query_user); user == nullptr) {
            error("auth.query_user", where("auth.query_user"), fmt::format("\"{}\" is not in the users file; add its password there", auth.query_user));
        } else if (user->kind == SecretKind::scram) {
            error("auth.query_user", where("auth.query_user"),
                  fmt::format("\"{}\" has a SCRAM verifier in the users file; pgsteer needs its password to log in as it", auth.query_user));
        }
    }

    std::string file_;
    fs::path base_dir_;
    Config config_;
    std::vector<ConfigError> errors_;
    std::map<std::string, Position, std::less<>> positions_;
    std::vector<std::string> node_names_;   // "node[2]" for each of config_.nodes
    bool node_key_present_ = false;         // when it is there but wrong, that is the error to report
};

}  // namespace

LoadResult load_string(std::string_view toml, std::string_view source_name) {
    return Loader(source_name).run(toml);
}

LoadResult load_file(const std::string& path) {
    const std::optional<std::string> text = read_text_file(path);
    if (!text) {
        return {nullptr, {{path, 0, 0, "", "cannot read the configuration file (missing or not readable)"}}};
    }
    return load_string(*text, path);
}

}  // namespace pgsteer::conf
