// SCRAM-SHA-256 (RFC 5802/7677) as PostgreSQL speaks it, both sides, as pure state objects fed
// with the SASL message payloads. No channel binding: pgsteer advertises SCRAM-SHA-256 only.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pgsteer::protocol {

inline constexpr std::string_view scram_sha_256 = "SCRAM-SHA-256";
using ScramKey = std::array<std::uint8_t, 32>;

// What PostgreSQL stores in pg_authid.rolpassword for a SCRAM user.
struct ScramVerifier {
    int iterations = 0;
    std::string salt;            // raw bytes
    ScramKey stored_key{};
    ScramKey server_key{};
};

// "SCRAM-SHA-256$<iter>:<b64salt>$<b64StoredKey>:<b64ServerKey>"; nullopt when anything is off.
std::optional<ScramVerifier> parse_scram_verifier(std::string_view text);
std::string format_scram_verifier(const ScramVerifier&);
bool is_scram_verifier(std::string_view text);
// A verifier for a plaintext password with a random 16-byte salt (PostgreSQL's defaults).
ScramVerifier make_scram_verifier(std::string_view password, int iterations = 4096);
ScramVerifier make_scram_verifier(std::string_view password, std::string_view raw_salt, int iterations);
// Whether a cleartext password (e.g. from a PasswordMessage) matches the verifier. Constant-time.
bool scram_check_password(const ScramVerifier&, std::string_view password);

enum class ScramError {
    none,
    malformed,        // a message that does not follow RFC 5802: answer 08P01
    unsupported,      // channel binding or authzid requested: answer 0A000/08P01
    wrong_password,   // the proof does not match: answer 28P01
    bad_state,        // a message out of order
};

// pgsteer authenticating a client: feed the SASLInitialResponse data, send the returned
// server-first-message in AuthenticationSASLContinue, feed the SASLResponse data, send the
// returned server-final-message in AuthenticationSASLFinal, then AuthenticationOk.
class ScramServer {
public:
    // server_nonce: empty = 18 random bytes, base64 (like PostgreSQL); fixed only for tests.
    explicit ScramServer(ScramVerifier verifier, std::string server_nonce = {});
    // A user that does not exist: the exchange looks normal (deterministic salt from the name
    // and secret, so probing cannot tell) and always ends in wrong_password.
    static ScramServer mock(std::string_view user, std::string_view secret = {});

    std::optional<std::string> handle_client_first(std::string_view client_first);
    // nullopt when the message is malformed or the proof is wrong (see error()).
    std::optional<std::string> handle_client_final(std::string_view client_final);

    // After success: the ClientKey recovered from the proof, for SCRAM pass-through to servers
    // with ScramClient::with_client_key(client_key, verifier.server_key).
    std::optional<ScramKey> client_key() const;
    const ScramVerifier& verifier() const { return verifier_; }
    ScramError error() const { return error_; }
    bool succeeded() const { return state_ == State::done; }

private:
    enum class State { expect_first, expect_final, done, failed };
    std::nullopt_t fail(ScramError e);

    ScramVerifier verifier_;
    std::string server_nonce_;
    bool mock_ = false;
    State state_ = State::expect_first;
    ScramError error_ = ScramError::none;
    std::string gs2_header_;           // what the client-final's c= must echo
    std::string client_first_bare_;
    std::string server_first_;
    std::string nonce_;                // client nonce + server nonce
    ScramKey client_key_{};
};

// pgsteer authenticating to PostgreSQL.
class ScramClient {
public:
    // client_nonce: empty = 18 random bytes, base64 (like libpq); fixed only for tests.
    static ScramClient with_password(std::string_view user, std::string_view password,
                                     std::string_view client_nonce = {});
    // SCRAM pass-through: the ClientKey recovered by ScramServer plus the verifier's ServerKey.
    static ScramClient with_client_key(ScramKey client_key, ScramKey server_key,
                                       std::string_view client_nonce = {});

    std::string client_first();                                              // SASLInitialResponse data
    std::optional<std::string> handle_server_first(std::string_view data);   // -> SASLResponse data
    bool handle_server_final(std::string_view data);                         // verifies the server
    std::string_view server_error() const { return server_error_; }          // e= from the server

private:
    ScramClient() = default;

    std::string user_;
    std::string password_;
    std::optional<ScramKey> client_key_;
    std::optional<ScramKey> server_key_;
    std::string client_nonce_;
    std::string client_first_bare_;
    std::string auth_message_;
    bool expect_final_ = false;
    std::string server_error_;
};

}  // namespace pgsteer::protocol
