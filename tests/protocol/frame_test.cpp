// Framing: peek_frame/peek_startup answers for partial, complete and hostile headers, and the
// FrameDecoder fed the same stream in every possible pair of pieces and one byte at a time.
#define BOOST_TEST_MODULE protocol_unit
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>
#include <vector>

#include "protocol/builder.hpp"
#include "protocol/frame.hpp"
#include "render.hpp"

namespace bdata = boost::unit_test::data;
using namespace pgsteer::protocol;
using namespace pgsteer::protocol::test;

namespace {

struct Peek {
    const char* name;
    const char* hex;
    FrameStatus status;
    std::size_t need = 0;        // need_more: expected need; frame: expected wire size
    std::uint32_t max_length = default_max_length;
};
std::ostream& operator<<(std::ostream& os, const Peek& p) { return os << p.name; }

const Peek typed[] = {
    {"empty buffer", "", FrameStatus::need_more, 5},
    {"type byte only", "51", FrameStatus::need_more, 5},
    {"partial length", "51 0000", FrameStatus::need_more, 5},
    {"header of an empty body", "53 00000004", FrameStatus::frame, 5},
    {"header, body missing", "51 00000009", FrameStatus::need_more, 10},
    {"body partly there", "51 00000009 4142", FrameStatus::need_more, 10},
    {"complete", "51 00000009 41424300 00", FrameStatus::frame, 10},
    {"two frames: the first", "53 00000004 48 00000004", FrameStatus::frame, 5},
    {"length 3", "51 00000003", FrameStatus::malformed},
    {"length 0", "51 00000000", FrameStatus::malformed},
    {"length over 1 GB", "51 40000001", FrameStatus::malformed},
    {"length 4 GB", "51 ffffffff", FrameStatus::malformed},
    {"over a caller's max, before any body", "51 00000101", FrameStatus::malformed, 0, 256},
    {"at a caller's max", "51 00000100", FrameStatus::need_more, 257, 256},
};

BOOST_DATA_TEST_CASE(peek_typed, bdata::make(typed), p) {
    const std::string buf = from_hex(p.hex);
    const FrameResult r = peek_frame(bytes_of(buf), p.max_length);
    BOOST_TEST((r.status == p.status));
    if (p.status == FrameStatus::need_more) BOOST_TEST(r.need == p.need);
    if (p.status == FrameStatus::need_more && buf.size() >= 5) {   // the header is known already
        BOOST_TEST(r.frame.type == buf[0]);
        BOOST_TEST(r.frame.wire_size() == p.need);
        BOOST_TEST(r.frame.body.empty());
    }
    if (p.status == FrameStatus::frame) {
        BOOST_TEST(r.frame.wire_size() == p.need);
        BOOST_TEST(r.frame.body.size() == p.need - 5);
        BOOST_TEST(r.frame.body.data() == reinterpret_cast<const std::uint8_t*>(buf.data()) + 5);
    }
    if (p.status == FrameStatus::malformed) BOOST_TEST(r.error != nullptr);
}

const Peek startup[] = {
    {"empty buffer", "", FrameStatus::need_more, 8},
    {"partial length", "0000", FrameStatus::need_more, 8},
    {"length only", "00000010", FrameStatus::need_more, 16},
    {"SSLRequest", "00000008 04d2162f", FrameStatus::frame, 8},
    {"GSSENCRequest", "00000008 04d21630", FrameStatus::frame, 8},
    {"CancelRequest", "00000010 04d2162e 00000001 00000002", FrameStatus::frame, 16},
    {"CancelRequest partial", "00000010 04d2162e 0000", FrameStatus::need_more, 16},
    {"StartupMessage partial", "00000017 00030000 7573", FrameStatus::need_more, 23},
    {"StartupMessage", "00000009 00030000 00", FrameStatus::frame, 9},
    {"StartupMessage 3.2 is left to the caller", "00000009 00030002 00", FrameStatus::frame, 9},
    {"length 7", "00000007 00030000", FrameStatus::malformed},
    {"length over the 10 KB default", "00002801", FrameStatus::malformed},
    {"length 4 GB", "ffffffff", FrameStatus::malformed},
    {"protocol 2.0", "00000009 00020000 00", FrameStatus::malformed},
    {"SSLRequest of 12 bytes", "0000000c 04d2162f", FrameStatus::malformed},
    {"CancelRequest of 12 bytes", "0000000c 04d2162e", FrameStatus::malformed},
};

BOOST_DATA_TEST_CASE(peek_startup_packets, bdata::make(startup), p) {
    const std::string buf = from_hex(p.hex);
    const StartupFrameResult r = peek_startup(bytes_of(buf));
    BOOST_TEST((r.status == p.status));
    if (p.status == FrameStatus::need_more) BOOST_TEST(r.need == p.need);
    if (p.status == FrameStatus::frame) BOOST_TEST(r.frame.wire_size() == p.need);
    if (p.status == FrameStatus::malformed) BOOST_TEST(r.error != nullptr);
}

BOOST_AUTO_TEST_CASE(startup_kinds) {
    std::string ssl, cancel, gss;
    put_ssl_request(ssl);
    put_cancel_request(cancel, 1, 2);
    put_gssenc_request(gss);
    BOOST_TEST((peek_startup(bytes_of(ssl)).frame.kind == StartupKind::ssl_request));
    BOOST_TEST((peek_startup(bytes_of(cancel)).frame.kind == StartupKind::cancel_request));
    BOOST_TEST((peek_startup(bytes_of(gss)).frame.kind == StartupKind::gssenc_request));
}

// A client session: startup packet, then typed messages of every shape (empty bodies, long
// bodies, several in a row).
std::string client_stream() {
    std::string s;
    put_startup_message(s, {{"user", "app"}, {"database", "app"}});
    put_query(s, "SELECT 1");
    put_parse(s, "s1", "SELECT $1");
    put_bind(s, "", "s1");
    put_describe(s, 'P', "");
    put_execute(s, "", 0);
    put_sync(s);
    put_query(s, std::string(70000, 'x'));
    put_terminate(s);
    return s;
}

struct Decoded {
    std::vector<std::string> frames;   // "type:body" per frame
    bool malformed = false;
};

// Feeds the pieces in order, draining the decoder after each, startup packet first.
Decoded decode_in_pieces(const std::string& stream, const std::vector<std::size_t>& cuts) {
    Decoded d;
    FrameDecoder decoder;
    bool started = false;
    std::size_t from = 0;
    auto drain = [&] {
        for (;;) {
            if (!started) {
                auto r = decoder.next_startup();
                if (r.status != FrameStatus::frame) {
                    d.malformed |= r.status == FrameStatus::malformed;
                    return;
                }
                started = true;
                d.frames.push_back("startup:" + std::string(reinterpret_cast<const char*>(r.frame.packet.data()),
                                                            r.frame.packet.size()));
                continue;
            }
            auto r = decoder.next();
            if (r.status != FrameStatus::frame) {
                d.malformed |= r.status == FrameStatus::malformed;
                if (r.status == FrameStatus::need_more) BOOST_TEST(r.need > decoder.buffered());
                return;
            }
            d.frames.push_back(std::string(1, r.frame.type) + ":" +
                               std::string(reinterpret_cast<const char*>(r.frame.body.data()), r.frame.body.size()));
        }
    };
    for (std::size_t cut : cuts) {
        decoder.feed(std::string_view(stream).substr(from, cut - from));
        from = cut;
        drain();
    }
    decoder.feed(std::string_view(stream).substr(from));
    drain();
    BOOST_TEST(decoder.buffered() == 0u);
    return d;
}

BOOST_AUTO_TEST_CASE(every_split_point_decodes_identically) {
    const std::string stream = client_stream();
    const Decoded whole = decode_in_pieces(stream, {});
    BOOST_TEST_REQUIRE(whole.frames.size() == 9u);
    BOOST_TEST(whole.frames[1] == std::string("Q:SELECT 1") + '\0');
    BOOST_TEST(!whole.malformed);
    // The 70 KB query makes every cut inside it redundant; check cuts around every other byte.
    const std::size_t big_start = stream.size() - 5 - 70001 - 5;
    for (std::size_t cut = 1; cut < stream.size(); ++cut) {
        if (cut > big_start + 64 && cut < stream.size() - 64) continue;
        BOOST_TEST_INFO("split at " << cut);
        BOOST_TEST_REQUIRE((decode_in_pieces(stream, {cut}).frames == whole.frames));
    }
}

BOOST_AUTO_TEST_CASE(one_byte_at_a_time) {
    const std::string stream = client_stream();
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < stream.size(); ++i) cuts.push_back(i);
    BOOST_TEST((decode_in_pieces(stream, cuts).frames == decode_in_pieces(stream, {}).frames));
}

