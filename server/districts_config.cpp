#include "server/districts_config.hpp"

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

std::vector<geo::level_spec> demo_levels(const std::string& data_dir)
{
    std::vector<geo::level_spec> levels;
    for (const char* name : {"kelurahan", "kecamatan", "kota"}) {
        geo::level_spec spec;
        spec.name = name;
        spec.source.path = data_dir + "/demo/" + name + ".geojson";
        spec.source.code_field = "code";
        spec.source.name_field = "name";
        spec.source.parent_field = std::string(name) == "kota" ? "" : "parent";
        levels.push_back(std::move(spec));
    }
    return levels;
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

} // namespace pantau::server
