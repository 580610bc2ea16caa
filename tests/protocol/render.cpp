// Renders decoded messages as text for the table-driven codec tests.
#include "render.hpp"

#include <boost/test/unit_test.hpp>

#include "protocol/messages.hpp"

namespace pgsteer::protocol::test {

namespace {

std::string list(const auto& items, auto&& each) {
    std::string out = "[";
    bool first = true;
    for (const auto& item : items) {
        if (!first) out += ",";
        first = false;
        out += each(item);
    }
    return out + "]";
}

std::string num(auto v) { return std::to_string(v); }
std::string str(std::string_view s) { return std::string(s); }
std::string text(std::span<const std::uint8_t> b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

template <typename T, typename F>
std::optional<std::string> render(const std::optional<T>& m, F&& f) {
    if (!m) return std::nullopt;
    return f(*m);
}

std::optional<std::string> empty(const Frame& f, const char* name) {
    if (!parse_empty(f, f.type)) return std::nullopt;
    return std::string(name);
}

}  // namespace

std::optional<std::string> render_startup(const StartupFrame& f) {
    switch (f.kind) {
        case StartupKind::startup:
            return render(parse_startup(f), [](const StartupMessage& m) {
                return "Startup " + num(m.protocol_version >> 16) + "." + num(m.protocol_version & 0xffff) +
                       " " + list(m.params, [](const Param& p) { return str(p.first) + "=" + str(p.second); });
            });
        case StartupKind::cancel_request:
            return render(parse_cancel(f), [](const CancelRequest& c) {
                return "CancelRequest pid=" + num(c.pid) + " key=" + num(c.key);
            });
        case StartupKind::ssl_request: return std::string("SSLRequest");
        case StartupKind::gssenc_request: return std::string("GSSENCRequest");
    }
    return std::nullopt;
}

std::optional<std::string> render_frontend(const Frame& f, PasswordKind kind) {
    switch (f.type) {
        case msg::query:
            return render(parse_query(f), [](const Query& q) { return "Query " + str(q.sql); });
        case msg::parse:
            return render(parse_parse(f), [](const Parse& p) {
                return "Parse name=" + str(p.name) + " sql=" + str(p.sql) + " types=" +
                       list(p.param_types, [](std::uint32_t t) { return num(t); });
            });
        case msg::bind:
            return render(parse_bind(f), [](const Bind& b) {
                return "Bind portal=" + str(b.portal) + " statement=" + str(b.statement) +
                       " params=" + num(b.param_count);
            });
        case msg::describe:
            return render(parse_describe(f), [](const Describe& d) {
                return "Describe " + std::string(1, d.kind) + " " + str(d.name);
            });
        case msg::close:
            return render(parse_close(f), [](const Close& c) {
                return "Close " + std::string(1, c.kind) + " " + str(c.name);
            });
        case msg::execute:
            return render(parse_execute(f), [](const Execute& e) {
                return "Execute portal=" + str(e.portal) + " max_rows=" + num(e.max_rows);
            });
        case msg::sync: return empty(f, "Sync");
        case msg::flush: return empty(f, "Flush");
        case msg::terminate: return empty(f, "Terminate");
        case msg::copy_done: return empty(f, "CopyDone");
        case msg::copy_data:
            return render(parse_copy_data(f), [](const CopyData& d) { return "CopyData " + text(d.data); });
        case msg::copy_fail:
            return render(parse_copy_fail(f), [](const CopyFail& c) { return "CopyFail " + str(c.message); });
        case msg::function_call:
            return render(parse_function_call(f), [](const FunctionCall& c) {
                return "FunctionCall oid=" + num(c.function_oid) + " args=" + num(c.arg_count);
            });
        case msg::password:
            switch (kind) {
                case PasswordKind::password:
                    return render(parse_password(f), [](const PasswordMessage& p) {
                        return "Password " + str(p.password);
                    });
                case PasswordKind::sasl_initial:
                    return render(parse_sasl_initial(f), [](const SaslInitialResponse& s) {
                        return "SASLInitialResponse " + str(s.mechanism) +
                               (s.has_data ? " " + str(s.data) : std::string(" (none)"));
                    });
                case PasswordKind::sasl_response:
                    return render(parse_sasl_response(f), [](const SaslResponse& s) {
                        return "SASLResponse " + str(s.data);
                    });
            }
    }
    return std::nullopt;
}

std::optional<std::string> render_backend(const Frame& f) {
    switch (f.type) {
        case msg::authentication:
            return render(parse_authentication(f), [](const Authentication& a) -> std::string {
                switch (a.code) {
                    case auth::ok: return "AuthenticationOk";
                    case auth::cleartext_password: return "AuthenticationCleartextPassword";
                    case auth::md5_password:
                        return "AuthenticationMD5Password " + list(*md5_salt(a), [](std::uint8_t b) { return num(b); });
                    case auth::sasl:
                        return "AuthenticationSASL " + list(*sasl_mechanisms(a), [](std::string_view m) { return str(m); });
                    case auth::sasl_continue: return "AuthenticationSASLContinue " + str(a.data_view());
                    case auth::sasl_final: return "AuthenticationSASLFinal " + str(a.data_view());
                    default: return "Authentication code=" + num(a.code);
                }
            });
        case msg::backend_key_data:
            return render(parse_backend_key_data(f), [](const BackendKeyData& k) {
                return "BackendKeyData pid=" + num(k.pid) + " key=" + num(k.key);
            });
        case msg::parameter_status:
            return render(parse_parameter_status(f), [](const ParameterStatus& p) {
                return "ParameterStatus " + str(p.name) + "=" + str(p.value);
            });
        case msg::ready_for_query:
            return render(parse_ready_for_query(f), [](const ReadyForQuery& z) {
                return "ReadyForQuery " + std::string(1, z.status);
            });
        case msg::error_response:
        case msg::notice_response:
            return render(parse_error_fields(f), [&f](const ErrorFields& e) {
                return std::string(f.type == msg::error_response ? "ErrorResponse " : "NoticeResponse ") +
                       str(e.severity) + " " + str(e.sqlstate) + " " + str(e.message) +
                       (e.detail.empty() ? "" : " detail=" + str(e.detail)) +
                       (e.hint.empty() ? "" : " hint=" + str(e.hint));
            });
        case msg::command_complete:
            return render(parse_command_complete(f), [](const CommandComplete& c) {
                return "CommandComplete " + str(c.tag);
            });
        case msg::row_description:
            return render(parse_row_description(f), [](const RowDescription& d) {
                return "RowDescription " + list(d.fields, [](const RowDescription::Field& x) {
                           return str(x.name) + ":" + num(x.table_oid) + ":" + num(x.column) + ":" +
                                  num(x.type_oid) + ":" + num(x.typlen) + ":" + num(x.typmod) + ":" +
                                  num(x.format);
                       });
            });
        case msg::data_row:
            return render(parse_data_row(f), [](const DataRow& d) {
                return "DataRow " + list(d.columns, [](const std::optional<std::string_view>& c) {
                           return c ? str(*c) : std::string("NULL");
                       });
            });
        case msg::parameter_description:
            return render(parse_parameter_description(f), [](const ParameterDescription& p) {
                return "ParameterDescription " + list(p.types, [](std::uint32_t t) { return num(t); });
            });
        case msg::notification_response:
            return render(parse_notification(f), [](const NotificationResponse& n) {
                return "NotificationResponse pid=" + num(n.pid) + " " + str(n.channel) + " " + str(n.payload);
            });
        case msg::copy_in_response:
        case msg::copy_out_response:
        case msg::copy_both_response:
            return render(parse_copy_response(f), [](const CopyResponse& c) {
                const char* name = c.type == msg::copy_in_response    ? "CopyInResponse"
                                   : c.type == msg::copy_out_response ? "CopyOutResponse"
                                                                      : "CopyBothResponse";
                return std::string(name) + " format=" + num(c.format) + " " +
                       list(c.column_formats, [](std::int16_t x) { return num(x); });
            });
        case msg::negotiate_protocol_version:
            return render(parse_negotiate_protocol_version(f), [](const NegotiateProtocolVersion& v) {
                return "NegotiateProtocolVersion " + num(v.newest_minor) + " " +
                       list(v.unsupported_options, [](std::string_view o) { return str(o); });
            });
        case msg::function_call_response:
            return render(parse_function_call_response(f), [](const FunctionCallResponse& v) {
                return "FunctionCallResponse " + (v.result ? text(*v.result) : std::string("NULL"));
            });
        case msg::copy_data:
            return render(parse_copy_data(f), [](const CopyData& d) { return "CopyData " + text(d.data); });
        case msg::copy_done: return empty(f, "CopyDone");
        case msg::empty_query_response: return empty(f, "EmptyQueryResponse");
        case msg::parse_complete: return empty(f, "ParseComplete");
        case msg::bind_complete: return empty(f, "BindComplete");
        case msg::close_complete: return empty(f, "CloseComplete");
        case msg::no_data: return empty(f, "NoData");
        case msg::portal_suspended: return empty(f, "PortalSuspended");
    }
    return std::nullopt;
}

Frame one_frame(const std::string& wire) {
    const FrameResult r = peek_frame(bytes_of(wire));
    BOOST_TEST_REQUIRE((r.status == FrameStatus::frame));
    BOOST_TEST_REQUIRE(r.frame.wire_size() == wire.size());
    return r.frame;
}

StartupFrame one_startup(const std::string& wire) {
    const StartupFrameResult r = peek_startup(bytes_of(wire));
    BOOST_TEST_REQUIRE((r.status == FrameStatus::frame));
    BOOST_TEST_REQUIRE(r.frame.wire_size() == wire.size());
    return r.frame;
}

std::string from_hex(std::string_view hex) {
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size();) {
        if (hex[i] == ' ') {
            ++i;
            continue;
        }
        const int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
        BOOST_TEST_REQUIRE((hi >= 0 && lo >= 0));
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return out;
}

}  // namespace pgsteer::protocol::test
