// Tracking of session parameter overrides and the SET/RESET statements that reconcile them.
#include "proxy/session_params.hpp"

#include <algorithm>
#include <cctype>

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

void SessionParams::put(ParamValue v) {
    auto it = std::lower_bound(values_.begin(), values_.end(), v.name,
                               [](const ParamValue& a, const std::string& n) { return a.name < n; });
    if (it != values_.end() && it->name == v.name) *it = std::move(v);
    else values_.insert(it, std::move(v));
}

void SessionParams::set_literal(std::string_view name, std::string_view value,
                                const ParamDefaults& defaults) {
    for (const auto& [dname, dvalue] : defaults) {
        if (iequal(dname, name) && dvalue == value) {
            reset(name);
            return;
        }
    }
    if (auto* cur = find(name); cur && !cur->raw && cur->value == value) return;
    put(ParamValue{lower_name(name), std::string(value), false});
}

void SessionParams::set_raw(std::string_view name, std::string_view value) {
    put(ParamValue{lower_name(name), std::string(value), true});
}

void SessionParams::reset(std::string_view name) {
    auto key = lower_name(name);
    std::erase_if(values_, [&](const ParamValue& v) { return v.name == key; });
}

const ParamValue* SessionParams::find(std::string_view name) const {
    for (const auto& v : values_)
        if (iequal(v.name, name)) return &v;
    return nullptr;
}

std::string sync_sql(const SessionParams& want, const SessionParams& have) {
    std::string out;
    if (want == have) return out;
    for (const auto& v : want.values()) {
        const auto* h = have.find(v.name);
        if (!h || !(*h == v)) append_set(out, v);
    }
    for (const auto& h : have.values()) {
        if (want.find(h.name)) continue;
        if (!out.empty()) out += "; ";
        out += "RESET ";
        out += h.name;
    }
    return out;
}

std::string_view reported_value(const SessionParams& client, std::string_view name,
                                std::string_view default_value) {
    const auto* v = client.find(name);
    return v && !v->raw ? std::string_view(v->value) : default_value;
}

}  // namespace pgsteer::proxy
