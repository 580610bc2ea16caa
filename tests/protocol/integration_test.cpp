// The codec against real PostgreSQL software: libpq and psql log into a server built from the
// codec (SCRAM with a verifier PostgreSQL made, and MD5), and the codec's client side logs into
// the test cluster's PostgreSQL with SCRAM, by password and by SCRAM pass-through.
#define BOOST_TEST_MODULE protocol_integration
#include <boost/test/unit_test.hpp>

#include "auth_server.hpp"
#include "protocol/builder.hpp"
#include "protocol/md5.hpp"
#include "protocol/messages.hpp"
#include "protocol/scram.hpp"
#include "socket_io.hpp"
#include "tests/support/cluster.hpp"

using namespace pgsteer::protocol;
using namespace pgsteer::protocol::test;
using pgsteer::test::Cluster;
using pgsteer::test::conninfo;
using pgsteer::test::PgError;

using ProtocolCluster = pgsteer::test::ClusterFixture<25532>;
BOOST_TEST_GLOBAL_FIXTURE(ProtocolCluster);

namespace {

std::string app_verifier() {
    return pgsteer::test::query_value(Cluster::current().superuser(1),
                                      "SELECT rolpassword FROM pg_authid WHERE rolname = 'app'");
}

// The SQLSTATE a libpq login fails with, "" when it succeeds.
std::string libpq_login_error(int port, const std::string& user, const std::string& password) {
    try {
        pgsteer::test::Connection c(conninfo(port, user, "app", password));
        return "";
    } catch (const PgError& e) {
        return e.sqlstate.empty() ? std::string("no sqlstate: ") + e.what() : e.sqlstate;
    }
}

std::string psql(int port, const std::string& password, int* status) {
    return pgsteer::test::run("PGPASSWORD=" + pgsteer::test::shell_quote(password) +
                                  " /usr/lib/postgresql/15/bin/psql -X -At " +
                                  pgsteer::test::shell_quote("host=127.0.0.1 port=" + std::to_string(port) +
                                                             " user=app dbname=app") +
                                  " -c 'SELECT 1' 2>&1",
                              status);
}

void server_accepts_real_clients(AuthMethod method, const std::string& stored) {
    AuthServer server(method, "app", stored);
    const std::string answer = AuthServer::answer_for("app");
    BOOST_TEST(pgsteer::test::query_value(conninfo(server.port()), "SELECT 1") == answer);
    BOOST_TEST(libpq_login_error(server.port(), "app", "wrong") == "28P01");
    BOOST_TEST(libpq_login_error(server.port(), "nobody", "app") == "28P01");
    int status = -1;
    BOOST_TEST(psql(server.port(), "app", &status) == answer + "\n");
    BOOST_TEST(status == 0);
    const std::string refused = psql(server.port(), "wrong", &status);
    BOOST_TEST(status != 0);
    BOOST_TEST(refused.find("password authentication failed for user \"app\"") != std::string::npos, refused);
}

// A session to PostgreSQL driven by this codec alone.
class CodecClient {
public:
    explicit CodecClient(int port) : socket_(Socket::connect_to(port)), reader_(socket_) {}

    // "" once ReadyForQuery arrives after a verified login, else what went wrong (a SQLSTATE).
    std::string login(ScramClient& scram) {
        std::string out;
        put_startup_message(out, {{"user", "app"}, {"database", "app"}, {"application_name", "pgsteer-codec"}});
        if (!socket_.send_all(out)) return "send failed";
        for (;;) {
            auto f = reader_.next();
            if (!f) return "connection closed";
            if (auto e = parse_error_fields(f->view()); e && f->type == msg::error_response)
                return std::string(e->sqlstate);
            if (parse_ready_for_query(f->view())) return "";
            auto a = parse_authentication(f->view());
            if (!a) continue;   // ParameterStatus, BackendKeyData
            out.clear();
            if (a->code == auth::sasl) {
                auto mechanisms = sasl_mechanisms(*a);
                if (!mechanisms || mechanisms->empty() || mechanisms->front() != scram_sha_256) return "no SCRAM";
                put_sasl_initial_response(out, scram_sha_256, scram.client_first());
            } else if (a->code == auth::sasl_continue) {
                auto final_msg = scram.handle_server_first(a->data_view());
                if (!final_msg) return "bad server-first";
                put_sasl_response(out, *final_msg);
            } else if (a->code == auth::sasl_final) {
                if (!scram.handle_server_final(a->data_view())) return "server signature not verified";
            } else if (a->code != auth::ok) {
                return "unexpected authentication request";
            }
            if (!out.empty() && !socket_.send_all(out)) return "send failed";
        }
    }

