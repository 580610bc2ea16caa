// Routing decisions per client. Transactions stay where they began; only idle-state statements
// are routed afresh, and a SET counts only once its transaction has committed.
#include "routing/session_route.hpp"

#include <algorithm>

namespace pgsteer::routing {
namespace {

// A standby hint or route may send what pgsteer cannot prove but the client vouches for: reads,
// calls to volatile user functions (volatile is only PostgreSQL's default, not proof of a write),
// and transactions that did not ask for READ WRITE. Known writes stay on the primary.
bool client_may_vouch(const Classification& c) {
    switch (c.kind) {
        case Kind::read:
            return true;
        case Kind::write:
            return c.reason == Reason::volatile_function;
        case Kind::transaction_begin:
            return c.access != TxnAccess::read_write;
        default:
            return false;
    }
}

}  // namespace

Target SessionRoute::idle_target(const Classification& c) const {
    if (pinned_ || !options_.read_write_split) return Target::primary;
    // A hot standby refuses SERIALIZABLE, even for reads.
    if (c.hint == Hint::primary || route_ == Hint::primary || default_serializable_) return Target::primary;
    if (c.hint == Hint::standby || route_ == Hint::standby) {
        return client_may_vouch(c) ? Target::standby : Target::primary;
    }
    if (c.kind == Kind::read) return Target::standby;
    if (c.kind == Kind::transaction_begin) {
        const bool read_only = c.access == TxnAccess::read_only ||
                               (c.access == TxnAccess::unspecified && default_read_only_);
        return read_only ? Target::standby : Target::primary;
    }
    return Target::primary;
}

Decision SessionRoute::route(const Classification& c, char status) {
    Decision d;
    if (c.route != Hint::none) route_ = c.route;
    if (c.kind == Kind::route_setting) {
        d.swallow = true;
        return d;
    }
    d.target = status == 'I' ? idle_target(c) : Target::same_as_transaction;
    if (d.target == Target::standby && options_.read_your_writes) d.min_lsn = last_commit_lsn_;

    if (c.kind == Kind::pin_session || c.creates_temp) {
        // Pinned at once, whatever the outcome: a temporary table or a LISTEN that may exist in
        // that server session keeps the client there.
        if (!pinned_) pin_reason_ = c.reason;
        pinned_ = true;
    }
    wrote_ = wrote_ || c.kind == Kind::write || c.kind == Kind::pin_session ||
             (c.kind == Kind::transaction_begin && c.access == TxnAccess::read_write);
    pending_.insert(pending_.end(), c.sets.begin(), c.sets.end());
    if (c.kind == Kind::session_set && c.reason == Reason::discard) unpin_on_commit_ = true;
    last_rollback_ = c.kind == Kind::transaction_end && c.rollback;
    return d;
}

bool SessionRoute::finished(char status, bool failed) {
    if (status != 'I') {
        // 'E' until ROLLBACK [TO SAVEPOINT]; back to 'T' when a savepoint rescued the transaction.
        in_error_ = status == 'E';
        return false;
    }
    // A COMMIT of a failed transaction is a ROLLBACK.
    const bool committed = !failed && !last_rollback_ && !in_error_;
    bool learn_lsn = false;
    if (committed) {
        for (const SessionSet& s : pending_) apply(s);
        if (unpin_on_commit_) {
            pinned_ = false;
            pin_reason_ = Reason::unknown;
        }
        learn_lsn = wrote_ && options_.read_your_writes && options_.read_write_split && !pinned_;
    }
    pending_.clear();
    wrote_ = false;
    last_rollback_ = false;
    in_error_ = false;
    unpin_on_commit_ = false;
    return learn_lsn;
}

void SessionRoute::apply(const SessionSet& s) {
    if (s.name == "all") {
        sets_.clear();
    } else {
        std::erase_if(sets_, [&](const SessionSet& t) { return t.name == s.name; });
        if (!s.reset) sets_.push_back(s);
    }
    default_read_only_ = false;
    default_serializable_ = false;
    for (const SessionSet& t : sets_) {
        if (t.name == "default_transaction_read_only") default_read_only_ = guc_bool(t.value).value_or(false);
        if (t.name == "default_transaction_isolation") {
            std::string v;
            for (char ch : t.value) v += static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
            default_serializable_ = v.find("serializable") != std::string::npos;
        }
    }
}

}  // namespace pgsteer::routing
