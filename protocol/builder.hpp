// Encoders for every message pgsteer says itself, as a server to clients and as a client to
// PostgreSQL. Each appends one complete message to the caller's buffer; no per-field allocation.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace pgsteer::protocol {

// Appends one message field by field, then patches the length word in finish().
// begin(out, 0) writes an untyped packet (startup phase: StartupMessage, SSLRequest, ...).
class MessageWriter {
public:
    MessageWriter() = default;
    MessageWriter(std::string& out, char type) { begin(out, type); }

    MessageWriter& begin(std::string& out, char type);
    MessageWriter& u8(std::uint8_t v);
    MessageWriter& i16(std::int16_t v);
    MessageWriter& u16(std::uint16_t v);
    MessageWriter& i32(std::int32_t v);
    MessageWriter& u32(std::uint32_t v);
    MessageWriter& cstring(std::string_view s);        // bytes then a NUL
    MessageWriter& bytes(std::string_view s);
    MessageWriter& bytes(std::span<const std::uint8_t> s);
    void finish();

private:
    std::string* out_ = nullptr;
    std::size_t length_at_ = 0;
};

// A message with a raw body, e.g. to forward something pgsteer decoded and kept.
void put_message(std::string& out, char type, std::span<const std::uint8_t> body);
void put_message(std::string& out, char type, std::string_view body = {});

// ---- as a server, to clients ----
void put_authentication_ok(std::string& out);
void put_authentication_cleartext(std::string& out);
void put_authentication_md5(std::string& out, std::array<std::uint8_t, 4> salt);
void put_authentication_sasl(std::string& out);   // offers SCRAM-SHA-256 only (no channel binding)
void put_authentication_sasl_continue(std::string& out, std::string_view data);
void put_authentication_sasl_final(std::string& out, std::string_view data);
void put_parameter_status(std::string& out, std::string_view name, std::string_view value);
void put_backend_key_data(std::string& out, std::uint32_t pid, std::uint32_t key);
void put_ready_for_query(std::string& out, char status);
// Severity "ERROR", "FATAL" or "PANIC" (put_error) / "NOTICE", "WARNING", ... (put_notice); sent as
// both S and V like PostgreSQL. Empty detail/hint are omitted.
void put_error(std::string& out, std::string_view severity, std::string_view sqlstate,
               std::string_view message, std::string_view detail = {}, std::string_view hint = {});
void put_notice(std::string& out, std::string_view severity, std::string_view sqlstate,
                std::string_view message, std::string_view detail = {}, std::string_view hint = {});
// ErrorResponse ('E') or NoticeResponse ('N') from arbitrary (code, value) fields.
void put_error_fields(std::string& out, char type,
                      std::span<const std::pair<char, std::string_view>> fields);

// Frequently used type OIDs for RowDescription.
namespace type_oid {
inline constexpr std::uint32_t boolean = 16;
inline constexpr std::uint32_t int8 = 20;
inline constexpr std::uint32_t int2 = 21;
inline constexpr std::uint32_t int4 = 23;
inline constexpr std::uint32_t text = 25;
inline constexpr std::uint32_t float8 = 701;
inline constexpr std::uint32_t varchar = 1043;
inline constexpr std::uint32_t timestamptz = 1184;
inline constexpr std::uint32_t numeric = 1700;
}  // namespace type_oid

struct ColumnDesc {
    std::string_view name;
    std::uint32_t type_oid = type_oid::text;
    std::int16_t typlen = -1;
    std::int16_t format = 0;   // 0 text, 1 binary (as the client's Bind asked)
};
void put_row_description(std::string& out, std::span<const ColumnDesc> columns);
void put_row_description(std::string& out, std::initializer_list<ColumnDesc> columns);
void put_data_row(std::string& out, std::span<const std::optional<std::string_view>> columns);
void put_data_row(std::string& out, std::initializer_list<std::optional<std::string_view>> columns);
void put_command_complete(std::string& out, std::string_view tag);
void put_empty_query_response(std::string& out);
void put_parse_complete(std::string& out);
void put_bind_complete(std::string& out);
void put_close_complete(std::string& out);
void put_no_data(std::string& out);
void put_negotiate_protocol_version(std::string& out, std::uint32_t newest_minor,
                                    std::span<const std::string_view> unsupported_options = {});

// ---- as a client, to PostgreSQL ----
using StartupParam = std::pair<std::string_view, std::string_view>;
void put_startup_message(std::string& out, std::span<const StartupParam> params);
void put_startup_message(std::string& out, std::initializer_list<StartupParam> params);
void put_ssl_request(std::string& out);
void put_gssenc_request(std::string& out);
void put_cancel_request(std::string& out, std::uint32_t pid, std::uint32_t key);
void put_password(std::string& out, std::string_view password);
void put_sasl_initial_response(std::string& out, std::string_view mechanism, std::string_view data);
void put_sasl_response(std::string& out, std::string_view data);
void put_query(std::string& out, std::string_view sql);
void put_parse(std::string& out, std::string_view name, std::string_view sql,
               std::span<const std::uint32_t> param_types = {});
// All parameters and results in text format.
// A client's Bind passed on with another statement name (pgsteer's name for it on the server);
// bind_body is the original message's body. False, and nothing appended, when the body does not
// start with the portal and statement names.
bool put_bind_renamed(std::string& out, std::span<const std::uint8_t> bind_body, std::string_view statement);
void put_bind(std::string& out, std::string_view portal, std::string_view statement,
              std::span<const std::optional<std::string_view>> params = {});
void put_describe(std::string& out, char kind, std::string_view name);
void put_close(std::string& out, char kind, std::string_view name);
void put_execute(std::string& out, std::string_view portal, std::uint32_t max_rows = 0);
void put_sync(std::string& out);
void put_flush(std::string& out);
void put_terminate(std::string& out);
void put_copy_data(std::string& out, std::span<const std::uint8_t> data);
void put_copy_done(std::string& out);
void put_copy_fail(std::string& out, std::string_view message);

}  // namespace pgsteer::protocol
