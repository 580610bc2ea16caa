// Scanning the next unit of client input for routing: frames are peeked, never consumed here.
#include "proxy/routing_unit.hpp"

#include "protocol/frame.hpp"
#include "protocol/messages.hpp"
#include "routing/classify.hpp"
#include "routing/lexer.hpp"

namespace pgsteer::proxy {

namespace {

using routing::Classification;
using routing::Kind;
using routing::Reason;

int strength(const Classification& c) {
    switch (c.kind) {
    case Kind::read: return 0;
    case Kind::transaction_begin:
    case Kind::transaction_end: return 1;
    case Kind::session_set: return 2;
    case Kind::write:
    case Kind::route_setting: return 3;
    case Kind::pin_session: return 4;
    }
    return 3;
}

Classification unproven(Reason reason = Reason::unknown) {
    Classification c;
    c.kind = Kind::write;
    c.reason = reason;
    return c;
}

Classification nothing() {
    Classification c;
    c.kind = Kind::read;
    c.reason = Reason::empty;
    return c;
}

}  // namespace

Classification combine(Classification a, const Classification& b) {
    const bool take_b = strength(b) > strength(a);
    Classification out = take_b ? b : std::move(a);
    const Classification& other = take_b ? a : b;
    if (take_b) {
        // Statement order: the earlier unit's SETs first.
        out.sets.insert(out.sets.begin(), other.sets.begin(), other.sets.end());
        if (out.hint == routing::Hint::none) out.hint = other.hint;
    } else {
        out.sets.insert(out.sets.end(), other.sets.begin(), other.sets.end());
    }
    out.creates_temp = out.creates_temp || other.creates_temp;
    return out;
}

UnitScan scan_unit(std::span<const std::uint8_t> input, const StatementClass& named,
                   const Classification* unnamed, const routing::FunctionPolicy& functions, std::size_t limit,
                   const ParseClass& parse_class) {
    UnitScan out;
    auto ready = [&](Classification c) {
        out.status = UnitScan::Status::ready;
        out.classification = std::move(c);
        return out;
    };
    Classification unit = nothing();
    Classification batch_unnamed;
    bool have_batch_unnamed = false;
    std::size_t offset = 0;
    while (true) {
        auto r = protocol::peek_frame(input.subspan(offset), static_cast<std::uint32_t>(limit));
        if (r.status == protocol::FrameStatus::malformed) return ready(unproven());
        if (r.status == protocol::FrameStatus::need_more) {
            if (offset + r.need > limit) return ready(unproven());
            out.need = offset + r.need;
            return out;
        }
        const protocol::Frame& f = r.frame;
        const std::size_t size = f.wire_size();
        switch (f.type) {
        case protocol::msg::query: {
            if (offset > 0) return ready(unproven());   // a Query inside a batch: not a shape we prove
            auto q = protocol::parse_query(f);
            if (!q) return ready(unproven());
            out.query_size = size;
            return ready(routing::classify(q->sql, functions));
        }
        case protocol::msg::parse: {
            auto p = protocol::parse_parse(f);
            if (!p) return ready(unproven());
            Classification c = parse_class ? parse_class(p->sql) : routing::classify(p->sql, functions);
            if (p->name.empty()) {
                batch_unnamed = c;
                have_batch_unnamed = true;
            }
            unit = combine(std::move(unit), c);
            break;
        }
        case protocol::msg::bind: {
            auto b = protocol::parse_bind(f);
            if (!b) return ready(unproven());
            const Classification* c = nullptr;
            if (b->statement.empty()) c = have_batch_unnamed ? &batch_unnamed : unnamed;
            else c = named(b->statement);
            if (!c) return ready(unproven());
            unit = combine(std::move(unit), *c);
            break;
        }
        case protocol::msg::describe:
        case protocol::msg::execute:
        case protocol::msg::close:
            break;
        case protocol::msg::sync:
            return ready(std::move(unit));
        default:   // Flush (the batch goes on after an answer), FunctionCall, COPY messages
            return ready(unproven());
        }
        offset += size;
    }
}

bool drops_prepared_statements(const Classification& c, std::string_view sql) {
    if (c.reason == Reason::discard) {
        if (c.kind == Kind::session_set) return true;   // DISCARD ALL
        routing::Lexer lex(sql);
        lex.next();
        return lex.next().is("plans");
    }
    if (c.reason != Reason::deallocate) return false;
    routing::Lexer lex(sql);
    lex.next();
    auto t = lex.next();
    if (t.is("prepare")) t = lex.next();
    return t.is("all");
}

}  // namespace pgsteer::proxy
