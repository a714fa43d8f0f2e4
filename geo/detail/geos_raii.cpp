#include "geo/detail/geos_raii.hpp"

namespace pantau::geo::detail {

geos_context::geos_context() : handle_(GEOS_init_r())
{
    if (!handle_)
        throw error("cannot initialise GEOS");
    GEOSContext_setErrorMessageHandler_r(handle_, &geos_context::on_error, this);
}

geos_context::~geos_context() { GEOS_finish_r(handle_); }

void geos_context::on_error(const char* message, void* self)
{
    static_cast<geos_context*>(self)->last_error_ = message ? message : "";
}

void throw_geos_error(const geos_context& ctx, std::string_view what)
{
    throw error(std::string(what) + ": " + (ctx.last_error().empty() ? "GEOS failed" : ctx.last_error()));
}

geom_ptr make_collection(const geos_context& ctx, int type, std::vector<geom_ptr> parts, std::string_view what)
{
    // GEOS owns the parts from the call on, even when it fails: release them first.
    std::vector<GEOSGeometry*> raw;
    raw.reserve(parts.size());
    for (geom_ptr& part : parts)
        raw.push_back(part.release());
    return own(ctx, GEOSGeom_createCollection_r(ctx, type, raw.data(), static_cast<unsigned>(raw.size())), what);
}

std::string to_geojson(const geos_context& ctx, const GEOSGeometry* g, const std::string& what)
{
    auto writer =
        own_handle<geojson_writer_ptr>(ctx, GEOSGeoJSONWriter_create_r(ctx), what + ": cannot create a GeoJSON writer");
    // Indent -1: compact, on one line; callers embed it in larger documents.
    auto text = own_handle<geos_text_ptr>(ctx, GEOSGeoJSONWriter_writeGeometry_r(ctx, writer.get(), g, -1),
                                          what + ": cannot write GeoJSON");
    return text.get();
}

} // namespace pantau::geo::detail
