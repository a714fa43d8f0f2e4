// `pantau serve --config FILE` (cli::serve_config_from_args, server::apply_config_sections): the
// INI file as the operator writes it, read through the same code as the real command.
#include "cli/commands.hpp"
#include "core/error.hpp"
#include "fuzz/fuzz.hpp"

#include <boost/program_options/errors.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace {

// An error for the operator: one line that says something.
void check_message(std::string_view what)
{
    PANTAU_FUZZ_CHECK(!what.empty() && what.find('\n') == std::string_view::npos);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace pantau;
    static const std::string file =
        (std::filesystem::temp_directory_path() / ("pantau-fuzz-" + std::to_string(getpid()) + ".ini")).string();
    std::ofstream(file, std::ios::binary | std::ios::trunc) << fuzz::as_text(data, size);
    std::ostringstream help;
    // Only the documented errors may come out: anything else escapes and libFuzzer reports it.
    try {
        const auto config = cli::serve_config_from_args({"--config", file}, help);
        PANTAU_FUZZ_CHECK(config.has_value()); // no --help in a file
        config->validate();
    } catch (const cli::usage_error& e) {
        check_message(e.what());
    } catch (const boost::program_options::error& e) {
        check_message(e.what());
    } catch (const pantau::error& e) {
        check_message(e.what());
    }
    return 0;
}
