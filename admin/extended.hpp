// The extended query protocol on the admin console (Parse, Bind, Describe, Execute, Close, Sync,
// Flush), for drivers that prepare every statement: asyncpg, JDBC, psycopg 3. Pure: frames in,
// bytes out; the caller runs each Execute the same way it runs a simple Query.
#pragma once

#include "admin/command.hpp"
#include "admin/render.hpp"
#include "admin/snapshot.hpp"
#include "protocol/frame.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pgsteer::admin {

class ExtendedSession {
public:
    // A portal to run: gather the Snapshot (spec(command.kind).is_show) or perform the action,
    // then call complete().
    struct Execute {
        Command command;
        std::vector<std::int16_t> formats;   // result formats from Bind
    };

    // The message types handled here; anything else is the caller's (Query, Terminate...).
    static bool handles(char type);

    // Handles one frontend message, appending the answer to out. After an error every message
    // but Sync is ignored, as PostgreSQL does; Sync answers ReadyForQuery.
    std::optional<Execute> handle(const protocol::Frame& frame, std::string& out);

    // The answer to an Execute handle() returned.
    void complete(std::string& out, const Execute& execute, const Snapshot& snapshot);
    void complete(std::string& out, const Execute& execute, const Outcome& outcome);

private:
    // Sends the ErrorResponse and skips messages until Sync.
    std::nullopt_t fail(std::string& out, std::string_view sqlstate, std::string_view message,
                        std::string_view detail = {}, std::string_view hint = {});

    struct Portal {
        Command command;
        std::vector<std::int16_t> formats;
    };
    std::map<std::string, Command, std::less<>> statements_;
    std::map<std::string, Portal, std::less<>> portals_;
    bool failed_ = false;
};

}  // namespace pgsteer::admin
