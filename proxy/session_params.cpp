// Tracking of session parameter overrides and the SET/RESET statements that reconcile them.
#include "proxy/session_params.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace pgsteer::proxy {

std::string lower_name(std::string_view name) {
    std::string out(name);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

namespace {

bool iequal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

void append_literal(std::string& out, std::string_view v) {
    out += '\'';
    for (char c : v) {
        if (c == '\'') out += '\'';
        out += c;
    }
    out += '\'';
}

void append_set(std::string& out, const ParamValue& v) {
    if (!out.empty()) out += "; ";
    out += "SET ";
    out += v.name;
    if (v.raw) {
        out += " TO ";
        out += v.value;
    } else {
        out += " = ";
        append_literal(out, v.value);
    }
}

}  // namespace

ParamValue SessionParams::entry_at(std::size_t at, std::size_t* next) const {
    std::string_view b = bytes();
    std::size_t name_end = b.find('\0', at + 1);
    std::size_t value_end = b.find('\0', name_end + 1);
    *next = value_end + 1;
    return {b.substr(at + 1, name_end - at - 1), b.substr(name_end + 1, value_end - name_end - 1), b[at] == 'r'};
}

std::size_t SessionParams::count() const {
    std::size_t n = 0;
    for_each([&](const ParamValue&) { ++n; });
    return n;
}

void SessionParams::put(std::string_view name, std::string_view value, bool raw) {
    std::string entry;
    entry.reserve(name.size() + value.size() + 3);
    entry += raw ? 'r' : 'l';
    entry += name;
    entry += '\0';
    entry += value;
    entry += '\0';
    std::size_t at = 0;
    while (at < size_) {
        std::size_t next = 0;
        ParamValue v = entry_at(at, &next);
        if (v.name == name) return splice(at, next, entry);
        if (v.name > name) break;
        at = next;
    }
    splice(at, at, entry);
}

void SessionParams::reset(std::string_view name) {
    auto key = lower_name(name);
    for (std::size_t at = 0; at < size_;) {
        std::size_t next = 0;
        if (entry_at(at, &next).name == key) return splice(at, next, {});
        at = next;
    }
}

void SessionParams::clear() { release(); }

void SessionParams::splice(std::size_t from, std::size_t to, std::string_view replacement) {
    std::string_view b = bytes();
    std::string joined;
    joined.reserve(b.size() - (to - from) + replacement.size());
    joined.append(b.substr(0, from)).append(replacement).append(b.substr(to));
    assign(joined);
}

void SessionParams::assign(std::string_view b) {
    if (b.size() > cap_) {
        release();
        heap_ = new char[b.size()];
        cap_ = static_cast<std::uint32_t>(b.size());
    } else if (b.size() <= inline_capacity && cap_ > inline_capacity) {
        release();   // back inside the object: the heap block goes
    }
    std::memcpy(cap_ > inline_capacity ? heap_ : inline_, b.data(), b.size());
    size_ = static_cast<std::uint32_t>(b.size());
}

void SessionParams::release() {
    if (cap_ > inline_capacity) delete[] heap_;
    cap_ = inline_capacity;
    size_ = 0;
}

void SessionParams::set_literal(std::string_view name, std::string_view value,
                                const ParamDefaults& defaults) {
    for (const auto& [dname, dvalue] : defaults) {
        if (iequal(dname, name) && dvalue == value) {
            reset(name);
            return;
        }
    }
    if (auto cur = find(name); cur && !cur->raw && cur->value == value) return;
    put(lower_name(name), value, false);
}

void SessionParams::set_raw(std::string_view name, std::string_view value) {
    put(lower_name(name), value, true);
}

std::optional<ParamValue> SessionParams::find(std::string_view name) const {
    for (std::size_t at = 0; at < size_;) {
        ParamValue v = entry_at(at, &at);
        if (iequal(v.name, name)) return v;
    }
    return std::nullopt;
}

std::string sync_sql(const SessionParams& want, const SessionParams& have) {
    std::string out;
    if (want == have) return out;
    want.for_each([&](const ParamValue& v) {
        auto h = have.find(v.name);
        if (!h || !(*h == v)) append_set(out, v);
    });
    have.for_each([&](const ParamValue& h) {
        if (want.find(h.name)) return;
        if (!out.empty()) out += "; ";
        out += "RESET ";
        out += h.name;
    });
    return out;
}

std::string_view reported_value(const SessionParams& client, std::string_view name,
                                std::string_view default_value) {
    auto v = client.find(name);
    return v && !v->raw ? v->value : default_value;
}

}  // namespace pgsteer::proxy
