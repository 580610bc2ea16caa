// The test-side reader of admin console output, built on protocol's frame and message parsers.
#include "decode.hpp"

#include "protocol/frame.hpp"
#include "protocol/messages.hpp"

#include <boost/test/unit_test.hpp>

#include <span>

namespace pgsteer::admin::test {

namespace msg = protocol::msg;

Decoded decode(std::string_view wire) {
    Decoded d;
    auto bytes = std::span(reinterpret_cast<const std::uint8_t*>(wire.data()), wire.size());
    while (!bytes.empty()) {
        const auto r = protocol::peek_frame(bytes);
        BOOST_REQUIRE_MESSAGE(r.status == protocol::FrameStatus::frame, "incomplete or malformed message");
        const auto& f = r.frame;
        switch (f.type) {
        case msg::row_description: {
            const auto rd = protocol::parse_row_description(f);
            BOOST_REQUIRE(rd);
            d.has_row_description = true;
            for (const auto& field : rd->fields)
                d.columns.push_back({std::string(field.name), field.type_oid, field.typlen, field.format});
            break;
        }
        case msg::data_row: {
            const auto row = protocol::parse_data_row(f);
            BOOST_REQUIRE(row);
            BOOST_REQUIRE_EQUAL(row->columns.size(), d.columns.size());
            auto& cells = d.rows.emplace_back();
            for (const auto& c : row->columns) cells.push_back(c ? Cell(std::string(*c)) : std::nullopt);
            break;
        }
        case msg::command_complete: {
            const auto cc = protocol::parse_command_complete(f);
            BOOST_REQUIRE(cc);
            d.tags.emplace_back(cc->tag);
            break;
        }
        case msg::notice_response:
        case msg::error_response: {
            const auto e = protocol::parse_error_fields(f);
            BOOST_REQUIRE(e);
            if (f.type == msg::notice_response)
                d.notices.push_back({std::string(e->severity), std::string(e->sqlstate), std::string(e->message)});
            else
                d.error = Error{std::string(e->sqlstate), std::string(e->message), std::string(e->detail),
                                std::string(e->hint)};
            break;
        }
        case msg::no_data: d.no_data = true; break;
        case msg::empty_query_response: d.empty_query = true; break;
        default: BOOST_FAIL("unexpected message type " << f.type);
        }
        bytes = bytes.subspan(f.wire_size());
    }
    return d;
}

std::size_t Decoded::column(std::string_view name) const {
    for (std::size_t i = 0; i < columns.size(); ++i)
        if (columns[i].name == name) return i;
    BOOST_FAIL("no column " << name);
    return 0;
}

const Cell& Decoded::cell(std::size_t row, std::string_view name) const {
    BOOST_REQUIRE_LT(row, rows.size());
    return rows[row][column(name)];
}

std::string Decoded::value(std::size_t row, std::string_view name) const {
    const auto& c = cell(row, name);
    BOOST_REQUIRE_MESSAGE(c.has_value(), "column " << name << " is NULL");
    return *c;
}

std::size_t Decoded::row_where(std::string_view key, std::string_view value) const {
    const auto k = column(key);
    for (std::size_t i = 0; i < rows.size(); ++i)
        if (rows[i][k] == std::string(value)) return i;
    BOOST_FAIL("no row with " << key << " = " << value);
    return 0;
}

}  // namespace pgsteer::admin::test
