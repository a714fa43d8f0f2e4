#include "ingest/felt_area.hpp"

#include <algorithm>
#include <cmath>

namespace pantau::ingest {
namespace {

// Allen, T. I., Wald, D. J. and Worden, C. B. (2012), "Intensity attenuation for active crustal
// regions", Journal of Seismology 16, 409-433, doi:10.1007/s10950-012-9278-7: the model on
// hypocentral distance, fitted to global intensity data of active shallow crust. The coefficients
// are the ones GEM's OpenQuake engine uses for it (AllenEtAl2012Rhypo).
//   MMI = c0 + c1 M + c2 ln(sqrt(R^2 + Rm^2)) + S,   Rm = m1 + m2 exp(M - 5),
//   S = 0 for R <= 50 km, c4 ln(R / 50) beyond.
constexpr double c0 = 2.085;
constexpr double c1 = 1.428;
constexpr double c2 = -1.402;
constexpr double c4 = 0.078;
constexpr double m1 = -0.209;
constexpr double m2 = 2.042;
constexpr double near_field_km = 50;

} // namespace

double predicted_intensity(double magnitude, double hypocentral_km)
{
    const double rm = m1 + m2 * std::exp(magnitude - 5);
    double mmi = c0 + c1 * magnitude + c2 * std::log(std::sqrt(hypocentral_km * hypocentral_km + rm * rm));
    if (hypocentral_km > near_field_km)
        mmi += c4 * std::log(hypocentral_km / near_field_km);
    return mmi;
}

double felt_radius_km(double magnitude, double depth_km)
{
    if (!std::isfinite(magnitude) || !std::isfinite(depth_km))
        return 0;
    const double depth = std::max(depth_km, 0.0);
    if (predicted_intensity(magnitude, depth) < felt_intensity)
        return 0;
    const double far = std::hypot(max_felt_radius_km, depth);
    if (predicted_intensity(magnitude, far) >= felt_intensity)
        return max_felt_radius_km;
    // Intensity falls with distance (for every magnitude that gets here: under about 7.4), so
    // bisection finds the one hypocentral distance where it crosses felt_intensity.
    double inside = depth, outside = far;
    for (int i = 0; i < 64; ++i) {
        const double mid = (inside + outside) / 2;
        (predicted_intensity(magnitude, mid) >= felt_intensity ? inside : outside) = mid;
    }
    return std::sqrt(std::max(0.0, inside * inside - depth * depth));
}

std::optional<geo::circle> felt_area(const bmkg_quake& quake)
{
    const double radius_km = felt_radius_km(quake.magnitude, quake.depth_km);
    if (!(radius_km > 0))
        return std::nullopt;
    return geo::circle{quake.lon, quake.lat, radius_km * 1000};
}

} // namespace pantau::ingest
