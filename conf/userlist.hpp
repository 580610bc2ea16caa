// PgBouncer's userlist format: one `"user" "secret"` line per user, where the secret is a
// plaintext password, an MD5 hash ("md5" + 32 hex digits) or a SCRAM-SHA-256 verifier.
#pragma once

#include "conf/error.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace pgsteer::conf {

enum class SecretKind { plaintext, md5, scram };

struct UserEntry {
    std::string user;
    std::string secret;   // exactly as written, quotes removed and "" unescaped
    SecretKind kind = SecretKind::plaintext;

    bool operator==(const UserEntry&) const = default;
};

struct Userlist {
    std::vector<UserEntry> entries;      // in file order, user names unique
    std::vector<ConfigError> errors;     // file:line:col of each bad line; key is empty

    bool ok() const { return errors.empty(); }
};

// Parses the text of a userlist; `source_name` is used as the file in errors.
Userlist parse_userlist(std::string_view text, std::string_view source_name);
// Reads and parses a userlist file; an unreadable file is one error naming the path.
Userlist load_userlist(const std::string& path);

// The entry for `user`, or nullptr.
const UserEntry* find_user(const std::vector<UserEntry>& entries, std::string_view user);

// "plaintext", "md5", "scram": how the kind is named in messages.
std::string_view to_string(SecretKind kind);

}  // namespace pgsteer::conf
