// How a node's history and the primary's LSN series advance with each probe, and how node
// endpoints compare: pure functions over values.
#include "health/facts.hpp"

#include <algorithm>

namespace pgsteer::health {

namespace {
const std::string& canonical_host(const std::string& host) {
    static const std::string loopback = "127.0.0.1";
    return host == "localhost" ? loopback : host;
}
}  // namespace

bool same_endpoint(const std::string& host_a, std::uint16_t port_a, const std::string& host_b, std::uint16_t port_b) {
    return port_a == port_b && canonical_host(host_a) == canonical_host(host_b);
}

NodeHistory record_probe(NodeHistory history, const NodeFacts& facts) {
    if (!facts.reachable) {
        ++history.consecutive_failures;
        history.last_error = facts.error;
        return history;
    }
    history.consecutive_failures = 0;
    history.last_error.clear();
    // A node that was never seen, or whose replay position changed (also backwards, after a
    // rebuild), starts a new "not moving since" period.
    if (!history.ever_reachable || facts.replay_lsn != history.replay_lsn) {
        history.replay_lsn = facts.replay_lsn;
        history.replay_moved_at = facts.probed_at;
    }
    history.ever_reachable = true;
    return history;
}

void record_primary_lsn(std::vector<LsnSample>& samples, LsnSample sample, std::size_t capacity) {
    std::erase_if(samples, [&](const LsnSample& s) { return s.lsn > sample.lsn || s.at > sample.at; });
    if (!samples.empty() && samples.back().lsn == sample.lsn) {
        return;  // the first time the primary reached an LSN is what the lag clock needs
    }
    samples.push_back(sample);
    if (capacity > 0 && samples.size() > capacity) {
        samples.erase(samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(samples.size() - capacity));
    }
}

}  // namespace pgsteer::health
