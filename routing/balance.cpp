// Weighted least-busy choice over the nodes the health view says may serve reads.
#include "routing/balance.hpp"

#include <array>

namespace pgsteer::routing {

std::string_view pick_reason_name(PickReason r) {
    static constexpr std::array names = std::to_array<std::string_view>(
        {"weighted", "fallback_no_standby", "fallback_read_your_writes", "none"});
    return names[static_cast<std::size_t>(r)];
}

Pick pick_read_node(const health::ClusterView& view, const BalanceInput& input) {
    auto active = [&](std::size_t i) -> std::uint64_t {
        return i < input.active.size() && input.active[i] > 0 ? static_cast<std::uint64_t>(input.active[i]) : 0;
    };
    bool lsn_excluded = false;
    const auto primary = static_cast<std::size_t>(view.primary);
    auto qualifies = [&](std::size_t i) {
        const health::NodeView& n = view.nodes[i];
        if (!n.serves_reads() || n.weight <= 0) return false;
        const bool is_primary = view.primary >= 0 && i == primary;
        if (is_primary) return true;
        if (n.role != health::Role::standby) return false;
        if (n.lsn < input.min_replay_lsn) {
            lsn_excluded = true;
            return false;
        }
        return true;
    };
    // Least busy first: in-flight per unit of weight, compared without division.
    bool any = false;
    std::uint64_t best_active = 0;
    std::uint64_t best_weight = 1;
    for (std::size_t i = 0; i < view.nodes.size(); ++i) {
        if (!qualifies(i)) continue;
        const auto w = static_cast<std::uint64_t>(view.nodes[i].weight);
        if (!any || active(i) * best_weight < best_active * w) {
            best_active = active(i);
            best_weight = w;
        }
        any = true;
    }
    auto tied = [&](std::size_t i) {
        return qualifies(i) && active(i) * best_weight == best_active * static_cast<std::uint64_t>(view.nodes[i].weight);
    };
    std::uint64_t tied_weight = 0;
    for (std::size_t i = 0; any && i < view.nodes.size(); ++i) {
        if (tied(i)) tied_weight += static_cast<std::uint64_t>(view.nodes[i].weight);
    }
    if (tied_weight > 0) {
        std::uint64_t slot = input.tick % tied_weight;
        for (std::size_t i = 0; i < view.nodes.size(); ++i) {
            if (!tied(i)) continue;
            const auto w = static_cast<std::uint64_t>(view.nodes[i].weight);
            if (slot < w) return Pick{static_cast<int>(i), false, PickReason::weighted};
            slot -= w;
        }
    }
    if (input.allow_primary_fallback && view.primary >= 0 && primary < view.nodes.size() &&
        view.nodes[primary].serves_reads()) {
        return Pick{view.primary, true,
                    lsn_excluded ? PickReason::fallback_read_your_writes : PickReason::fallback_no_standby};
    }
    return Pick{};
}

}  // namespace pgsteer::routing
