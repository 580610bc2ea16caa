// A strict reader of the Prometheus text exposition format 0.0.4, for checking /metrics in
// tests without trusting the writer: it rejects anything the format does not allow.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace pgsteer::admin::test {

struct Exposition {
    std::map<std::string, std::string> types;    // family -> counter|gauge|...
    std::map<std::string, std::string> help;     // family -> help text (unescaped)
    // Series in canonical form: name{a="x",b="y"} with labels sorted and values unescaped,
    // mapped to the sample value.
    std::map<std::string, double> samples;
    std::vector<std::string> errors;             // empty when the text is valid

    bool has(const std::string& series) const { return samples.count(series) != 0; }
    double at(const std::string& series) const;  // fails the test when absent
};

// Rules: HELP/TYPE at most once per family and before its samples; every sample belongs to a
// family declared with TYPE; a family's samples are contiguous; names and label names are
// valid; label values use only \\, \" and \n escapes; values parse as floats (or NaN, +Inf,
// -Inf); no series appears twice; counters end in _total; the text ends with a newline.
Exposition parse_exposition(std::string_view text);

}  // namespace pgsteer::admin::test
