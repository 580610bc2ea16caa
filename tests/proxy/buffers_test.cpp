// The read buffer's life (scratch area during a read, own buffer only for what is left), the
// client slab (what idle connections hold, no allocation per transaction) and which peers are local.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <cstring>
#include <set>
#include <string_view>
#include <vector>

#include <arpa/inet.h>
#include <sys/un.h>

#include "proxy/connection.hpp"
#include "proxy/slab.hpp"

using pgsteer::proxy::InBuffer;
using pgsteer::proxy::Slab;

namespace {
// One libuv read: where it lands, the bytes the socket had, then the end of the callback.
uv_buf_t read_into(InBuffer& in, std::string_view bytes) {
    uv_buf_t space = in.read_space();
    BOOST_REQUIRE(space.len >= bytes.size());
    std::memcpy(space.base, bytes.data(), bytes.size());
    in.commit(bytes.size());
    return space;
}

std::string_view text(const InBuffer& in) {
    return {reinterpret_cast<const char*>(in.view().data()), in.size()};
}
}  // namespace

BOOST_AUTO_TEST_CASE(a_read_consumed_in_its_callback_leaves_no_buffer) {
    InBuffer a, b;
    uv_buf_t first = read_into(a, "query one");
    BOOST_TEST(text(a) == "query one");
    a.consume(a.size());
    a.settle();
    BOOST_TEST(a.capacity() == 0u);   // an idle connection holds nothing
    // The next read, on any connection of the thread, lands in the same area.
    uv_buf_t second = read_into(b, "query two");
    BOOST_TEST(second.base == first.base);
    b.consume(b.size());
    b.settle();
    BOOST_TEST(b.capacity() == 0u);
}

BOOST_AUTO_TEST_CASE(what_is_left_is_kept_and_the_next_read_appends) {
    InBuffer a, other;
    uv_buf_t scratch = read_into(a, "complete|partial");
    a.consume(std::strlen("complete|"));
    a.settle();
    BOOST_TEST(text(a) == "partial");
    BOOST_TEST(a.capacity() >= 4096u);
    BOOST_TEST(a.view().data() != reinterpret_cast<const std::uint8_t*>(scratch.base));
    // Another connection's read reuses the scratch area; a's bytes are safe in its own buffer.
    read_into(other, "xxxxxxxxxxxxxxxxxxxxxxxx");
    other.settle();
    BOOST_TEST(text(a) == "partial");
    read_into(a, " message");
    a.settle();
    BOOST_TEST(text(a) == "partial message");
    a.consume(a.size());
    a.release_if_empty();
    BOOST_TEST(a.capacity() == 0u);
}

BOOST_AUTO_TEST_CASE(reserving_during_the_callback_keeps_the_bytes) {
    InBuffer a;
    read_into(a, "head of a long message");
    a.reserve(100000);   // a message that needs inspecting whole
    BOOST_TEST(text(a) == "head of a long message");
    BOOST_TEST(a.capacity() >= 100000u);
    a.settle();
    BOOST_TEST(text(a) == "head of a long message");
    uv_buf_t more = a.read_space();   // bytes are kept: the read goes after them
    BOOST_TEST(more.base == reinterpret_cast<const char*>(a.view().data()) + a.size());
}

BOOST_AUTO_TEST_CASE(reserving_with_nothing_kept_allocates_nothing) {
    InBuffer a;
    a.reserve(5);   // a login waiting for its next message's header
    BOOST_TEST(a.capacity() == 0u);
    read_into(a, "next message");
    a.reserve(300);   // inside the callback, with everything consumed below
    a.consume(a.size());
    a.reserve(300);
    a.settle();
    BOOST_TEST(a.capacity() == 0u);
}

BOOST_AUTO_TEST_CASE(space_outside_a_read_copies_scratch_bytes_first) {
    InBuffer a;
    read_into(a, "abc");
    uv_buf_t s = a.space();   // e.g. a retried read prepended while the callback runs
    std::memcpy(s.base, "def", 3);
    a.commit(3);
    a.settle();
    BOOST_TEST(text(a) == "abcdef");
}

BOOST_AUTO_TEST_CASE(the_slab_reuses_slots_and_keeps_them_apart) {
    using S = Slab<96, 16>;
    std::vector<void*> taken;
    for (int i = 0; i < 200; ++i) taken.push_back(S::take());   // more than one chunk
    std::set<void*> distinct(taken.begin(), taken.end());
    BOOST_TEST(distinct.size() == taken.size());
    for (void* p : taken) {
        BOOST_TEST(reinterpret_cast<std::uintptr_t>(p) % 16 == 0u);
        std::memset(p, 0xab, 96);   // each slot is 96 usable bytes (ASan checks the bounds)
    }
    void* last = taken.back();
    S::give(last);
    BOOST_TEST(S::take() == last);   // a freed slot is the next one given out
    for (void* p : taken) S::give(p);
}

namespace {
bool loopback(const char* text) {
    sockaddr_storage s{};
    auto* v4 = reinterpret_cast<sockaddr_in*>(&s);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&s);
    if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) v4->sin_family = AF_INET;
    else if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) v6->sin6_family = AF_INET6;
    else BOOST_FAIL(text << " is no address");
    return pgsteer::proxy::is_loopback(reinterpret_cast<const sockaddr*>(&s));
}
}  // namespace

BOOST_AUTO_TEST_CASE(loopback_peers_are_127_8_and_ipv6_loopback) {
    for (const char* local : {"127.0.0.1", "127.255.0.9", "::1", "::ffff:127.0.0.1"}) BOOST_TEST(loopback(local), local);
    for (const char* remote : {"10.0.0.1", "126.255.255.255", "128.0.0.1", "0.0.0.0", "::", "::2", "::ffff:10.0.0.1", "fe80::1"})
        BOOST_TEST(!loopback(remote), remote);
    sockaddr_un unix_socket{};
    unix_socket.sun_family = AF_UNIX;
    BOOST_TEST(!pgsteer::proxy::is_loopback(reinterpret_cast<const sockaddr*>(&unix_socket)));
}
