#include "geo/hierarchy.hpp"

#include "geo/detail/level_data.hpp"
#include "geo/detail/loader.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

namespace pantau::geo {
namespace {

using detail::geom_ptr;
using detail::loaded_feature;

std::string attribute_or(const district& d, const std::string& field, const std::string& fallback)
{
    if (field.empty())
        return fallback;
    auto it = d.attributes.find(field);
    return it == d.attributes.end() || it->second.empty() ? fallback : it->second;
}

// The upper level as the union of the level below, grouped by the lower districts' parent codes.
std::vector<loaded_feature> dissolve(const detail::geos_context& ctx, const detail::level_data& below,
                                     const level_spec& spec)
{
    const std::string where = "level " + spec.name + ": cannot dissolve level " + below.name + " (" + below.source + ")";
    // A misspelt field would silently name every group by its code: refuse it instead.
    for (const std::string* field : {&spec.dissolve_name_field, &spec.dissolve_parent_field}) {
        if (!field->empty() && std::none_of(below.districts.begin(), below.districts.end(),
                                            [&](const district& d) { return d.attributes.count(*field) > 0; }))
            throw error(where + ": no district has a field \"" + *field + "\"");
    }
    std::map<std::string, std::vector<std::size_t>> groups;
    for (std::size_t k = 0; k < below.districts.size(); ++k) {
        const district& d = below.districts[k];
        if (d.parent_code.empty())
            throw error(where + ": district " + d.code + " has no parent code (set its parent field)");
        groups[d.parent_code].push_back(k);
    }
    std::vector<loaded_feature> out;
    for (const auto& [code, members] : groups) {
        std::vector<geom_ptr> parts;
        for (std::size_t k : members)
            parts.push_back(detail::clone(ctx, below.geometries[k].get()));
        geom_ptr collection =
            detail::make_collection(ctx, GEOS_GEOMETRYCOLLECTION, std::move(parts), "dissolve: cannot collect");
        geom_ptr merged = detail::own(ctx, GEOSUnaryUnion_r(ctx, collection.get()),
                                      "level " + spec.name + ": cannot dissolve " + code);
        loaded_feature f{district{}, detail::polygonal_part(ctx, merged.get())};
        const district& first = below.districts[members.front()];
        f.info.code = code;
        f.info.name = attribute_or(first, spec.dissolve_name_field, code);
        f.info.parent_code = attribute_or(first, spec.dissolve_parent_field, "");
        f.info.attributes = {{"members", std::to_string(members.size())}};
        f.info.extent = detail::extent_of(ctx, f.geometry.get());
        out.push_back(std::move(f));
    }
    return out;
}

// GEOS 3.11 fills some caches on first use (envelopes, a coordinate sequence's dimension):
// writes that would race when threads first touch a shared geometry. Fill them all now, before
// the geometry is shared, so that afterwards every thread only reads.
void fill_lazy_caches(const detail::geos_context& ctx, const GEOSGeometry* g)
{
    double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    auto ring = [&](const GEOSGeometry* r) {
        GEOSGeom_getExtent_r(ctx, r, &x0, &y0, &x1, &y1);
        unsigned int dims = 0;
        GEOSCoordSeq_getDimensions_r(ctx, GEOSGeom_getCoordSeq_r(ctx, r), &dims);
    };
    for (int i = 0; i < GEOSGetNumGeometries_r(ctx, g); ++i) {
        const GEOSGeometry* poly = GEOSGetGeometryN_r(ctx, g, i);
        GEOSGeom_getExtent_r(ctx, poly, &x0, &y0, &x1, &y1);
        ring(GEOSGetExteriorRing_r(ctx, poly));
        for (int r = 0; r < GEOSGetNumInteriorRings_r(ctx, poly); ++r)
            ring(GEOSGetInteriorRingN_r(ctx, poly, r));
    }
    GEOSGeom_getExtent_r(ctx, g, &x0, &y0, &x1, &y1);
}

// FNV-1a, 64 bits, over each level's name and each district's code, name, parent and polygon
// (WKB as loaded, after any repair).
std::string digest_of(const detail::hierarchy_data& data)
{
    std::uint64_t h = 0xcbf29ce484222325ULL;
    auto add = [&h](const unsigned char* bytes, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i)
            h = (h ^ bytes[i]) * 0x100000001b3ULL;
        h = (h ^ 0xffU) * 0x100000001b3ULL; // closes the field: "ab","c" differs from "a","bc"
    };
    auto add_text = [&add](const std::string& s) { add(reinterpret_cast<const unsigned char*>(s.data()), s.size()); };
    detail::wkb_writer wkb(*data.ctx);
    for (const auto& level : data.levels) {
        add_text(level->name);
        for (std::size_t i = 0; i < level->districts.size(); ++i) {
            const district& d = level->districts[i];
            add_text(d.code);
            add_text(d.name);
            add_text(d.parent_code);
            const std::string_view bytes = wkb.write(level->geometries[i].get(), d.code);
            add(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
        }
    }
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(h));
    return text;
}

// A level's index file in `dir`: named by its position and name, with any character that a
// file name could trip on replaced.
std::string index_file_path(const std::string& dir, std::size_t position, const std::string& level_name)
{
    std::string name = std::to_string(position) + "-";
    for (const char c : level_name)
        name += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_';
    return (std::filesystem::path(dir) / (name + ".pidx")).string();
}

// Index files in `dir` of levels that are no longer loaded (renamed, moved or removed), and any
// left half-written: nothing would ever read them again.
void remove_other_index_files(const std::string& dir, const std::vector<std::unique_ptr<detail::level_data>>& levels,
                              load_report& report)
{
    std::set<std::string> current;
    for (std::size_t i = 0; i < levels.size(); ++i)
        current.insert(std::filesystem::path(index_file_path(dir, i, levels[i]->name)).filename().string());
    try {
        for (const auto& entry : std::filesystem::directory_iterator(dir)) {
            const std::string name = entry.path().filename().string();
            const bool ours = name.ends_with(".pidx") || name.ends_with(".pidx.partial");
            if (ours && !current.contains(name) && entry.is_regular_file() && std::filesystem::remove(entry.path()))
                report.notes.push_back("removed the index file of a level no longer loaded: " + entry.path().string());
        }
    } catch (const std::filesystem::filesystem_error& e) {
        report.warnings.push_back(std::string("index files: ") + e.what());
    }
}

} // namespace

