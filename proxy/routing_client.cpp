// The client's side of routing: choosing the node for each unit of work before any byte of it is
// sent, the statements' session effects, SET pgsteer.route, waiting for a primary, and the
// read-your-writes LSN of the last commit.
#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "protocol/builder.hpp"
#include "protocol/frame.hpp"
#include "protocol/messages.hpp"
#include "protocol/sqlstate.hpp"
#include "proxy/client.hpp"
#include "proxy/log.hpp"
#include "proxy/pool.hpp"
#include "proxy/read_retry.hpp"
#include "proxy/router.hpp"
#include "proxy/routing_unit.hpp"
#include "proxy/server.hpp"
#include "proxy/worker.hpp"

namespace pgsteer::proxy {

namespace {
constexpr std::size_t unit_scan_limit = 1 << 20;   // a larger unit is not inspected: the primary
constexpr std::string_view invalid_parameter_value = "22023";
}  // namespace

bool Client::route_unit() {
    Router& router = worker().router();
    router.refresh_per_tick();
    if (!unit_decision_) {
        auto named = [this](std::string_view name) -> const routing::Classification* {
            auto it = statements_.find(name);
            return it == statements_.end() ? nullptr : &it->second.route_class;
        };
        auto parse_class = [&](std::string_view sql) -> const routing::Classification& {
            return router.classify_parse(database_, sql);
        };
        auto scan = scan_unit(in.view(), named, unnamed_class_ ? &*unnamed_class_ : nullptr,
                              router.functions(database_), unit_scan_limit, parse_class);
        if (scan.status == UnitScan::Status::need_more) {
            in.reserve(scan.need);
            return false;
        }
        auto d = route_.route(scan.classification, txn_status_);
        if (d.swallow && scan.query_size > 0) {
            answer_route_setting(scan.classification, scan.query_size);
            return true;
        }
        unit_class_ = std::move(scan.classification);
        unit_decision_ = d;
    }
    if (unit_decision_->target == routing::Target::standby) {
        if (lsn_pending_ > 0) return false;   // commit_lsn_known() resumes: the read needs that floor
        if (lsn_unknown_) unit_decision_->target = routing::Target::primary;
        // Decided while a position was on its way: the floor is the one known now.
        unit_decision_->min_lsn = std::max(unit_decision_->min_lsn, route_.last_commit_lsn());
    }
    NodeChoice choice = router.choose(*unit_decision_, *unit_class_, database_, avoid_slot_);
    if (choice.wait_for_primary) {
        if (primary_wait_since_ == 0) {
            primary_wait_since_ = std::max<std::uint64_t>(1, worker().now());
            ++router.stats().events.writes_waited_for_primary;
            router.nudge_monitor(worker().now());
            PGS_LOG(info, "{}: no primary in the cluster view ({}); waiting up to {} ms", ident(),
                    router.view().reason, worker().config().routing.primary_wait_timeout.count());
        }
        stop_reading();
        return false;
    }
    primary_wait_since_ = 0;
    avoid_slot_ = -1;
    unit_routed_ = true;
    on_standby_ = choice.standby;
    unit_synced_ = false;
    if (!pool_ || pool_->node() != choice.slot) pool_ = &worker().pool_for(choice.slot, database_, user_);
    state_ = ClientState::queued;
    wait_started_ = worker().now();
    clock_.queued = worker().now_us();
    counters_->routed(*unit_class_, choice.standby);
    arm_read_retry(choice.standby);
    if (!pool_->acquire(*this)) {
        stop_reading();
        return false;
    }
    return true;
}

void Client::route_again(int avoid_slot) {
    if (closing() || state_ != ClientState::queued || !unit_decision_) return;
    state_ = ClientState::idle;
    avoid_slot_ = avoid_slot;
    if (avoid_slot >= 0) ++worker().router().stats().events.reads_retried;
    resume();
}

void Client::answer_route_setting(const routing::Classification& c, std::size_t query_size) {
    in.consume(query_size);
    ++worker().router().stats().events.route_settings;
    const bool valid = c.route != routing::Hint::none;
    if (valid) {
        protocol::put_command_complete(out(), "SET");
    } else {
        ++counters_->errors;
        protocol::put_error(out(), "ERROR", invalid_parameter_value,
                            "invalid value for parameter \"pgsteer.route\": use 'primary', 'standby' or 'auto'");
    }
    route_.finished('I', !valid);
    protocol::put_ready_for_query(out(), 'I');
    flush();
}

void Client::fail_unit(std::string_view sqlstate, std::string_view message) {
    // Skip the unit (a Query, or a batch up to its Sync), answer it with one error, stay usable.
    const std::size_t extent = unit_extent(in.view());
    if (extent == 0) {
        fail("FATAL", sqlstate, message);
        return;
    }
    in.consume(extent);
    unit_decision_.reset();
    unit_class_.reset();
    route_.finished('I', true);
    ++counters_->errors;
    protocol::put_error(out(), "ERROR", sqlstate, message);
    protocol::put_ready_for_query(out(), 'I');
    flush();
}

void Client::primary_wait_janitor(std::uint64_t now) {
    if (primary_wait_since_ == 0 || state_ != ClientState::idle) return;
    worker().router().nudge_monitor(now);
    const auto timeout = worker().config().routing.primary_wait_timeout.count();
    if (now - primary_wait_since_ < static_cast<std::uint64_t>(timeout)) return;
    primary_wait_since_ = 0;
    ++worker().router().stats().events.writes_failed_no_primary;
    auto message = fmt::format("pgsteer: no primary is available: none was elected within "
                               "routing.primary_wait_timeout ({} ms); last cluster verdict: {}",
                               timeout, worker().router().view().reason);
    PGS_LOG(info, "{}: {}", ident(), message);
    fail_unit(protocol::sqlstate::cannot_connect_now, message);
    resume();
}

void Client::note_statement(const routing::Classification& c, std::string_view sql) {
    if (route_.pinned()) pin(routing::reason_name(route_.pin_reason()));
    if (!server_) return;
    if (drops_prepared_statements(c, sql)) server_->prepared().clear();
    for (const routing::SessionSet& set : c.sets) {
        for (SessionParams* p : {&params_, &server_->params()}) {
            if (set.name == "all") p->clear();
            else if (set.reset) p->reset(set.name);
            else p->set_raw(set.name, set.value);
        }
    }
}

void Client::note_bind(std::string_view statement) {
    const routing::Classification* c = nullptr;
    std::string_view sql;
    if (statement.empty()) {
        if (unnamed_class_) c = &*unnamed_class_;
    } else if (auto it = statements_.find(statement); it != statements_.end()) {
        c = &it->second.route_class;
        sql = it->second.sql;
    }
    const routing::Classification unknown;   // a write: the safe reading of what pgsteer never saw
    if (!c) c = &unknown;
    if (!unit_routed_) route_.route(*c, txn_status_);
    note_statement(*c, sql);
}

bool Client::holding_after_sync(char next_type) const {
    // On a standby, one unit at a time: what follows may be a write, and is routed afresh once
    // this unit's ReadyForQuery has come back (COPY data of the unit itself still flows).
    return on_standby_ && unit_synced_ && next_type != protocol::msg::copy_data &&
           next_type != protocol::msg::copy_done && next_type != protocol::msg::copy_fail;
}

void Client::commit_lsn_known(std::optional<std::uint64_t> lsn) {
    if (lsn_pending_ > 0) --lsn_pending_;
    if (lsn) route_.committed_at(*lsn);
    else lsn_unknown_ = lsn_batch_failed_ = true;
    // The last of a run of answers: the latest position covers every commit before it, unless
    // one of the run could not be read (its commit may be later than every position known).
    if (lsn_pending_ == 0) lsn_unknown_ = std::exchange(lsn_batch_failed_, false);
    resume();
}

}  // namespace pgsteer::proxy
