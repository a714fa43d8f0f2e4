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

} // namespace pantau::geo::detail
