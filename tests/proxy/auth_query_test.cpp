// The pure parts of the auth query: which secret a result row holds, and the conninfo it runs with.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <optional>
#include <string>
#include <vector>

#include "proxy/auth_query.hpp"

using namespace pgsteer;
using Row = std::vector<std::optional<std::string>>;

namespace {

struct RowCase {
    const char* name;
    Row row;
    std::optional<conf::SecretKind> kind;   // nullopt: the user is unknown
    bool error;
};

std::ostream& operator<<(std::ostream& os, const RowCase& c) { return os << c.name; }

const std::string verifier =
    "SCRAM-SHA-256$4096:c2FsdHNhbHRzYWx0c2FsdA==$a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s=:"
    "c3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3M=";

const RowCase row_cases[] = {
    {"usename_and_scram", {"app", verifier}, conf::SecretKind::scram, false},
    {"usename_and_md5", {"app", "md5" + std::string(32, 'a')}, conf::SecretKind::md5, false},
    {"single_plaintext_column", {"secret"}, conf::SecretKind::plaintext, false},
    {"null_password", {"app", std::nullopt}, std::nullopt, false},
    {"empty_password", {"app", ""}, std::nullopt, false},
    {"no_columns", {}, std::nullopt, false},
    {"quote_in_password", {"app", "pa\"ss"}, conf::SecretKind::plaintext, false},
};

}  // namespace

BOOST_DATA_TEST_CASE(secret_from_row_classifies_like_the_users_file, boost::unit_test::data::make(row_cases), c) {
    auto s = proxy::secret_from_row("app", c.row);
    BOOST_TEST(s.error.empty() != c.error);
    BOOST_TEST(s.entry.has_value() == c.kind.has_value());
    if (s.entry && c.kind) {
        BOOST_TEST((s.entry->kind == *c.kind));
        BOOST_TEST(s.entry->user == "app");
        BOOST_TEST(s.entry->secret == *c.row.back());
    }
}

BOOST_AUTO_TEST_CASE(conninfo_quotes_values_and_follows_server_tls) {
    conf::Config cfg;
    cfg.auth.query_user = "runner";
    cfg.auth.users = {{"runner", "it's", conf::SecretKind::plaintext}};
    cfg.tls.server_mode = conf::ServerTlsMode::require;
    cfg.pool.connect_timeout = std::chrono::milliseconds(2500);
    auto info = proxy::auth_query_conninfo(cfg, "127.0.0.1", 5432, "my db");
    BOOST_TEST(info.find("dbname='my db'") != std::string::npos);
    BOOST_TEST(info.find("password='it\\'s'") != std::string::npos);
    BOOST_TEST(info.find("sslmode=require") != std::string::npos);
    BOOST_TEST(info.find("connect_timeout=3") != std::string::npos);
}