hierarchy hierarchy::load(const std::vector<level_spec>& specs, load_report& report, const load_options& options)
{
    if (specs.empty())
        throw error("no district levels given");
    auto data = std::make_unique<detail::hierarchy_data>();
    const detail::geos_context& ctx = *data->ctx;
    std::set<std::string> names;
    for (const level_spec& spec : specs) {
        if (spec.name.empty())
            throw error("a district level has no name");
        if (!names.insert(spec.name).second)
            throw error("district level \"" + spec.name + "\" is given twice");
        std::vector<loaded_feature> features;
        if (spec.dissolve) {
            if (data->levels.empty())
                throw error("level " + spec.name + ": dissolve needs a level below it");
            features = dissolve(ctx, *data->levels.back(), spec);
        } else {
            features = detail::load_layer(ctx, spec.source, report);
        }
        std::sort(features.begin(), features.end(),
                  [](const loaded_feature& a, const loaded_feature& b) { return a.info.code < b.info.code; });

        auto lvl = std::make_unique<detail::level_data>();
        lvl->name = spec.name;
        lvl->source = spec.dissolve ? "dissolved from level " + data->levels.back()->name : spec.source.path;
        std::vector<const GEOSGeometry*> geoms;
        for (loaded_feature& f : features) {
            fill_lazy_caches(ctx, f.geometry.get());
            lvl->by_code.emplace(f.info.code, lvl->districts.size());
            lvl->districts.push_back(std::move(f.info));
            geoms.push_back(f.geometry.get());
            lvl->geometries.push_back(std::move(f.geometry));
        }
        lvl->extent = lvl->districts.front().extent;
        for (const district& d : lvl->districts) {
            lvl->extent.min_lon = std::min(lvl->extent.min_lon, d.extent.min_lon);
            lvl->extent.min_lat = std::min(lvl->extent.min_lat, d.extent.min_lat);
            lvl->extent.max_lon = std::max(lvl->extent.max_lon, d.extent.max_lon);
            lvl->extent.max_lat = std::max(lvl->extent.max_lat, d.extent.max_lat);
        }

        // The districts' areas need nothing from the grid: a second thread computes them while
        // this one adopts or builds the grid, and this one helps once it is done (the grid is
        // often adopted in a fraction of the areas' time). Each thread has its own GEOS context;
        // the geometries are only read, their lazy caches filled above.
        std::atomic<std::size_t> next_area{0};
        auto compute_areas = [&level = *lvl, &next_area](const detail::geos_context& area_ctx) {
            for (std::size_t i; (i = next_area.fetch_add(1, std::memory_order_relaxed)) < level.districts.size();)
                level.districts[i].area_km2 = detail::geodesic_area_km2(area_ctx, level.geometries[i].get());
        };
        const detail::geos_context area_ctx;
        std::jthread areas([&compute_areas, &area_ctx] { compute_areas(area_ctx); });
        // A grid kept from an earlier run, when it is exactly this level's.
        const auto t0 = std::chrono::steady_clock::now();
        std::string index_path, not_adopted;
        if (!options.index_dir.empty()) {
            index_path = index_file_path(options.index_dir, data->levels.size(), spec.name);
            std::error_code missing;
            not_adopted = std::filesystem::exists(index_path, missing) ? detail::adopt_index_file(*lvl, index_path)
                                                                       : "no index file yet";
        }
        const bool adopted = !index_path.empty() && not_adopted.empty();
        if (!adopted)
            lvl->index = detail::grid_index::build(ctx, geoms);
        const auto t1 = std::chrono::steady_clock::now();
        compute_areas(ctx);
        areas.join();
        const detail::grid_stats& gs = lvl->index.stats();
        lvl->stats = index_stats{gs.nodes,
                                 gs.empty_leaves,
                                 gs.district_leaves,
                                 gs.boundary_leaves,
                                 gs.candidate_entries,
                                 gs.depth,
                                 gs.finest_cell_deg * 111320.0,
                                 gs.memory_bytes,
                                 std::chrono::duration<double>(t1 - t0).count(),
                                 adopted ? index_path : std::string()};
        if (adopted) {
            report.notes.push_back("level " + spec.name + ": grid mapped from " + index_path);
        } else if (!index_path.empty()) {
            try {
                std::filesystem::create_directories(options.index_dir);
                detail::write_index_file(*lvl, index_path);
                report.notes.push_back("level " + spec.name + ": grid built (" + not_adopted + ") and saved to " +
                                       index_path);
            } catch (const std::exception& e) {
                // Only the next start's speed depends on it.
                report.warnings.push_back("level " + spec.name + ": cannot save its grid: " + e.what());
            }
        }
        data->levels.push_back(std::move(lvl));
    }
    if (std::error_code no_dir; !options.index_dir.empty() && std::filesystem::is_directory(options.index_dir, no_dir))
        remove_other_index_files(options.index_dir, data->levels, report);
    // Parent codes should name districts of the level above; say so when they do not.
    for (std::size_t i = 0; i + 1 < data->levels.size(); ++i) {
        const detail::level_data& lower = *data->levels[i];
        const detail::level_data& upper = *data->levels[i + 1];
        for (const district& d : lower.districts) {
            if (!d.parent_code.empty() && !upper.by_code.count(d.parent_code))
                report.warnings.push_back("level " + lower.name + ": district " + d.code + " names parent " +
                                         d.parent_code + ", which level " + upper.name + " does not have");
        }
    }
    data->version = digest_of(*data);
    return hierarchy(std::move(data));
}

