#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace pantau {

// A command line that cannot be run as given: exit code 2.
class usage_error : public std::runtime_error {
public:
    explicit usage_error(const std::string& what) : std::runtime_error(what) {}
};

// Each takes the arguments after its name and returns the exit code; runtime failures throw.
int locate_command(const std::vector<std::string>& args);
int serve_command(const std::vector<std::string>& args);
int gen_demo_data_command(const std::vector<std::string>& args);
int replay_command(const std::vector<std::string>& args);
int keys_command(const std::vector<std::string>& args);
int tokens_command(const std::vector<std::string>& args);

} // namespace pantau
