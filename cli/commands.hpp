#pragma once

#include "server/config.hpp"

#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace pantau::cli {

// A command line that cannot be run as given: exit code 2.
class usage_error : public std::runtime_error {
public:
    explicit usage_error(const std::string& what) : std::runtime_error(what) {}
};

// Boost.Program_options 1.74 never returns from the message of an error whose value or option
// name holds one of its own placeholders ("%value%", "%option%", ...): it replaces the
// placeholder with text that contains it again. So such text is refused before Boost reads it,
// with a usage_error naming `where` (found by fuzz/config_file).
void refuse_boost_placeholders(std::string_view text, std::string_view where);

// Each takes the arguments after its name and returns the exit code; runtime failures throw.
int locate_command(const std::vector<std::string>& args);
int index_command(const std::vector<std::string>& args);
int serve_command(const std::vector<std::string>& args);
int gen_demo_data_command(const std::vector<std::string>& args);
int replay_command(const std::vector<std::string>& args);
int export_command(const std::vector<std::string>& args);
int keys_command(const std::vector<std::string>& args);
int tokens_command(const std::vector<std::string>& args);

// `pantau serve`'s arguments, with the --config file, as the config server::run() gets. nullopt
// when --help was asked for (the help went to help_out). Throws usage_error (or a
// Boost.Program_options error) for what cannot be used.
std::optional<server::server_config> serve_config_from_args(const std::vector<std::string>& args,
                                                            std::ostream& help_out);

} // namespace pantau::cli
