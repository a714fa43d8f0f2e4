#include "geo/detail/loader.hpp"

#include "geo/detail/gdal_raii.hpp"

#include <cpl_error.h>
#include <gdal.h>
#include <geodesic.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>

namespace pantau::geo::detail {
namespace {

void register_gdal_once()
{
    static std::once_flag once;
    std::call_once(once, [] {
        GDALAllRegister();
        // GDAL errors become our exceptions; keep them off stderr.
        CPLSetErrorHandler(CPLQuietErrorHandler);
    });
}

std::string last_gdal_error()
{
    const char* msg = CPLGetLastErrorMsg();
    return msg && *msg ? msg : "unknown GDAL error";
}

// Resolves a field: the configured one must exist; otherwise the first default that does.
int find_field(OGRFeatureDefnH defn, const std::string& configured, std::initializer_list<const char*> defaults,
               const std::string& where, const char* role)
{
    if (!configured.empty()) {
        int i = OGR_FD_GetFieldIndex(defn, configured.c_str());
        if (i < 0) {
            std::string fields;
            for (int k = 0; k < OGR_FD_GetFieldCount(defn); ++k)
                fields += std::string(k ? ", " : "") + OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, k));
            throw error(where + ": no " + role + " field \"" + configured + "\" (fields: " +
                        (fields.empty() ? "none" : fields) + ")");
        }
        return i;
    }
    for (const char* name : defaults) {
        int i = OGR_FD_GetFieldIndex(defn, name);
        if (i >= 0)
            return i;
    }
    return -1;
}

std::string field_text(OGRFeatureH f, int i)
{
    if (i < 0 || !OGR_F_IsFieldSetAndNotNull(f, i))
        return {};
    std::string s = OGR_F_GetFieldAsString(f, i);
    // Trim: codes typed into spreadsheets often carry stray blanks.
    auto b = s.find_first_not_of(" \t\r\n");
    auto e = s.find_last_not_of(" \t\r\n");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// Reduces any OGR geometry to 2D polygons, or returns null when it has none.
ogr_geom_ptr to_polygonal(OGRGeometryH g)
{
    ogr_geom_ptr out;
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t == wkbPolygon || t == wkbMultiPolygon) {
        out.reset(OGR_G_Clone(g));
    } else if (t == wkbCurvePolygon || t == wkbMultiSurface) {
        out.reset(OGR_G_GetLinearGeometry(g, 0, nullptr));
    } else if (t == wkbGeometryCollection) {
        ogr_geom_ptr multi(OGR_G_CreateGeometry(wkbMultiPolygon));
        for (int i = 0; i < OGR_G_GetGeometryCount(g); ++i) {
            ogr_geom_ptr part = to_polygonal(OGR_G_GetGeometryRef(g, i));
            if (!part)
                continue;
            if (wkbFlatten(OGR_G_GetGeometryType(part.get())) == wkbPolygon) {
                OGR_G_AddGeometryDirectly(multi.get(), part.release());
            } else {
                for (int k = 0; k < OGR_G_GetGeometryCount(part.get()); ++k)
                    OGR_G_AddGeometry(multi.get(), OGR_G_GetGeometryRef(part.get(), k));
            }
        }
        out = std::move(multi);
    }
    if (!out || OGR_G_IsEmpty(out.get()))
        return nullptr;
    OGR_G_FlattenTo2D(out.get());
    return out;
}

void add_ring_area(const geod_geodesic& g, const GEOSContextHandle_t ctx, const GEOSGeometry* ring, double sign,
                   double& total)
{
    const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(ctx, ring);
    unsigned int n = 0;
    GEOSCoordSeq_getSize_r(ctx, seq, &n);
    geod_polygon poly;
    geod_polygon_init(&poly, 0);
    // The closing point repeats the first; geod_polygon closes rings itself.
    for (unsigned int i = 0; i + 1 < n; ++i) {
        double x = 0, y = 0;
        GEOSCoordSeq_getXY_r(ctx, seq, i, &x, &y);
        geod_polygon_addpoint(&g, &poly, y, x);
    }
    double area = 0;
    geod_polygon_compute(&g, &poly, 0, 1, &area, nullptr);
    total += sign * std::fabs(area);
}

} // namespace

