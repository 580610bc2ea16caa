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

// A Bind's result format codes, kept with the portal after the message is gone.
std::vector<std::int16_t> result_formats(const protocol::Bind& b) {
    std::vector<std::int16_t> formats(b.result_formats.size() / 2);
    for (std::size_t i = 0; i < formats.size(); ++i) formats[i] = b.result_format(i);
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
        // parse_bind also rejects format codes other than 0 (text) and 1 (binary).
        if (!b) return fail(out, sqlstate::protocol_violation, "malformed Bind message");
        auto formats = result_formats(*b);
        const auto statement = statements_.find(b->statement);
        if (statement == statements_.end())
            return fail(out, sqlstate::invalid_sql_statement_name,
                        fmt::format("prepared statement \"{}\" does not exist", b->statement));
        if (b->param_count != 0)
            return fail(out, sqlstate::protocol_violation, "admin commands take no parameters");
        const auto columns = column_count(statement->second.kind);
        if (formats.size() > 1 && formats.size() != columns)
            return fail(out, sqlstate::protocol_violation,
                        fmt::format("bind message has {} result formats but query has {} columns", formats.size(),
                                    columns));
        if (!b->portal.empty() && !portals_.contains(b->portal) && portals_.size() >= max_named)
            return fail(out, sqlstate::program_limit_exceeded, "too many portals on the admin console");
        portals_.insert_or_assign(std::string(b->portal), Portal{statement->second, std::move(formats)});
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
