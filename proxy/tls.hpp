// TLS on a libuv stream through OpenSSL memory BIOs: the socket carries ciphertext, the
// connection's buffers carry plaintext, and this layer converts between them without owning I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "conf/config.hpp"

using SSL = struct ssl_st;
using SSL_CTX = struct ssl_ctx_st;

namespace pgsteer::proxy {

class InBuffer;

// One SSL_CTX, shared by every connection of a role. Immutable once built.
class TlsContext {
public:
    // pgsteer as the TLS server for its clients (cert and key from [tls]); null with `error`.
    static std::shared_ptr<const TlsContext> acceptor(const conf::TlsConfig& tls, std::string& error);
    // pgsteer as the TLS client of a node. Like libpq's sslmode=require: encrypts, does not verify.
    static std::shared_ptr<const TlsContext> connector(std::string& error);
    ~TlsContext();
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;

    SSL_CTX* get() const { return ctx_; }
    bool server_role() const { return server_role_; }

private:
    TlsContext(SSL_CTX* ctx, bool server_role) : ctx_(ctx), server_role_(server_role) {}
    SSL_CTX* ctx_;
    bool server_role_;
};

// The acceptor for this config, built once per (cert, key) and reused by every worker; null when
// TLS to clients is disabled or the files are unusable (`error` says why).
std::shared_ptr<const TlsContext> client_tls_context(const conf::TlsConfig& tls, std::string& error);
// The connector for server links (one per process).
std::shared_ptr<const TlsContext> server_tls_context();

// What happened when ciphertext was fed in.
enum class TlsProgress {
    ok,            // zero or more plaintext bytes delivered
    established,   // the handshake finished during this call (plaintext may follow)
    closed,        // the peer sent close_notify
    failed,        // a TLS error; the connection must be closed
};

class TlsLink {
public:
    explicit TlsLink(std::shared_ptr<const TlsContext> ctx);
    ~TlsLink();
    TlsLink(const TlsLink&) = delete;
    TlsLink& operator=(const TlsLink&) = delete;

    // A client-role link starts the handshake itself (its ClientHello is then in output).
    void start();
    bool established() const { return established_; }

    // Where libuv reads ciphertext: a per-thread scratch area, consumed synchronously by feed(),
    // so an idle TLS connection holds no read buffer of its own.
    static std::span<char> scratch();
    // Ciphertext in; plaintext appended to `plain`. Handshake replies go to the output.
    TlsProgress feed(std::span<const char> cipher, InBuffer& plain);
    // Encrypts `plain`, replacing it with ciphertext (plus any pending handshake output).
    bool seal(std::string& plain);
    bool has_output() const;
    const std::string& error() const { return error_; }

private:
    TlsProgress drain_plaintext(InBuffer& plain);
    void take_output(std::string& out);
    bool fail(const char* what);

    std::shared_ptr<const TlsContext> ctx_;
    SSL* ssl_ = nullptr;
    bool established_ = false;
    std::string error_;
};

}  // namespace pgsteer::proxy
