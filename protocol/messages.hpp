// Typed views of the v3 messages pgsteer reads, in both directions. Every parser checks the type
// byte and the exact layout and returns nullopt on anything malformed; views point into the body.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/frame.hpp"

namespace pgsteer::protocol {

// Message type bytes. Some bytes mean different messages in each direction ('D', 'C', 'E', 'S', 'H').
namespace msg {
// frontend -> backend
inline constexpr char query = 'Q';
inline constexpr char parse = 'P';
inline constexpr char bind = 'B';
inline constexpr char execute = 'E';
inline constexpr char describe = 'D';
inline constexpr char close = 'C';
inline constexpr char sync = 'S';
inline constexpr char flush = 'H';
inline constexpr char terminate = 'X';
inline constexpr char function_call = 'F';
inline constexpr char password = 'p';   // also SASLInitialResponse, SASLResponse, GSSResponse
inline constexpr char copy_fail = 'f';
// both directions
inline constexpr char copy_data = 'd';
inline constexpr char copy_done = 'c';
// backend -> frontend
inline constexpr char authentication = 'R';
inline constexpr char backend_key_data = 'K';
inline constexpr char parameter_status = 'S';
inline constexpr char ready_for_query = 'Z';
inline constexpr char error_response = 'E';
inline constexpr char notice_response = 'N';
inline constexpr char command_complete = 'C';
inline constexpr char row_description = 'T';
inline constexpr char data_row = 'D';
inline constexpr char empty_query_response = 'I';
inline constexpr char parse_complete = '1';
inline constexpr char bind_complete = '2';
inline constexpr char close_complete = '3';
inline constexpr char no_data = 'n';
inline constexpr char portal_suspended = 's';
inline constexpr char parameter_description = 't';
inline constexpr char notification_response = 'A';
inline constexpr char copy_in_response = 'G';
inline constexpr char copy_out_response = 'H';
inline constexpr char copy_both_response = 'W';
inline constexpr char function_call_response = 'V';
inline constexpr char negotiate_protocol_version = 'v';
}  // namespace msg

// Authentication request codes (the first int32 of an 'R' message).
namespace auth {
inline constexpr std::uint32_t ok = 0;
inline constexpr std::uint32_t kerberos_v5 = 2;
inline constexpr std::uint32_t cleartext_password = 3;
inline constexpr std::uint32_t md5_password = 5;
inline constexpr std::uint32_t gss = 7;
inline constexpr std::uint32_t gss_continue = 8;
inline constexpr std::uint32_t sspi = 9;
inline constexpr std::uint32_t sasl = 10;
inline constexpr std::uint32_t sasl_continue = 11;
inline constexpr std::uint32_t sasl_final = 12;
}  // namespace auth

using Param = std::pair<std::string_view, std::string_view>;

// ---- startup phase ----

struct StartupMessage {
    std::uint32_t protocol_version = 0;
    std::vector<Param> params;                     // in wire order, duplicates kept
    // The value of the last occurrence of key (as PostgreSQL does), "" when absent.
    std::string_view get(std::string_view key) const;
    bool has(std::string_view key) const;
};
std::optional<StartupMessage> parse_startup(const StartupFrame&);

struct CancelRequest {
    std::uint32_t pid = 0;
    std::uint32_t key = 0;
};
std::optional<CancelRequest> parse_cancel(const StartupFrame&);

// ---- frontend -> backend ----

struct Query {
    std::string_view sql;
};
std::optional<Query> parse_query(const Frame&);

struct Parse {
    std::string_view name, sql;
    std::vector<std::uint32_t> param_types;
};
std::optional<Parse> parse_parse(const Frame&);

// The whole message is validated; only what routing and statement tracking need is exposed.
struct Bind {
    std::string_view portal, statement;
    std::uint16_t param_count = 0;
    std::span<const std::uint8_t> result_formats;   // the int16 result format codes, raw

