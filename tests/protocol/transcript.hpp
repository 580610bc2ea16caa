// Test helper: loads a session captured from a real PostgreSQL 15 by data/capture.py and decodes
// each direction of each connection into rendered lines (see render.hpp).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace pgsteer::protocol::test {

struct CapturedConnection {
    std::string frontend, backend;            // raw bytes, each direction concatenated
    std::vector<std::string> client_lines;    // rendered decodings, startup packet first
    std::vector<std::string> server_lines;
    bool decoded_cleanly = false;             // every byte framed and every message parsed
};

// Connections by the number capture.py gave them.
std::map<int, CapturedConnection> load_capture(const std::string& name);

bool has_line(const std::vector<std::string>& lines, const std::string& line);
// The first line starting with prefix, "" if none.
std::string line_starting(const std::vector<std::string>& lines, const std::string& prefix);

}  // namespace pgsteer::protocol::test
