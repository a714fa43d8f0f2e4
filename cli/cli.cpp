#include "cli/cli.hpp"

#include "cli/commands.hpp"
#include "core/error.hpp"

#include <boost/program_options.hpp>

#include <iostream>
#include <string>
#include <vector>

namespace pantau::cli {
namespace {

const char* const usage_text = R"(pantau — real-time geospatial incident map server

Usage:
  pantau serve  [--config FILE] [--listen HOST:PORT] [--districts [LEVEL=]FILE]... [--web-root DIR]
                [--data-dir DIR] [--code-field F] [--name-field F] [--parent-field F]
                [--retention D] [--checkpoint-history D] [--archive-after D] [--checkpoint-every-events N] [--checkpoint-interval D] [--simulate RATE]
  pantau locate --districts FILE [--layer NAME] [--code-field F] [--name-field F] [--parent-field F]
  pantau locate --index FILE
  pantau index (build --out FILE | verify --index FILE) --districts FILE [--layer NAME] [--code-field F] ...
  pantau gen-demo-data [--facts CSV] [--out-dir DIR]
  pantau replay FILE|- --to URL [--speed X] [--batch N] [--api-key [SOURCE=]KEY]...
  pantau export [--data-dir DIR] [--since T] [--until T] [--format ndjson]
  pantau keys (add --source NAME | list | revoke ID) [--data-dir DIR]
  pantau tokens (add --role ROLE --name NAME | list | revoke ID) [--data-dir DIR]
  pantau --help | --version
  pantau COMMAND --help

Commands:
  serve          serve the districts and the map client over HTTP (demo districts by default)
  locate         read lon,lat lines on stdin, print the code of the covering district per line
  index          build a district layer's lookup index into a file for locate --index, or verify one
  replay         post an NDJSON report archive to a server, keeping its timing (--speed X: X times faster)
  export         write a data dir's reports as NDJSON (what replay reads back), also while serve runs
  keys           source API keys: add (prints the new key once), list, revoke
  tokens         tokens for people and walls (viewer, operator, admin): add, list, revoke
  gen-demo-data  regenerate the approximate demo districts in data/demo from the facts table

Exit codes: 0 success, 1 runtime error, 2 usage error.
)";

} // namespace

void refuse_boost_placeholders(std::string_view text, std::string_view where)
{
    for (const std::string_view token : {"%value%", "%option%", "%canonical_option%", "%prefix_option%",
                                         "%original_token%"})
        if (text.find(token) != std::string_view::npos)
            throw usage_error(std::string(where) + " contains \"" + std::string(token) +
                              "\", which the option parser cannot report on; remove it");
}

int run_cli(int argc, char** argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        std::cerr << usage_text;
        return exit_usage;
    }
    const std::string command = args.front();
    if (command == "--help" || command == "-h" || command == "help") {
        std::cout << usage_text;
        return exit_ok;
    }
    if (command == "--version") {
        std::cout << "pantau " << PANTAU_VERSION << "\n";
        return exit_ok;
    }
    std::vector<std::string> rest(args.begin() + 1, args.end());
    try {
        for (const auto& arg : rest)
            refuse_boost_placeholders(arg, "an argument");
    } catch (const usage_error& e) {
        std::cerr << "pantau " << command << ": " << e.what() << "\n";
        return exit_usage;
    }
    try {
        if (command == "locate")
            return locate_command(rest);
        if (command == "index")
            return index_command(rest);
        if (command == "serve")
            return serve_command(rest);
        if (command == "replay")
            return replay_command(rest);
        if (command == "export")
            return export_command(rest);
        if (command == "keys")
            return keys_command(rest);
        if (command == "tokens")
            return tokens_command(rest);
        if (command == "gen-demo-data")
            return gen_demo_data_command(rest);
    } catch (const boost::program_options::error& e) {
        std::cerr << "pantau " << command << ": " << e.what() << " (see pantau " << command << " --help)\n";
        return exit_usage;
    } catch (const usage_error& e) {
        std::cerr << "pantau " << command << ": " << e.what() << " (see pantau " << command << " --help)\n";
        return exit_usage;
    } catch (const config_error& e) {
        // Found after start-up began (e.g. a threshold naming a level the districts lack): still
        // the config's fault, so a usage error as error.hpp promises.
        std::cerr << "pantau " << command << ": " << e.what() << "\n";
        return exit_usage;
    } catch (const std::exception& e) {
        std::cerr << "pantau " << command << ": " << e.what() << "\n";
        return exit_runtime_error;
    }
    std::cerr << "pantau: unknown command \"" << command << "\" (see pantau --help)\n";
    return exit_usage;
}

} // namespace pantau::cli