BOOST_AUTO_TEST_CASE(views_survive_until_next_feed) {
    std::string s;
    put_query(s, "a");
    put_query(s, "b");
    FrameDecoder d;
    d.feed(s);
    const auto first = d.next();
    const auto second = d.next();
    BOOST_TEST_REQUIRE((first.status == FrameStatus::frame && second.status == FrameStatus::frame));
    BOOST_TEST(render_frontend(first.frame).value_or("") == "Query a");
    BOOST_TEST(render_frontend(second.frame).value_or("") == "Query b");
    BOOST_TEST((d.next().status == FrameStatus::need_more));
}

BOOST_AUTO_TEST_CASE(malformed_is_sticky) {
    FrameDecoder d(1024);
    d.feed(from_hex("51 00001000"));
    const auto r = d.next();
    BOOST_TEST((r.status == FrameStatus::malformed));
    BOOST_TEST(d.malformed());
    std::string ok;
    put_sync(ok);
    d.feed(ok);   // ignored: the stream is out of sync
    BOOST_TEST((d.next().status == FrameStatus::malformed));
}

BOOST_AUTO_TEST_CASE(need_counts_from_unreturned_bytes) {
    std::string s;
    put_sync(s);
    put_query(s, "SELECT 1");
    FrameDecoder d;
    d.feed(std::string_view(s).substr(0, 8));   // Sync plus 3 bytes of the Query
    BOOST_TEST((d.next().status == FrameStatus::frame));
    const auto r = d.next();
    BOOST_TEST((r.status == FrameStatus::need_more));
    BOOST_TEST(r.need == 5u);
    BOOST_TEST(d.buffered() == 3u);
}

}  // namespace
