// Parsing PgBouncer's userlist: quoted user and secret per line, "" escapes a quote, lines
// starting with ';' or '#' are comments. The secret's kind follows PostgreSQL's own rules.
#include "conf/userlist.hpp"

#include "conf/file_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>

namespace pgsteer::conf {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// Reads one "quoted" string starting at line[pos] == '"'; advances pos past the closing quote.
std::optional<std::string> read_quoted(std::string_view line, std::size_t& pos) {
    std::string out;
    for (std::size_t i = pos + 1; i < line.size(); ++i) {
        if (line[i] != '"') {
            out += line[i];
        } else if (i + 1 < line.size() && line[i + 1] == '"') {
            out += '"';
            ++i;
        } else {
            pos = i + 1;
            return out;
        }
    }
    return std::nullopt;
}

// The decoded length of base64 text, or nothing when it is not base64.
std::optional<std::size_t> base64_size(std::string_view s) {
    if (s.empty() || s.size() % 4 != 0) {
        return std::nullopt;
    }
    const std::size_t padding = s.ends_with("==") ? 2 : s.ends_with('=') ? 1 : 0;
    const bool alphabet = std::all_of(s.begin(), s.end() - static_cast<std::ptrdiff_t>(padding), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/';
    });
    if (!alphabet) {
        return std::nullopt;
    }
    return s.size() / 4 * 3 - padding;
}

// PostgreSQL's shape of a verifier: SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>,
// keys being base64 of 32 bytes.
bool is_scram_verifier(std::string_view s) {
    constexpr std::string_view prefix = "SCRAM-SHA-256$";
    s.remove_prefix(prefix.size());
    const auto colon1 = s.find(':');
    const auto dollar = s.find('$');
    if (colon1 == std::string_view::npos || dollar == std::string_view::npos || dollar < colon1) {
        return false;
    }
    const std::string_view iterations = s.substr(0, colon1);
    const std::string_view salt = s.substr(colon1 + 1, dollar - colon1 - 1);
    const std::string_view keys = s.substr(dollar + 1);
    const auto colon2 = keys.find(':');
    if (iterations.empty() || iterations.size() > 9 ||
        !std::all_of(iterations.begin(), iterations.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        iterations.find_first_not_of('0') == std::string_view::npos || !base64_size(salt) ||
        colon2 == std::string_view::npos) {
        return false;
    }
    return base64_size(keys.substr(0, colon2)) == 32u && base64_size(keys.substr(colon2 + 1)) == 32u;
}

// As PostgreSQL's get_password_type(): anything not exactly an MD5 hash is a plaintext password.
bool is_md5_hash(std::string_view s) {
    return s.size() == 35 && s.starts_with("md5") &&
           s.substr(3).find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace

std::string_view to_string(SecretKind kind) {
    switch (kind) {
        case SecretKind::plaintext: return "plaintext";
        case SecretKind::md5: return "md5";
        case SecretKind::scram: return "scram";
    }
    return "plaintext";
}

const UserEntry* find_user(const std::vector<UserEntry>& entries, std::string_view user) {
    const auto it = std::find_if(entries.begin(), entries.end(), [&](const UserEntry& e) { return e.user == user; });
    return it == entries.end() ? nullptr : &*it;
}

Userlist parse_userlist(std::string_view text, std::string_view source_name) {
    Userlist out;
    std::vector<int> defined_on;   // line of each entry, for duplicate messages
    int line_number = 0;
    while (!text.empty()) {
        const auto end = text.find('\n');
        const std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
        ++line_number;

        auto fail = [&](std::size_t pos, std::string message) {
            out.errors.push_back({std::string(source_name), line_number, static_cast<int>(pos) + 1, "", std::move(message)});
        };
        auto skip_blanks = [&](std::size_t pos) {
            while (pos < line.size() && is_blank(line[pos])) {
                ++pos;
            }
            return pos;
        };

        std::size_t pos = skip_blanks(0);
        if (pos == line.size() || line[pos] == ';' || line[pos] == '#') {
            continue;
        }
        if (line[pos] != '"') {
            fail(pos, R"(expected "user" "secret" (both in double quotes), a comment (; or #) or a blank line)");
            continue;
        }
        const std::size_t user_pos = pos;
        std::optional<std::string> user = read_quoted(line, pos);
        if (!user) {
            fail(user_pos, "the user name has no closing quote");
            continue;
        }
        pos = skip_blanks(pos);
        if (pos == line.size() || line[pos] != '"') {
            fail(pos, "expected the secret in double quotes after the user name");
            continue;
        }
        const std::size_t secret_pos = pos;
        std::optional<std::string> secret = read_quoted(line, pos);
        if (!secret) {
            fail(secret_pos, "the secret has no closing quote");
            continue;
        }
        pos = skip_blanks(pos);
        if (pos != line.size()) {
            fail(pos, "unexpected text after the secret");
            continue;
        }
        if (user->empty()) {
            fail(user_pos, "empty user name");
            continue;
        }
        if (secret->empty()) {
            fail(secret_pos, fmt::format("empty secret for user \"{}\": PostgreSQL never accepts an empty password", *user));
            continue;
        }
        SecretKind kind = SecretKind::plaintext;
        if (secret->starts_with("SCRAM-SHA-256$")) {
            if (!is_scram_verifier(*secret)) {
                fail(secret_pos, "malformed SCRAM verifier: expected SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey> as in pg_authid");
                continue;
            }
            kind = SecretKind::scram;
        } else if (is_md5_hash(*secret)) {
            kind = SecretKind::md5;
        }
        if (const UserEntry* earlier = find_user(out.entries, *user)) {
            const int earlier_line = defined_on[static_cast<std::size_t>(earlier - out.entries.data())];
            fail(user_pos, fmt::format("user \"{}\" is already defined on line {}", *user, earlier_line));
            continue;
        }
        out.entries.push_back({std::move(*user), std::move(*secret), kind});
        defined_on.push_back(line_number);
    }
    return out;
}

Userlist load_userlist(const std::string& path) {
    std::optional<std::string> text = read_text_file(path);
    if (!text) {
        Userlist out;
        out.errors.push_back({path, 0, 0, "", "cannot read the users file (missing or not readable)"});
        return out;
    }
    return parse_userlist(*text, path);
}

}  // namespace pgsteer::conf
