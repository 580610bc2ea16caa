// The key table, the reference page and the example config stay in step: a key added to one
// must appear in the others.
#include "conf/describe.hpp"

#include "conf/file_text.hpp"

#include <boost/test/unit_test.hpp>

using namespace pgsteer::conf;

namespace {

std::string source_file(const std::string& relative) {
    const std::optional<std::string> text = read_text_file(std::string(PGSTEER_SOURCE_DIR) + "/" + relative);
    BOOST_TEST_REQUIRE(text.has_value(), relative);
    return *text;
}

std::vector<std::string> table_keys() {
    Config config;
    config.nodes.push_back({"n", "h", 1, 1});
    std::vector<std::string> keys;
    for (const ConfigEntry& e : describe(config)) {
        keys.push_back(e.key.starts_with("node.n.") ? "node." + e.key.substr(7) : e.key);
    }
    return keys;
}

// The lines of `[section]` (or of the first `[[node]]`) in a TOML text.
std::string section_text(const std::string& toml, const std::string& section) {
    const std::string header = section == "node" ? "\n[[node]]\n" : "\n[" + section + "]\n";
    const auto begin = toml.find(header);
    if (begin == std::string::npos) {
        return "";
    }
    return toml.substr(begin, toml.find("\n[", begin + 1) - begin);
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_key_is_documented) {
    const std::string docs = source_file("docs/configuration.md");
    for (const std::string& key : table_keys()) {
        const std::string written = key.starts_with("node.") ? key.substr(5) : key;
        BOOST_TEST(docs.find("| `" + written + "` |") != std::string::npos, key << " is missing from docs/configuration.md");
    }
}

BOOST_AUTO_TEST_CASE(every_key_is_in_the_example) {
    const std::string example = source_file("etc/pgsteer.toml");
    for (const std::string& key : table_keys()) {
        const auto dot = key.find('.');
        const std::string section = section_text(example, key.substr(0, dot));
        BOOST_TEST(section.find("\n" + key.substr(dot + 1) + " = ") != std::string::npos, key << " is missing from etc/pgsteer.toml");
    }
}
