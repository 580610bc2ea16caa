// Round trips through every builder and parser (encode -> frame -> decode), and malformed bodies
// that every parser must refuse.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>

#include "protocol/builder.hpp"
#include "protocol/messages.hpp"
#include "protocol/md5.hpp"
#include "render.hpp"

namespace bdata = boost::unit_test::data;
using namespace pgsteer::protocol;
using namespace pgsteer::protocol::test;

namespace {

enum class Side { frontend, backend, startup };

struct RoundTrip {
    const char* name;
    Side side;
    std::string wire;
    std::string expected;
    bool strict = true;                  // one byte less or one byte more must be refused
    PasswordKind password = PasswordKind::password;
};
std::ostream& operator<<(std::ostream& os, const RoundTrip& r) { return os << r.name; }

template <typename F>
std::string build(F&& f) {
    std::string out;
    f(out);
    return out;
}

const std::optional<std::string_view> null_value;

std::optional<std::string> render(Side side, PasswordKind password, const std::string& wire) {
    if (side == Side::startup) {
        auto r = peek_startup(bytes_of(wire));
        if (r.status != FrameStatus::frame || r.frame.wire_size() != wire.size()) return std::nullopt;
        return render_startup(r.frame);
    }
    auto r = peek_frame(bytes_of(wire));
    if (r.status != FrameStatus::frame || r.frame.wire_size() != wire.size()) return std::nullopt;
    return side == Side::frontend ? render_frontend(r.frame, password) : render_backend(r.frame);
}

// The same message with its body changed by `delta` bytes (dropping the last, or adding a NUL),
// the length word patched to match so only the parser can object.
std::string resized(const std::string& wire, Side side, int delta) {
    std::string out = wire;
    if (delta < 0) {
        out.pop_back();
    } else {
        out.push_back('\0');
    }
    const std::size_t at = side == Side::startup ? 0 : 1;
    const auto length = static_cast<std::uint32_t>(out.size() - at);
    out[at] = static_cast<char>(length >> 24);
    out[at + 1] = static_cast<char>(length >> 16);
    out[at + 2] = static_cast<char>(length >> 8);
    out[at + 3] = static_cast<char>(length);
    return out;
}

const std::uint32_t parse_types[] = {23, 25};
const std::optional<std::string_view> bind_params[] = {std::string_view("a"), null_value};
const ColumnDesc columns[] = {{"id", type_oid::int4, 4}, {"name", type_oid::text, -1}};
const std::optional<std::string_view> row[] = {std::string_view("1"), null_value, std::string_view("")};
const StartupParam startup_params[] = {{"user", "app"}, {"database", "app"}, {"options", "-c a=b"}};
const std::pair<char, std::string_view> error_fields[] = {{'S', "FATAL"}, {'C', "57P01"}, {'M', "bye"}, {'R', "f"}};
const std::string_view unsupported[] = {"_pq_.compression"};

const RoundTrip round_trips[] = {
    // frontend -> backend
    {"Query", Side::frontend, build([](auto& o) { put_query(o, "SELECT 1"); }), "Query SELECT 1"},
    {"Query empty", Side::frontend, build([](auto& o) { put_query(o, ""); }), "Query "},
    {"Parse named", Side::frontend, build([](auto& o) { put_parse(o, "s1", "SELECT $1, $2", parse_types); }),
     "Parse name=s1 sql=SELECT $1, $2 types=[23,25]"},
    {"Parse unnamed", Side::frontend, build([](auto& o) { put_parse(o, "", "SELECT 1"); }),
     "Parse name= sql=SELECT 1 types=[]"},
    {"Bind", Side::frontend, build([](auto& o) { put_bind(o, "p1", "s1", bind_params); }),
     "Bind portal=p1 statement=s1 params=2"},
    {"Bind unnamed", Side::frontend, build([](auto& o) { put_bind(o, "", ""); }), "Bind portal= statement= params=0"},
    {"Describe statement", Side::frontend, build([](auto& o) { put_describe(o, 'S', "s1"); }), "Describe S s1"},
    {"Describe portal", Side::frontend, build([](auto& o) { put_describe(o, 'P', ""); }), "Describe P "},
    {"Close statement", Side::frontend, build([](auto& o) { put_close(o, 'S', "s1"); }), "Close S s1"},
    {"Close portal", Side::frontend, build([](auto& o) { put_close(o, 'P', "p"); }), "Close P p"},
    {"Execute", Side::frontend, build([](auto& o) { put_execute(o, "p", 10); }), "Execute portal=p max_rows=10"},
    {"Execute all", Side::frontend, build([](auto& o) { put_execute(o, ""); }), "Execute portal= max_rows=0"},
    {"Sync", Side::frontend, build([](auto& o) { put_sync(o); }), "Sync"},
    {"Flush", Side::frontend, build([](auto& o) { put_flush(o); }), "Flush"},
    {"Terminate", Side::frontend, build([](auto& o) { put_terminate(o); }), "Terminate"},
    {"CopyData", Side::frontend, build([](auto& o) { put_copy_data(o, bytes_of("1\tone\n")); }), "CopyData 1\tone\n", false},
    {"CopyDone", Side::frontend, build([](auto& o) { put_copy_done(o); }), "CopyDone"},
    {"CopyFail", Side::frontend, build([](auto& o) { put_copy_fail(o, "aborted"); }), "CopyFail aborted"},
    {"FunctionCall", Side::frontend, build([](auto& o) {
         // lo_open(oid, mode): two binary int4 arguments, binary result.
         MessageWriter(o, msg::function_call).u32(952).u16(1).i16(1).u16(2)
             .u32(4).u32(16385).u32(4).u32(0x20000).i16(1).finish();
     }), "FunctionCall oid=952 args=2"},
    {"Password", Side::frontend, build([](auto& o) { put_password(o, "secret"); }), "Password secret"},
    {"Password md5", Side::frontend, build([](auto& o) { put_password(o, md5_response("u", "p", {1, 2, 3, 4})); }),
     "Password " + md5_response("u", "p", {1, 2, 3, 4})},
    {"SASLInitialResponse", Side::frontend,
     build([](auto& o) { put_sasl_initial_response(o, "SCRAM-SHA-256", "n,,n=,r=abc"); }),
     "SASLInitialResponse SCRAM-SHA-256 n,,n=,r=abc", false, PasswordKind::sasl_initial},
    {"SASLResponse", Side::frontend, build([](auto& o) { put_sasl_response(o, "c=biws,r=abc,p=xyz"); }),
     "SASLResponse c=biws,r=abc,p=xyz", false, PasswordKind::sasl_response},
    // backend -> frontend
    {"AuthenticationOk", Side::backend, build([](auto& o) { put_authentication_ok(o); }), "AuthenticationOk"},
    {"AuthenticationCleartext", Side::backend, build([](auto& o) { put_authentication_cleartext(o); }),
     "AuthenticationCleartextPassword"},
    {"AuthenticationMD5", Side::backend, build([](auto& o) { put_authentication_md5(o, {1, 2, 3, 250}); }),
     "AuthenticationMD5Password [1,2,3,250]"},
    {"AuthenticationSASL", Side::backend, build([](auto& o) { put_authentication_sasl(o); }),
     "AuthenticationSASL [SCRAM-SHA-256]"},
    {"AuthenticationSASLContinue", Side::backend,
     build([](auto& o) { put_authentication_sasl_continue(o, "r=abc,s=c2FsdA==,i=4096"); }),
     "AuthenticationSASLContinue r=abc,s=c2FsdA==,i=4096", false},
    {"AuthenticationSASLFinal", Side::backend, build([](auto& o) { put_authentication_sasl_final(o, "v=xyz"); }),
     "AuthenticationSASLFinal v=xyz", false},
    {"ParameterStatus", Side::backend, build([](auto& o) { put_parameter_status(o, "server_version", "15.20"); }),
     "ParameterStatus server_version=15.20"},
    {"BackendKeyData", Side::backend, build([](auto& o) { put_backend_key_data(o, 4242, 0xFFFFFFFFu); }),
     "BackendKeyData pid=4242 key=4294967295"},
    {"ReadyForQuery idle", Side::backend, build([](auto& o) { put_ready_for_query(o, 'I'); }), "ReadyForQuery I"},
    {"ReadyForQuery in transaction", Side::backend, build([](auto& o) { put_ready_for_query(o, 'T'); }), "ReadyForQuery T"},
    {"ReadyForQuery failed", Side::backend, build([](auto& o) { put_ready_for_query(o, 'E'); }), "ReadyForQuery E"},
    {"ErrorResponse", Side::backend,
     build([](auto& o) { put_error(o, "FATAL", "28P01", "password authentication failed for user \"app\""); }),
     "ErrorResponse FATAL 28P01 password authentication failed for user \"app\""},
    {"ErrorResponse detail hint", Side::backend,
     build([](auto& o) { put_error(o, "ERROR", "25006", "read only", "routed to a standby", "retry"); }),
     "ErrorResponse ERROR 25006 read only detail=routed to a standby hint=retry"},
    {"ErrorResponse fields", Side::backend, build([](auto& o) { put_error_fields(o, msg::error_response, error_fields); }),
     "ErrorResponse FATAL 57P01 bye"},
    {"NoticeResponse", Side::backend, build([](auto& o) { put_notice(o, "WARNING", "01000", "careful"); }),
     "NoticeResponse WARNING 01000 careful"},
    {"RowDescription", Side::backend, build([](auto& o) { put_row_description(o, columns); }),
     "RowDescription [id:0:0:23:4:-1:0,name:0:0:25:-1:-1:0]"},
    {"RowDescription empty", Side::backend, build([](auto& o) { put_row_description(o, {}); }), "RowDescription []"},
    {"DataRow", Side::backend, build([](auto& o) { put_data_row(o, row); }), "DataRow [1,NULL,]"},
    {"DataRow empty", Side::backend, build([](auto& o) { put_data_row(o, {}); }), "DataRow []"},
    {"CommandComplete", Side::backend, build([](auto& o) { put_command_complete(o, "SELECT 3"); }),
     "CommandComplete SELECT 3"},
    {"EmptyQueryResponse", Side::backend, build([](auto& o) { put_empty_query_response(o); }), "EmptyQueryResponse"},
    {"ParseComplete", Side::backend, build([](auto& o) { put_parse_complete(o); }), "ParseComplete"},
    {"BindComplete", Side::backend, build([](auto& o) { put_bind_complete(o); }), "BindComplete"},
    {"CloseComplete", Side::backend, build([](auto& o) { put_close_complete(o); }), "CloseComplete"},
    {"NoData", Side::backend, build([](auto& o) { put_no_data(o); }), "NoData"},
    {"PortalSuspended", Side::backend, build([](auto& o) { put_message(o, msg::portal_suspended); }), "PortalSuspended"},
    {"NegotiateProtocolVersion", Side::backend,
     build([](auto& o) { put_negotiate_protocol_version(o, 0, unsupported); }),
     "NegotiateProtocolVersion 0 [_pq_.compression]"},
    {"NotificationResponse", Side::backend, build([](auto& o) {
         MessageWriter(o, msg::notification_response).u32(77).cstring("chan").cstring("payload").finish();
     }), "NotificationResponse pid=77 chan payload"},
    {"CopyOutResponse", Side::backend, build([](auto& o) {
         MessageWriter(o, msg::copy_out_response).u8(0).u16(2).i16(0).i16(0).finish();
     }), "CopyOutResponse format=0 [0,0]"},
    {"CopyInResponse", Side::backend, build([](auto& o) {
         MessageWriter(o, msg::copy_in_response).u8(1).u16(1).i16(1).finish();
     }), "CopyInResponse format=1 [1]"},
    {"CopyBothResponse", Side::backend, build([](auto& o) {
         MessageWriter(o, msg::copy_both_response).u8(0).u16(0).finish();
     }), "CopyBothResponse format=0 []"},
    {"ParameterDescription", Side::backend, build([](auto& o) {
         MessageWriter(o, msg::parameter_description).u16(2).u32(23).u32(25).finish();
     }), "ParameterDescription [23,25]"},
    {"FunctionCallResponse", Side::backend, build([](auto& o) {
         MessageWriter(o, msg::function_call_response).u32(3).bytes(std::string_view("abc")).finish();
     }), "FunctionCallResponse abc"},
    {"FunctionCallResponse NULL", Side::backend, build([](auto& o) {
         MessageWriter(o, msg::function_call_response).i32(-1).finish();
     }), "FunctionCallResponse NULL"},
    {"CopyData backend", Side::backend, build([](auto& o) { put_copy_data(o, bytes_of("x")); }), "CopyData x", false},
    // startup phase
    {"StartupMessage", Side::startup, build([](auto& o) { put_startup_message(o, startup_params); }),
     "Startup 3.0 [user=app,database=app,options=-c a=b]"},
    {"StartupMessage no params", Side::startup, build([](auto& o) { put_startup_message(o, {}); }), "Startup 3.0 []"},
    {"CancelRequest", Side::startup, build([](auto& o) { put_cancel_request(o, 4242, 0xDEADBEEF); }),
     "CancelRequest pid=4242 key=3735928559"},
    {"SSLRequest", Side::startup, build([](auto& o) { put_ssl_request(o); }), "SSLRequest", false},
    {"GSSENCRequest", Side::startup, build([](auto& o) { put_gssenc_request(o); }), "GSSENCRequest", false},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(messages)

BOOST_DATA_TEST_CASE(round_trip, bdata::make(round_trips), c) {
    BOOST_TEST(render(c.side, c.password, c.wire).value_or("<refused>") == c.expected);
    if (!c.strict) return;
    if (c.wire.size() > (c.side == Side::startup ? 8u : 5u))
        BOOST_TEST(!render(c.side, c.password, resized(c.wire, c.side, -1)).has_value());
    BOOST_TEST(!render(c.side, c.password, resized(c.wire, c.side, +1)).has_value());
}

// A body (hex) that frames fine but does not follow its message's layout.
struct Malformed {
    const char* name;
    Side side;
    char type;          // unused for the startup side
    const char* body;
    PasswordKind password = PasswordKind::password;
};
std::ostream& operator<<(std::ostream& os, const Malformed& m) { return os << m.name; }

std::string framed(const Malformed& m) {
    std::string out;
    MessageWriter(out, m.side == Side::startup ? '\0' : m.type).bytes(from_hex(m.body)).finish();
    return out;
}

const Malformed malformed[] = {
    {"Query without NUL", Side::frontend, 'Q', "41"},
    {"Parse type count beyond body", Side::frontend, 'P', "00 00 0002 00000017"},
    {"Parse type count short of body", Side::frontend, 'P', "00 00 0000 00000017"},
    {"Bind format code 2", Side::frontend, 'B', "00 00 0001 0002 0000 0000"},
    {"Bind value length -2", Side::frontend, 'B', "00 00 0000 0001 fffffffe 0000"},
    {"Bind value longer than body", Side::frontend, 'B', "00 00 0000 0001 00000009 41 0000"},
    {"Bind no result formats", Side::frontend, 'B', "00 00 0000 0000"},
    {"Describe kind X", Side::frontend, 'D', "58 00"},
    {"Close kind NUL", Side::frontend, 'C', "00 00"},
    {"Execute short", Side::frontend, 'E', "00 0000"},
    {"Sync with body", Side::frontend, 'S', "00"},
    {"FunctionCall result format 5", Side::frontend, 'F', "000003b8 0000 0000 0005"},
    {"SASLInitialResponse length -2", Side::frontend, 'p', "41 00 fffffffe", PasswordKind::sasl_initial},
    {"SASLInitialResponse length beyond body", Side::frontend, 'p', "41 00 00000002 61", PasswordKind::sasl_initial},
    {"SASLInitialResponse no mechanism NUL", Side::frontend, 'p', "41 41", PasswordKind::sasl_initial},
    {"Password without NUL", Side::frontend, 'p', "616263"},
    {"Authentication code 99", Side::backend, 'R', "00000063"},
    {"Authentication MD5 short salt", Side::backend, 'R', "00000005 010203"},
    {"Authentication SASL unterminated list", Side::backend, 'R', "0000000a 4100"},
    {"Authentication truncated code", Side::backend, 'R', "0000"},
    {"ReadyForQuery status Q", Side::backend, 'Z', "51"},
    {"ReadyForQuery empty", Side::backend, 'Z', ""},
    {"ErrorResponse without terminator", Side::backend, 'E', "53 4552524f5200"},
    {"ErrorResponse unterminated field", Side::backend, 'E', "53 455252"},
    {"BackendKeyData short", Side::backend, 'K', "00000001"},
    {"RowDescription count beyond body", Side::backend, 'T', "ffff"},
    {"RowDescription field cut short", Side::backend, 'T', "0001 6100 00000000"},
    {"DataRow length -2", Side::backend, 'D', "0001 fffffffe"},
    {"DataRow value longer than body", Side::backend, 'D', "0001 00000002 41"},
    {"DataRow count beyond body", Side::backend, 'D', "0002"},
    {"CopyOutResponse format 2", Side::backend, 'H', "02 0000"},
    {"CopyOutResponse column format 3", Side::backend, 'H', "00 0001 0003"},
    {"NegotiateProtocolVersion count lies", Side::backend, 'v', "00000000 7fffffff"},
    {"ParameterDescription count lies", Side::backend, 't', "0002 00000017"},
    {"FunctionCallResponse length -2", Side::backend, 'V', "fffffffe"},
    {"NotificationResponse no payload", Side::backend, 'A', "00000001 6300"},
    {"Startup missing final terminator", Side::startup, 0, "00030000 7500 6100"},
    {"Startup value missing", Side::startup, 0, "00030000 7500"},
    {"Startup bytes after terminator", Side::startup, 0, "00030000 7500 6100 00 41"},
    {"Startup protocol 2", Side::startup, 0, "00020000 00"},
    {"Startup protocol 4", Side::startup, 0, "00040000 00"},
    {"SSLRequest too long", Side::startup, 0, "04d2162f 00000000"},
    {"CancelRequest short", Side::startup, 0, "04d2162e 00000001"},
    {"CancelRequest long", Side::startup, 0, "04d2162e 00000001 00000002 00000003"},
};

BOOST_DATA_TEST_CASE(refused, bdata::make(malformed), m) {
    BOOST_TEST(!render(m.side, m.password, framed(m)).has_value());
}

BOOST_AUTO_TEST_CASE(parser_checks_type_byte) {
    std::string wire;
    put_parse(wire, "", "SELECT 1");
    const Frame f = one_frame(wire);
    BOOST_TEST(!parse_query(f).has_value());
    BOOST_TEST(!parse_bind(f).has_value());
    BOOST_TEST(parse_parse(f).has_value());
}

BOOST_AUTO_TEST_CASE(bind_result_formats) {
    struct Case {
        const char* hex;   // the Bind body after portal and statement: formats, values, result formats
        std::int16_t column0, column1, column5;
    };
    const Case cases[] = {
        {"0000 0000 0000", 0, 0, 0},                 // none: text everywhere
        {"0000 0000 0001 0001", 1, 1, 1},            // one: applies to every column
        {"0000 0000 0002 0001 0000", 1, 0, 0},       // one per column; past the list: text
    };
    for (const Case& c : cases) {
        const std::string body = std::string("p\0s\0", 4) + from_hex(c.hex);
        std::string wire;
        put_message(wire, 'B', body);
        const auto b = parse_bind(one_frame(wire));
        BOOST_TEST_REQUIRE(b.has_value());
        BOOST_TEST(b->result_format(0) == c.column0);
        BOOST_TEST(b->result_format(1) == c.column1);
        BOOST_TEST(b->result_format(5) == c.column5);
    }
}

BOOST_AUTO_TEST_CASE(bind_rename_keeps_portal_and_parameters) {
    std::string original;
    std::optional<std::string_view> params[] = {std::string_view("42"), std::nullopt};
    put_bind(original, "portal", "P_0", params);
    auto in = peek_frame({reinterpret_cast<const std::uint8_t*>(original.data()), original.size()});
    BOOST_REQUIRE(in.status == FrameStatus::frame);

    std::string renamed;
    BOOST_REQUIRE(put_bind_renamed(renamed, in.frame.body, "pgsteer_x"));
    std::string expected;
    put_bind(expected, "portal", "pgsteer_x", params);
    BOOST_TEST(renamed == expected);

    std::uint8_t garbage[] = {'a', 'b'};
    std::string none;
    BOOST_TEST(!put_bind_renamed(none, garbage, "x"));
    BOOST_TEST(none.empty());
}

BOOST_AUTO_TEST_CASE(startup_get_takes_last_duplicate) {
    std::string wire;
    put_startup_message(wire, {{"user", "a"}, {"application_name", "x"}, {"user", "b"}});
    const auto m = parse_startup(one_startup(wire));
    BOOST_TEST_REQUIRE(m.has_value());
    BOOST_TEST(m->get("user") == "b");
    BOOST_TEST(m->get("database") == "");
    BOOST_TEST(m->has("application_name"));
    BOOST_TEST(!m->has("database"));
}

BOOST_AUTO_TEST_CASE(error_fields_keep_every_field_in_order) {
    std::string wire;
    put_error(wire, "ERROR", "42P01", "relation \"x\" does not exist", "d", "h");
    const auto e = parse_error_fields(one_frame(wire));
    BOOST_TEST_REQUIRE(e.has_value());
    std::string codes;
    for (const auto& [code, value] : e->fields) codes.push_back(code);
    BOOST_TEST(codes == "SVCMDH");
    BOOST_TEST(e->get('V') == "ERROR");
    BOOST_TEST(e->get('P') == "");
}

BOOST_AUTO_TEST_CASE(sasl_initial_without_data) {
    std::string wire;
    MessageWriter(wire, msg::password).cstring("SCRAM-SHA-256").i32(-1).finish();
    const auto s = parse_sasl_initial(one_frame(wire));
    BOOST_TEST_REQUIRE(s.has_value());
    BOOST_TEST(!s->has_data);
    BOOST_TEST(s->data.empty());
}

BOOST_AUTO_TEST_CASE(builders_append_to_existing_bytes) {
    std::string out = "prefix";
    put_ready_for_query(out, 'I');
    put_command_complete(out, "SELECT 1");
    BOOST_TEST(out.substr(0, 6) == "prefix");
    auto first = peek_frame(bytes_of(out).subspan(6));
    BOOST_TEST_REQUIRE((first.status == FrameStatus::frame));
    BOOST_TEST(render_backend(first.frame).value_or("") == "ReadyForQuery I");
    auto second = peek_frame(bytes_of(out).subspan(6 + first.frame.wire_size()));
    BOOST_TEST_REQUIRE((second.status == FrameStatus::frame));
    BOOST_TEST(render_backend(second.frame).value_or("") == "CommandComplete SELECT 1");
}

BOOST_AUTO_TEST_SUITE_END()
