#pragma once

// Private to geo/ (and its white-box tests): GDAL C handles owned by unique_ptr.

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include <memory>
#include <type_traits>

namespace pantau::geo::detail {

struct dataset_closer {
    void operator()(GDALDatasetH ds) const { GDALClose(ds); }
};
struct feature_destroyer {
    void operator()(OGRFeatureH f) const { OGR_F_Destroy(f); }
};
struct ogr_geometry_destroyer {
    void operator()(OGRGeometryH g) const { OGR_G_DestroyGeometry(g); }
};
struct srs_releaser {
    void operator()(OGRSpatialReferenceH s) const { OSRRelease(s); }
};
struct transform_destroyer {
    void operator()(OGRCoordinateTransformationH t) const { OCTDestroyCoordinateTransformation(t); }
};
using dataset_ptr = std::unique_ptr<std::remove_pointer_t<GDALDatasetH>, dataset_closer>;
using feature_ptr = std::unique_ptr<std::remove_pointer_t<OGRFeatureH>, feature_destroyer>;
using ogr_geom_ptr = std::unique_ptr<std::remove_pointer_t<OGRGeometryH>, ogr_geometry_destroyer>;
using srs_ptr = std::unique_ptr<std::remove_pointer_t<OGRSpatialReferenceH>, srs_releaser>;
using transform_ptr = std::unique_ptr<std::remove_pointer_t<OGRCoordinateTransformationH>, transform_destroyer>;

} // namespace pantau::geo::detail
