// Prepared statements and portals of one admin connection, and the answers to each extended
// protocol message. Statements hold parsed Commands: the console has no parameters to bind.
#include "admin/extended.hpp"

#include "protocol/builder.hpp"
#include "protocol/messages.hpp"
#include "protocol/sqlstate.hpp"

#include <fmt/format.h>

namespace pgsteer::admin {

namespace {

namespace msg = protocol::msg;
namespace sqlstate = protocol::sqlstate;

constexpr std::size_t max_named = 100;   // statements or portals per connection
constexpr std::string_view invalid_cursor_name = "34000";

std::uint16_t load_u16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }
std::uint32_t load_u32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

// The result format codes at the end of a Bind (protocol::Bind does not expose them).
std::optional<std::vector<std::int16_t>> bind_result_formats(const protocol::Frame& f) {
    const auto body = f.body;
    std::size_t pos = 0;
    for (int cstrings = 0; cstrings < 2; ++cstrings) {   // portal, statement
        while (pos < body.size() && body[pos] != 0) ++pos;
        if (pos++ >= body.size()) return std::nullopt;
    }
    auto u16 = [&]() -> std::optional<std::uint16_t> {
        if (body.size() - pos < 2) return std::nullopt;
        pos += 2;
        return load_u16(body.data() + pos - 2);
    };
    const auto param_formats = u16();
    if (!param_formats || body.size() - pos < 2u * *param_formats) return std::nullopt;
    pos += 2u * *param_formats;
    const auto params = u16();
    if (!params) return std::nullopt;
    for (std::uint16_t i = 0; i < *params; ++i) {
        if (body.size() - pos < 4) return std::nullopt;
        const auto length = static_cast<std::int32_t>(load_u32(body.data() + pos));
        pos += 4;
        if (length > 0) {
            if (body.size() - pos < static_cast<std::size_t>(length)) return std::nullopt;
            pos += static_cast<std::size_t>(length);
        }
    }
    const auto count = u16();
    if (!count || body.size() - pos != 2u * *count) return std::nullopt;
    std::vector<std::int16_t> formats(*count);
    for (auto& format : formats) format = static_cast<std::int16_t>(*u16());
    return formats;
}

void put_parameter_description_without_parameters(std::string& out) {
    protocol::MessageWriter(out, msg::parameter_description).u16(0).finish();
}

}  // namespace

bool ExtendedSession::handles(char type) {
    switch (type) {
    case msg::parse: case msg::bind: case msg::describe: case msg::execute:
    case msg::close: case msg::sync: case msg::flush: return true;
    default: return false;
    }
}

std::nullopt_t ExtendedSession::fail(std::string& out, std::string_view state, std::string_view message,
                                     std::string_view detail, std::string_view hint) {
    protocol::put_error(out, "ERROR", state, message, detail, hint);
    failed_ = true;
    return std::nullopt;
}

std::optional<ExtendedSession::Execute> ExtendedSession::handle(const protocol::Frame& frame, std::string& out) {
    if (frame.type == msg::sync) {
        failed_ = false;
        portals_.erase("");   // the unnamed portal ends with the implicit transaction
        protocol::put_ready_for_query(out, 'I');
        return std::nullopt;
    }
    if (failed_ || frame.type == msg::flush) return std::nullopt;

    switch (frame.type) {
    case msg::parse: {
        const auto p = protocol::parse_parse(frame);
        if (!p) return fail(out, sqlstate::protocol_violation, "malformed Parse message");
        auto parsed = parse_command(p->sql);
        if (!parsed.command)
            return fail(out, parsed.error.sqlstate, parsed.error.message, parsed.error.detail, parsed.error.hint);
        if (!p->name.empty() && !statements_.contains(p->name) && statements_.size() >= max_named)
            return fail(out, sqlstate::program_limit_exceeded, "too many prepared statements on the admin console");
        statements_.insert_or_assign(std::string(p->name), std::move(*parsed.command));
        protocol::put_parse_complete(out);
        return std::nullopt;
    }
    case msg::bind: {
        const auto b = protocol::parse_bind(frame);
        auto formats = bind_result_formats(frame);
        // parse_bind also rejects format codes other than 0 (text) and 1 (binary).
        if (!b || !formats) return fail(out, sqlstate::protocol_violation, "malformed Bind message");
        const auto statement = statements_.find(b->statement);
        if (statement == statements_.end())
            return fail(out, sqlstate::invalid_sql_statement_name,
                        fmt::format("prepared statement \"{}\" does not exist", b->statement));
        if (b->param_count != 0)
            return fail(out, sqlstate::protocol_violation, "admin commands take no parameters");
        const auto columns = column_count(statement->second.kind);
        if (formats->size() > 1 && formats->size() != columns)
            return fail(out, sqlstate::protocol_violation,
                        fmt::format("bind message has {} result formats but query has {} columns", formats->size(),
                                    columns));
        if (!b->portal.empty() && !portals_.contains(b->portal) && portals_.size() >= max_named)
            return fail(out, sqlstate::program_limit_exceeded, "too many portals on the admin console");
        portals_.insert_or_assign(std::string(b->portal), Portal{statement->second, std::move(*formats)});
        protocol::put_bind_complete(out);
        return std::nullopt;
    }
    case msg::describe: {
        const auto d = protocol::parse_describe(frame);
        if (!d || (d->kind != 'S' && d->kind != 'P'))
            return fail(out, sqlstate::protocol_violation, "malformed Describe message");
        if (d->kind == 'S') {
            const auto statement = statements_.find(d->name);
            if (statement == statements_.end())
                return fail(out, sqlstate::invalid_sql_statement_name,
                            fmt::format("prepared statement \"{}\" does not exist", d->name));
            put_parameter_description_without_parameters(out);
            render_description(out, statement->second);
        } else {
            const auto portal = portals_.find(d->name);
            if (portal == portals_.end())
                return fail(out, invalid_cursor_name, fmt::format("portal \"{}\" does not exist", d->name));
            render_description(out, portal->second.command, portal->second.formats);
        }
        return std::nullopt;
    }
    case msg::execute: {
        const auto e = protocol::parse_execute(frame);
        if (!e) return fail(out, sqlstate::protocol_violation, "malformed Execute message");
        const auto portal = portals_.find(e->portal);
        if (portal == portals_.end())
            return fail(out, invalid_cursor_name, fmt::format("portal \"{}\" does not exist", e->portal));
        // Every result set is small: max_rows is not honoured, the whole set comes at once.
        return Execute{portal->second.command, portal->second.formats};
    }
    case msg::close: {
        const auto c = protocol::parse_close(frame);
        if (!c || (c->kind != 'S' && c->kind != 'P'))
            return fail(out, sqlstate::protocol_violation, "malformed Close message");
        if (c->kind == 'S') {
            if (auto it = statements_.find(c->name); it != statements_.end()) statements_.erase(it);
        } else if (auto it = portals_.find(c->name); it != portals_.end()) {
            portals_.erase(it);
        }
        protocol::put_close_complete(out);
        return std::nullopt;
    }
    default:
        return std::nullopt;
    }
}

void ExtendedSession::complete(std::string& out, const Execute& execute, const Snapshot& snapshot) {
    render_rows(out, execute.command, snapshot, execute.formats);
}

void ExtendedSession::complete(std::string& out, const Execute& execute, const Outcome& outcome) {
    render_outcome(out, execute.command, outcome);
    if (!outcome.error_sqlstate.empty()) failed_ = true;
}

}  // namespace pgsteer::admin
