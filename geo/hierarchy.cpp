#include "geo/hierarchy.hpp"

#include "geo/detail/level_data.hpp"
#include "geo/detail/loader.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <set>

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
        f.info.area_km2 = detail::geodesic_area_km2(ctx, f.geometry.get());
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
    const detail::geos_context& ctx = *data.ctx;
    GEOSWKBWriter* writer = GEOSWKBWriter_create_r(ctx); // nothing below throws
    for (const auto& level : data.levels) {
        add_text(level->name);
        for (std::size_t i = 0; i < level->districts.size(); ++i) {
            const district& d = level->districts[i];
            add_text(d.code);
            add_text(d.name);
            add_text(d.parent_code);
            std::size_t size = 0;
            unsigned char* wkb = GEOSWKBWriter_write_r(ctx, writer, level->geometries[i].get(), &size);
            if (wkb) {
                add(wkb, size);
                GEOSFree_r(ctx, wkb);
            }
        }
    }
    GEOSWKBWriter_destroy_r(ctx, writer);
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(h));
    return text;
}

} // namespace

hierarchy hierarchy::load(const std::vector<level_spec>& specs, load_report& report)
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

        auto t0 = std::chrono::steady_clock::now();
        lvl->index = detail::grid_index::build(ctx, geoms);
        auto t1 = std::chrono::steady_clock::now();
        const detail::grid_stats& gs = lvl->index.stats();
        lvl->stats = index_stats{gs.nodes,
                                 gs.empty_leaves,
                                 gs.district_leaves,
                                 gs.boundary_leaves,
                                 gs.candidate_entries,
                                 gs.depth,
                                 gs.finest_cell_deg * 111320.0,
                                 gs.memory_bytes,
                                 std::chrono::duration<double>(t1 - t0).count()};
        data->levels.push_back(std::move(lvl));
    }
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
