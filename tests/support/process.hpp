// Processes and ports for the integration tests: shell commands with captured output, free
// loopback ports, and where the source and build trees are.
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace pgsteer::test {

// Runs `cmd` with /bin/sh and returns what it printed on stdout and stderr. With `status`, the
// exit status (128+N when killed by signal N) is stored there; without, a non-zero exit throws
// std::runtime_error carrying the output.
std::string run(const std::string& cmd, int* status = nullptr);

// `s` quoted for /bin/sh.
std::string shell_quote(const std::string& s);

// A TCP port on 127.0.0.1 that nothing listened on a moment ago.
int free_port();

// True when something accepts TCP connections on 127.0.0.1:port.
bool accepts_connections(int port);

// Polls `condition` (exceptions count as false) until it holds; throws std::runtime_error naming
// `what` after `timeout`. For waiting on the cluster, never for asserting how fast it was.
void wait_until(const std::string& what, const std::function<bool()>& condition,
                std::chrono::seconds timeout = std::chrono::seconds{60});

// The source and build trees this library was configured for.
std::string source_dir();
std::string binary_dir();

}  // namespace pgsteer::test
