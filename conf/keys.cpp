// The table of every configuration key with its type, range, default and reload behaviour.
// A key is declared here once; its default is whatever config.hpp initialises it to.
#include "conf/keys.hpp"

#include "conf/values.hpp"

#include <fmt/format.h>

#include <charconv>
#include <limits>
#include <utility>

namespace pgsteer::conf {
namespace {

constexpr bool live = true;
constexpr bool restart = false;

// How one value type is read from a TOML node and written back.
template <typename T>
struct Codec {
    std::function<std::string(const toml::node&, T&)> read;
    std::function<std::string(const T&)> format;
};

std::string_view type_name(const toml::node& node) {
    switch (node.type()) {
        case toml::node_type::string: return "a string";
        case toml::node_type::integer: return "an integer";
        case toml::node_type::floating_point: return "a floating-point number";
        case toml::node_type::boolean: return "a boolean";
        case toml::node_type::table: return "a table";
        case toml::node_type::array: return "an array";
        case toml::node_type::date: return "a date";
        case toml::node_type::time: return "a time";
        case toml::node_type::date_time: return "a date-time";
        case toml::node_type::none: break;
    }
    return "nothing";
}

std::string wrong_type(std::string_view expected, const toml::node& node) {
    return fmt::format("expected {}, got {}", expected, type_name(node));
}

Codec<bool> boolean() {
    return {[](const toml::node& node, bool& out) -> std::string {
                if (const auto* b = node.as_boolean()) {
                    out = b->get();
                    return "";
                }
                return wrong_type("a boolean (true or false)", node);
            },
            [](const bool& v) { return std::string(v ? "true" : "false"); }};
}

template <typename T>
Codec<T> integer(long long min, long long max) {
    return {[min, max](const toml::node& node, T& out) -> std::string {
                if (const auto* s = node.as_string()) {
                    const std::string& text = s->get();
                    long long n = 0;
                    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
                    if (!text.empty() && ec == std::errc{} && end == text.data() + text.size()) {
                        return fmt::format("expected an integer, got a string; write {} without quotes", text);
                    }
                }
                const auto* i = node.as_integer();
                if (i == nullptr) {
                    return wrong_type("an integer", node);
                }
                const long long n = i->get();
                if (n < min || n > max) {
                    return max == std::numeric_limits<int>::max() ? fmt::format("must be at least {}, got {}", min, n)
                                                                   : fmt::format("must be from {} to {}, got {}", min, max, n);
                }
                out = static_cast<T>(n);
                return "";
            },
            [](const T& v) { return fmt::format("{}", v); }};
}

enum class Emptiness { allowed, refused };

Codec<std::string> string(Emptiness empty) {
    return {[empty](const toml::node& node, std::string& out) -> std::string {
                const auto* s = node.as_string();
                if (s == nullptr) {
                    return wrong_type("a string", node);
                }
                if (empty == Emptiness::refused && s->get().empty()) {
                    return "must not be empty";
                }
                out = s->get();
                return "";
            },
            [](const std::string& v) { return v; }};
}

Codec<std::vector<std::string>> string_list() {
    return {[](const toml::node& node, std::vector<std::string>& out) -> std::string {
                const auto* array = node.as_array();
                if (array == nullptr) {
                    return wrong_type("an array of strings, e.g. [\"a\", \"b\"]", node);
                }
                std::vector<std::string> values;
                for (std::size_t i = 0; i < array->size(); ++i) {
                    const auto* s = (*array)[i].as_string();
                    if (s == nullptr || s->get().empty()) {
                        return fmt::format("element {} is {}; expected a non-empty string", i + 1,
                                           s == nullptr ? type_name((*array)[i]) : "an empty string");
                    }
                    values.push_back(s->get());
                }
                out = std::move(values);
                return "";
            },
            [](const std::vector<std::string>& v) { return fmt::format("{}", fmt::join(v, ", ")); }};
}

// Zero means "off" or "at once" for some durations and makes no sense for others.
enum class Zero { allowed, refused };

Codec<Duration> duration(Zero zero) {
    return {[zero](const toml::node& node, Duration& out) -> std::string {
                Parsed<Duration> parsed;
                if (const auto* i = node.as_integer(); i != nullptr && i->get() == 0) {
                    parsed.value = Duration{0};
                } else if (i != nullptr) {
                    parsed = parse_duration(fmt::format("{}", i->get()));
                } else if (const auto* s = node.as_string()) {
                    parsed = parse_duration(s->get());
                } else {
                    return wrong_type("a duration such as \"5s\"", node);
                }
                if (!parsed.value) {
                    return parsed.error;
                }
                if (zero == Zero::refused && parsed.value->count() == 0) {
                    return "must be greater than 0; this one cannot be turned off";
                }
                out = *parsed.value;
                return "";
            },
            [](const Duration& v) { return format_duration(v); }};
}

// A TOML integer is a number of bytes; a string needs a unit.
template <typename T>
Codec<T> size(std::uint64_t min, std::uint64_t max) {
    return {[min, max](const toml::node& node, T& out) -> std::string {
                Parsed<std::uint64_t> parsed;
                if (const auto* i = node.as_integer()) {
                    if (i->get() < 0) {
                        return fmt::format("must not be negative, got {}", i->get());
                    }
                    parsed.value = static_cast<std::uint64_t>(i->get());
                } else if (const auto* s = node.as_string()) {
                    parsed = parse_size(s->get());
                } else {
                    return wrong_type("a size such as \"16MB\"", node);
                }
                if (!parsed.value) {
                    return parsed.error;
                }
                if (*parsed.value < min || *parsed.value > max) {
                    return fmt::format("must be from {} to {}, got {}", format_size(min), format_size(max), format_size(*parsed.value));
                }
                out = static_cast<T>(*parsed.value);
                return "";
            },
            [](const T& v) { return format_size(v); }};
}

template <typename E>
Codec<E> enumeration(std::vector<std::pair<std::string_view, E>> names) {
    return {[names](const toml::node& node, E& out) -> std::string {
                std::vector<std::string_view> allowed;
                for (const auto& [name, value] : names) {
                    allowed.push_back(name);
                }
                const auto* s = node.as_string();
                if (s == nullptr) {
                    return wrong_type(fmt::format("a string, one of {}", fmt::join(allowed, ", ")), node);
                }
                for (const auto& [name, value] : names) {
                    if (name == s->get()) {
                        out = value;
                        return "";
                    }
                }
                return fmt::format("\"{}\" is not one of {}", s->get(), fmt::join(allowed, ", "));
            },
            [names](const E& v) {
                for (const auto& [name, value] : names) {
                    if (value == v) {
                        return std::string(name);
                    }
                }
                return std::string();
            }};
}

// "" (off) or a listen address, stored as its canonical spelling.
Codec<std::string> optional_address() {
    return {[](const toml::node& node, std::string& out) -> std::string {
                const auto* s = node.as_string();
                if (s == nullptr) {
                    return wrong_type("a string \"host:port\" (or \"\" for off)", node);
                }
                if (s->get().empty()) {
                    out.clear();
                    return "";
                }
                Parsed<HostPort> parsed = parse_host_port(s->get());
                if (!parsed.value) {
                    return parsed.error;
                }
                out = format_host_port(*parsed.value);
                return "";
            },
            [](const std::string& v) { return v; }};
}

// Binds a codec to the place of its value inside Root: `get(root)` returns a reference.
template <typename Root, typename T, typename Get>
KeySpec<Root> bind(std::string_view name, bool reloadable, Get get, Codec<T> codec) {
    KeySpec<Root> key;
    key.name = name;
    key.reloadable = reloadable;
    key.read = [get, read = codec.read](const toml::node& node, Root& root) { return read(node, get(root)); };
    key.format = [get, format = codec.format](const Root& root) { return format(get(root)); };
    key.copy = [get](const Root& from, Root& to) { get(to) = get(from); };
    return key;
}

template <typename Section, typename T>
KeySpec<Config> key(std::string_view name, bool reloadable, Section Config::*section, T Section::*member, Codec<T> codec) {
    return bind<Config>(name, reloadable, [section, member](auto& config) -> auto& { return (config.*section).*member; },
                        std::move(codec));
}

template <typename T>
KeySpec<NodeConfig> node_key(std::string_view name, T NodeConfig::*member, Codec<T> codec) {
    return bind<NodeConfig>(name, live, [member](auto& node) -> auto& { return node.*member; }, std::move(codec));
}

template <typename K>
K required(K key) {
    key.required = true;
    return key;
}

template <typename K>
K secret(K key) {
    key.secret = true;
    return key;
}

// One key, two fields: listen = "host:port" fills listen_host and listen_port.
KeySpec<Config> listen_key() {
    KeySpec<Config> key;
    key.name = "server.listen";
    key.reloadable = restart;
    key.read = [](const toml::node& node, Config& config) -> std::string {
        const auto* s = node.as_string();
        if (s == nullptr) {
            return wrong_type("a string \"host:port\"", node);
        }
        Parsed<HostPort> parsed = parse_host_port(s->get());
        if (!parsed.value) {
            return parsed.error;
        }
        config.server.listen_host = parsed.value->host;
        config.server.listen_port = parsed.value->port;
        return "";
    };
    key.format = [](const Config& config) { return format_host_port({config.server.listen_host, config.server.listen_port}); };
    key.copy = [](const Config& from, Config& to) {
        to.server.listen_host = from.server.listen_host;
        to.server.listen_port = from.server.listen_port;
    };
    return key;
}

constexpr int int_max = std::numeric_limits<int>::max();
constexpr Zero zero_ok = Zero::allowed;
constexpr Zero positive = Zero::refused;

std::vector<KeySpec<Config>> make_config_keys() {
    using C = Config;
    return {
        listen_key(),
        key("server.workers", restart, &C::server, &ServerConfig::workers, integer<int>(0, 1024)),
        key("server.max_client_connections", live, &C::server, &ServerConfig::max_client_connections, integer<int>(1, int_max)),
        key("server.login_timeout", live, &C::server, &ServerConfig::login_timeout, duration(positive)),
        key("server.max_startup_packet", live, &C::server, &ServerConfig::max_startup_packet, size<std::uint32_t>(1024, 1024 * 1024)),
        key("server.shutdown_timeout", live, &C::server, &ServerConfig::shutdown_timeout, duration(zero_ok)),
        key("server.loopback_tcp_congestion", live, &C::server, &ServerConfig::loopback_tcp_congestion, string(Emptiness::allowed)),

        key("auth.method", live, &C::auth, &AuthConfig::method,
            enumeration<AuthMethod>({{"scram-sha-256", AuthMethod::scram_sha_256}, {"md5", AuthMethod::md5}, {"trust", AuthMethod::trust}})),
        key("auth.users_file", live, &C::auth, &AuthConfig::users_file, string(Emptiness::refused)),
        key("auth.query", live, &C::auth, &AuthConfig::query, string(Emptiness::allowed)),
        key("auth.query_user", live, &C::auth, &AuthConfig::query_user, string(Emptiness::allowed)),

        key("tls.mode", restart, &C::tls, &TlsConfig::mode,
            enumeration<TlsMode>({{"disable", TlsMode::disable}, {"allow", TlsMode::allow}, {"require", TlsMode::require}})),
        key("tls.cert", restart, &C::tls, &TlsConfig::cert, string(Emptiness::allowed)),
        key("tls.key", restart, &C::tls, &TlsConfig::key, string(Emptiness::allowed)),
        key("tls.server_mode", restart, &C::tls, &TlsConfig::server_mode,
            enumeration<ServerTlsMode>({{"disable", ServerTlsMode::disable}, {"prefer", ServerTlsMode::prefer}, {"require", ServerTlsMode::require}})),

        key("pool.mode", restart, &C::pool, &PoolConfig::mode,
            enumeration<PoolMode>({{"session", PoolMode::session}, {"transaction", PoolMode::transaction}})),
        key("pool.size", live, &C::pool, &PoolConfig::size, integer<int>(1, int_max)),
        key("pool.wait_timeout", live, &C::pool, &PoolConfig::wait_timeout, duration(positive)),
        key("pool.idle_timeout", live, &C::pool, &PoolConfig::idle_timeout, duration(positive)),
        key("pool.server_lifetime", live, &C::pool, &PoolConfig::server_lifetime, duration(positive)),
        key("pool.connect_timeout", live, &C::pool, &PoolConfig::connect_timeout, duration(positive)),
        key("pool.idle_in_transaction_timeout", live, &C::pool, &PoolConfig::idle_in_transaction_timeout, duration(zero_ok)),
        key("pool.query_timeout", live, &C::pool, &PoolConfig::query_timeout, duration(zero_ok)),
        key("pool.reset_query", live, &C::pool, &PoolConfig::reset_query, string(Emptiness::allowed)),

        key("routing.read_write_split", live, &C::routing, &RoutingConfig::read_write_split, boolean()),
        key("routing.max_lag_bytes", live, &C::routing, &RoutingConfig::max_lag_bytes,
            size<std::uint64_t>(0, std::numeric_limits<std::int64_t>::max())),
        key("routing.max_lag", live, &C::routing, &RoutingConfig::max_lag, duration(positive)),
        key("routing.read_your_writes", live, &C::routing, &RoutingConfig::read_your_writes, boolean()),
        key("routing.primary_wait_timeout", live, &C::routing, &RoutingConfig::primary_wait_timeout, duration(zero_ok)),
        key("routing.write_functions", live, &C::routing, &RoutingConfig::write_functions, string_list()),
        key("routing.read_only_functions", live, &C::routing, &RoutingConfig::read_only_functions, string_list()),

        key("health.interval", live, &C::health, &HealthConfig::interval, duration(positive)),
        key("health.timeout", live, &C::health, &HealthConfig::timeout, duration(positive)),
        key("health.failures_before_down", live, &C::health, &HealthConfig::failures_before_down, integer<int>(1, int_max)),
        key("health.repmgr", live, &C::health, &HealthConfig::repmgr, boolean()),
        key("health.user", live, &C::health, &HealthConfig::user, string(Emptiness::refused)),
        secret(key("health.password", live, &C::health, &HealthConfig::password, string(Emptiness::allowed))),
        key("health.database", live, &C::health, &HealthConfig::database, string(Emptiness::refused)),

        key("admin.users", live, &C::admin, &AdminConfig::users, string_list()),
        key("admin.metrics_listen", restart, &C::admin, &AdminConfig::metrics_listen, optional_address()),

        key("log.level", live, &C::log, &LogConfig::level,
            enumeration<LogLevel>({{"debug", LogLevel::debug}, {"info", LogLevel::info}, {"warning", LogLevel::warning}, {"error", LogLevel::error}})),
        key("log.format", live, &C::log, &LogConfig::format, enumeration<LogFormat>({{"text", LogFormat::text}, {"json", LogFormat::json}})),
    };
}

std::vector<KeySpec<NodeConfig>> make_node_keys() {
    return {
        required(node_key("name", &NodeConfig::name, string(Emptiness::refused))),
        node_key("host", &NodeConfig::host, string(Emptiness::refused)),
        required(node_key("port", &NodeConfig::port, integer<std::uint16_t>(1, 65535))),
        node_key("weight", &NodeConfig::weight, integer<int>(0, int_max)),
    };
}

}  // namespace

const std::vector<KeySpec<Config>>& config_keys() {
    static const std::vector<KeySpec<Config>> keys = make_config_keys();
    return keys;
}

const KeySpec<Config>* find_config_key(std::string_view name) {
    for (const KeySpec<Config>& key : config_keys()) {
        if (key.name == name) {
            return &key;
        }
    }
    return nullptr;
}

const std::vector<KeySpec<NodeConfig>>& node_keys() {
    static const std::vector<KeySpec<NodeConfig>> keys = make_node_keys();
    return keys;
}

}  // namespace pgsteer::conf
