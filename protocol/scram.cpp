// SCRAM-SHA-256 for both ends of a PostgreSQL login, following RFC 5802/7677 and the
// PostgreSQL server's (auth-scram.c) and libpq's (fe-auth-scram.c) reading of them.
#include "protocol/scram.hpp"

#include <charconv>
#include <climits>

#include "protocol/base64.hpp"
#include "protocol/crypto.hpp"

namespace pgsteer::protocol {

using detail::as_bytes;

namespace {

constexpr std::size_t nonce_random_bytes = 18;   // as PostgreSQL and libpq
constexpr std::size_t default_salt_bytes = 16;

// Walks "a=value,b=value,...": attribute values never contain ','.
class Attributes {
public:
    explicit Attributes(std::string_view s) : s_(s) {}

    std::optional<std::string_view> get(char name) {
        if (pos_ + 2 > s_.size() || s_[pos_] != name || s_[pos_ + 1] != '=') return std::nullopt;
        return value();
    }
    std::optional<std::pair<char, std::string_view>> any() {
        if (pos_ + 2 > s_.size() || s_[pos_ + 1] != '=') return std::nullopt;
        const char name = s_[pos_];
        if (!((name >= 'a' && name <= 'z') || (name >= 'A' && name <= 'Z'))) return std::nullopt;
        auto v = value();
        if (!v) return std::nullopt;
        return std::pair{name, *v};
    }
    bool at_end() const { return pos_ == s_.size(); }
    std::size_t pos() const { return pos_; }

private:
    std::optional<std::string_view> value() {
        const std::size_t start = pos_ + 2;
        const std::size_t comma = s_.find(',', start);
        if (comma == std::string_view::npos) {
            pos_ = s_.size();
            return s_.substr(start);
        }
        pos_ = comma + 1;
        if (pos_ == s_.size()) return std::nullopt;   // a trailing comma announces nothing
        return s_.substr(start, comma - start);
    }

    std::string_view s_;
    std::size_t pos_ = 0;
};

bool is_printable_nonce(std::string_view nonce) {
    if (nonce.empty()) return false;
    for (char c : nonce)
        if (c < 0x21 || c > 0x7e || c == ',') return false;
    return true;
}

std::optional<int> parse_positive_int(std::string_view s) {
    int v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size() || v <= 0 || s.front() == '+') return std::nullopt;
    return v;
}

std::optional<ScramKey> decode_key(std::string_view b64) {
    auto raw = base64_decode(b64);
    if (!raw || raw->size() != 32) return std::nullopt;
    ScramKey k{};
    for (std::size_t i = 0; i < 32; ++i) k[i] = static_cast<std::uint8_t>((*raw)[i]);
    return k;
}

ScramKey xor_keys(const ScramKey& a, const ScramKey& b) {
    ScramKey out{};
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = a[i] ^ b[i];
    return out;
}

ScramKey client_key_of(const ScramKey& salted) { return detail::hmac_sha256(salted, "Client Key"); }
ScramKey server_key_of(const ScramKey& salted) { return detail::hmac_sha256(salted, "Server Key"); }

std::string random_nonce() { return base64_encode(detail::random_bytes(nonce_random_bytes)); }

// RFC 5802 saslname: ',' and '=' are escaped.
std::string saslname(std::string_view user) {
    std::string out;
    for (char c : user) {
        if (c == ',') {
            out += "=2C";
        } else if (c == '=') {
            out += "=3D";
        } else {
            out.push_back(c);
        }
    }
    return out;
}

bool has_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

}  // namespace

// ---- verifiers ----

std::optional<ScramVerifier> parse_scram_verifier(std::string_view text) {
    constexpr std::string_view prefix = "SCRAM-SHA-256$";
    if (!text.starts_with(prefix)) return std::nullopt;
    text.remove_prefix(prefix.size());
    const auto colon1 = text.find(':');
    const auto dollar = text.find('$');
    if (colon1 == std::string_view::npos || dollar == std::string_view::npos || dollar < colon1)
        return std::nullopt;
    const auto colon2 = text.find(':', dollar);
    if (colon2 == std::string_view::npos) return std::nullopt;

    ScramVerifier v;
    auto iterations = parse_positive_int(text.substr(0, colon1));
    auto salt = base64_decode(text.substr(colon1 + 1, dollar - colon1 - 1));
    auto stored = decode_key(text.substr(dollar + 1, colon2 - dollar - 1));
    auto server = decode_key(text.substr(colon2 + 1));
    if (!iterations || !salt || salt->empty() || !stored || !server) return std::nullopt;
    v.iterations = *iterations;
    v.salt = std::move(*salt);
    v.stored_key = *stored;
    v.server_key = *server;
    return v;
}

