#pragma once

// Running the built `pantau` binary as a user would, for the CLI tests: stdout and stderr go
// through files, so that no pipe can fill up and block the child; the exit code as the shell sees it.

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace pantau::testing {

struct run_result {
    int exit_code = -1; // -1: it could not be started, or a signal ended it
    std::string out, err;
};

inline std::string slurp(const std::filesystem::path& path)
{
    std::ifstream f(path, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

// Starts `binary args...` with the file actions applied; its pid, or -1.
inline pid_t spawn_binary(const std::string& binary, const std::vector<std::string>& args,
                          const posix_spawn_file_actions_t& actions)
{
    std::vector<std::string> all = {binary};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ) != 0)
        return -1;
    return pid;
}

inline int wait_exit_code(pid_t pid)
{
    int status = 0;
    if (pid <= 0)
        return -1;
    // A signal to the test process (a profiler's, a debugger's) must not lose the child's status.
    pid_t got = 0;
    do
        got = waitpid(pid, &status, 0);
    while (got < 0 && errno == EINTR);
    if (got != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Runs it to the end with stdin from `stdin_path`; stdout and stderr pass through files in `dir`.
inline run_result run_binary(const std::string& binary, const std::vector<std::string>& args,
                             const std::filesystem::path& dir, const std::string& stdin_path = "/dev/null")
{
    const std::string out = (dir / "stdout").string(), err = (dir / "stderr").string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, stdin_path.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const pid_t pid = spawn_binary(binary, args, actions);
    posix_spawn_file_actions_destroy(&actions);
    run_result r;
    r.exit_code = wait_exit_code(pid);
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
}

} // namespace pantau::testing
