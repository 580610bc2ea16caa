// What a client's clocks add to its database's counters at a ReadyForQuery and at attach.
#include "proxy/stats.hpp"

namespace pgsteer::proxy {

namespace {
std::uint64_t since(std::uint64_t start, std::uint64_t t) { return start == 0 || t < start ? 0 : t - start; }
}  // namespace

void ClientClock::ready(DatabaseCounters& c, char status, bool more_pending, std::uint64_t t) {
    ++c.query_count;
    c.query_time_us += since(query_started, t);
    query_started = more_pending ? t : 0;
    if (status != 'I') return;
    ++c.xact_count;
    c.xact_time_us += since(xact_started, t);
    xact_started = query_started;
}

void ClientClock::attached(DatabaseCounters& c, std::uint64_t t) {
    ++c.wait_count;
    c.wait_time_us += since(queued, t);
    queued = 0;
}

}  // namespace pgsteer::proxy