std::string format_scram_verifier(const ScramVerifier& v) {
    std::string out = "SCRAM-SHA-256$";
    out += std::to_string(v.iterations);
    out += ':';
    out += base64_encode(v.salt);
    out += '$';
    out += base64_encode(v.stored_key);
    out += ':';
    out += base64_encode(v.server_key);
    return out;
}

bool is_scram_verifier(std::string_view text) { return parse_scram_verifier(text).has_value(); }

ScramVerifier make_scram_verifier(std::string_view password, std::string_view raw_salt, int iterations) {
    // PostgreSQL SASLpreps the password; for ASCII that is the identity, and for anything it
    // cannot normalize it also falls back to the raw bytes, which is what we always use.
    const ScramKey salted = detail::pbkdf2_sha256(password, raw_salt, iterations);
    ScramVerifier v;
    v.iterations = iterations;
    v.salt = std::string(raw_salt);
    v.stored_key = detail::sha256(client_key_of(salted));
    v.server_key = server_key_of(salted);
    return v;
}

ScramVerifier make_scram_verifier(std::string_view password, int iterations) {
    return make_scram_verifier(password, detail::random_bytes(default_salt_bytes), iterations);
}

bool scram_check_password(const ScramVerifier& v, std::string_view password) {
    if (v.iterations <= 0) return false;
    const ScramVerifier computed = make_scram_verifier(password, v.salt, v.iterations);
    return detail::constant_time_equal(computed.stored_key, v.stored_key);
}

// ---- server side ----

ScramServer::ScramServer(ScramVerifier verifier, std::string server_nonce)
    : verifier_(std::move(verifier)),
      server_nonce_(server_nonce.empty() ? random_nonce() : std::move(server_nonce)) {}

ScramServer ScramServer::mock(std::string_view user, std::string_view secret) {
    std::string seed(secret);
    seed.push_back('\0');
    seed.append(user);
    const auto digest = detail::sha256(as_bytes(seed));
    ScramVerifier v;
    v.iterations = 4096;
    v.salt.assign(reinterpret_cast<const char*>(digest.data()), default_salt_bytes);
    ScramServer s(std::move(v));
    s.mock_ = true;
    return s;
}

std::nullopt_t ScramServer::fail(ScramError e) {
    state_ = State::failed;
    error_ = e;
    return std::nullopt;
}

std::optional<std::string> ScramServer::handle_client_first(std::string_view msg) {
    if (state_ != State::expect_first) return fail(ScramError::bad_state);
    if (has_nul(msg) || msg.size() < 3) return fail(ScramError::malformed);
    // gs2-header: a channel-binding flag, then an optional authzid.
    switch (msg[0]) {
        case 'n':
        case 'y':   // the client could bind but believes we cannot: true, we offer no -PLUS
            break;
        case 'p':
            return fail(ScramError::unsupported);
        default:
            return fail(ScramError::malformed);
    }
    if (msg[1] != ',') return fail(ScramError::malformed);
    if (msg[2] == 'a') return fail(ScramError::unsupported);
    if (msg[2] != ',') return fail(ScramError::malformed);
    gs2_header_ = std::string(msg.substr(0, 3));
    const std::string_view bare = msg.substr(3);

    Attributes a(bare);
    if (bare.starts_with("m=")) return fail(ScramError::unsupported);
    // The user name inside SCRAM is ignored, as PostgreSQL does: the startup packet's counts.
    auto user = a.get('n');
    auto nonce = a.get('r');
    if (!user || !nonce || !is_printable_nonce(*nonce)) return fail(ScramError::malformed);
    while (!a.at_end())
        if (!a.any()) return fail(ScramError::malformed);

    client_first_bare_ = std::string(bare);
    nonce_ = std::string(*nonce) + server_nonce_;
    server_first_ = "r=" + nonce_ + ",s=" + base64_encode(verifier_.salt) +
                    ",i=" + std::to_string(verifier_.iterations);
    state_ = State::expect_final;
    return server_first_;
}

