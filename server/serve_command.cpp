#include "server/cli.hpp"
#include "server/commands.hpp"
#include "server/config.hpp"
#include "server/districts_config.hpp"
#include "server/error.hpp"
#include "server/server.hpp"

#include <boost/program_options.hpp>

#include <spdlog/cfg/env.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <iostream>

namespace po = boost::program_options;

namespace pantau {
namespace {

// Logs go to stderr: stdout carries only the "serving on" line that scripts read.
// SPDLOG_LEVEL=debug (or e.g. "warn") changes the level.
void set_up_logging()
{
    if (!spdlog::get("pantau")) {
        auto logger = spdlog::stderr_color_mt("pantau");
        spdlog::set_default_logger(logger);
    }
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    spdlog::cfg::load_env_levels();
}

// A plain decimal number; validate() checks the range, so NaN and infinities need no case here.
double parse_simulate_rate(const std::string& text)
{
    double rate = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), rate);
    if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size() || !(rate > 0))
        throw config_error("--simulate: RATE must be a number of reports per second above 0 and at most 10000, got \"" +
                           text + "\"");
    return rate;
}

} // namespace

int serve_command(const std::vector<std::string>& args)
{
    std::string listen = "127.0.0.1:8080";
    std::vector<std::string> district_args;
    geo::layer_source fields;
    server_config config;
    po::options_description options(
        "pantau serve: serves the districts and the map client over HTTP (the demo districts of Kota Tangerang unless "
        "--districts is given). Prints \"pantau: serving on URL\" on stdout once it listens; SIGINT or SIGTERM stop "
        "it gracefully.\nOptions");
    options.add_options()("help,h", "show this help")(
        "config", po::value<std::string>(), "INI file with the same names as these options; the command line wins")(
        "listen", po::value<std::string>(&listen), "HOST:PORT to listen on (default 127.0.0.1:8080; port 0: any free port)")(
        "districts", po::value<std::vector<std::string>>(&district_args),
        "[LEVEL=]FILE: a district level from any OGR source; repeat, finest level first (LEVEL defaults to the "
        "file's stem; default: the demo kelurahan, kecamatan and kota)")(
        "web-root", po::value<std::string>(&config.web_root),
        "directory of the web client (default: the repo's web/, or $PANTAU_WEB_ROOT)")(
        "data-dir", po::value<std::string>(&config.data_dir), "directory for the server's data (default ./var; created)")(
        "code-field", po::value<std::string>(&fields.code_field),
        "attribute with a district's code, for every --districts layer (default: code, kode, feature id)")(
        "name-field", po::value<std::string>(&fields.name_field), "attribute with the name (default: name, nama)")(
        "parent-field", po::value<std::string>(&fields.parent_field), "attribute with the parent's code (default: none)")(
        "retention", po::value<std::string>(),
        "DURATION: delete events older than this once a checkpoint covers them, e.g. 30d (default 0: keep forever)")(
        "checkpoint-every-events", po::value<std::uint64_t>(&config.checkpoint_every_events),
        "write a checkpoint of the state after this many events (default 100000; 0: off)")(
        "checkpoint-interval", po::value<std::string>(),
        "DURATION: write a checkpoint this long after the last one when events came since (default 10m; 0: off)")(
        // Repeatable, the last one wins: `make run` passes --simulate 2 before the user's ARGS.
        "simulate", po::value<std::vector<std::string>>(),
        "RATE: add a built-in source of realistic complaint, transport and disaster reports, RATE per second on "
        "average over a day (above 0, at most 10000; busier at rush hours and rainy afternoons, quiet at night, WIB)");
    if (std::find(args.begin(), args.end(), "--help") != args.end() ||
        std::find(args.begin(), args.end(), "-h") != args.end()) {
        std::cout << options;
        return exit_ok;
    }

    po::variables_map vm;
    // No positional arguments: a stray word is a mistake, not something to ignore.
    po::store(po::command_line_parser(args).options(options).positional({}).run(), vm);
    if (vm.count("config")) {
        const std::string file = vm["config"].as<std::string>();
        // Stored second, so a value from the command line wins over the file's.
        try {
            po::store(po::parse_config_file<char>(file.c_str(), options), vm);
        } catch (const po::reading_file&) {
            throw usage_error("--config: cannot read " + file);
        }
    }
    po::notify(vm);

    try {
        if (vm.count("simulate"))
            for (const auto& rate : vm["simulate"].as<std::vector<std::string>>())
                config.simulate_rate = parse_simulate_rate(rate);
        if (vm.count("retention"))
            config.retention = parse_duration(vm["retention"].as<std::string>(), "--retention");
        if (vm.count("checkpoint-interval"))
            config.checkpoint_interval = parse_duration(vm["checkpoint-interval"].as<std::string>(), "--checkpoint-interval");
        const listen_address address = parse_listen(listen);
        config.host = address.host;
        config.port = address.port;
        if (!district_args.empty()) {
            config.districts.clear();
            for (const auto& argument : district_args)
                config.districts.push_back(level_from_argument(argument, fields));
        } else if (vm.count("code-field") || vm.count("name-field") || vm.count("parent-field")) {
            throw config_error("--code-field, --name-field and --parent-field apply to --districts layers; give "
                               "--districts FILE too");
        }
        config.validate();
    } catch (const config_error& e) {
        throw usage_error(e.what());
    }

    set_up_logging();
    return run(config);
}

} // namespace pantau