    // The format of result column `column`: none given means text for all, one applies to
    // every column, else one per column. 0 = text, 1 = binary.
    std::int16_t result_format(std::size_t column) const;
};
std::optional<Bind> parse_bind(const Frame&);

struct Describe {
    char kind = 0;   // 'S' statement or 'P' portal
    std::string_view name;
};
std::optional<Describe> parse_describe(const Frame&);

struct Close {
    char kind = 0;   // 'S' statement or 'P' portal
    std::string_view name;
};
std::optional<Close> parse_close(const Frame&);

struct Execute {
    std::string_view portal;
    std::uint32_t max_rows = 0;   // 0 = no limit
};
std::optional<Execute> parse_execute(const Frame&);

// Sync, Flush, Terminate, CopyDone, ParseComplete, BindComplete, CloseComplete, NoData,
// EmptyQueryResponse, PortalSuspended: a type byte and an empty body.
bool parse_empty(const Frame&, char type);

struct FunctionCall {
    std::uint32_t function_oid = 0;
    std::uint16_t arg_count = 0;
};
std::optional<FunctionCall> parse_function_call(const Frame&);

struct PasswordMessage {
    std::string_view password;   // cleartext, or "md5" + 32 hex digits
};
std::optional<PasswordMessage> parse_password(const Frame&);

struct SaslInitialResponse {
    std::string_view mechanism;
    std::string_view data;       // client-first-message
    bool has_data = false;       // the wire allows length -1 ("no initial response")
};
std::optional<SaslInitialResponse> parse_sasl_initial(const Frame&);

struct SaslResponse {
    std::string_view data;
};
std::optional<SaslResponse> parse_sasl_response(const Frame&);

struct CopyData {
    std::span<const std::uint8_t> data;
};
std::optional<CopyData> parse_copy_data(const Frame&);

struct CopyFail {
    std::string_view message;
};
std::optional<CopyFail> parse_copy_fail(const Frame&);

// ---- backend -> frontend ----

struct Authentication {
    std::uint32_t code = 0;                 // see namespace auth
    std::span<const std::uint8_t> data;     // md5: the 4-byte salt; sasl: mechanism list; 11/12: SCRAM data
    std::string_view data_view() const {
        return {reinterpret_cast<const char*>(data.data()), data.size()};
    }
};
// Checks the per-code layout: ok/cleartext empty, md5 a 4-byte salt, sasl a terminated list.
std::optional<Authentication> parse_authentication(const Frame&);
// Mechanisms of an AuthenticationSASL message.
std::optional<std::vector<std::string_view>> sasl_mechanisms(const Authentication&);
std::optional<std::array<std::uint8_t, 4>> md5_salt(const Authentication&);

struct BackendKeyData {
    std::uint32_t pid = 0, key = 0;
};
std::optional<BackendKeyData> parse_backend_key_data(const Frame&);

struct ParameterStatus {
    std::string_view name, value;
};
std::optional<ParameterStatus> parse_parameter_status(const Frame&);

struct ReadyForQuery {
    char status = 'I';   // 'I' idle, 'T' in a transaction, 'E' in a failed transaction
};
std::optional<ReadyForQuery> parse_ready_for_query(const Frame&);

// ErrorResponse and NoticeResponse.
struct ErrorFields {
    std::string_view severity;      // 'S' (localized)
    std::string_view sqlstate;      // 'C'
    std::string_view message;       // 'M'
    std::string_view detail;        // 'D'
    std::string_view hint;          // 'H'
    std::vector<std::pair<char, std::string_view>> fields;   // every field in wire order, named ones too
    std::string_view get(char code) const;                    // "" when absent
};
std::optional<ErrorFields> parse_error_fields(const Frame&);   // type 'E' or 'N'

struct CommandComplete {
    std::string_view tag;
};
std::optional<CommandComplete> parse_command_complete(const Frame&);

struct RowDescription {
    struct Field {
        std::string_view name;
        std::uint32_t table_oid = 0;
        std::int16_t column = 0;
        std::uint32_t type_oid = 0;
        std::int16_t typlen = 0;
        std::int32_t typmod = -1;
        std::int16_t format = 0;
    };
    std::vector<Field> fields;
};
std::optional<RowDescription> parse_row_description(const Frame&);

struct DataRow {
    std::vector<std::optional<std::string_view>> columns;   // nullopt = SQL NULL
};
std::optional<DataRow> parse_data_row(const Frame&);

struct ParameterDescription {
    std::vector<std::uint32_t> types;
};
std::optional<ParameterDescription> parse_parameter_description(const Frame&);

struct NotificationResponse {
    std::uint32_t pid = 0;
    std::string_view channel, payload;
};
std::optional<NotificationResponse> parse_notification(const Frame&);

// CopyInResponse 'G', CopyOutResponse 'H', CopyBothResponse 'W'.
struct CopyResponse {
    char type = 0;
    std::uint8_t format = 0;                    // 0 text, 1 binary
    std::vector<std::int16_t> column_formats;
};
std::optional<CopyResponse> parse_copy_response(const Frame&);

struct FunctionCallResponse {
    std::optional<std::span<const std::uint8_t>> result;   // nullopt = NULL
};
std::optional<FunctionCallResponse> parse_function_call_response(const Frame&);

struct NegotiateProtocolVersion {
    std::uint32_t newest_minor = 0;
    std::vector<std::string_view> unsupported_options;
};
std::optional<NegotiateProtocolVersion> parse_negotiate_protocol_version(const Frame&);

}  // namespace pgsteer::protocol
