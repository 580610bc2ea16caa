// Decoding of sessions captured from a real PostgreSQL 15 (psql/libpq, asyncpg; see
// data/capture.py): every byte frames, every message parses, and the decoded values are the ones
// the clients sent and the server answered. The captured logins are replayed through this
// codec's SCRAM and MD5 against the server's own stored passwords.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <fstream>

#include "protocol/md5.hpp"
#include "protocol/messages.hpp"
#include "protocol/scram.hpp"
#include "render.hpp"
#include "transcript.hpp"

namespace bdata = boost::unit_test::data;
using namespace pgsteer::protocol;
using namespace pgsteer::protocol::test;

namespace {

// role -> pg_authid.rolpassword of the capture server.
std::string stored_password(const std::string& role) {
    std::ifstream in(std::string(PGSTEER_SOURCE_DIR) + "/tests/protocol/data/pg15_authid.txt");
    for (std::string line; std::getline(in, line);)
        if (line.starts_with(role + " ")) return line.substr(role.size() + 1);
    BOOST_FAIL("no stored password for " << role);
    return {};
}

std::string after(const std::string& line, const std::string& prefix) {
    BOOST_TEST_REQUIRE(line.starts_with(prefix), line << " does not start with " << prefix);
    return line.substr(prefix.size());
}

const char* const captures[] = {"pg15_simple", "pg15_copy_in", "pg15_md5", "pg15_extended", "pg15_cancel",
                                "pg15_scram_wrong"};

}  // namespace

BOOST_AUTO_TEST_SUITE(captured)

BOOST_DATA_TEST_CASE(every_message_decodes, bdata::make(captures), name) {
    const auto connections = load_capture(name);
    BOOST_TEST(!connections.empty());
    for (const auto& [n, c] : connections) {
        BOOST_TEST_INFO("connection " << n);
        BOOST_TEST(c.decoded_cleanly);
    }
}

BOOST_AUTO_TEST_CASE(simple_query_session) {
    const auto c = load_capture("pg15_simple").at(1);
    const auto& f = c.client_lines;
    const auto& b = c.server_lines;
    BOOST_TEST(f.front() == "Startup 3.0 [user=app,database=app,application_name=psql]");
    BOOST_TEST(has_line(f, "Query SELECT 1 AS one, NULL::text AS nothing, 'héllo'::text AS word"));
    BOOST_TEST(has_line(f, "Query ;"));
    BOOST_TEST(line_starting(f, "FunctionCall oid=952 args=2") != "");   // lo_open from \lo_import
    BOOST_TEST(f.back() == "Terminate");

    BOOST_TEST(b.front() == "AuthenticationSASL [SCRAM-SHA-256]");
    BOOST_TEST(has_line(b, "AuthenticationOk"));
    BOOST_TEST(line_starting(b, "ParameterStatus server_version=15.") != "");
    BOOST_TEST(has_line(b, "RowDescription [one:0:0:23:4:-1:0,nothing:0:0:25:-1:-1:0,word:0:0:25:-1:-1:0]"));
    BOOST_TEST(has_line(b, "DataRow [1,NULL,héllo]"));
    BOOST_TEST(has_line(b, "ErrorResponse ERROR 42P01 relation \"no_such_table\" does not exist"));
    BOOST_TEST(has_line(b, "NoticeResponse NOTICE 00000 hello notice"));
    BOOST_TEST(has_line(b, "EmptyQueryResponse"));
    BOOST_TEST(has_line(b, "ErrorResponse ERROR 22012 division by zero"));
    BOOST_TEST(has_line(b, "ReadyForQuery T"));
    BOOST_TEST(has_line(b, "ReadyForQuery E"));
    BOOST_TEST(has_line(b, "CopyOutResponse format=0 [0,0]"));
    BOOST_TEST(has_line(b, "CopyData 2\trow 2\n"));
    BOOST_TEST(has_line(b, "CommandComplete COPY 3"));
    BOOST_TEST(line_starting(b, "FunctionCallResponse ") != "");
    // NOTIFY to itself: the notification carries the session's own backend pid.
    const std::string pid = after(line_starting(b, "BackendKeyData pid="), "BackendKeyData pid=");
    BOOST_TEST(has_line(b, "NotificationResponse pid=" + pid.substr(0, pid.find(' ')) + " chan payload"));
}

BOOST_AUTO_TEST_CASE(copy_in_session) {
    const auto c = load_capture("pg15_copy_in").at(1);
    BOOST_TEST(has_line(c.client_lines, "CopyData 1\tone\n2\ttwo\n\\.\n"));
    BOOST_TEST(has_line(c.client_lines, "CopyDone"));
    BOOST_TEST(has_line(c.server_lines, "CopyInResponse format=0 [0,0]"));
    BOOST_TEST(has_line(c.server_lines, "CommandComplete COPY 2"));
    BOOST_TEST(has_line(c.server_lines, "DataRow [2]"));
}

BOOST_AUTO_TEST_CASE(extended_protocol_session) {
    const auto c = load_capture("pg15_extended").at(1);
    const auto& f = c.client_lines;
    const auto& b = c.server_lines;
    BOOST_TEST(has_line(f, "Parse name=__asyncpg_stmt_1__ sql=SELECT $1::int + 1 types=[]"));
    BOOST_TEST(has_line(f, "Describe S __asyncpg_stmt_1__"));
    BOOST_TEST(has_line(f, "Flush"));
    BOOST_TEST(has_line(f, "Bind portal= statement=__asyncpg_stmt_2__ params=2"));
    BOOST_TEST(has_line(f, "Execute portal= max_rows=1"));
    BOOST_TEST(has_line(f, "Sync"));
    BOOST_TEST(has_line(b, "ParseComplete"));
    BOOST_TEST(has_line(b, "ParameterDescription [25,25]"));
    BOOST_TEST(has_line(b, "BindComplete"));
    BOOST_TEST(has_line(b, std::string("DataRow [\0\0\0\x2a]", 14)));   // 42 as a binary int4
    BOOST_TEST(has_line(b, "PortalSuspended"));
    BOOST_TEST(has_line(b, "DataRow [NULL]"));
    BOOST_TEST(has_line(b, "ErrorResponse ERROR 42601 syntax error at or near \"SELEC\""));
}

