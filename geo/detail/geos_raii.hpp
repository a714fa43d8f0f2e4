#pragma once

// Private to geo/: RAII around the reentrant GEOS C API. Never included by public headers.

#include "geo/error.hpp"

#include <geos_c.h>

#include <memory>
#include <string>
#include <utility>

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

// Destroys a geometry with the context of the thread that destroys it; geometries are not
// tied to the context that made them, only the calls are.
struct geom_deleter {
    GEOSContextHandle_t ctx;
    void operator()(GEOSGeometry* g) const { GEOSGeom_destroy_r(ctx, g); }
};
using geom_ptr = std::unique_ptr<GEOSGeometry, geom_deleter>;

struct prepared_deleter {
    GEOSContextHandle_t ctx;
    void operator()(const GEOSPreparedGeometry* p) const { GEOSPreparedGeom_destroy_r(ctx, p); }
};
using prepared_ptr = std::unique_ptr<const GEOSPreparedGeometry, prepared_deleter>;

// Takes ownership of a GEOS result, throwing with `what` and the GEOS message when it is null.
inline geom_ptr own(const geos_context& ctx, GEOSGeometry* g, const char* what)
{
    if (!g)
        throw error(std::string(what) + ": " + (ctx.last_error().empty() ? "GEOS failed" : ctx.last_error()));
    return geom_ptr(g, geom_deleter{ctx.get()});
}

inline prepared_ptr prepare(const geos_context& ctx, const GEOSGeometry* g)
{
    const GEOSPreparedGeometry* p = GEOSPrepare_r(ctx, g);
    if (!p)
        throw error("cannot prepare geometry: " + ctx.last_error());
    return prepared_ptr(p, prepared_deleter{ctx.get()});
}

// GEOS predicates return 2 on exception; that is a bug in our inputs, never a "no".
inline bool check_predicate(const geos_context& ctx, char result, const char* what)
{
    if (result == 2)
        throw error(std::string(what) + ": " + ctx.last_error());
    return result == 1;
}

inline geom_ptr make_rectangle(const geos_context& ctx, double x0, double y0, double x1, double y1)
{
    return own(ctx, GEOSGeom_createRectangle_r(ctx, x0, y0, x1, y1), "cannot create rectangle");
}

} // namespace pantau::geo::detail