std::optional<std::string> ScramServer::handle_client_final(std::string_view msg) {
    if (state_ != State::expect_final) return fail(ScramError::bad_state);
    if (has_nul(msg)) return fail(ScramError::malformed);
    Attributes a(msg);
    auto binding = a.get('c');
    if (!binding || *binding != base64_encode(gs2_header_)) return fail(ScramError::malformed);
    auto nonce = a.get('r');
    if (!nonce || *nonce != nonce_) return fail(ScramError::malformed);
    // Extensions may follow; the proof must be the last attribute.
    std::optional<std::string_view> proof_b64;
    std::size_t proof_at = 0;
    while (!a.at_end()) {
        const std::size_t at = a.pos();
        auto attr = a.any();
        if (!attr) return fail(ScramError::malformed);
        if (attr->first == 'p') {
            if (!a.at_end()) return fail(ScramError::malformed);
            proof_b64 = attr->second;
            proof_at = at;
        }
    }
    if (!proof_b64) return fail(ScramError::malformed);
    auto proof = decode_key(*proof_b64);
    if (!proof) return fail(ScramError::malformed);

    const std::string_view without_proof = msg.substr(0, proof_at - 1);
    std::string auth_message = client_first_bare_;
    auth_message.append(",").append(server_first_).append(",").append(without_proof);

    const ScramKey client_signature = detail::hmac_sha256(verifier_.stored_key, auth_message);
    const ScramKey client_key = xor_keys(*proof, client_signature);
    const ScramKey stored = detail::sha256(client_key);
    if (!detail::constant_time_equal(stored, verifier_.stored_key) || mock_)
        return fail(ScramError::wrong_password);

    client_key_ = client_key;
    state_ = State::done;
    return "v=" + base64_encode(detail::hmac_sha256(verifier_.server_key, auth_message));
}

std::optional<ScramKey> ScramServer::client_key() const {
    if (state_ != State::done) return std::nullopt;
    return client_key_;
}

// ---- client side ----

ScramClient ScramClient::with_password(std::string_view user, std::string_view password,
                                       std::string_view client_nonce) {
    ScramClient c;
    c.user_ = std::string(user);
    c.password_ = std::string(password);
    c.client_nonce_ = client_nonce.empty() ? random_nonce() : std::string(client_nonce);
    return c;
}

ScramClient ScramClient::with_client_key(ScramKey client_key, ScramKey server_key,
                                         std::string_view client_nonce) {
    ScramClient c;
    c.client_key_ = client_key;
    c.server_key_ = server_key;
    c.client_nonce_ = client_nonce.empty() ? random_nonce() : std::string(client_nonce);
    return c;
}

std::string ScramClient::client_first() {
    client_first_bare_ = "n=" + saslname(user_) + ",r=" + client_nonce_;
    expect_final_ = false;
    return "n,," + client_first_bare_;
}

std::optional<std::string> ScramClient::handle_server_first(std::string_view data) {
    if (client_first_bare_.empty() || expect_final_ || has_nul(data)) return std::nullopt;
    Attributes a(data);
    auto nonce = a.get('r');
    auto salt_b64 = a.get('s');
    auto iterations_text = a.get('i');
    if (!nonce || !salt_b64 || !iterations_text) return std::nullopt;
    while (!a.at_end())
        if (!a.any()) return std::nullopt;
    if (!nonce->starts_with(client_nonce_) || nonce->size() == client_nonce_.size() ||
        !is_printable_nonce(*nonce))
        return std::nullopt;
    auto salt = base64_decode(*salt_b64);
    auto iterations = parse_positive_int(*iterations_text);
    if (!salt || salt->empty() || !iterations) return std::nullopt;

    if (!client_key_) {
        const ScramKey salted = detail::pbkdf2_sha256(password_, *salt, *iterations);
        client_key_ = client_key_of(salted);
        server_key_ = server_key_of(salted);
    }
    const std::string without_proof = "c=" + base64_encode(std::string_view("n,,")) + ",r=" + std::string(*nonce);
    auth_message_ = client_first_bare_;
    auth_message_.append(",").append(data).append(",").append(without_proof);
    const ScramKey stored = detail::sha256(*client_key_);
    const ScramKey proof = xor_keys(*client_key_, detail::hmac_sha256(stored, auth_message_));
    expect_final_ = true;
    return without_proof + ",p=" + base64_encode(proof);
}

bool ScramClient::handle_server_final(std::string_view data) {
    if (!expect_final_ || has_nul(data)) return false;
    expect_final_ = false;
    Attributes a(data);
    if (auto err = a.get('e')) {
        server_error_ = std::string(*err);
        return false;
    }
    auto signature_b64 = a.get('v');
    if (!signature_b64 || !a.at_end()) return false;
    auto signature = decode_key(*signature_b64);
    if (!signature) return false;
    const ScramKey expected = detail::hmac_sha256(*server_key_, auth_message_);
    return detail::constant_time_equal(expected, *signature);
}

}  // namespace pgsteer::protocol
