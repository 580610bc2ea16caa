// Every decoder driven with arbitrary bytes (see exercise.hpp).
#include "exercise.hpp"

#include <string_view>

#include "protocol/base64.hpp"
#include "protocol/frame.hpp"
#include "protocol/messages.hpp"
#include "protocol/scram.hpp"

namespace pgsteer::protocol::test {

namespace {

constexpr std::string_view all_types = "QPBEDCSHXFpfdcRKZNTIn123stAGWVv";

std::string_view text(std::span<const std::uint8_t> b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// Touches every byte a parser handed back, so an over-read shows under ASan even when the
// parser itself only computed the view.
std::size_t touch(std::string_view s) {
    std::size_t sum = 0;
    for (char c : s) sum += static_cast<unsigned char>(c);
    return sum;
}
std::size_t touch(std::span<const std::uint8_t> s) { return touch(text(s)); }

std::size_t parse_everything(const Frame& f) {
    std::size_t sum = 0;
    if (auto m = parse_query(f)) sum += touch(m->sql);
    if (auto m = parse_parse(f)) sum += touch(m->name) + touch(m->sql) + m->param_types.size();
    if (auto m = parse_bind(f)) sum += touch(m->portal) + touch(m->statement);
    if (auto m = parse_describe(f)) sum += touch(m->name);
    if (auto m = parse_close(f)) sum += touch(m->name);
    if (auto m = parse_execute(f)) sum += touch(m->portal);
    sum += parse_empty(f, f.type);
    if (auto m = parse_function_call(f)) sum += m->arg_count;
    if (auto m = parse_password(f)) sum += touch(m->password);
    if (auto m = parse_sasl_initial(f)) sum += touch(m->mechanism) + touch(m->data);
    if (auto m = parse_sasl_response(f)) sum += touch(m->data);
    if (auto m = parse_copy_data(f)) sum += touch(m->data);
    if (auto m = parse_copy_fail(f)) sum += touch(m->message);
    if (auto m = parse_authentication(f)) {
        sum += touch(m->data);
        if (auto names = sasl_mechanisms(*m))
            for (auto n : *names) sum += touch(n);
        if (auto salt = md5_salt(*m)) sum += (*salt)[0];
    }
    if (auto m = parse_backend_key_data(f)) sum += m->pid;
    if (auto m = parse_parameter_status(f)) sum += touch(m->name) + touch(m->value);
    if (auto m = parse_ready_for_query(f)) sum += static_cast<std::size_t>(m->status);
    if (auto m = parse_error_fields(f))
        for (const auto& [code, value] : m->fields) sum += touch(value) + static_cast<std::size_t>(code);
    if (auto m = parse_command_complete(f)) sum += touch(m->tag);
    if (auto m = parse_row_description(f))
        for (const auto& field : m->fields) sum += touch(field.name);
    if (auto m = parse_data_row(f))
        for (const auto& c : m->columns) sum += c ? touch(*c) : 1;
    if (auto m = parse_parameter_description(f)) sum += m->types.size();
    if (auto m = parse_notification(f)) sum += touch(m->channel) + touch(m->payload);
    if (auto m = parse_copy_response(f)) sum += m->column_formats.size();
    if (auto m = parse_function_call_response(f)) sum += m->result ? touch(*m->result) : 1;
    if (auto m = parse_negotiate_protocol_version(f))
        for (auto o : m->unsupported_options) sum += touch(o);
    return sum;
}

volatile std::size_t sink;

}  // namespace

void exercise_frames(std::span<const std::uint8_t> data) {
    std::size_t sum = 0;
    // The stream as a whole, with a small cap so the length check is hit too.
    for (std::uint32_t max : {default_max_length, 64u}) {
        auto rest = data;
        for (;;) {
            auto r = peek_frame(rest, max);
            if (r.status != FrameStatus::frame) break;
            for (char t : all_types) {
                Frame f = r.frame;
                f.type = t;
                sum += parse_everything(f);
            }
            rest = rest.subspan(r.frame.wire_size());
        }
    }
    // The same bytes through the incremental decoder in uneven pieces.
    FrameDecoder decoder;
    std::size_t step = 1;
    for (std::size_t at = 0; at < data.size(); at += step, step = step * 2 + 1) {
        decoder.feed(data.subspan(at, std::min(step, data.size() - at)));
        for (auto r = decoder.next(); r.status == FrameStatus::frame; r = decoder.next())
            sum += touch(r.frame.body);
    }
    sink = sum;
}

void exercise_messages(std::span<const std::uint8_t> data) {
    std::size_t sum = 0;
    for (char t : all_types) {
        Frame f{t, static_cast<std::uint32_t>(data.size() + 4), data};
        sum += parse_everything(f);
    }
    sink = sum;
}

void exercise_startup(std::span<const std::uint8_t> data) {
    std::size_t sum = 0;
    for (std::uint32_t max : {default_max_startup_length, 16u}) {
        auto r = peek_startup(data, max);
        if (r.status != FrameStatus::frame) continue;
        if (auto m = parse_startup(r.frame))
            for (const auto& [k, v] : m->params) sum += touch(k) + touch(v);
        if (auto c = parse_cancel(r.frame)) sum += c->pid;
    }
    FrameDecoder decoder;
    for (std::size_t at = 0; at < data.size(); at += 3) {
        decoder.feed(data.subspan(at, std::min<std::size_t>(3, data.size() - at)));
        auto r = decoder.next_startup();
        if (r.status == FrameStatus::frame) sum += touch(r.frame.packet);
    }
    sink = sum;
}

void exercise_scram(std::span<const std::uint8_t> data) {
    // Up to three messages separated by NUL-free '\n' boundaries.
    std::string_view all = text(data);
    std::string_view parts[3];
    for (auto& p : parts) {
        const auto nl = all.find('\n');
        p = all.substr(0, nl);
        all = nl == std::string_view::npos ? std::string_view{} : all.substr(nl + 1);
    }
    std::size_t sum = 0;
    static const ScramVerifier verifier = make_scram_verifier("pencil", "salt-for-fuzzing", 1);
    ScramServer server(verifier, "server-nonce");
    if (auto first = server.handle_client_first(parts[0])) sum += first->size();
    if (auto final_msg = server.handle_client_final(parts[1])) sum += final_msg->size();
    if (auto key = server.client_key()) sum += (*key)[0];

    auto client = ScramClient::with_client_key(verifier.stored_key, verifier.server_key, "client-nonce");
    sum += client.client_first().size();
    if (auto final_msg = client.handle_server_first(parts[0])) sum += final_msg->size();
    sum += client.handle_server_final(parts[1]);

    if (auto v = parse_scram_verifier(text(data))) sum += v->salt.size();
    if (auto d = base64_decode(text(data))) sum += d->size();
    sink = sum;
}

}  // namespace pgsteer::protocol::test
