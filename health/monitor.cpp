// The monitor thread: rounds of probes (one per node, all started on the same tick so lag
// compares like with like), the election after each round, discovery, publication and the log
// line for every change. Other threads talk to it only through uv_async_send and the atomic view.
#include "health/monitor.hpp"

#include "health/change.hpp"
#include "health/discovery.hpp"
#include "health/elect.hpp"
#include "health/node_probe.hpp"

#include <algorithm>
#include <map>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <uv.h>

namespace pgsteer::health {

namespace {

// Samples of the primary's LSN are kept only when it moved, so this covers 1024 rounds of
// constant writes; older lag is bounded from below by the oldest sample (see elect.cpp).
constexpr std::size_t primary_lsn_capacity = 1024;
constexpr int functions_every_intervals = 10;

struct Member {
    NodeProbe::Ptr probe;
    NodeFacts facts;         // from the last probe that reached the node
    NodeHistory history;
    std::uint64_t round = 0; // round of the probe in flight
};

// health.password empty: the plaintext password of health.user in users_file, if it has one.
ProbeSettings probe_settings(const conf::Config& config) {
    const auto& h = config.health;
    std::string password = h.password;
    for (const auto& u : config.auth.users)
        if (password.empty() && u.user == h.user && u.kind == conf::SecretKind::plaintext) password = u.secret;
    return ProbeSettings{h.user, password, h.database, h.timeout, h.repmgr};
}

// The writing functions of one application database, read on the primary by a probe logged in
// to that database (user functions live there, not in health.database).
struct DatabaseFunctions {
    NodeProbe::Ptr probe;
    std::optional<TimePoint> read_at;
    std::vector<std::string> functions;
    bool known = false;
};

std::uint64_t interval_ms(const conf::Config& config) {
    return static_cast<std::uint64_t>(std::max<std::int64_t>(1, config.health.interval.count()));
}

ClusterView initial_view(const conf::Config& config) {
    ClusterView view;
    for (const auto& t : monitored_nodes(config, nullptr, {})) {
        NodeView n;
        n.name = t.name;
        n.host = t.host;
        n.port = t.port;
        n.weight = t.weight;
        view.nodes.push_back(std::move(n));
    }
    view.reason = "no probe has finished yet";
    return view;
}

}  // namespace

struct Monitor::Impl {
    explicit Impl(conf::ConfigPtr cfg)
        : config(std::move(cfg)), current(std::make_shared<const ClusterView>(initial_view(*config))) {}

    // Shared with other threads.
    conf::ConfigPtr config;                               // written only before start / on the loop
    std::atomic<std::shared_ptr<const ClusterView>> current;
    mutable std::mutex published_mutex;
    mutable std::condition_variable published;
    std::mutex requests_mutex;                            // guards the three requests and callbacks
    conf::ConfigPtr requested_config;
    bool stop_requested = false;
    bool recheck_requested = false;
    std::vector<ChangeCallback> callbacks;
    std::vector<std::string> watch_requests;              // databases clients use, not yet watched

    // Owned by the loop thread once started.
    uv_loop_t loop{};
    uv_async_t wake{};
    uv_timer_t tick{};
    std::thread thread;
    std::atomic<bool> started = false;
    std::atomic<bool> stopped = false;
    std::vector<std::unique_ptr<Member>> members;
    std::uint64_t round = 0;
    bool starting_round = false;
    bool recheck_after_round = false;
    std::vector<LsnSample> primary_lsns;
    std::vector<std::string> writing_functions;
    std::optional<TimePoint> functions_read_at;
    std::map<std::string, DatabaseFunctions> databases;
    std::uint64_t generation = 0;

