// SSL_CTX construction per role and the memory-BIO pump between ciphertext and plaintext.
#include "proxy/tls.hpp"

#include <map>
#include <mutex>
#include <utility>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "proxy/connection.hpp"

namespace pgsteer::proxy {

namespace {

std::string openssl_error(const char* what) {
    std::string text = what;
    while (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        text += ": ";
        text += buf;
    }
    return text;
}

SSL_CTX* new_ctx(const SSL_METHOD* method) {
    SSL_CTX* ctx = SSL_CTX_new(method);
    if (!ctx) return nullptr;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    // Buffers are given back when a connection goes quiet: idle TLS clients stay small.
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    return ctx;
}

}  // namespace

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

std::shared_ptr<const TlsContext> TlsContext::acceptor(const conf::TlsConfig& tls, std::string& error) {
    SSL_CTX* ctx = new_ctx(TLS_server_method());
    if (!ctx) {
        error = openssl_error("cannot create the TLS context");
        return nullptr;
    }
    if (SSL_CTX_use_certificate_chain_file(ctx, tls.cert.c_str()) != 1) {
        error = openssl_error(("cannot load tls.cert \"" + tls.cert + "\"").c_str());
    } else if (SSL_CTX_use_PrivateKey_file(ctx, tls.key.c_str(), SSL_FILETYPE_PEM) != 1) {
        error = openssl_error(("cannot load tls.key \"" + tls.key + "\"").c_str());
    } else if (SSL_CTX_check_private_key(ctx) != 1) {
        error = openssl_error("tls.key does not match tls.cert");
    } else {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
        return std::shared_ptr<const TlsContext>(new TlsContext(ctx, true));
    }
    SSL_CTX_free(ctx);
    return nullptr;
}

std::shared_ptr<const TlsContext> TlsContext::connector(std::string& error) {
    SSL_CTX* ctx = new_ctx(TLS_client_method());
    if (!ctx) {
        error = openssl_error("cannot create the TLS context");
        return nullptr;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    return std::shared_ptr<const TlsContext>(new TlsContext(ctx, false));
}

std::shared_ptr<const TlsContext> client_tls_context(const conf::TlsConfig& tls, std::string& error) {
    if (tls.mode == conf::TlsMode::disable) return nullptr;
    static std::mutex mutex;
    static std::map<std::pair<std::string, std::string>, std::shared_ptr<const TlsContext>> built;
    std::lock_guard lock(mutex);
    auto& slot = built[{tls.cert, tls.key}];
    if (!slot) slot = TlsContext::acceptor(tls, error);
    return slot;
}

std::shared_ptr<const TlsContext> server_tls_context() {
    static const std::shared_ptr<const TlsContext> ctx = [] {
        std::string error;
        return TlsContext::connector(error);
    }();
    return ctx;
}

TlsLink::TlsLink(std::shared_ptr<const TlsContext> ctx) : ctx_(std::move(ctx)) {
    ssl_ = SSL_new(ctx_->get());
    if (!ssl_) {
        fail("cannot create a TLS session");
        return;
    }
    SSL_set_bio(ssl_, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
    if (ctx_->server_role()) SSL_set_accept_state(ssl_);
    else SSL_set_connect_state(ssl_);
}

TlsLink::~TlsLink() { SSL_free(ssl_); }

bool TlsLink::fail(const char* what) {
    error_ = openssl_error(what);
    return false;
}

void TlsLink::start() {
    if (!ssl_) return;
    int rc = SSL_do_handshake(ssl_);
    if (rc != 1 && SSL_get_error(ssl_, rc) != SSL_ERROR_WANT_READ) fail("TLS handshake failed");
}

std::span<char> TlsLink::scratch() {
    // A full TLS record plus header fits; libuv fills it and read_cb feeds it before returning.
    thread_local char buffer[17 * 1024];
    return {buffer, sizeof buffer};
}

TlsProgress TlsLink::feed(std::span<const char> cipher, InBuffer& plain) {
    if (!ssl_ || !error_.empty()) return TlsProgress::failed;
    if (BIO_write(SSL_get_rbio(ssl_), cipher.data(), static_cast<int>(cipher.size())) != static_cast<int>(cipher.size())) {
        fail("TLS input buffer");
        return TlsProgress::failed;
    }
    bool just_established = false;
    if (!established_) {
        int rc = SSL_do_handshake(ssl_);
        if (rc != 1) {
            if (SSL_get_error(ssl_, rc) == SSL_ERROR_WANT_READ) return TlsProgress::ok;
            fail("TLS handshake failed");
            return TlsProgress::failed;
        }
        established_ = just_established = true;
    }
    auto r = drain_plaintext(plain);
    return r == TlsProgress::ok && just_established ? TlsProgress::established : r;
}

TlsProgress TlsLink::drain_plaintext(InBuffer& plain) {
    for (;;) {
        uv_buf_t space = plain.space();
        int n = SSL_read(ssl_, space.base, static_cast<int>(space.len));
        if (n > 0) {
            plain.commit(static_cast<std::size_t>(n));
            continue;
        }
        switch (SSL_get_error(ssl_, n)) {
        case SSL_ERROR_WANT_READ:
            return TlsProgress::ok;
        case SSL_ERROR_ZERO_RETURN:
            return TlsProgress::closed;
        default:
            fail("TLS read failed");
            return TlsProgress::failed;
        }
    }
}

bool TlsLink::seal(std::string& plain) {
    if (!ssl_ || !error_.empty()) return false;
    std::string cipher;
    take_output(cipher);   // handshake bytes owed to the peer go first
    if (!plain.empty()) {
        // A memory BIO never blocks, so a write either takes everything or fails.
        if (SSL_write(ssl_, plain.data(), static_cast<int>(plain.size())) <= 0) return fail("TLS write failed");
        take_output(cipher);
    }
    plain.swap(cipher);
    return true;
}

bool TlsLink::has_output() const { return ssl_ && BIO_ctrl_pending(SSL_get_wbio(ssl_)) > 0; }

void TlsLink::take_output(std::string& out) {
    BIO* w = SSL_get_wbio(ssl_);
    char* data = nullptr;
    long n = BIO_get_mem_data(w, &data);
    if (n <= 0) return;
    out.append(data, static_cast<std::size_t>(n));
    (void)BIO_reset(w);
}

}  // namespace pgsteer::proxy
