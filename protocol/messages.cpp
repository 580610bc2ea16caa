// Parsers of the v3 messages pgsteer reads. Each checks the type byte and that the body matches
// the layout exactly (no trailing bytes), as PostgreSQL's pq_getmsgend() does.
#include "protocol/messages.hpp"

#include "protocol/reader.hpp"

namespace pgsteer::protocol {

using detail::Reader;

namespace {

template <typename T>
std::optional<T> finish(const Reader& r, T value) {
    if (!r.done()) return std::nullopt;
    return value;
}

bool is_statement_or_portal(char kind) { return kind == 'S' || kind == 'P'; }

// A sequence of int16 format codes preceded by its count; each must be 0 (text) or 1 (binary).
// Returns the codes' bytes.
std::span<const std::uint8_t> read_formats(Reader& r) {
    const std::uint16_t n = r.u16();
    auto codes = r.bytes(2u * n);
    for (std::size_t i = 0; i < codes.size(); i += 2)
        if (codes[i] != 0 || codes[i + 1] > 1) r.fail();
    return r.ok() ? codes : std::span<const std::uint8_t>{};
}

// Count-prefixed values, each an int32 length (-1 = NULL) then that many bytes.
template <typename Each>
std::uint16_t read_values(Reader& r, Each&& each) {
    const std::uint16_t n = r.u16();
    for (std::uint16_t i = 0; i < n && r.ok(); ++i) {
        const std::int32_t len = r.i32();
        if (len == -1) {
            each(std::optional<std::string_view>{});
        } else if (len < 0) {
            r.fail();
        } else {
            auto v = r.text(static_cast<std::size_t>(len));
            if (r.ok()) each(std::optional<std::string_view>{v});
        }
    }
    return n;
}

}  // namespace

// ---- startup phase ----

std::string_view StartupMessage::get(std::string_view key) const {
    for (auto it = params.rbegin(); it != params.rend(); ++it)
        if (it->first == key) return it->second;
    return {};
}

bool StartupMessage::has(std::string_view key) const {
    for (const auto& p : params)
        if (p.first == key) return true;
    return false;
}

std::optional<StartupMessage> parse_startup(const StartupFrame& f) {
    if (f.kind != StartupKind::startup || f.packet.size() != f.length) return std::nullopt;
    Reader r(f.packet);
    r.u32();
    StartupMessage m;
    m.protocol_version = r.u32();
    if ((m.protocol_version >> 16) != 3) return std::nullopt;
    // Name/value pairs, then one empty name that must be the very last byte.
    for (;;) {
        auto name = r.cstring();
        if (!r.ok()) return std::nullopt;
        if (name.empty()) break;
        auto value = r.cstring();
        if (!r.ok()) return std::nullopt;
        m.params.emplace_back(name, value);
    }
    return finish(r, std::move(m));
}

std::optional<CancelRequest> parse_cancel(const StartupFrame& f) {
    if (f.kind != StartupKind::cancel_request || f.packet.size() != f.length) return std::nullopt;
    Reader r(f.packet);
    if (r.u32() != 16 || r.u32() != cancel_request_code) return std::nullopt;
    CancelRequest c;
    c.pid = r.u32();
    c.key = r.u32();
    return finish(r, c);
}

// ---- frontend -> backend ----

std::optional<Query> parse_query(const Frame& f) {
    if (f.type != msg::query) return std::nullopt;
    Reader r(f.body);
    Query q{r.cstring()};
    return finish(r, q);
}

std::optional<Parse> parse_parse(const Frame& f) {
    if (f.type != msg::parse) return std::nullopt;
    Reader r(f.body);
    Parse p;
    p.name = r.cstring();
    p.sql = r.cstring();
    const std::uint16_t n = r.u16();
    if (!r.ok() || r.remaining() != std::size_t{n} * 4) return std::nullopt;
    p.param_types.reserve(n);
    for (std::uint16_t i = 0; i < n; ++i) p.param_types.push_back(r.u32());
    return finish(r, std::move(p));
}

std::optional<Bind> parse_bind(const Frame& f) {
    if (f.type != msg::bind) return std::nullopt;
    Reader r(f.body);
    Bind b;
    b.portal = r.cstring();
    b.statement = r.cstring();
    read_formats(r);
    b.param_count = read_values(r, [](std::optional<std::string_view>) {});
    b.result_formats = read_formats(r);
    return finish(r, b);
}

std::int16_t Bind::result_format(std::size_t column) const {
    const std::size_t n = result_formats.size() / 2;
    if (n == 0) return 0;
    const std::size_t i = n == 1 ? 0 : column;
    return i < n ? result_formats[2 * i + 1] : 0;
}

std::optional<Describe> parse_describe(const Frame& f) {
    if (f.type != msg::describe) return std::nullopt;
    Reader r(f.body);
    Describe d;
    d.kind = static_cast<char>(r.u8());
    d.name = r.cstring();
    if (!is_statement_or_portal(d.kind)) return std::nullopt;
    return finish(r, d);
}

std::optional<Close> parse_close(const Frame& f) {
    if (f.type != msg::close) return std::nullopt;
    Reader r(f.body);
    Close c;
    c.kind = static_cast<char>(r.u8());
    c.name = r.cstring();
    if (!is_statement_or_portal(c.kind)) return std::nullopt;
    return finish(r, c);
}

std::optional<Execute> parse_execute(const Frame& f) {
    if (f.type != msg::execute) return std::nullopt;
    Reader r(f.body);
    Execute e;
    e.portal = r.cstring();
    e.max_rows = r.u32();
    return finish(r, e);
}

bool parse_empty(const Frame& f, char type) { return f.type == type && f.body.empty(); }

std::optional<FunctionCall> parse_function_call(const Frame& f) {
    if (f.type != msg::function_call) return std::nullopt;
    Reader r(f.body);
    FunctionCall c;
    c.function_oid = r.u32();
    read_formats(r);
    c.arg_count = read_values(r, [](std::optional<std::string_view>) {});
    const std::int16_t result_format = r.i16();
    if (result_format != 0 && result_format != 1) return std::nullopt;
    return finish(r, c);
}

std::optional<PasswordMessage> parse_password(const Frame& f) {
    if (f.type != msg::password) return std::nullopt;
    Reader r(f.body);
    PasswordMessage p{r.cstring()};
    return finish(r, p);
}

std::optional<SaslInitialResponse> parse_sasl_initial(const Frame& f) {
    if (f.type != msg::password) return std::nullopt;
    Reader r(f.body);
    SaslInitialResponse s;
    s.mechanism = r.cstring();
    const std::int32_t len = r.i32();
    if (len < -1) return std::nullopt;
    s.has_data = len >= 0;
    if (s.has_data) s.data = r.text(static_cast<std::size_t>(len));
    return finish(r, s);
}

std::optional<SaslResponse> parse_sasl_response(const Frame& f) {
    if (f.type != msg::password) return std::nullopt;
    Reader r(f.body);
    SaslResponse s{r.text(f.body.size())};
    return finish(r, s);
}

std::optional<CopyData> parse_copy_data(const Frame& f) {
    if (f.type != msg::copy_data) return std::nullopt;
    return CopyData{f.body};
}

std::optional<CopyFail> parse_copy_fail(const Frame& f) {
    if (f.type != msg::copy_fail) return std::nullopt;
    Reader r(f.body);
    CopyFail c{r.cstring()};
    return finish(r, c);
}

// ---- backend -> frontend ----

std::optional<Authentication> parse_authentication(const Frame& f) {
    if (f.type != msg::authentication) return std::nullopt;
    Reader r(f.body);
    Authentication a;
    a.code = r.u32();
    a.data = r.rest();
    if (!r.done()) return std::nullopt;
    switch (a.code) {
        case auth::ok:
        case auth::cleartext_password:
        case auth::kerberos_v5:
        case auth::gss:
        case auth::sspi:
            if (!a.data.empty()) return std::nullopt;
            break;
        case auth::md5_password:
            if (a.data.size() != 4) return std::nullopt;
            break;
        case auth::sasl:
            if (!sasl_mechanisms(a)) return std::nullopt;
            break;
        case auth::gss_continue:
        case auth::sasl_continue:
        case auth::sasl_final:
            break;
        default:
            return std::nullopt;
    }
    return a;
}

std::optional<std::vector<std::string_view>> sasl_mechanisms(const Authentication& a) {
    if (a.code != auth::sasl) return std::nullopt;
    Reader r(a.data);
    std::vector<std::string_view> names;
    for (;;) {
        auto name = r.cstring();
        if (!r.ok()) return std::nullopt;
        if (name.empty()) break;
        names.push_back(name);
    }
    return finish(r, std::move(names));
}

std::optional<std::array<std::uint8_t, 4>> md5_salt(const Authentication& a) {
    if (a.code != auth::md5_password || a.data.size() != 4) return std::nullopt;
    return std::array<std::uint8_t, 4>{a.data[0], a.data[1], a.data[2], a.data[3]};
}

std::optional<BackendKeyData> parse_backend_key_data(const Frame& f) {
    if (f.type != msg::backend_key_data) return std::nullopt;
    Reader r(f.body);
    BackendKeyData k;
    k.pid = r.u32();
    k.key = r.u32();
    return finish(r, k);
}

std::optional<ParameterStatus> parse_parameter_status(const Frame& f) {
    if (f.type != msg::parameter_status) return std::nullopt;
    Reader r(f.body);
    ParameterStatus p;
    p.name = r.cstring();
    p.value = r.cstring();
    return finish(r, p);
}

std::optional<ReadyForQuery> parse_ready_for_query(const Frame& f) {
    if (f.type != msg::ready_for_query) return std::nullopt;
    Reader r(f.body);
    ReadyForQuery z{static_cast<char>(r.u8())};
    if (z.status != 'I' && z.status != 'T' && z.status != 'E') return std::nullopt;
    return finish(r, z);
}

std::string_view ErrorFields::get(char code) const {
    for (const auto& [c, v] : fields)
        if (c == code) return v;
    return {};
}

std::optional<ErrorFields> parse_error_fields(const Frame& f) {
    if (f.type != msg::error_response && f.type != msg::notice_response) return std::nullopt;
    Reader r(f.body);
    ErrorFields e;
    for (;;) {
        const char code = static_cast<char>(r.u8());
        if (!r.ok()) return std::nullopt;
        if (code == '\0') break;
        auto value = r.cstring();
        if (!r.ok()) return std::nullopt;
        e.fields.emplace_back(code, value);
        switch (code) {
            case 'S': e.severity = value; break;
            case 'C': e.sqlstate = value; break;
            case 'M': e.message = value; break;
            case 'D': e.detail = value; break;
            case 'H': e.hint = value; break;
            default: break;
        }
    }
    return finish(r, std::move(e));
}

std::optional<CommandComplete> parse_command_complete(const Frame& f) {
    if (f.type != msg::command_complete) return std::nullopt;
    Reader r(f.body);
    CommandComplete c{r.cstring()};
    return finish(r, c);
}

std::optional<RowDescription> parse_row_description(const Frame& f) {
    if (f.type != msg::row_description) return std::nullopt;
    Reader r(f.body);
    RowDescription d;
    const std::uint16_t n = r.u16();
    // Each field takes at least 19 bytes: refuse an absurd count before reserving for it.
    if (!r.ok() || r.remaining() < std::size_t{n} * 19) return std::nullopt;
    d.fields.reserve(n);
    for (std::uint16_t i = 0; i < n && r.ok(); ++i) {
        RowDescription::Field fd;
        fd.name = r.cstring();
        fd.table_oid = r.u32();
        fd.column = r.i16();
        fd.type_oid = r.u32();
        fd.typlen = r.i16();
        fd.typmod = r.i32();
        fd.format = r.i16();
        d.fields.push_back(fd);
    }
    return finish(r, std::move(d));
}

std::optional<DataRow> parse_data_row(const Frame& f) {
    if (f.type != msg::data_row) return std::nullopt;
    Reader r(f.body);
    DataRow d;
    read_values(r, [&d](std::optional<std::string_view> v) { d.columns.push_back(v); });
    return finish(r, std::move(d));
}

std::optional<ParameterDescription> parse_parameter_description(const Frame& f) {
    if (f.type != msg::parameter_description) return std::nullopt;
    Reader r(f.body);
    ParameterDescription p;
    const std::uint16_t n = r.u16();
    if (!r.ok() || r.remaining() != std::size_t{n} * 4) return std::nullopt;
    p.types.reserve(n);
    for (std::uint16_t i = 0; i < n; ++i) p.types.push_back(r.u32());
    return finish(r, std::move(p));
}

std::optional<NotificationResponse> parse_notification(const Frame& f) {
    if (f.type != msg::notification_response) return std::nullopt;
    Reader r(f.body);
    NotificationResponse n;
    n.pid = r.u32();
    n.channel = r.cstring();
    n.payload = r.cstring();
    return finish(r, n);
}

std::optional<CopyResponse> parse_copy_response(const Frame& f) {
    if (f.type != msg::copy_in_response && f.type != msg::copy_out_response &&
        f.type != msg::copy_both_response)
        return std::nullopt;
    Reader r(f.body);
    CopyResponse c;
    c.type = f.type;
    c.format = r.u8();
    const std::uint16_t n = r.u16();
    if (!r.ok() || c.format > 1 || r.remaining() != std::size_t{n} * 2) return std::nullopt;
    c.column_formats.reserve(n);
    for (std::uint16_t i = 0; i < n; ++i) {
        const std::int16_t fmt = r.i16();
        if (fmt != 0 && fmt != 1) return std::nullopt;
        c.column_formats.push_back(fmt);
    }
    return finish(r, std::move(c));
}

std::optional<FunctionCallResponse> parse_function_call_response(const Frame& f) {
    if (f.type != msg::function_call_response) return std::nullopt;
    Reader r(f.body);
    FunctionCallResponse v;
    const std::int32_t len = r.i32();
    if (len < -1) return std::nullopt;
    if (len >= 0) v.result = r.bytes(static_cast<std::size_t>(len));
    return finish(r, v);
}

std::optional<NegotiateProtocolVersion> parse_negotiate_protocol_version(const Frame& f) {
    if (f.type != msg::negotiate_protocol_version) return std::nullopt;
    Reader r(f.body);
    NegotiateProtocolVersion v;
    v.newest_minor = r.u32();
    const std::uint32_t n = r.u32();
    // Each option is at least its NUL: a count beyond the remaining bytes is a lie.
    if (!r.ok() || n > r.remaining()) return std::nullopt;
    for (std::uint32_t i = 0; i < n && r.ok(); ++i) v.unsupported_options.push_back(r.cstring());
    return finish(r, std::move(v));
}

}  // namespace pgsteer::protocol