    // The rows of a simple query, NULL as "NULL"; a SQLSTATE as the only cell on error.
    std::vector<std::string> query(const std::string& sql) {
        std::string out;
        put_query(out, sql);
        socket_.send_all(out);
        std::vector<std::string> cells;
        for (auto f = reader_.next(); f; f = reader_.next()) {
            if (auto row = parse_data_row(f->view()))
                for (const auto& c : row->columns) cells.emplace_back(c ? std::string(*c) : "NULL");
            if (auto e = parse_error_fields(f->view())) cells = {std::string(e->sqlstate)};
            if (parse_ready_for_query(f->view())) break;
        }
        return cells;
    }

private:
    Socket socket_;
    FrameReader reader_;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(codec_server)

BOOST_AUTO_TEST_CASE(libpq_and_psql_log_in_with_scram_against_a_postgresql_verifier) {
    server_accepts_real_clients(AuthMethod::scram, app_verifier());
}

BOOST_AUTO_TEST_CASE(libpq_and_psql_log_in_with_md5) {
    server_accepts_real_clients(AuthMethod::md5, md5_password_hash("app", "app"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(codec_client)

BOOST_AUTO_TEST_CASE(scram_login_to_postgresql) {
    const int port = Cluster::current().port(1);
    CodecClient session(port);
    auto scram = ScramClient::with_password("app", "app");
    BOOST_TEST_REQUIRE(session.login(scram) == "");
    BOOST_TEST((session.query("SELECT 1") == std::vector<std::string>{"1"}));
    BOOST_TEST((session.query("SELECT current_user, inet_server_port()") ==
                std::vector<std::string>{"app", std::to_string(port)}));
    BOOST_TEST((session.query("SELECT * FROM no_such_table") == std::vector<std::string>{"42P01"}));
}

BOOST_AUTO_TEST_CASE(wrong_password_refused_by_postgresql) {
    CodecClient session(Cluster::current().port(1));
    auto scram = ScramClient::with_password("app", "wrong");
    BOOST_TEST(session.login(scram) == "28P01");
}

BOOST_AUTO_TEST_CASE(scram_pass_through_with_a_recovered_client_key) {
    // pgsteer knows only the verifier: it checks the application's proof with it...
    const auto verifier = parse_scram_verifier(app_verifier());
    BOOST_TEST_REQUIRE(verifier.has_value());
    ScramServer front(*verifier);
    auto application = ScramClient::with_password("app", "app");
    auto server_first = front.handle_client_first(application.client_first());
    BOOST_TEST_REQUIRE(server_first.has_value());
    auto client_final = application.handle_server_first(*server_first);
    BOOST_TEST_REQUIRE(client_final.has_value());
    auto server_final = front.handle_client_final(*client_final);
    BOOST_TEST_REQUIRE(server_final.has_value());
    BOOST_TEST(application.handle_server_final(*server_final));
    // ...and logs into PostgreSQL as that user with the ClientKey the proof revealed.
    CodecClient session(Cluster::current().port(1));
    auto pass_through = ScramClient::with_client_key(*front.client_key(), verifier->server_key);
    BOOST_TEST_REQUIRE(session.login(pass_through) == "");
    BOOST_TEST((session.query("SELECT current_user") == std::vector<std::string>{"app"}));
}

BOOST_AUTO_TEST_SUITE_END()