geom_ptr polygonal_part(const geos_context& ctx, const GEOSGeometry* g)
{
    int type = GEOSGeomTypeId_r(ctx, g);
    if (type == GEOS_POLYGON || type == GEOS_MULTIPOLYGON)
        return clone(ctx, g);
    std::vector<geom_ptr> parts;
    if (type == GEOS_GEOMETRYCOLLECTION) {
        for (int i = 0; i < GEOSGetNumGeometries_r(ctx, g); ++i) {
            const GEOSGeometry* part = GEOSGetGeometryN_r(ctx, g, i);
            int pt = GEOSGeomTypeId_r(ctx, part);
            if (pt == GEOS_POLYGON) {
                parts.push_back(clone(ctx, part));
            } else if (pt == GEOS_MULTIPOLYGON) {
                for (int k = 0; k < GEOSGetNumGeometries_r(ctx, part); ++k)
                    parts.push_back(clone(ctx, GEOSGetGeometryN_r(ctx, part, k)));
            }
        }
    }
    return make_collection(ctx, GEOS_MULTIPOLYGON, std::move(parts), "cannot collect polygons");
}

double geodesic_area_km2(const geos_context& ctx, const GEOSGeometry* g)
{
    static const geod_geodesic wgs84 = [] {
        geod_geodesic w;
        geod_init(&w, 6378137, 1 / 298.257223563);
        return w;
    }();
    double total = 0;
    int n = GEOSGetNumGeometries_r(ctx, g);
    for (int i = 0; i < n; ++i) {
        const GEOSGeometry* poly = GEOSGetGeometryN_r(ctx, g, i);
        if (GEOSGeomTypeId_r(ctx, poly) != GEOS_POLYGON || GEOSisEmpty_r(ctx, poly))
            continue;
        add_ring_area(wgs84, ctx, GEOSGetExteriorRing_r(ctx, poly), 1, total);
        for (int r = 0; r < GEOSGetNumInteriorRings_r(ctx, poly); ++r)
            add_ring_area(wgs84, ctx, GEOSGetInteriorRingN_r(ctx, poly, r), -1, total);
    }
    return total / 1e6;
}

dataset_ptr open_vector(const std::string& path, const char* const* drivers, const std::string& as)
{
    register_gdal_once();
    // GDAL's own message for a missing file is vague; plain paths get a plain answer. Virtual
    // paths (/vsizip/...) and connection strings (PG:...) go to GDAL as they are.
    if (path.rfind("/vsi", 0) != 0 && path.find(':') == std::string::npos && !std::filesystem::exists(path))
        throw error(path + ": no such file or directory");
    CPLErrorReset();
    dataset_ptr ds(GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, nullptr, nullptr));
    if (!ds)
        throw error(path + ": cannot open as " + as + ": " + last_gdal_error());
    return ds;
}

bbox extent_of(const geos_context& ctx, const GEOSGeometry* g)
{
    bbox b;
    if (!GEOSGeom_getExtent_r(ctx, g, &b.min_lon, &b.min_lat, &b.max_lon, &b.max_lat))
        throw error("cannot compute extent: " + ctx.last_error());
    return b;
}

