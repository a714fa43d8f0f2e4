#pragma once

// Where an earthquake is felt: a circle around the epicentre whose radius follows an intensity
// prediction equation (docs/feeds.md, "Felt area"). Pure arithmetic, no I/O.

#include "geo/locator.hpp"
#include "ingest/bmkg_parser.hpp"

#include <optional>

namespace pantau::ingest {

// Modified Mercalli intensity III: "felt quite noticeably by persons indoors". Below it (II) an
// earthquake is felt only by a few people at rest, which does not make an area incident.
inline constexpr double felt_intensity = 3.0;

// The felt radius is capped at the largest circle the district join accepts (geo::locator). Radii
// of many hundred km are already an extrapolation of the relation (docs/feeds.md).
inline constexpr double max_felt_radius_km = 1000;

// Predicted modified Mercalli intensity at a hypocentral distance, by the hypocentral model of
// Allen, Wald and Worden (2012) for active crustal regions, on average site conditions.
double predicted_intensity(double magnitude, double hypocentral_km);

// The epicentral distance in km within which the predicted intensity is at least felt_intensity:
// 0 when the quake is too weak or too deep to be felt even above its hypocentre; at most
// max_felt_radius_km. Rises with magnitude, falls with depth. 0 for a non-finite argument.
double felt_radius_km(double magnitude, double depth_km);

// The felt area as a circle around the epicentre (geo::circle, radius in metres), as the district
// join and the wall take it; nullopt when the quake is not felt (radius 0).
std::optional<geo::circle> felt_area(const bmkg_quake& quake);

} // namespace pantau::ingest
