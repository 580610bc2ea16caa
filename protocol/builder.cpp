// Encoders for the messages pgsteer writes. Every message goes through MessageWriter, which
// reserves the length word and patches it once the body is complete.
#include "protocol/builder.hpp"

#include "protocol/frame.hpp"
#include "protocol/messages.hpp"
#include "protocol/scram.hpp"

namespace pgsteer::protocol {

MessageWriter& MessageWriter::begin(std::string& out, char type) {
    out_ = &out;
    if (type != 0) out.push_back(type);
    length_at_ = out.size();
    out.append(4, '\0');
    return *this;
}

MessageWriter& MessageWriter::u8(std::uint8_t v) {
    out_->push_back(static_cast<char>(v));
    return *this;
}

MessageWriter& MessageWriter::u16(std::uint16_t v) {
    const char b[2] = {static_cast<char>(v >> 8), static_cast<char>(v)};
    out_->append(b, 2);
    return *this;
}

MessageWriter& MessageWriter::i16(std::int16_t v) { return u16(static_cast<std::uint16_t>(v)); }

MessageWriter& MessageWriter::u32(std::uint32_t v) {
    const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 8), static_cast<char>(v)};
    out_->append(b, 4);
    return *this;
}

MessageWriter& MessageWriter::i32(std::int32_t v) { return u32(static_cast<std::uint32_t>(v)); }

MessageWriter& MessageWriter::cstring(std::string_view s) {
    out_->append(s);
    out_->push_back('\0');
    return *this;
}

MessageWriter& MessageWriter::bytes(std::string_view s) {
    out_->append(s);
    return *this;
}

MessageWriter& MessageWriter::bytes(std::span<const std::uint8_t> s) {
    out_->append(reinterpret_cast<const char*>(s.data()), s.size());
    return *this;
}

void MessageWriter::finish() {
    const auto length = static_cast<std::uint32_t>(out_->size() - length_at_);
    char* p = out_->data() + length_at_;
    p[0] = static_cast<char>(length >> 24);
    p[1] = static_cast<char>(length >> 16);
    p[2] = static_cast<char>(length >> 8);
    p[3] = static_cast<char>(length);
}

void put_message(std::string& out, char type, std::span<const std::uint8_t> body) {
    MessageWriter(out, type).bytes(body).finish();
}

void put_message(std::string& out, char type, std::string_view body) {
    MessageWriter(out, type).bytes(body).finish();
}

// ---- as a server ----

namespace {

void put_auth(std::string& out, std::uint32_t code, std::string_view data = {}) {
    MessageWriter(out, msg::authentication).u32(code).bytes(data).finish();
}

void put_error_like(std::string& out, char type, std::string_view severity,
                    std::string_view sqlstate, std::string_view message, std::string_view detail,
                    std::string_view hint) {
    MessageWriter w(out, type);
    w.u8('S').cstring(severity).u8('V').cstring(severity);
    w.u8('C').cstring(sqlstate).u8('M').cstring(message);
    if (!detail.empty()) w.u8('D').cstring(detail);
    if (!hint.empty()) w.u8('H').cstring(hint);
    w.u8(0).finish();
}

}  // namespace

void put_authentication_ok(std::string& out) { put_auth(out, auth::ok); }
void put_authentication_cleartext(std::string& out) { put_auth(out, auth::cleartext_password); }

void put_authentication_md5(std::string& out, std::array<std::uint8_t, 4> salt) {
    MessageWriter(out, msg::authentication).u32(auth::md5_password).bytes(salt).finish();
}

void put_authentication_sasl(std::string& out) {
    MessageWriter(out, msg::authentication).u32(auth::sasl).cstring(scram_sha_256).u8(0).finish();
}

void put_authentication_sasl_continue(std::string& out, std::string_view data) {
    put_auth(out, auth::sasl_continue, data);
}

void put_authentication_sasl_final(std::string& out, std::string_view data) {
    put_auth(out, auth::sasl_final, data);
}

void put_parameter_status(std::string& out, std::string_view name, std::string_view value) {
    MessageWriter(out, msg::parameter_status).cstring(name).cstring(value).finish();
}

void put_backend_key_data(std::string& out, std::uint32_t pid, std::uint32_t key) {
    MessageWriter(out, msg::backend_key_data).u32(pid).u32(key).finish();
}

void put_ready_for_query(std::string& out, char status) {
    MessageWriter(out, msg::ready_for_query).u8(static_cast<std::uint8_t>(status)).finish();
}

void put_error(std::string& out, std::string_view severity, std::string_view sqlstate,
               std::string_view message, std::string_view detail, std::string_view hint) {
    put_error_like(out, msg::error_response, severity, sqlstate, message, detail, hint);
}

void put_notice(std::string& out, std::string_view severity, std::string_view sqlstate,
                std::string_view message, std::string_view detail, std::string_view hint) {
    put_error_like(out, msg::notice_response, severity, sqlstate, message, detail, hint);
}

void put_error_fields(std::string& out, char type,
                      std::span<const std::pair<char, std::string_view>> fields) {
    MessageWriter w(out, type);
    for (const auto& [code, value] : fields) w.u8(static_cast<std::uint8_t>(code)).cstring(value);
    w.u8(0).finish();
}

void put_row_description(std::string& out, std::span<const ColumnDesc> columns) {
    MessageWriter w(out, msg::row_description);
    w.u16(static_cast<std::uint16_t>(columns.size()));
    for (const auto& c : columns)
        w.cstring(c.name).u32(0).i16(0).u32(c.type_oid).i16(c.typlen).i32(-1).i16(c.format);
    w.finish();
}

void put_row_description(std::string& out, std::initializer_list<ColumnDesc> columns) {
    put_row_description(out, std::span<const ColumnDesc>(columns.begin(), columns.size()));
}

