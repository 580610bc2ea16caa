// The built-in functions a standby must not run, and the lookups over the configured lists.
#include "routing/functions.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace pgsteer::routing {
namespace {

using Entry = std::pair<std::string_view, FunctionEffect>;
constexpr FunctionEffect B = FunctionEffect::builtin;
constexpr FunctionEffect P = FunctionEffect::pins;

// Sorted. Each one either writes, fails during recovery, acts on the server it runs on (so the
// user means the primary), or leaves state in the server session that later statements rely on.
constexpr std::array exact = std::to_array<Entry>({
    {"currval", B},                    // session state of nextval, which ran on the primary
    {"dblink_connect", P},
    {"dblink_connect_u", P},
    {"dblink_disconnect", P},
    {"dblink_exec", B},
    {"dblink_send_query", B},
    {"lastval", B},
    {"lowrite", B},
    {"nextval", B},
    {"pg_advisory_lock", P},           // session-level locks outlive the statement
    {"pg_advisory_lock_shared", P},
    {"pg_backup_start", B},
    {"pg_backup_stop", B},
    {"pg_cancel_backend", B},
    {"pg_current_wal_flush_lsn", B},
    {"pg_current_wal_insert_lsn", B},
    {"pg_current_wal_lsn", B},
    {"pg_current_xact_id", B},
    {"pg_current_xact_id_if_assigned", B},
    {"pg_export_snapshot", B},
    {"pg_extension_config_dump", B},
    {"pg_import_system_collations", B},
    {"pg_log_backend_memory_contexts", B},
    {"pg_log_standby_snapshot", B},
    {"pg_nextoid", B},
    {"pg_notify", B},
    {"pg_promote", B},                 // on a standby it would promote it
    {"pg_reload_conf", B},
    {"pg_rotate_logfile", B},
    {"pg_start_backup", B},
    {"pg_stop_backup", B},
    {"pg_switch_wal", B},
    {"pg_terminate_backend", B},
    {"pg_try_advisory_lock", P},
    {"pg_try_advisory_lock_shared", P},
    {"pg_wal_replay_pause", B},
    {"pg_wal_replay_resume", B},
    {"pg_walfile_name", B},
    {"pg_walfile_name_offset", B},
    {"set_config", P},                 // a session GUC change the proxy cannot see or replay
    {"setseed", P},
    {"setval", B},
    {"txid_current", B},
    {"txid_current_if_assigned", B},
});
static_assert(std::is_sorted(exact.begin(), exact.end(), [](const Entry& a, const Entry& b) { return a.first < b.first; }));

// Families: every advisory lock/unlock, large objects, replication slots and origins, restore
// points, server files, statistics resets.
constexpr std::array prefixes = std::to_array<std::string_view>({
    "binary_upgrade_", "lo_", "pg_advisory_", "pg_copy_", "pg_create_", "pg_drop_", "pg_file_",
    "pg_logical_", "pg_replication_", "pg_stat_reset", "pg_try_advisory_",
});

std::vector<std::string> normalized(std::vector<std::string> names) {
    for (std::string& s : names) {
        std::transform(s.begin(), s.end(), s.begin(),
                       [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
}

bool contains(const std::vector<std::string>& sorted, std::string_view key) {
    const auto it = std::lower_bound(sorted.begin(), sorted.end(), key,
                                     [](const std::string& a, std::string_view b) { return std::string_view(a) < b; });
    return it != sorted.end() && *it == key;
}

bool contains(const std::vector<std::string>& sorted, std::string_view qualified, std::string_view name) {
    return contains(sorted, qualified) || (qualified.size() != name.size() && contains(sorted, name));
}

// An unqualified call may resolve to a configured "schema.name" through search_path: a writing
// entry therefore also matches its bare name. Read-only entries match only as written, since
// matching more there would send writes to standbys.
std::vector<std::string> with_bare_names(std::vector<std::string> names) {
    const std::size_t n = names.size();
    for (std::size_t i = 0; i < n; ++i) {
        if (const std::size_t dot = names[i].rfind('.'); dot != std::string::npos) names.push_back(names[i].substr(dot + 1));
    }
    return names;
}

}  // namespace

FunctionEffect builtin_effect(std::string_view lower_name) {
    const auto it = std::lower_bound(exact.begin(), exact.end(), lower_name,
                                     [](const Entry& e, std::string_view n) { return e.first < n; });
    if (it != exact.end() && it->first == lower_name) return it->second;
    if (lower_name.empty() || (lower_name[0] != 'b' && lower_name[0] != 'l' && lower_name[0] != 'p')) {
        return FunctionEffect::none;  // no family starts otherwise
    }
    for (std::string_view p : prefixes) {
        if (lower_name.starts_with(p)) return B;
    }
    return FunctionEffect::none;
}

FunctionPolicy::FunctionPolicy(std::vector<std::string> writing, std::vector<std::string> write_functions,
                               std::vector<std::string> read_only_functions)
    : writing_(normalized(with_bare_names(std::move(writing)))),
      write_(normalized(with_bare_names(std::move(write_functions)))),
      read_only_(normalized(std::move(read_only_functions))) {}

FunctionEffect FunctionPolicy::effect(std::string_view qualified, std::string_view name) const {
    if (const FunctionEffect b = builtin_effect(name); b != FunctionEffect::none) return b;
    if (contains(write_, qualified, name)) return FunctionEffect::configured;
    if (contains(read_only_, qualified, name)) return FunctionEffect::none;
    if (contains(writing_, qualified, name)) return FunctionEffect::volatile_user;
    return FunctionEffect::none;
}

}  // namespace pgsteer::routing
