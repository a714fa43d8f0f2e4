#pragma once

// Writes small district layers with the GDAL C API, so that each test builds exactly the
// geometry it asserts on, in the format it means to read.

#include "geo/detail/gdal_raii.hpp"

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include <unistd.h>

namespace pantau::geo_test {

// A fresh directory under the system temp dir, removed with its contents when it goes away.
class temp_dir {
public:
    temp_dir()
    {
        static std::atomic<unsigned> counter{0};
        std::random_device rd;
        root_ = std::filesystem::temp_directory_path() /
                ("pantau_geo_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
                 std::to_string(rd()));
        std::filesystem::create_directories(root_);
    }
    ~temp_dir()
    {
        std::error_code ec; // a failed clean-up must not turn into a test failure
        std::filesystem::remove_all(root_, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    std::string path(const std::string& file) const { return (root_ / file).string(); }
    const std::filesystem::path& root() const { return root_; }

private:
    std::filesystem::path root_;
};

struct test_feature {
    std::string wkt; // in the layer's CRS
    // Field name → value, all written as strings. A field missing here is left unset.
    std::vector<std::pair<std::string, std::string>> fields;
};

struct layer_options {
    std::string driver = "GPKG"; // "ESRI Shapefile", "GPKG", "FlatGeobuf", "GeoJSON"
    std::string layer = "districts";
    int epsg = 4326; // 0: no CRS
    OGRwkbGeometryType geometry_type = wkbUnknown;
};

namespace detail {

using pantau::geo::detail::dataset_ptr;
using pantau::geo::detail::feature_ptr;
using pantau::geo::detail::srs_ptr;
using pantau::geo::detail::transform_ptr;
using geometry_ptr = pantau::geo::detail::ogr_geom_ptr;

// EPSG CRS with x = easting or longitude, whatever the EPSG axis order says.
inline srs_ptr make_srs(int epsg)
{
    srs_ptr srs(OSRNewSpatialReference(nullptr));
    if (OSRImportFromEPSG(srs.get(), epsg) != OGRERR_NONE)
        throw std::runtime_error("layer_writer: unknown EPSG:" + std::to_string(epsg));
    OSRSetAxisMappingStrategy(srs.get(), OAMS_TRADITIONAL_GIS_ORDER);
    return srs;
}

} // namespace detail

// Writes a one-layer data source at `path`. Returns the FID GDAL gave each feature, in order.
inline std::vector<long long> write_layer(const std::string& path, const std::vector<test_feature>& features,
                                          const layer_options& options = {})
{
    GDALAllRegister();
    GDALDriverH driver = GDALGetDriverByName(options.driver.c_str());
    if (!driver)
        throw std::runtime_error("layer_writer: no GDAL driver " + options.driver);
    detail::dataset_ptr ds(GDALCreate(driver, path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    if (!ds)
        throw std::runtime_error("layer_writer: cannot create " + path + ": " + CPLGetLastErrorMsg());
    detail::srs_ptr srs = options.epsg ? detail::make_srs(options.epsg) : nullptr;
    OGRLayerH layer =
        GDALDatasetCreateLayer(ds.get(), options.layer.c_str(), srs.get(), options.geometry_type, nullptr);
    if (!layer)
        throw std::runtime_error("layer_writer: cannot create layer in " + path + ": " + CPLGetLastErrorMsg());

    std::vector<std::string> names; // every field any feature uses, in first-use order
    for (const test_feature& f : features) {
        for (const auto& [name, value] : f.fields) {
            if (std::find(names.begin(), names.end(), name) == names.end())
                names.push_back(name);
        }
    }
    for (const std::string& name : names) {
        OGRFieldDefnH field = OGR_Fld_Create(name.c_str(), OFTString);
        const OGRErr err = OGR_L_CreateField(layer, field, TRUE);
        OGR_Fld_Destroy(field);
        if (err != OGRERR_NONE)
            throw std::runtime_error("layer_writer: cannot create field " + name + " in " + path);
    }

    std::vector<long long> fids;
    for (const test_feature& tf : features) {
        detail::feature_ptr f(OGR_F_Create(OGR_L_GetLayerDefn(layer)));
        for (const auto& [name, value] : tf.fields)
            OGR_F_SetFieldString(f.get(), OGR_F_GetFieldIndex(f.get(), name.c_str()), value.c_str());
        OGRGeometryH raw = nullptr;
        std::string wkt = tf.wkt;
        char* text = wkt.data();
        if (OGR_G_CreateFromWkt(&text, srs.get(), &raw) != OGRERR_NONE)
            throw std::runtime_error("layer_writer: bad WKT: " + tf.wkt);
        detail::geometry_ptr g(raw);
        OGR_F_SetGeometry(f.get(), g.get());
        if (OGR_L_CreateFeature(layer, f.get()) != OGRERR_NONE)
            throw std::runtime_error("layer_writer: cannot write a feature to " + path + ": " + CPLGetLastErrorMsg());
        fids.push_back(OGR_F_GetFID(f.get()));
    }
    return fids;
}

// "POLYGON ((...))" of the axis-aligned rectangle, counter-clockwise.
inline std::string box_wkt(double x0, double y0, double x1, double y1)
{
    std::ostringstream s;
    s.precision(17);
    s << "POLYGON ((" << x0 << ' ' << y0 << ", " << x1 << ' ' << y0 << ", " << x1 << ' ' << y1 << ", " << x0 << ' '
      << y1 << ", " << x0 << ' ' << y0 << "))";
    return s.str();
}

// Projects lon/lat points to an EPSG CRS (x = easting), as a reprojected source layer would hold them.
class lonlat_projector {
public:
    explicit lonlat_projector(int epsg)
    {
        detail::srs_ptr wgs84 = detail::make_srs(4326);
        detail::srs_ptr target = detail::make_srs(epsg);
        transform_.reset(OCTNewCoordinateTransformation(wgs84.get(), target.get()));
        if (!transform_)
            throw std::runtime_error("layer_writer: no transformation to EPSG:" + std::to_string(epsg));
    }

    std::pair<double, double> operator()(double lon, double lat) const
    {
        double x = lon, y = lat;
        if (!OCTTransform(transform_.get(), 1, &x, &y, nullptr))
            throw std::runtime_error("layer_writer: cannot project a point");
        return {x, y};
    }

    // The lon/lat rectangle as a polygon in the target CRS: its four corners, projected.
    std::string box_wkt(double lon0, double lat0, double lon1, double lat1) const
    {
        const std::pair<double, double> corners[] = {(*this)(lon0, lat0), (*this)(lon1, lat0), (*this)(lon1, lat1),
                                                     (*this)(lon0, lat1), (*this)(lon0, lat0)};
        std::ostringstream s;
        s.precision(17);
        s << "POLYGON ((";
        for (std::size_t i = 0; i < 5; ++i)
            s << (i ? ", " : "") << corners[i].first << ' ' << corners[i].second;
        s << "))";
        return s.str();
    }

private:
    detail::transform_ptr transform_;
};

} // namespace pantau::geo_test
