#include "server/districts_config.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include <cstdlib>
#include <filesystem>

namespace pantau::server {

std::string default_data_dir()
{
    // An installed or moved binary can be pointed at its data; a build tree knows its source.
    if (const char* env = std::getenv("PANTAU_DATA_DIR"); env && *env)
        return env;
    return PANTAU_DEFAULT_DATA_DIR;
}

geo::level_spec level_from_argument(const std::string& argument, const geo::layer_source& fields)
{
    geo::level_spec spec;
    spec.source = fields;
    auto eq = argument.find('=');
    // A '=' before any path separator names the level; paths may contain '=' after a '/'.
    if (eq != std::string::npos && argument.find('/') > eq && eq > 0) {
        spec.name = argument.substr(0, eq);
        spec.source.path = argument.substr(eq + 1);
    } else {
        spec.source.path = argument;
        spec.name = std::filesystem::path(argument).stem().string();
    }
    return spec;
}

geo::hierarchy load_districts(const std::vector<geo::level_spec>& levels, const std::string& index_dir)
{
    geo::load_report report;
    const auto started = std::chrono::steady_clock::now();
    geo::hierarchy districts = geo::hierarchy::load(levels, report, {index_dir});
    for (const auto& line : report.repaired)
        spdlog::warn("districts: repaired: {}", line);
    for (const auto& line : report.skipped)
        spdlog::warn("districts: skipped: {}", line);
    for (const auto& line : report.warnings)
        spdlog::warn("districts: {}", line);
    for (const auto& line : report.notes)
        spdlog::info("districts: {}", line);
    std::string summary;
    for (std::size_t i = 0; i < districts.size(); ++i)
        summary += (i ? ", " : "") + districts.at(i).name() + " (" + std::to_string(districts.at(i).districts().size()) + ")";
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    spdlog::info("districts loaded in {:.2f} s: {}", took.count(), summary);
    return districts;
}

} // namespace pantau::server
