// Server-side statement names and the Bind rewrite.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/builder.hpp"
#include "protocol/frame.hpp"
#include "protocol/messages.hpp"
#include "proxy/statements.hpp"

using namespace pgsteer;

BOOST_AUTO_TEST_CASE(names_depend_on_text_and_types) {
    std::vector<std::uint32_t> none, int4{23};
    auto a = proxy::statement_id("select $1", int4);
    BOOST_TEST(a == proxy::statement_id("select $1", int4));
    BOOST_TEST(a != proxy::statement_id("select $1", none));
    BOOST_TEST(a != proxy::statement_id("select $2", int4));
    auto name = proxy::server_statement_name(0x0123456789abcdefull);
    BOOST_TEST(name.view() == "pgsteer_0123456789abcdef");
}

BOOST_AUTO_TEST_CASE(bind_rename_keeps_portal_and_parameters) {
    std::string original;
    std::optional<std::string_view> params[] = {std::string_view("42"), std::nullopt};
    protocol::put_bind(original, "portal", "P_0", params);
    auto in = protocol::peek_frame({reinterpret_cast<const std::uint8_t*>(original.data()), original.size()});
    BOOST_REQUIRE(in.status == protocol::FrameStatus::frame);

    std::string renamed;
    BOOST_REQUIRE(proxy::put_bind_renamed(renamed, in.frame.body, "pgsteer_x"));
    std::string expected;
    protocol::put_bind(expected, "portal", "pgsteer_x", params);
    BOOST_TEST(renamed == expected);

    std::uint8_t garbage[] = {'a', 'b'};
    std::string none;
    BOOST_TEST(!proxy::put_bind_renamed(none, garbage, "x"));
    BOOST_TEST(none.empty());
}