    void start();
    void stop();
    void on_wake();
    void start_round();
    void on_probe_done(Member& member, NodeFacts facts);
    bool round_in_flight() const;
    void finish_round();
    void publish(ClusterView view);
    void sync_members(const std::vector<NodeTarget>& targets);
    NodeProbe::Ptr make_probe(Member& member, NodeTarget target);
    void apply_config(conf::ConfigPtr next);
    const std::vector<RepmgrNodeRow>* primary_metadata() const;
    void restart_tick(std::uint64_t delay);
    void read_database_functions(const NodeView& primary, TimePoint now);
};

// Each watched database's functions every interval x 10, on the primary. Off the round: the
// election never waits for them.
void Monitor::Impl::read_database_functions(const NodeView& primary, TimePoint now) {
    const auto due_after = config->health.interval * functions_every_intervals;
    for (auto& [name, db] : databases) {
        const bool moved = db.probe && db.probe->target().name != primary.name;
        if (db.probe && db.probe->busy() && !moved) continue;
        if (!moved && db.read_at && now - *db.read_at < due_after) continue;
        if (!db.probe || moved) {
            NodeTarget target{primary.name, primary.host, primary.port, primary.weight};
            ProbeSettings settings = probe_settings(*config);
            settings.database = name;
            settings.repmgr = false;
            DatabaseFunctions* slot = &db;
            db.probe = NodeProbe::create(&loop, std::move(target), std::move(settings), [slot](NodeFacts facts) {
                if (!facts.reachable || !facts.writing_functions) return;
                slot->functions = std::move(*facts.writing_functions);
                slot->read_at = facts.probed_at;
                slot->known = true;
            });
        }
        db.probe->start(true);
    }
}

void Monitor::Impl::start() {
    uv_loop_init(&loop);
    uv_async_init(&loop, &wake, [](uv_async_t* handle) { static_cast<Impl*>(handle->data)->on_wake(); });
    wake.data = this;
    uv_timer_init(&loop, &tick);
    tick.data = this;
    sync_members(monitored_nodes(*config, nullptr, {}));
    restart_tick(0);
    started = true;
    thread = std::thread([this] { uv_run(&loop, UV_RUN_DEFAULT); });
}

void Monitor::Impl::stop() {
    if (!started || stopped) {
        return;
    }
    {
        std::lock_guard lock(requests_mutex);
        stop_requested = true;
    }
    uv_async_send(&wake);
    thread.join();
    uv_loop_close(&loop);
    stopped = true;
}

void Monitor::Impl::restart_tick(std::uint64_t delay) {
    uv_timer_start(&tick, [](uv_timer_t* t) { static_cast<Impl*>(t->data)->start_round(); }, delay, interval_ms(*config));
}

void Monitor::Impl::on_wake() {
    bool stop_now = false;
    bool recheck_now = false;
    conf::ConfigPtr next;
    {
        std::lock_guard lock(requests_mutex);
        stop_now = std::exchange(stop_requested, false);
        recheck_now = std::exchange(recheck_requested, false);
        next = std::move(requested_config);
        for (auto& db : watch_requests) databases.try_emplace(std::move(db));
        watch_requests.clear();
    }
    if (stop_now) {
        members.clear();  // each probe retires: its connection and handles close
        databases.clear();
        uv_close(reinterpret_cast<uv_handle_t*>(&tick), nullptr);
        uv_close(reinterpret_cast<uv_handle_t*>(&wake), nullptr);
        return;
    }
    if (next) {
        apply_config(std::move(next));
    }
    if (recheck_now) {
        if (round_in_flight()) {
            recheck_after_round = true;
        } else {
            restart_tick(0);
        }
    }
}

void Monitor::Impl::start_round() {
    ++round;
    const auto now = Clock::now();
    const auto interval = config->health.interval;
    const bool functions_due = !functions_read_at || now - *functions_read_at >= interval * functions_every_intervals;
    const ClusterViewPtr view = current.load();
    const NodeView* primary = view->primary_node();
    // A probe may finish synchronously (a connection refused at once): the round is judged
    // complete only after every probe has been started.
    starting_round = true;
    for (auto& m : members) {
        if (m->probe->busy()) {
            continue;  // still on an earlier round: it reports there, this round goes on without it
        }
        m->round = round;
        const bool functions = functions_due && primary != nullptr && primary->name == m->probe->target().name;
        m->probe->start(functions);
    }
    starting_round = false;
    if (primary != nullptr) read_database_functions(*primary, now);
    if (!round_in_flight()) {
        finish_round();
    }
}

void Monitor::Impl::on_probe_done(Member& member, NodeFacts facts) {
    member.history = record_probe(member.history, facts);
    if (facts.reachable) {
        if (facts.writing_functions) {
            writing_functions = std::move(*facts.writing_functions);
            facts.writing_functions.reset();
            functions_read_at = facts.probed_at;
        }
        member.facts = std::move(facts);
    }
    // Last: finishing the round may drop this member (discovery).
    if (!starting_round && member.round == round && !round_in_flight()) {
        finish_round();
    }
}

bool Monitor::Impl::round_in_flight() const {
    return std::any_of(members.begin(), members.end(),
                       [&](const auto& m) { return m->probe->busy() && m->round == round; });
}

void Monitor::Impl::finish_round() {
    ElectionInput input;
    for (const auto& m : members) {
        input.nodes.push_back(ElectionNode{m->probe->target(), m->facts, m->history});
    }
    input.primary_lsn_samples = primary_lsns;
    input.health = config->health;
    input.routing = config->routing;
    input.now = Clock::now();
    ClusterView view = elect(input);
    view.generation = ++generation;
    view.writing_functions = writing_functions;
    for (const auto& [name, db] : databases)
        if (db.known) view.writing_functions_by_db[name] = db.functions;
    if (view.primary >= 0) {
        const NodeFacts& primary = members[static_cast<std::size_t>(view.primary)]->facts;
        record_primary_lsn(primary_lsns, LsnSample{primary.probed_at, primary.current_lsn}, primary_lsn_capacity);
    }
    publish(std::move(view));
    std::vector<NodeTarget> targets;
    for (const auto& m : members) {
        targets.push_back(m->probe->target());
    }
    sync_members(monitored_nodes(*config, primary_metadata(), targets));
    if (std::exchange(recheck_after_round, false)) {
        restart_tick(0);
    }
}

void Monitor::Impl::publish(ClusterView view) {
    const ClusterViewPtr before = current.load();
    const ClusterViewPtr after = std::make_shared<const ClusterView>(std::move(view));
    {
        std::lock_guard lock(published_mutex);
        current.store(after);
    }
    if (significant_change(*before, *after)) {
        // The line that says what changed is the subscribers' to write (the proxy logs it
        // through its own logger, in its own format).
        std::vector<ChangeCallback> to_call;
        {
            std::lock_guard lock(requests_mutex);
            to_call = callbacks;
        }
        for (const auto& callback : to_call) {
            try {
                callback(before, after);
            } catch (const std::exception& e) {
                fmt::print(stderr, "pgsteer health: a cluster change callback failed: {}\n", e.what());
            }
        }
    }
    published.notify_all();  // after the callbacks: whoever waited sees their effects too
}

const std::vector<RepmgrNodeRow>* Monitor::Impl::primary_metadata() const {
    const NodeView* primary = current.load()->primary_node();
    if (primary == nullptr) {
        return nullptr;
    }
    for (const auto& m : members) {
        if (m->probe->target().name == primary->name && m->facts.has_repmgr) {
            return &m->facts.repmgr_nodes;
        }
    }
    return nullptr;
}

NodeProbe::Ptr Monitor::Impl::make_probe(Member& member, NodeTarget target) {
    return NodeProbe::create(&loop, std::move(target), probe_settings(*config),
                             [this, &member](NodeFacts facts) { on_probe_done(member, std::move(facts)); });
}

// Members are matched by endpoint, so a renamed or re-weighted node keeps its history; the
// ones no longer wanted go, which retires their probes.
void Monitor::Impl::sync_members(const std::vector<NodeTarget>& targets) {
    std::vector<std::unique_ptr<Member>> next;
    for (const auto& target : targets) {
        auto it = std::find_if(members.begin(), members.end(), [&](const auto& m) {
            return m && same_endpoint(m->probe->target().host, m->probe->target().port, target.host, target.port);
        });
        if (it != members.end()) {
            (*it)->probe->set_target(target);
            next.push_back(std::move(*it));
        } else {
            auto member = std::make_unique<Member>();
            member->probe = make_probe(*member, target);
            next.push_back(std::move(member));
        }
    }
    members = std::move(next);
}

void Monitor::Impl::apply_config(conf::ConfigPtr next) {
    const bool new_login = probe_settings(*config) != probe_settings(*next);
    const bool new_interval = interval_ms(*config) != interval_ms(*next);
    config = std::move(next);
    if (new_login) {
        for (auto& m : members) {
            m->probe = make_probe(*m, m->probe->target());
        }
    }
    std::vector<NodeTarget> targets;
    for (const auto& m : members) {
        targets.push_back(m->probe->target());
    }
    sync_members(monitored_nodes(*config, primary_metadata(), targets));
    if (new_interval) {
        restart_tick(interval_ms(*config));
    }
}

Monitor::Monitor(conf::ConfigPtr config) : impl_(std::make_unique<Impl>(std::move(config))) {}

Monitor::~Monitor() { stop(); }

void Monitor::on_change(ChangeCallback callback) {
    std::lock_guard lock(impl_->requests_mutex);
    impl_->callbacks.push_back(std::move(callback));
}

void Monitor::start() {
    if (!impl_->started) {
        impl_->start();
    }
}

void Monitor::stop() { impl_->stop(); }

void Monitor::watch_database(const std::string& name) {
    {
        std::lock_guard lock(impl_->requests_mutex);
        impl_->watch_requests.push_back(name);
    }
    if (impl_->started && !impl_->stopped) uv_async_send(&impl_->wake);
}

ClusterViewPtr Monitor::view() const { return impl_->current.load(); }

void Monitor::recheck() {
    if (!impl_->started || impl_->stopped) {
        return;
    }
    {
        std::lock_guard lock(impl_->requests_mutex);
        impl_->recheck_requested = true;
    }
    uv_async_send(&impl_->wake);
}

void Monitor::update_config(conf::ConfigPtr config) {
    if (!config) {
        return;
    }
    if (!impl_->started || impl_->stopped) {
        impl_->config = std::move(config);
        return;
    }
    {
        std::lock_guard lock(impl_->requests_mutex);
        impl_->requested_config = std::move(config);
    }
    uv_async_send(&impl_->wake);
}

bool Monitor::wait_for(const std::function<bool(const ClusterView&)>& predicate, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(impl_->published_mutex);
    return impl_->published.wait_for(lock, timeout, [&] { return predicate(*impl_->current.load()); });
}

}  // namespace pgsteer::health
