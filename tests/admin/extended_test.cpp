// ExtendedSession: the message sequences drivers send (asyncpg: Parse/Describe/Sync then
// Bind with binary results/Execute/Sync), errors skipping to Sync, and binary cells decoded.
#include "admin/extended.hpp"

#include "decode.hpp"
#include "sample_snapshot.hpp"

#include "protocol/builder.hpp"
#include "protocol/frame.hpp"
#include "protocol/messages.hpp"

#include <boost/test/unit_test.hpp>

#include <bit>
#include <cstring>

using namespace pgsteer;
using namespace pgsteer::admin;
using namespace pgsteer::admin::test;

namespace {

// A Bind with no parameters and the given result formats (protocol's put_bind asks for text).
std::string bind(std::string_view portal, std::string_view statement, std::vector<std::int16_t> formats,
                 std::uint16_t params = 0) {
    std::string out;
    protocol::MessageWriter w(out, protocol::msg::bind);
    w.cstring(portal).cstring(statement).u16(0).u16(params);
    for (std::uint16_t i = 0; i < params; ++i) w.i32(1).bytes(std::string_view("1"));
    w.u16(static_cast<std::uint16_t>(formats.size()));
    for (const auto f : formats) w.i16(f);
    w.finish();
    return out;
}

std::string parse_msg(std::string_view name, std::string_view sql) {
    std::string out;
    protocol::put_parse(out, name, sql);
    return out;
}
std::string describe(char kind, std::string_view name) {
    std::string out;
    protocol::put_describe(out, kind, name);
    return out;
}
std::string execute(std::string_view portal) {
    std::string out;
    protocol::put_execute(out, portal);
    return out;
}
std::string sync_msg() {
    std::string out;
    protocol::put_sync(out);
    return out;
}
std::string close_msg(char kind, std::string_view name) {
    std::string out;
    protocol::put_close(out, kind, name);
    return out;
}

// Feeds messages through the session the way the proxy would, running every Execute against
// the sample snapshot (control commands succeed); returns the bytes sent back.
std::string run(ExtendedSession& session, std::initializer_list<std::string> messages, const Outcome& outcome = {}) {
    std::string wire;
    for (const auto& m : messages) wire += m;
    std::string out;
    auto bytes = std::span(reinterpret_cast<const std::uint8_t*>(wire.data()), wire.size());
    while (!bytes.empty()) {
        const auto r = protocol::peek_frame(bytes);
        BOOST_REQUIRE(r.status == protocol::FrameStatus::frame);
        BOOST_REQUIRE(ExtendedSession::handles(r.frame.type));
        if (auto e = session.handle(r.frame, out)) {
            if (spec(e->command.kind).is_show)
                session.complete(out, *e, sample_snapshot());
            else
                session.complete(out, *e, outcome);
        }
        bytes = bytes.subspan(r.frame.wire_size());
    }
    return out;
}

// The message types in order, e.g. "1t T Z".
std::string types(std::string_view wire) {
    std::string t;
    auto bytes = std::span(reinterpret_cast<const std::uint8_t*>(wire.data()), wire.size());
    while (!bytes.empty()) {
        const auto r = protocol::peek_frame(bytes);
        BOOST_REQUIRE(r.status == protocol::FrameStatus::frame);
        t += r.frame.type;
        bytes = bytes.subspan(r.frame.wire_size());
    }
    return t;
}

// Only the typed messages decode() knows: drops ParseComplete, BindComplete, ParameterDescription,
// ReadyForQuery, CloseComplete.
std::string result_messages(std::string_view wire) {
    std::string kept;
    auto bytes = std::span(reinterpret_cast<const std::uint8_t*>(wire.data()), wire.size());
    while (!bytes.empty()) {
        const auto r = protocol::peek_frame(bytes);
        if (std::string_view("12t3Z").find(r.frame.type) == std::string_view::npos)
            kept.append(reinterpret_cast<const char*>(bytes.data()), r.frame.wire_size());
        bytes = bytes.subspan(r.frame.wire_size());
    }
    return kept;
}

std::int64_t be64(std::string_view s) {
    BOOST_REQUIRE_EQUAL(s.size(), 8u);
    std::uint64_t v = 0;
    for (const char c : s) v = (v << 8) | static_cast<std::uint8_t>(c);
    return static_cast<std::int64_t>(v);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(extended)

BOOST_AUTO_TEST_CASE(asyncpg_sequence_with_binary_results) {
    ExtendedSession s;
    const auto prepared = run(s, {parse_msg("__asyncpg_stmt_1__", "SHOW NODES"), describe('S', "__asyncpg_stmt_1__"), sync_msg()});
    BOOST_TEST(types(prepared) == "1tTZ");
    const auto described = decode(result_messages(prepared));
    BOOST_TEST(described.columns.size() == 14u);

    const auto executed = run(s, {bind("", "__asyncpg_stmt_1__", {1}), execute(""), sync_msg()});
    BOOST_TEST(types(executed) == "2DDDDCZ");
    // The columns come from the statement's Describe, as asyncpg keeps them.
    const auto d = decode(result_messages(prepared) + result_messages(executed));
    BOOST_REQUIRE_EQUAL(d.rows.size(), 4u);
    BOOST_TEST(d.value(1, "name") == "node2");                              // text is text in binary too
    BOOST_TEST(be64(d.value(1, "port")) == 15433);                          // int8
    BOOST_TEST(std::bit_cast<double>(be64(d.value(1, "lag_seconds"))) == 0.5);   // float8
    BOOST_TEST(!d.cell(0, "upstream"));                                     // NULL stays NULL
    BOOST_TEST(d.tags == std::vector<std::string>{"SHOW"});
}

BOOST_AUTO_TEST_CASE(binary_booleans_and_timestamps) {
    ExtendedSession s;
    const auto out = run(s, {parse_msg("", "SHOW CLIENTS"), bind("", "", {1}), describe('P', ""), execute(""), sync_msg()});
    BOOST_TEST(types(out) == "12TDDCZ");
    const auto d = decode(result_messages(out));
    BOOST_TEST(d.columns[0].name == "id");
    BOOST_TEST(d.value(0, "pinned") == std::string(1, '\1'));
    BOOST_TEST(d.value(1, "pinned") == std::string(1, '\0'));
    // 2023-11-14 22:13:20 UTC in microseconds since 2000-01-01.
    BOOST_TEST(be64(d.value(0, "connect_time")) == (1700000000LL - 946684800LL) * 1000000LL);
}

BOOST_AUTO_TEST_CASE(row_description_carries_the_bound_formats) {
    ExtendedSession s;
    std::string out = run(s, {parse_msg("", "SHOW LISTS"), bind("p", "", {0, 1}), describe('P', "p"), sync_msg()});
    BOOST_TEST(types(out) == "12TZ");
    const auto body = result_messages(out);
    const auto r = protocol::peek_frame(std::span(reinterpret_cast<const std::uint8_t*>(body.data()), body.size()));
    const auto rd = protocol::parse_row_description(r.frame);
    BOOST_REQUIRE(rd);
    BOOST_TEST(rd->fields[0].format == 0);
    BOOST_TEST(rd->fields[1].format == 1);
}

BOOST_AUTO_TEST_CASE(text_results_match_the_simple_protocol) {
    ExtendedSession s;
    const auto out = run(s, {parse_msg("", "show pool_nodes;"), bind("", "", {}), describe('P', ""), execute(""), sync_msg()});
    std::string simple;
    render(simple, *parse_command("SHOW POOL_NODES").command, sample_snapshot());
    const auto a = decode(result_messages(out)), b = decode(simple);
    BOOST_TEST(a.rows == b.rows);
}

BOOST_AUTO_TEST_CASE(control_commands) {
    ExtendedSession s;
    const auto out = run(s, {parse_msg("", "RELOAD"), bind("", "", {}), describe('P', ""), execute(""), sync_msg()});
    BOOST_TEST(types(out) == "12nCZ");
    BOOST_TEST(decode(result_messages(out)).tags == std::vector<std::string>{"RELOAD"});

    Outcome failed;
    failed.error_sqlstate = "42704";
    failed.error_message = "no client 9";
    const auto err = run(s, {parse_msg("", "KILL 9"), bind("", "", {}), execute(""), execute(""), sync_msg()}, failed);
    BOOST_TEST(types(err) == "12EZ");   // the second Execute is skipped after the error
}

BOOST_AUTO_TEST_CASE(errors_skip_to_sync_then_the_session_works_again) {
    ExtendedSession s;
    const auto out = run(s, {parse_msg("", "SHOW FOO"), bind("", "", {}), execute(""), sync_msg()});
    BOOST_TEST(types(out) == "EZ");
    const auto d = decode(result_messages(out));
    BOOST_REQUIRE(d.error);
    BOOST_TEST(d.error->sqlstate == "42601");
    BOOST_TEST(types(run(s, {parse_msg("", "SHOW VERSION"), bind("", "", {}), execute(""), sync_msg()})) == "12DCZ");
}

BOOST_AUTO_TEST_CASE(bad_binds_and_unknown_names) {
    struct Case {
        std::vector<std::string> messages;
        std::string sqlstate;
    };
    const std::vector<Case> cases{
        {{bind("", "nope", {})}, "26000"},
        {{parse_msg("s", "SHOW LISTS"), bind("", "s", {0, 1, 0})}, "08P01"},   // 3 formats, 2 columns
        {{parse_msg("s", "SHOW LISTS"), bind("", "s", {2})}, "08P01"},        // no such format
        {{parse_msg("s", "SHOW LISTS"), bind("", "s", {}, 1)}, "08P01"},       // a parameter
        {{describe('S', "nope")}, "26000"},
        {{describe('P', "nope")}, "34000"},
        {{execute("nope")}, "34000"},
        {{parse_msg("s", "SHOW LISTS"), close_msg('S', "s"), bind("", "s", {})}, "26000"},
        {{std::string("B\0\0\0\5x", 6)}, "08P01"},                             // truncated Bind
    };
    for (const auto& c : cases) {
        ExtendedSession s;
        std::string out;
        for (const auto& m : c.messages) out += run(s, {m});
        out += run(s, {sync_msg()});
        const auto d = decode(result_messages(out));
        BOOST_REQUIRE(d.error);
        BOOST_TEST(d.error->sqlstate == c.sqlstate, d.error->message);
        BOOST_TEST(types(out).back() == 'Z');
    }
}

BOOST_AUTO_TEST_CASE(named_statements_are_bounded) {
    ExtendedSession s;
    std::string out;
    for (int i = 0; i < 100; ++i) out += run(s, {parse_msg("s" + std::to_string(i), "SHOW HELP")});
    BOOST_TEST(types(out) == std::string(100, '1'));
    const auto over = decode(result_messages(run(s, {parse_msg("one_too_many", "SHOW HELP"), sync_msg()})));
    BOOST_REQUIRE(over.error);
    BOOST_TEST(over.error->sqlstate == "54000");
    // Replacing an existing name and the unnamed statement still work.
    BOOST_TEST(types(run(s, {parse_msg("s1", "SHOW LISTS"), parse_msg("", "SHOW LISTS"), sync_msg()})) == "11Z");
}

BOOST_AUTO_TEST_SUITE_END()