BOOST_AUTO_TEST_CASE(cancel_request_targets_the_session) {
    const auto connections = load_capture("pg15_cancel");
    const auto key = after(line_starting(connections.at(1).server_lines, "BackendKeyData "), "BackendKeyData ");
    BOOST_TEST(connections.at(2).client_lines == std::vector<std::string>{"CancelRequest " + key});
    BOOST_TEST(has_line(connections.at(1).server_lines,
                        "ErrorResponse ERROR 57014 canceling statement due to user request"));
}

// Each captured SCRAM login replayed through ScramServer (holding PostgreSQL's verifier) and
// ScramClient (holding the password): both must produce the very bytes PostgreSQL and libpq did.
BOOST_DATA_TEST_CASE(scram_logins_replay, bdata::make({"pg15_simple", "pg15_copy_in", "pg15_extended", "pg15_cancel"}),
                     name) {
    const auto c = load_capture(name).at(1);
    const std::string client_first =
        after(line_starting(c.client_lines, "SASLInitialResponse "), "SASLInitialResponse SCRAM-SHA-256 ");
    const std::string client_final = after(line_starting(c.client_lines, "SASLResponse "), "SASLResponse ");
    const std::string server_first =
        after(line_starting(c.server_lines, "AuthenticationSASLContinue "), "AuthenticationSASLContinue ");
    const std::string server_final =
        after(line_starting(c.server_lines, "AuthenticationSASLFinal "), "AuthenticationSASLFinal ");

    const std::string client_nonce = client_first.substr(client_first.find(",r=") + 3);
    const std::string full_nonce = server_first.substr(2, server_first.find(',') - 2);
    const auto verifier = parse_scram_verifier(stored_password("app"));
    BOOST_TEST_REQUIRE(verifier.has_value());

    ScramServer server(*verifier, full_nonce.substr(client_nonce.size()));
    BOOST_TEST(server.handle_client_first(client_first).value_or("<refused>") == server_first);
    BOOST_TEST(server.handle_client_final(client_final).value_or("<refused>") == server_final);
    BOOST_TEST(server.client_key().has_value());

    const std::string user = client_first.substr(5, client_first.find(",r=") - 5);   // after "n,,n="
    auto client = ScramClient::with_password(user, "app", client_nonce);
    BOOST_TEST(client.client_first() == client_first);
    BOOST_TEST(client.handle_server_first(server_first).value_or("<refused>") == client_final);
    BOOST_TEST(client.handle_server_final(server_final));
}

BOOST_AUTO_TEST_CASE(scram_wrong_password_replay) {
    const auto c = load_capture("pg15_scram_wrong").at(1);
    const auto verifier = parse_scram_verifier(stored_password("app"));
    BOOST_TEST_REQUIRE(verifier.has_value());
    const std::string client_first =
        after(line_starting(c.client_lines, "SASLInitialResponse "), "SASLInitialResponse SCRAM-SHA-256 ");
    const std::string server_first =
        after(line_starting(c.server_lines, "AuthenticationSASLContinue "), "AuthenticationSASLContinue ");
    const std::string client_nonce = client_first.substr(client_first.find(",r=") + 3);
    ScramServer server(*verifier, server_first.substr(2 + client_nonce.size(),
                                                      server_first.find(',') - 2 - client_nonce.size()));
    BOOST_TEST(server.handle_client_first(client_first).value_or("") == server_first);
    BOOST_TEST(!server.handle_client_final(after(line_starting(c.client_lines, "SASLResponse "), "SASLResponse ")));
    BOOST_TEST((server.error() == ScramError::wrong_password));
    BOOST_TEST(!server.client_key().has_value());
    BOOST_TEST(c.server_lines.back() == "ErrorResponse FATAL 28P01 password authentication failed for user \"app\"");
}

BOOST_AUTO_TEST_CASE(md5_logins_replay) {
    const auto connections = load_capture("pg15_md5");
    const std::string stored = stored_password("md5user");
    BOOST_TEST(stored == md5_password_hash("md5user", "secret"));
    for (const auto& [n, c] : connections) {
        auto r = peek_frame(bytes_of(c.backend));
        BOOST_TEST_REQUIRE((r.status == FrameStatus::frame));
        auto a = parse_authentication(r.frame);
        BOOST_TEST_REQUIRE(a.has_value());
        const auto salt = md5_salt(*a);
        BOOST_TEST_REQUIRE(salt.has_value());
        const std::string response = after(line_starting(c.client_lines, "Password "), "Password ");
        const bool right_password = n == 1;   // capture.py logs in with "secret", then with "wrong"
        BOOST_TEST(md5_check(stored, "md5user", *salt, response) == right_password);
        BOOST_TEST(md5_check("secret", "md5user", *salt, response) == right_password);
        BOOST_TEST((md5_response("md5user", "secret", *salt) == response) == right_password);
        BOOST_TEST((md5_response(stored, *salt) == response) == right_password);
        BOOST_TEST(has_line(c.server_lines, "AuthenticationOk") == right_password);
    }
    BOOST_TEST(connections.at(2).server_lines.back() ==
               "ErrorResponse FATAL 28P01 password authentication failed for user \"md5user\"");
}

BOOST_AUTO_TEST_SUITE_END()
