// A client of the virtual database "pgsteer": the admin console. The proxy answers it itself
// (simple and extended protocol), never attaching a server; commands that need other workers
// answer asynchronously, and the session reads nothing more until they have.
#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <variant>

#include <uv.h>

#include "admin/command.hpp"
#include "admin/extended.hpp"
#include "admin/render.hpp"
#include "admin/snapshot.hpp"

namespace pgsteer::proxy {

class AdminHub;
class Client;

inline constexpr std::string_view admin_database = "pgsteer";

class AdminSession {
public:
    // After the client authenticated for database "pgsteer": FATAL 28000 (and nullptr) unless the
    // user is in admin.users, else the welcome is sent.
    static std::unique_ptr<AdminSession> open(Client& client);
    explicit AdminSession(Client& client);
    ~AdminSession();
    AdminSession(const AdminSession&) = delete;
    AdminSession& operator=(const AdminSession&) = delete;

    // Answers the buffered messages, up to one that waits for other workers.
    void on_input();

private:
    using Result = std::variant<admin::Snapshot, admin::Outcome>;
    using Finish = std::function<void(const Result&)>;

    void run(const admin::Command& command, Finish finish);
    void act(const admin::Command& command, Finish finish);
    void kill(std::uint64_t id, Finish finish);
    void pause(const std::string& database, Finish finish);
    void resume(const std::string& database, Finish finish);
    void wait_paused(const std::string& database, Finish finish);
    void known_database(const std::string& database, std::function<void(bool)> then);
    void wait_async();
    void finish_async(const Finish& finish, const Result& result);

    // Callable from any thread: runs fn on this session's worker, unless the session is gone.
    using Back = std::function<void(std::function<void()>)>;
    Back back() const;

    Client& client_;
    AdminHub& hub_;
    admin::ExtendedSession extended_;
    bool busy_ = false;                      // waiting for an asynchronous answer
    std::shared_ptr<bool> alive_;
    uv_timer_t* timer_ = nullptr;            // PAUSE: re-checks running transactions
    std::function<void()> on_timer_;
};

}  // namespace pgsteer::proxy