hierarchy::hierarchy(std::unique_ptr<detail::hierarchy_data> data) : data_(std::move(data)) {}
hierarchy::hierarchy(hierarchy&&) noexcept = default;
hierarchy& hierarchy::operator=(hierarchy&&) noexcept = default;
hierarchy::~hierarchy() = default;

std::size_t hierarchy::size() const { return data_->levels.size(); }

const std::string& hierarchy::version() const { return data_->version; }

level hierarchy::at(std::size_t i) const { return level(data_->levels.at(i).get()); }

std::optional<std::size_t> hierarchy::level_index(std::string_view name) const
{
    for (std::size_t i = 0; i < data_->levels.size(); ++i) {
        if (data_->levels[i]->name == name)
            return i;
    }
    return std::nullopt;
}

const std::string& level::name() const { return data_->name; }
const std::vector<district>& level::districts() const { return data_->districts; }
bbox level::extent() const { return data_->extent; }
const index_stats& level::stats() const { return data_->stats; }

std::optional<std::size_t> level::find(std::string_view code) const
{
    auto it = data_->by_code.find(std::string(code));
    if (it == data_->by_code.end())
        return std::nullopt;
    return it->second;
}

std::string level::geometry_geojson(std::size_t i) const
{
    detail::geos_context ctx;
    return detail::to_geojson(ctx, data_->geometries.at(i).get(),
                              "level " + data_->name + ": district " + data_->districts.at(i).code);
}

} // namespace pantau::geo
