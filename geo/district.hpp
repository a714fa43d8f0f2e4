#pragma once

#include <map>
#include <string>
#include <vector>

namespace pantau::geo {

struct bbox {
    double min_lon = 0, min_lat = 0, max_lon = 0, max_lat = 0;
    bool contains(double lon, double lat) const
    {
        return lon >= min_lon && lon <= max_lon && lat >= min_lat && lat <= max_lat;
    }
    bool intersects(const bbox& o) const
    {
        return o.min_lon <= max_lon && o.max_lon >= min_lon && o.min_lat <= max_lat && o.max_lat >= min_lat;
    }
};

// One district of one level. Geometry lives in the level; this is what callers see.
struct district {
    std::string code;
    std::string name;
    std::string parent_code;                       // empty when the level has no parent
    std::map<std::string, std::string> attributes; // every source attribute, as text
    bbox extent;
    double area_km2 = 0; // on the WGS84 ellipsoid
};

// Where one level of districts comes from: a layer of an OGR data source.
struct layer_source {
    std::string path;
    std::string layer;        // empty: the first layer
    std::string code_field;   // empty: "code", then "kode", else the feature id
    std::string name_field;   // empty: "name", then "nama", else the code
    std::string parent_field; // empty: no parent
};

// One level of the hierarchy, finest first. A level either reads a layer, or is derived by
// dissolving the level below it on that level's parent codes.
struct level_spec {
    std::string name; // e.g. "kelurahan"
    bool dissolve = false;
    layer_source source;              // when !dissolve
    std::string dissolve_name_field;  // when dissolve: attribute of the level below naming the group
    std::string dissolve_parent_field; // when dissolve: attribute of the level below holding the group's parent
};

// What loading did beyond reading: repairs, skipped features and warnings, one line each.
struct load_report {
    std::vector<std::string> repaired;
    std::vector<std::string> skipped;
    std::vector<std::string> warnings;
    std::vector<std::string> notes; // for the log: where each level's grid came from
};

} // namespace pantau::geo
