// The per-client routing state machine the proxy drives: where the next statement goes, given its
// classification and the transaction status of the last ReadyForQuery, and what the session
// carries between statements (pinning, route hints, tracked SETs, the LSN of its last commit).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "routing/classification.hpp"

namespace pgsteer::routing {

enum class Target : std::uint8_t {
    primary,
    standby,              // pick one with pick_read_node(); it may fall back to the primary
    same_as_transaction,  // inside a transaction: the server link that runs it
};

struct Decision {
    Target target = Target::primary;
    std::uint64_t min_lsn = 0;  // standby: its replay LSN must have reached this (read-your-writes)
    bool swallow = false;       // SET pgsteer.route alone: pgsteer answers it (an error when
                                // Classification::route is Hint::none), nothing is sent
};

struct SessionOptions {
    bool read_write_split = true;  // off: everything goes to the primary
    bool read_your_writes = true;
};

class SessionRoute {
public:
    explicit SessionRoute(SessionOptions options = {}) : options_(options) {}

    // status: the byte of the last ReadyForQuery ('I' idle, 'T' in a transaction, 'E' failed one).
    Decision route(const Classification& c, char status);

    // The ReadyForQuery that ended the routed statement arrived with `status`; `failed` when an
    // ErrorResponse came before it. Returns true when a write transaction has just committed: the
    // proxy then reads the primary's WAL position on that server link and calls committed_at().
    bool finished(char status, bool failed);
    void committed_at(std::uint64_t lsn) {
        if (lsn > last_commit_lsn_) last_commit_lsn_ = lsn;
    }

    bool pinned() const { return pinned_; }
    Reason pin_reason() const { return pin_reason_; }
    Hint route_mode() const { return route_; }  // from SET pgsteer.route; none until set
    std::uint64_t last_commit_lsn() const { return last_commit_lsn_; }
    bool default_read_only() const { return default_read_only_; }
    bool default_serializable() const { return default_serializable_; }
    // Session settings in the order they must be replayed on another server connection.
    const std::vector<SessionSet>& sets() const { return sets_; }

private:
    Target idle_target(const Classification& c) const;
    void apply(const SessionSet& s);

    SessionOptions options_;
    bool pinned_ = false;
    Reason pin_reason_ = Reason::unknown;
    Hint route_ = Hint::none;
    std::uint64_t last_commit_lsn_ = 0;
    std::vector<SessionSet> sets_;
    bool default_read_only_ = false;
    bool default_serializable_ = false;

    // The unit of work in flight: an autocommit statement, or a transaction until it ends.
    std::vector<SessionSet> pending_;
    bool wrote_ = false;
    bool last_rollback_ = false;
    bool in_error_ = false;
    bool unpin_on_commit_ = false;
};

}  // namespace pgsteer::routing
