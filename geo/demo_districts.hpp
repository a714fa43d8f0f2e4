#pragma once

// Approximate demo districts made from facts alone: each kelurahan's code, name, kecamatan and
// centroid. Never official boundaries; the files say so in their metadata.

#include "geo/district.hpp"

#include <string>
#include <vector>

namespace pantau::geo {

struct kelurahan_fact {
    std::string code, name, kecamatan_code, kecamatan_name;
    double lon = 0, lat = 0;
};

// Reads the facts table (CSV with kode, nama, kode_kec, nama_kec, lat, lon).
std::vector<kelurahan_fact> read_kelurahan_facts(const std::string& csv_path);

struct demo_district_files {
    std::string kelurahan, kecamatan, kota; // GeoJSON FeatureCollections
};

// Voronoi cells of the kelurahan centroids, clipped to a buffered concave hull of them, then
// dissolved into kecamatan and the city. Deterministic: the same facts give the same bytes.
demo_district_files make_demo_districts(const std::vector<kelurahan_fact>& facts, const std::string& city_code,
                                        const std::string& city_name);

// The demo hierarchy as it is committed in DATA_DIR/demo (written by make_demo_districts, through
// `pantau gen-demo-data`): kelurahan → kecamatan → kota, linked by their "parent" attribute.
std::vector<level_spec> demo_levels(const std::string& data_dir);

} // namespace pantau::geo