std::vector<loaded_feature> load_layer(const geos_context& ctx, const layer_source& src, load_report& report)
{
    dataset_ptr ds = open_vector(src.path, nullptr, "a vector data source");

    OGRLayerH layer = src.layer.empty() ? GDALDatasetGetLayer(ds.get(), 0)
                                        : GDALDatasetGetLayerByName(ds.get(), src.layer.c_str());
    if (!layer)
        throw error(src.path + ": " + (src.layer.empty() ? "has no layer" : "no layer \"" + src.layer + "\""));
    const std::string layer_name = OGR_L_GetName(layer);
    const std::string where = src.path + ": layer " + layer_name;

    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    const int code_i = find_field(defn, src.code_field, {"code", "kode"}, where, "code");
    const int name_i = find_field(defn, src.name_field, {"name", "nama"}, where, "name");
    const int parent_i = src.parent_field.empty() ? -1 : find_field(defn, src.parent_field, {}, where, "parent");

    // Reproject to lon/lat WGS84. Both sides use traditional GIS axis order (x = lon), whatever
    // the CRS definition says; a layer without a CRS is taken to be lon/lat already.
    transform_ptr to_wgs84;
    if (OGRSpatialReferenceH layer_srs = OGR_L_GetSpatialRef(layer)) {
        srs_ptr source(OSRClone(layer_srs));
        srs_ptr target(OSRNewSpatialReference(nullptr));
        OSRImportFromEPSG(target.get(), 4326);
        OSRSetAxisMappingStrategy(source.get(), OAMS_TRADITIONAL_GIS_ORDER);
        OSRSetAxisMappingStrategy(target.get(), OAMS_TRADITIONAL_GIS_ORDER);
        if (!OSRIsSame(source.get(), target.get())) {
            to_wgs84.reset(OCTNewCoordinateTransformation(source.get(), target.get()));
            if (!to_wgs84)
                throw error(where + ": cannot reproject to EPSG:4326: " + last_gdal_error());
        }
    } else {
        report.warnings.push_back(where + ": no CRS, coordinates taken as lon/lat (EPSG:4326)");
    }

    auto reader = own_handle<wkb_reader_ptr>(ctx, GEOSWKBReader_create_r(ctx), where + ": cannot create a WKB reader");

    std::vector<loaded_feature> out;
    std::map<std::string, GIntBig> fid_of_code;
    std::vector<unsigned char> wkb;
    OGR_L_ResetReading(layer);
    while (feature_ptr f{OGR_L_GetNextFeature(layer)}) {
        const GIntBig fid = OGR_F_GetFID(f.get());
        const std::string feature_where = where + ": feature " + std::to_string(fid);

        OGRGeometryH raw = OGR_F_GetGeometryRef(f.get());
        ogr_geom_ptr poly = raw ? to_polygonal(raw) : nullptr;
        if (!poly) {
            report.skipped.push_back(feature_where + ": no polygon geometry, skipped");
            continue;
        }

        std::string code = code_i >= 0 ? field_text(f.get(), code_i) : std::to_string(fid);
        if (code.empty())
            throw error(feature_where + ": empty code" +
                        (code_i >= 0 ? std::string(" in field \"") + OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, code_i)) + "\"" : ""));
        if (auto [it, fresh] = fid_of_code.emplace(code, fid); !fresh)
            throw error(feature_where + ": duplicate code \"" + code + "\" (also feature " + std::to_string(it->second) + ")");

        if (to_wgs84 && OGR_G_Transform(poly.get(), to_wgs84.get()) != OGRERR_NONE)
            throw error(feature_where + ": cannot reproject to EPSG:4326: " + last_gdal_error());

        wkb.resize(static_cast<std::size_t>(OGR_G_WkbSize(poly.get())));
        OGR_G_ExportToWkb(poly.get(), wkbNDR, wkb.data());
        geom_ptr g = own(ctx, GEOSWKBReader_read_r(ctx, reader.get(), wkb.data(), wkb.size()),
                         feature_where + ": unreadable geometry");

        if (GEOSisValid_r(ctx, g.get()) != 1) {
            geos_text_ptr reason(GEOSisValidReason_r(ctx, g.get()), {ctx.get()});
            const std::string why = reason ? reason.get() : "invalid";
            geom_ptr fixed = own(ctx, GEOSMakeValid_r(ctx, g.get()), feature_where + ": cannot repair");
            g = polygonal_part(ctx, fixed.get());
            if (GEOSisEmpty_r(ctx, g.get())) {
                report.skipped.push_back(feature_where + " (" + code + "): invalid (" + why +
                                         ") and nothing polygonal left after repair, skipped");
                continue;
            }
            report.repaired.push_back(feature_where + " (" + code + "): " + why + ", repaired with MakeValid");
        }

        loaded_feature lf{district{}, std::move(g)};
        lf.info.code = std::move(code);
        lf.info.name = field_text(f.get(), name_i);
        if (lf.info.name.empty())
            lf.info.name = lf.info.code;
        lf.info.parent_code = field_text(f.get(), parent_i);
        for (int k = 0; k < OGR_FD_GetFieldCount(defn); ++k) {
            if (OGR_F_IsFieldSetAndNotNull(f.get(), k))
                lf.info.attributes.emplace(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, k)), field_text(f.get(), k));
        }
        lf.info.extent = extent_of(ctx, lf.geometry.get());
        out.push_back(std::move(lf));
    }
    if (out.empty())
        throw error(where + ": no polygons");
    return out;
}

} // namespace pantau::geo::detail
