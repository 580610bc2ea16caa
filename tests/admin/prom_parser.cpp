// The strict exposition reader (see prom_parser.hpp).
#include "prom_parser.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <utility>

namespace pgsteer::admin::test {

namespace {

bool name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'; }
bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9'); }

bool valid_metric_name(std::string_view s) {
    return !s.empty() && name_start(s[0]) && std::all_of(s.begin(), s.end(), name_char);
}

bool valid_label_name(std::string_view s) {
    return !s.empty() && name_start(s[0]) && s[0] != ':' &&
           std::all_of(s.begin(), s.end(), [](char c) { return name_char(c) && c != ':'; });
}

bool parse_value(std::string_view s, double& out) {
    if (s == "NaN") { out = std::numeric_limits<double>::quiet_NaN(); return true; }
    if (s == "+Inf") { out = std::numeric_limits<double>::infinity(); return true; }
    if (s == "-Inf") { out = -std::numeric_limits<double>::infinity(); return true; }
    if (s.empty() || s.find_first_not_of("0123456789+-.eE") != std::string_view::npos) return false;
    const std::string copy(s);
    char* end = nullptr;
    out = std::strtod(copy.c_str(), &end);
    return end == copy.c_str() + copy.size();
}

// The family a sample name belongs to, given the declared types.
std::string family_of(const std::string& name, const std::map<std::string, std::string>& types) {
    if (types.count(name)) return name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        const std::string_view sv(suffix);
        if (name.size() > sv.size() && name.ends_with(sv)) {
            const auto base = name.substr(0, name.size() - sv.size());
            if (auto it = types.find(base); it != types.end() && (it->second == "histogram" || it->second == "summary"))
                return base;
        }
    }
    return {};
}

}  // namespace

double Exposition::at(const std::string& series) const {
    const auto it = samples.find(series);
    BOOST_REQUIRE_MESSAGE(it != samples.end(), "no series " << series);
    return it->second;
}

Exposition parse_exposition(std::string_view text) {
    Exposition e;
    auto fail = [&](std::size_t line_no, const std::string& what) {
        e.errors.push_back("line " + std::to_string(line_no) + ": " + what);
    };
    if (!text.empty() && text.back() != '\n') e.errors.emplace_back("the text does not end with a newline");

    std::set<std::string> finished;   // families whose samples are over
    std::string current;              // family of the previous sample
    std::size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        const auto eol = text.find('\n');
        const auto line = text.substr(0, eol);
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        if (line.empty()) continue;

        if (line[0] == '#') {
            const bool is_help = line.starts_with("# HELP "), is_type = line.starts_with("# TYPE ");
            if (!is_help && !is_type) continue;   // a comment
            auto rest = line.substr(7);
            const auto sp = rest.find(' ');
            const std::string name(rest.substr(0, sp));
            const std::string_view arg = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp + 1);
            if (!valid_metric_name(name)) { fail(line_no, "bad metric name in " + std::string(line)); continue; }
            if (finished.count(name) || current == name) fail(line_no, name + ": HELP/TYPE after its samples");
            if (is_help) {
                if (e.help.count(name)) fail(line_no, name + ": second HELP");
                std::string unescaped;
                for (std::size_t i = 0; i < arg.size(); ++i) {
                    if (arg[i] == '\\' && i + 1 < arg.size() && (arg[i + 1] == '\\' || arg[i + 1] == 'n')) {
                        unescaped += arg[i + 1] == 'n' ? '\n' : '\\';
                        ++i;
                    } else {
                        unescaped += arg[i];
                    }
                }
                e.help[name] = unescaped;
            } else {
                static const std::set<std::string_view> kinds{"counter", "gauge", "histogram", "summary", "untyped"};
                if (!kinds.count(arg)) fail(line_no, name + ": bad type " + std::string(arg));
                if (e.types.count(name)) fail(line_no, name + ": second TYPE");
                if (arg == "counter" && !name.ends_with("_total")) fail(line_no, name + ": a counter must end in _total");
                e.types[name] = std::string(arg);
            }
            continue;
        }

        // name{label="value",...} value [timestamp]
        std::size_t i = 0;
        while (i < line.size() && name_char(line[i])) ++i;
        const std::string name(line.substr(0, i));
        if (!valid_metric_name(name)) { fail(line_no, "bad sample name: " + std::string(line)); continue; }
        std::vector<std::pair<std::string, std::string>> labels;
        bool ok = true;
        if (i < line.size() && line[i] == '{') {
            ++i;
            while (ok && i < line.size() && line[i] != '}') {
                const auto start = i;
                while (i < line.size() && name_char(line[i])) ++i;
                const std::string label(line.substr(start, i - start));
                if (!valid_label_name(label) || i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"') {
                    ok = false;
                    break;
                }
                i += 2;
                std::string value;
                while (i < line.size() && line[i] != '"') {
                    if (line[i] == '\\') {
                        if (i + 1 >= line.size()) { ok = false; break; }
                        const char c = line[i + 1];
                        if (c == '\\') value += '\\';
                        else if (c == '"') value += '"';
                        else if (c == 'n') value += '\n';
                        else { ok = false; break; }
                        i += 2;
                    } else {
                        value += line[i++];
                    }
                }
                if (!ok || i >= line.size()) { ok = false; break; }
                ++i;   // closing quote
                labels.emplace_back(label, value);
                if (i < line.size() && line[i] == ',') ++i;
            }
            if (!ok || i >= line.size() || line[i] != '}') { fail(line_no, "bad labels: " + std::string(line)); continue; }
            ++i;
        }
        if (i >= line.size() || line[i] != ' ') { fail(line_no, "no space before the value: " + std::string(line)); continue; }
        auto rest = line.substr(i + 1);
        const auto sp = rest.find(' ');
        double value = 0;
        if (!parse_value(rest.substr(0, sp), value)) { fail(line_no, "bad value: " + std::string(line)); continue; }
        if (sp != std::string_view::npos) {
            const auto ts = rest.substr(sp + 1);
            if (ts.empty() || ts.find_first_not_of("-0123456789") != std::string_view::npos)
                fail(line_no, "bad timestamp: " + std::string(line));
        }

        const auto family = family_of(name, e.types);
        if (family.empty()) { fail(line_no, name + ": sample without a TYPE"); continue; }
        if (family != current) {
            if (finished.count(family)) fail(line_no, family + ": samples are not contiguous");
            if (!current.empty()) finished.insert(current);
            current = family;
        }
        std::sort(labels.begin(), labels.end());
        for (std::size_t k = 1; k < labels.size(); ++k)
            if (labels[k].first == labels[k - 1].first) fail(line_no, name + ": label " + labels[k].first + " twice");
        std::string series = name;
        if (!labels.empty()) {
            series += '{';
            for (std::size_t k = 0; k < labels.size(); ++k)
                series += (k ? "," : "") + labels[k].first + "=\"" + labels[k].second + "\"";
            series += '}';
        }
        if (!e.samples.emplace(series, value).second) fail(line_no, "duplicate series " + series);
    }
    return e;
}

}  // namespace pgsteer::admin::test
