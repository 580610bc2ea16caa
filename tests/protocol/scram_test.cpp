// SCRAM-SHA-256: the RFC 7677 exchange byte for byte, PostgreSQL's verifier format, wrong
// passwords, malformed SASL messages on both sides, and pass-through with a recovered ClientKey.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>

#include "protocol/base64.hpp"
#include "protocol/scram.hpp"

namespace bdata = boost::unit_test::data;
using namespace pgsteer::protocol;

namespace {

// RFC 7677 section 3.
constexpr std::string_view rfc_client_nonce = "rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view rfc_server_nonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
constexpr std::string_view rfc_salt_b64 = "W22ZaJ0SNY7soEsUEjb6gQ==";
constexpr std::string_view rfc_client_first = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view rfc_server_first =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr std::string_view rfc_client_final =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr std::string_view rfc_server_final = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

ScramVerifier rfc_verifier() { return make_scram_verifier("pencil", *base64_decode(rfc_salt_b64), 4096); }

// Runs a whole exchange between the two state objects; true when both sides accept.
bool exchange(ScramServer& server, ScramClient& client) {
    auto server_first = server.handle_client_first(client.client_first());
    if (!server_first) return false;
    auto client_final = client.handle_server_first(*server_first);
    if (!client_final) return false;
    auto server_final = server.handle_client_final(*client_final);
    return server_final && client.handle_server_final(*server_final);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(scram)

BOOST_AUTO_TEST_CASE(rfc7677_server) {
    ScramServer server(rfc_verifier(), std::string(rfc_server_nonce));
    BOOST_TEST(server.handle_client_first(rfc_client_first).value_or("") == rfc_server_first);
    BOOST_TEST(server.handle_client_final(rfc_client_final).value_or("") == rfc_server_final);
    BOOST_TEST(server.succeeded());
    BOOST_TEST((server.error() == ScramError::none));
}

BOOST_AUTO_TEST_CASE(rfc7677_client) {
    auto client = ScramClient::with_password("user", "pencil", rfc_client_nonce);
    BOOST_TEST(client.client_first() == rfc_client_first);
    BOOST_TEST(client.handle_server_first(rfc_server_first).value_or("") == rfc_client_final);
    BOOST_TEST(client.handle_server_final(rfc_server_final));
}

BOOST_AUTO_TEST_CASE(rfc7677_client_rejects_forged_server_signature) {
    auto client = ScramClient::with_password("user", "pencil", rfc_client_nonce);
    client.client_first();
    BOOST_TEST_REQUIRE(client.handle_server_first(rfc_server_first).has_value());
    BOOST_TEST(!client.handle_server_final("v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
}

BOOST_AUTO_TEST_CASE(verifier_format_round_trip) {
    const ScramVerifier v = rfc_verifier();
    const std::string text = format_scram_verifier(v);
    BOOST_TEST(text.starts_with("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$"));
    const auto back = parse_scram_verifier(text);
    BOOST_TEST_REQUIRE(back.has_value());
    BOOST_TEST(back->iterations == 4096);
    BOOST_TEST(back->salt == v.salt);
    BOOST_TEST((back->stored_key == v.stored_key));
    BOOST_TEST((back->server_key == v.server_key));
}

BOOST_AUTO_TEST_CASE(postgresql_verifier_checks_its_password) {
    // Made by PostgreSQL 15 for app/app (tests/protocol/data/pg15_authid.txt).
    const auto v = parse_scram_verifier(
        "SCRAM-SHA-256$4096:QB/b1hi++zhpgv6MLlYW2A==$ANUN7VOIBylrMTqYR55Nq6k9ThTinOmgkSSNqF13Q6E="
        ":Kh/6FrDTbNEGAorjiXHjXEGtv1ps9+LwOfUs2iA//cY=");
    BOOST_TEST_REQUIRE(v.has_value());
    BOOST_TEST(scram_check_password(*v, "app"));
    BOOST_TEST(!scram_check_password(*v, "App"));
    BOOST_TEST(!scram_check_password(*v, ""));

    ScramServer good(*v);
    auto right = ScramClient::with_password("app", "app");
    BOOST_TEST(exchange(good, right));
    ScramServer bad(*v);
    auto wrong = ScramClient::with_password("app", "wrong");
    BOOST_TEST(!exchange(bad, wrong));
    BOOST_TEST((bad.error() == ScramError::wrong_password));
    BOOST_TEST(!bad.client_key().has_value());
}

BOOST_AUTO_TEST_CASE(made_verifier_authenticates) {
    const ScramVerifier v = make_scram_verifier("s3cret, with = signs");
    BOOST_TEST(v.salt.size() == 16u);
    BOOST_TEST(v.iterations == 4096);
    BOOST_TEST(make_scram_verifier("x").salt != make_scram_verifier("x").salt);
    ScramServer server(v);
    auto client = ScramClient::with_password("a,user=x", "s3cret, with = signs");
    BOOST_TEST(exchange(server, client));
}

BOOST_AUTO_TEST_CASE(pass_through_with_recovered_client_key) {
    // pgsteer holds only the verifier; the client proves its password to pgsteer...
    const ScramVerifier v = make_scram_verifier("app");
    ScramServer front(v);
    auto app = ScramClient::with_password("app", "app");
    BOOST_TEST_REQUIRE(exchange(front, app));
    const auto client_key = front.client_key();
    BOOST_TEST_REQUIRE(client_key.has_value());
    // ...and pgsteer logs in to a server holding the same verifier with what it recovered,
    // on a fresh exchange with a new server nonce.
    ScramServer postgres(v);
    auto pgsteer = ScramClient::with_client_key(*client_key, v.server_key);
    BOOST_TEST(exchange(postgres, pgsteer));
    // A server with a different verifier for the same password (other salt) refuses it.
    ScramServer other(make_scram_verifier("app"));
    auto again = ScramClient::with_client_key(*client_key, v.server_key);
    BOOST_TEST(!exchange(other, again));
}

BOOST_AUTO_TEST_CASE(mock_server_never_accepts) {
    ScramServer a = ScramServer::mock("ghost", "secret");
    ScramServer b = ScramServer::mock("ghost", "secret");
    auto client = ScramClient::with_password("ghost", "anything");
    const auto first_a = a.handle_client_first(client.client_first());
    const auto first_b = b.handle_client_first("n,,n=,r=abc");
    BOOST_TEST_REQUIRE((first_a && first_b));
    // Same salt for the same name every time, so probing cannot tell it from a real user.
    BOOST_TEST(first_a->substr(first_a->find(",s=")) == first_b->substr(first_b->find(",s=")));
    auto final_msg = client.handle_server_first(*first_a);
    BOOST_TEST_REQUIRE(final_msg.has_value());
    BOOST_TEST(!a.handle_client_final(*final_msg));
    BOOST_TEST((a.error() == ScramError::wrong_password));
}

struct BadVerifier {
    const char* name;
    const char* text;
};
std::ostream& operator<<(std::ostream& os, const BadVerifier& b) { return os << b.name; }

const BadVerifier bad_verifiers[] = {
    {"empty", ""},
    {"md5 hash", "md52aea419619857e8a27f0f7aa641db0c6"},
    {"other mechanism", "SCRAM-SHA-1$4096:c2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="},
    {"zero iterations", "SCRAM-SHA-256$0:c2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="},
    {"negative iterations", "SCRAM-SHA-256$-1:c2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="},
    {"iterations overflow", "SCRAM-SHA-256$99999999999:c2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="},
    {"plus sign", "SCRAM-SHA-256$+4096:c2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="},
    {"empty salt", "SCRAM-SHA-256$4096:$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="},
    {"salt not base64", "SCRAM-SHA-256$4096:c2F*dA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="},
    {"short stored key", "SCRAM-SHA-256$4096:c2FsdA==$AAAA:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="},
    {"missing server key", "SCRAM-SHA-256$4096:c2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="},
    {"trailing junk", "SCRAM-SHA-256$4096:c2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=x"},
    {"no dollar", "SCRAM-SHA-256$4096:c2FsdA=="},
};

BOOST_DATA_TEST_CASE(malformed_verifiers, bdata::make(bad_verifiers), b) {
    BOOST_TEST(!parse_scram_verifier(b.text).has_value());
    BOOST_TEST(!is_scram_verifier(b.text));
}

struct BadClientFirst {
    const char* name;
    std::string_view message;
    ScramError error;
};
std::ostream& operator<<(std::ostream& os, const BadClientFirst& b) { return os << b.name; }

const BadClientFirst bad_client_firsts[] = {
    {"empty", "", ScramError::malformed},
    {"unknown binding flag", "x,,n=,r=abc", ScramError::malformed},
    {"channel binding requested", "p=tls-server-end-point,,n=,r=abc", ScramError::unsupported},
    {"authzid", "n,a=bob,n=,r=abc", ScramError::unsupported},
    {"mandatory extension", "n,,m=ext,n=,r=abc", ScramError::unsupported},
    {"missing second comma", "n,n=,r=abc", ScramError::malformed},
    {"missing user", "n,,r=abc", ScramError::malformed},
    {"missing nonce", "n,,n=", ScramError::malformed},
    {"empty nonce", "n,,n=,r=", ScramError::malformed},
    {"nonce with DEL", "n,,n=,r=ab\x7f", ScramError::malformed},
    {"trailing comma", "n,,n=,r=abc,", ScramError::malformed},
    {"garbage attribute", "n,,n=,r=abc,zzz", ScramError::malformed},
    {"NUL inside", std::string_view("n,,n=,r=a\0c", 11), ScramError::malformed},
};

BOOST_DATA_TEST_CASE(malformed_client_first, bdata::make(bad_client_firsts), b) {
    ScramServer server(rfc_verifier());
    BOOST_TEST(!server.handle_client_first(b.message).has_value());
    BOOST_TEST((server.error() == b.error));
    BOOST_TEST(!server.handle_client_final(rfc_client_final).has_value());
}

struct BadClientFinal {
    const char* name;
    std::string_view message;
    ScramError error;
};
std::ostream& operator<<(std::ostream& os, const BadClientFinal& b) { return os << b.name; }

const BadClientFinal bad_client_finals[] = {
    {"empty", "", ScramError::malformed},
    {"no proof", "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", ScramError::malformed},
    {"binding of y flag", "c=eSws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
     ScramError::malformed},
    {"other nonce", "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k1,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
     ScramError::malformed},
    {"client nonce only", "c=biws,r=rOprNGfwEbeRWgbNEkqO,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", ScramError::malformed},
    {"proof not base64", "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzb!apWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
     ScramError::malformed},
    {"proof too short", "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapW", ScramError::malformed},
    {"proof not last", "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=,x=1",
     ScramError::malformed},
    {"attributes swapped", "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,c=biws,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
     ScramError::malformed},
    {"wrong proof", "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
     ScramError::wrong_password},
};

BOOST_DATA_TEST_CASE(malformed_client_final, bdata::make(bad_client_finals), b) {
    ScramServer server(rfc_verifier(), std::string(rfc_server_nonce));
    BOOST_TEST_REQUIRE(server.handle_client_first(rfc_client_first).has_value());
    BOOST_TEST(!server.handle_client_final(b.message).has_value());
    BOOST_TEST((server.error() == b.error));
    BOOST_TEST(!server.client_key().has_value());
}

BOOST_AUTO_TEST_CASE(messages_out_of_order) {
    ScramServer server(rfc_verifier(), std::string(rfc_server_nonce));
    BOOST_TEST(!server.handle_client_final(rfc_client_final).has_value());
    BOOST_TEST((server.error() == ScramError::bad_state));

    ScramServer twice(rfc_verifier(), std::string(rfc_server_nonce));
    BOOST_TEST(twice.handle_client_first(rfc_client_first).has_value());
    BOOST_TEST(!twice.handle_client_first(rfc_client_first).has_value());

    auto client = ScramClient::with_password("user", "pencil", rfc_client_nonce);
    BOOST_TEST(!client.handle_server_first(rfc_server_first).has_value());   // before client_first()
    BOOST_TEST(!client.handle_server_final(rfc_server_final));
}

struct BadServerFirst {
    const char* name;
    std::string_view message;
};
std::ostream& operator<<(std::ostream& os, const BadServerFirst& b) { return os << b.name; }

const BadServerFirst bad_server_firsts[] = {
    {"empty", ""},
    {"nonce not extending ours", "r=XOprNGfwEbeRWgbNEkqO%hvYD,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"},
    {"nonce equal to ours", "r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"},
    {"missing salt", "r=rOprNGfwEbeRWgbNEkqO%hvYD,i=4096"},
    {"salt not base64", "r=rOprNGfwEbeRWgbNEkqO%hvYD,s=W22Z*J0SNY7soEsUEjb6gQ==,i=4096"},
    {"zero iterations", "r=rOprNGfwEbeRWgbNEkqO%hvYD,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0"},
    {"iterations not a number", "r=rOprNGfwEbeRWgbNEkqO%hvYD,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=lots"},
    {"order swapped", "s=W22ZaJ0SNY7soEsUEjb6gQ==,r=rOprNGfwEbeRWgbNEkqO%hvYD,i=4096"},
    {"error attribute", "e=other-error"},
};

BOOST_DATA_TEST_CASE(malformed_server_first, bdata::make(bad_server_firsts), b) {
    auto client = ScramClient::with_password("user", "pencil", rfc_client_nonce);
    client.client_first();
    BOOST_TEST(!client.handle_server_first(b.message).has_value());
}

BOOST_AUTO_TEST_CASE(server_final_error_is_reported) {
    auto client = ScramClient::with_password("user", "pencil", rfc_client_nonce);
    client.client_first();
    BOOST_TEST_REQUIRE(client.handle_server_first(rfc_server_first).has_value());
    BOOST_TEST(!client.handle_server_final("e=invalid-proof"));
    BOOST_TEST(client.server_error() == "invalid-proof");
}

struct Base64Case {
    const char* text;
    const char* decoded;   // nullptr = refused
};
std::ostream& operator<<(std::ostream& os, const Base64Case& c) { return os << '"' << c.text << '"'; }

const Base64Case base64_cases[] = {
    {"", ""}, {"Zg==", "f"}, {"Zm8=", "fo"}, {"Zm9v", "foo"}, {"Zm9vYmFy", "foobar"},
    {"Zg=", nullptr}, {"Zg", nullptr}, {"Z===", nullptr}, {"Zh==", nullptr}, {"Zm9=", nullptr},
    {"Zm9v=", nullptr}, {"=m9v", nullptr}, {"Zm=v", nullptr}, {"Zm9v Zm9v", nullptr}, {"Zg==Zg==", nullptr},
};

BOOST_DATA_TEST_CASE(base64_strict, bdata::make(base64_cases), c) {
    const auto d = base64_decode(c.text);
    if (c.decoded == nullptr) {
        BOOST_TEST(!d.has_value());
    } else {
        BOOST_TEST_REQUIRE(d.has_value());
        BOOST_TEST(*d == c.decoded);
        BOOST_TEST(base64_encode(std::string_view(c.decoded)) == c.text);
    }
}

BOOST_AUTO_TEST_SUITE_END()
