// Session parameters as differences from a pool's defaults: what a client asked for (startup
// parameters, SET, reported ParameterStatus) and what a server connection currently has. The SQL
// that brings a server connection to a client's values is a pure function of the two.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgsteer::proxy {

// The ParameterStatus values a fresh server connection reports, in the server's spelling.
using ParamDefaults = std::vector<std::pair<std::string, std::string>>;

struct ParamValue {
    std::string_view name;    // lower case
    std::string_view value;
    bool raw = false;         // as written after SET ... TO (replayed verbatim), else a literal
    bool operator==(const ParamValue&) const = default;
};

// Overrides in one byte string sorted by name, per entry: 'l' (literal) or 'r' (raw), the name,
// NUL, the value, NUL (protocol strings hold no NUL). Equality is a byte compare, done at every
// server attach; the usual few overrides fit inside the object, so an idle client keeps nothing
// on the heap (memory per idle client, issue 4).
class SessionParams {
public:
    SessionParams() = default;
    SessionParams(const SessionParams& o) { assign(o.bytes()); }
    SessionParams& operator=(const SessionParams& o) {
        if (this != &o) assign(o.bytes());
        return *this;
    }
    ~SessionParams() { release(); }

    // A literal value (startup parameter, ParameterStatus): equal to the default means no override.
    void set_literal(std::string_view name, std::string_view value, const ParamDefaults& defaults);
    void set_raw(std::string_view name, std::string_view value);
    void reset(std::string_view name);
    void clear();
    std::optional<ParamValue> find(std::string_view name) const;   // name in any case
    bool empty() const { return size_ == 0; }
    std::size_t count() const;
    template <class F>
    void for_each(F&& f) const {
        for (std::size_t at = 0; at < size_;) f(entry_at(at, &at));
    }
    bool operator==(const SessionParams& o) const { return bytes() == o.bytes(); }

private:
    static constexpr std::size_t inline_capacity = 48;
    std::string_view bytes() const { return {data(), size_}; }
    const char* data() const { return cap_ > inline_capacity ? heap_ : inline_; }
    ParamValue entry_at(std::size_t at, std::size_t* next) const;
    void put(std::string_view name, std::string_view value, bool raw);   // name in lower case
    void splice(std::size_t from, std::size_t to, std::string_view replacement);
    void assign(std::string_view bytes);
    void release();

    union {
        char inline_[inline_capacity];
        char* heap_;
    };
    std::uint32_t size_ = 0;
    std::uint32_t cap_ = inline_capacity;
};

// "SET a = 'x'; RESET b" turning `have` into `want`; empty when they are equal.
std::string sync_sql(const SessionParams& want, const SessionParams& have);

// The value to report to a client for a default parameter: its override if literal, else default.
std::string_view reported_value(const SessionParams& client, std::string_view name,
                                std::string_view default_value);

std::string lower_name(std::string_view name);

}  // namespace pgsteer::proxy
