#pragma once

// Private to geo/: RAII around the reentrant GEOS C API. Never included by public headers.

#include "geo/error.hpp"

#include <geos_c.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pantau::geo::detail {

// One GEOS context per thread that calls GEOS. It records the last error message so that
// failures can be rethrown as pantau::geo::error with context.
class geos_context {
public:
    geos_context();
    ~geos_context();
    geos_context(const geos_context&) = delete;
    geos_context& operator=(const geos_context&) = delete;

    GEOSContextHandle_t get() const { return handle_; }
    operator GEOSContextHandle_t() const { return handle_; }
    const std::string& last_error() const { return last_error_; }

private:
    static void on_error(const char* message, void* self);
    GEOSContextHandle_t handle_;
    std::string last_error_;
};

// Destroys a GEOS object with the context of the thread that destroys it; geometries are not
// tied to the context that made them, only the calls are. One deleter for every GEOS type,
// so each owning pointer below is one line: the GEOS function that frees it.
template <class T, auto destroy>
struct geos_deleter {
    GEOSContextHandle_t ctx;
    void operator()(T* p) const { destroy(ctx, p); }
};
template <class T, auto destroy>
using geos_ptr = std::unique_ptr<T, geos_deleter<T, destroy>>;

using geom_ptr = geos_ptr<GEOSGeometry, GEOSGeom_destroy_r>;
using prepared_ptr = geos_ptr<const GEOSPreparedGeometry, GEOSPreparedGeom_destroy_r>;
using coord_seq_ptr = geos_ptr<GEOSCoordSequence, GEOSCoordSeq_destroy_r>;
using strtree_ptr = geos_ptr<GEOSSTRtree, GEOSSTRtree_destroy_r>;
using wkb_reader_ptr = geos_ptr<GEOSWKBReader, GEOSWKBReader_destroy_r>;
using geojson_reader_ptr = geos_ptr<GEOSGeoJSONReader, GEOSGeoJSONReader_destroy_r>;
using geojson_writer_ptr = geos_ptr<GEOSGeoJSONWriter, GEOSGeoJSONWriter_destroy_r>;
using wkb_writer_ptr = geos_ptr<GEOSWKBWriter, GEOSWKBWriter_destroy_r>;
// Text GEOS allocates (writers, validity reasons) is freed with GEOSFree_r, never free().
using geos_text_ptr = geos_ptr<char, GEOSFree_r>;
using geos_bytes_ptr = geos_ptr<unsigned char, GEOSFree_r>;

// Throws pantau::geo::error: `what`, then the GEOS message.
[[noreturn]] void throw_geos_error(const geos_context& ctx, std::string_view what);

// Takes ownership of what a GEOS call returned, throwing with `what` and the GEOS message when
// it is null. `Ptr` is one of the owning pointers above.
template <class Ptr>
Ptr own_handle(const geos_context& ctx, typename Ptr::pointer p, std::string_view what)
{
    if (!p)
        throw_geos_error(ctx, what);
    return Ptr(p, typename Ptr::deleter_type{ctx.get()});
}

inline geom_ptr own(const geos_context& ctx, GEOSGeometry* g, std::string_view what)
{
    return own_handle<geom_ptr>(ctx, g, what);
}

inline geom_ptr clone(const geos_context& ctx, const GEOSGeometry* g)
{
    return own(ctx, GEOSGeom_clone_r(ctx, g), "cannot copy geometry");
}

// A collection of `type` (GEOS_MULTIPOLYGON, ...) made of `parts`, which GEOS takes over.
geom_ptr make_collection(const geos_context& ctx, int type, std::vector<geom_ptr> parts, std::string_view what);

inline prepared_ptr prepare(const geos_context& ctx, const GEOSGeometry* g)
{
    return own_handle<prepared_ptr>(ctx, GEOSPrepare_r(ctx, g), "cannot prepare geometry");
}

// The geometry as a GeoJSON geometry object, all digits kept. `what` names the geometry for
// the message if GEOS cannot write it.
std::string to_geojson(const geos_context& ctx, const GEOSGeometry* g, const std::string& what);

// Geometries as WKB, one GEOS writer for many: the bytes a digest, an index file and its check
// compare, so all three write them here. Throws pantau::geo::error.
class wkb_writer {
public:
    explicit wkb_writer(const geos_context& ctx)
        : ctx_(ctx), writer_(own_handle<wkb_writer_ptr>(ctx, GEOSWKBWriter_create_r(ctx), "cannot create a WKB writer"))
    {
    }
    // The WKB of district `code`'s geometry, valid until the next write(). The message names the
    // district, and is made only when GEOS fails (every district of a layer comes through here).
    std::string_view write(const GEOSGeometry* g, std::string_view code)
    {
        std::size_t size = 0;
        unsigned char* bytes = GEOSWKBWriter_write_r(ctx_, writer_.get(), g, &size);
        if (!bytes)
            throw_geos_error(ctx_, "district " + std::string(code) + ": cannot write WKB");
        bytes_ = geos_bytes_ptr(bytes, geos_bytes_ptr::deleter_type{ctx_.get()});
        return {reinterpret_cast<const char*>(bytes_.get()), size};
    }

private:
    const geos_context& ctx_;
    wkb_writer_ptr writer_;
    geos_bytes_ptr bytes_;
};

// GEOS predicates return 2 on exception; that is a bug in our inputs, never a "no".
inline bool check_predicate(const geos_context& ctx, char result, std::string_view what)
{
    if (result == 2)
        throw_geos_error(ctx, what);
    return result == 1;
}

inline geom_ptr make_rectangle(const geos_context& ctx, double x0, double y0, double x1, double y1)
{
    return own(ctx, GEOSGeom_createRectangle_r(ctx, x0, y0, x1, y1), "cannot create rectangle");
}

} // namespace pantau::geo::detail
