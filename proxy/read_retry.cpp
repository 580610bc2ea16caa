// Retrying, once and invisibly, an autocommit read whose standby connection died before any
// byte of its answer reached the client: the unit's bytes are kept from routing until the answer
// starts, and go back to the front of the client's input to be routed again, avoiding that node.
#include "proxy/read_retry.hpp"

#include <cstring>

#include "protocol/messages.hpp"
#include "proxy/client.hpp"
#include "proxy/connection.hpp"
#include "proxy/log.hpp"
#include "proxy/pool.hpp"
#include "proxy/router.hpp"
#include "proxy/worker.hpp"

namespace pgsteer::proxy {

std::size_t unit_extent(std::span<const std::uint8_t> input) {
    std::size_t offset = 0;
    while (true) {
        auto r = protocol::peek_frame(input.subspan(offset), protocol::default_max_length);
        if (r.status != protocol::FrameStatus::frame) return 0;
        offset += r.frame.wire_size();
        if (r.frame.type == protocol::msg::query || r.frame.type == protocol::msg::sync) return offset;
    }
}

bool backend_going_away(const protocol::Frame& error_response) {
    auto e = protocol::parse_error_fields(error_response);
    if (!e) return false;
    auto severity = e->get('V').empty() ? e->severity : e->get('V');   // 'V' is never localized
    if (severity != "FATAL" && severity != "PANIC") return false;
    const auto s = e->sqlstate;
    return s == "57P01" || s == "57P02" || s == "57P03" || s.starts_with("08");
}

void prepend(InBuffer& in, std::string_view bytes) {
    std::string rest(reinterpret_cast<const char*>(in.view().data()), in.size());
    in.consume(in.size());
    in.reserve(bytes.size() + rest.size());
    uv_buf_t space = in.space();
    std::memcpy(space.base, bytes.data(), bytes.size());
    std::memcpy(space.base + bytes.size(), rest.data(), rest.size());
    in.commit(bytes.size() + rest.size());
}

void Client::arm_read_retry(bool standby) {
    // Only what may run twice: a proven read outside a transaction, not already a retry.
    if (!standby || unit_retried_ || txn_status_ != 'I' || unit_class_->kind != routing::Kind::read) return;
    auto v = in.view();
    if (!retry_unit_) retry_unit_ = std::make_unique<std::string>();
    retry_unit_->assign(reinterpret_cast<const char*>(v.data()), unit_extent(v));
}

bool Client::retry_read(std::string_view node_name) {
    if (!read_retry_armed() || closing()) return false;
    const int dead = pool_ ? pool_->node() : -1;
    PGS_LOG(info, "{}: node {} went away before answering a read; sending it to another node", ident(), node_name);
    prepend(in, *retry_unit_);
    retry_unit_->clear();
    unit_retried_ = true;
    unit_synced_ = false;
    unit_routed_ = false;
    unit_class_.reset();
    unit_decision_.reset();
    avoid_slot_ = dead;
    state_ = ClientState::idle;
    ++worker().router().stats().events.reads_retried;
    // Not from inside the dying server's close: the new route may hand this client a server now.
    worker().post([pid = pid_](Worker& w) {
        if (Client* c = w.find_client(pid)) c->resume();
    });
    return true;
}

}  // namespace pgsteer::proxy