void put_data_row(std::string& out, std::span<const std::optional<std::string_view>> columns) {
    MessageWriter w(out, msg::data_row);
    w.u16(static_cast<std::uint16_t>(columns.size()));
    for (const auto& c : columns) {
        if (c) {
            w.u32(static_cast<std::uint32_t>(c->size())).bytes(*c);
        } else {
            w.i32(-1);
        }
    }
    w.finish();
}

void put_data_row(std::string& out, std::initializer_list<std::optional<std::string_view>> columns) {
    put_data_row(out, std::span<const std::optional<std::string_view>>(columns.begin(), columns.size()));
}

void put_command_complete(std::string& out, std::string_view tag) {
    MessageWriter(out, msg::command_complete).cstring(tag).finish();
}

void put_empty_query_response(std::string& out) { put_message(out, msg::empty_query_response); }
void put_parse_complete(std::string& out) { put_message(out, msg::parse_complete); }
void put_bind_complete(std::string& out) { put_message(out, msg::bind_complete); }
void put_close_complete(std::string& out) { put_message(out, msg::close_complete); }
void put_no_data(std::string& out) { put_message(out, msg::no_data); }

void put_negotiate_protocol_version(std::string& out, std::uint32_t newest_minor,
                                    std::span<const std::string_view> unsupported_options) {
    MessageWriter w(out, msg::negotiate_protocol_version);
    w.u32(newest_minor).u32(static_cast<std::uint32_t>(unsupported_options.size()));
    for (auto o : unsupported_options) w.cstring(o);
    w.finish();
}

// ---- as a client ----

void put_startup_message(std::string& out, std::span<const StartupParam> params) {
    MessageWriter w(out, 0);
    w.u32(protocol_version_3);
    for (const auto& [name, value] : params) w.cstring(name).cstring(value);
    w.u8(0).finish();
}

void put_startup_message(std::string& out, std::initializer_list<StartupParam> params) {
    put_startup_message(out, std::span<const StartupParam>(params.begin(), params.size()));
}

void put_ssl_request(std::string& out) { MessageWriter(out, 0).u32(ssl_request_code).finish(); }
void put_gssenc_request(std::string& out) { MessageWriter(out, 0).u32(gssenc_request_code).finish(); }

void put_cancel_request(std::string& out, std::uint32_t pid, std::uint32_t key) {
    MessageWriter(out, 0).u32(cancel_request_code).u32(pid).u32(key).finish();
}

void put_password(std::string& out, std::string_view password) {
    MessageWriter(out, msg::password).cstring(password).finish();
}

void put_sasl_initial_response(std::string& out, std::string_view mechanism, std::string_view data) {
    MessageWriter(out, msg::password)
        .cstring(mechanism)
        .u32(static_cast<std::uint32_t>(data.size()))
        .bytes(data)
        .finish();
}

void put_sasl_response(std::string& out, std::string_view data) {
    put_message(out, msg::password, data);
}

void put_query(std::string& out, std::string_view sql) {
    MessageWriter(out, msg::query).cstring(sql).finish();
}

void put_parse(std::string& out, std::string_view name, std::string_view sql,
               std::span<const std::uint32_t> param_types) {
    MessageWriter w(out, msg::parse);
    w.cstring(name).cstring(sql).u16(static_cast<std::uint16_t>(param_types.size()));
    for (auto t : param_types) w.u32(t);
    w.finish();
}

bool put_bind_renamed(std::string& out, std::span<const std::uint8_t> bind_body, std::string_view statement) {
    const std::string_view all(reinterpret_cast<const char*>(bind_body.data()), bind_body.size());
    const auto portal_end = all.find('\0');
    if (portal_end == std::string_view::npos) return false;
    const auto statement_end = all.find('\0', portal_end + 1);
    if (statement_end == std::string_view::npos) return false;
    MessageWriter w(out, msg::bind);
    w.bytes(all.substr(0, portal_end + 1)).cstring(statement).bytes(all.substr(statement_end + 1));
    w.finish();
    return true;
}

void put_bind(std::string& out, std::string_view portal, std::string_view statement,
              std::span<const std::optional<std::string_view>> params) {
    MessageWriter w(out, msg::bind);
    w.cstring(portal).cstring(statement).u16(0);   // no format codes: all parameters text
    w.u16(static_cast<std::uint16_t>(params.size()));
    for (const auto& p : params) {
        if (p) {
            w.u32(static_cast<std::uint32_t>(p->size())).bytes(*p);
        } else {
            w.i32(-1);
        }
    }
    w.u16(0).finish();                                 // all results text
}

void put_describe(std::string& out, char kind, std::string_view name) {
    MessageWriter(out, msg::describe).u8(static_cast<std::uint8_t>(kind)).cstring(name).finish();
}

void put_close(std::string& out, char kind, std::string_view name) {
    MessageWriter(out, msg::close).u8(static_cast<std::uint8_t>(kind)).cstring(name).finish();
}

void put_execute(std::string& out, std::string_view portal, std::uint32_t max_rows) {
    MessageWriter(out, msg::execute).cstring(portal).u32(max_rows).finish();
}

void put_sync(std::string& out) { put_message(out, msg::sync); }
void put_flush(std::string& out) { put_message(out, msg::flush); }
void put_terminate(std::string& out) { put_message(out, msg::terminate); }

void put_copy_data(std::string& out, std::span<const std::uint8_t> data) {
    put_message(out, msg::copy_data, data);
}

void put_copy_done(std::string& out) { put_message(out, msg::copy_done); }

void put_copy_fail(std::string& out, std::string_view message) {
    MessageWriter(out, msg::copy_fail).cstring(message).finish();
}

}  // namespace pgsteer::protocol
