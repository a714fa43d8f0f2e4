#pragma once

namespace pantau::cli {

// Exit codes (DESIGN §3).
inline constexpr int exit_ok = 0;
inline constexpr int exit_runtime_error = 1;
inline constexpr int exit_usage = 2;

// Parses the command line and runs the subcommand; returns the process exit code.
int run_cli(int argc, char** argv);

} // namespace pantau::cli
