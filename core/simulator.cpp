#include "core/simulator.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

namespace pantau {
namespace {

constexpr std::int64_t wib_offset_s = 7 * 3600;
constexpr double metres_per_degree = 111'320;

// How the report volume of a kind moves through the day, one factor per WIB hour.
using hour_profile = std::array<double, 24>;
// Complaints come in while people are up and about.
constexpr hour_profile daytime = {0.25, 0.2, 0.2, 0.2, 0.25, 0.4, 0.7, 1.0, 1.2, 1.2, 1.2, 1.2,
                                  1.0, 1.1, 1.1, 1.1, 1.1, 1.0, 0.9, 0.9, 0.8, 0.7, 0.5, 0.35};
// A dark street is noticed after dusk.
constexpr hour_profile evening = {0.5, 0.4, 0.3, 0.3, 0.3, 0.4, 0.3, 0.2, 0.2, 0.2, 0.2, 0.2,
                                  0.2, 0.2, 0.2, 0.3, 0.4, 0.8, 2.2, 2.5, 2.3, 2.0, 1.5, 0.8};
// Commuters: 7–9 and 16–19.
constexpr hour_profile rush = {0.1, 0.05, 0.05, 0.05, 0.1, 0.4, 1.2, 3.0, 3.2, 1.6, 0.8, 0.8,
                               0.9, 0.8, 0.8, 1.0, 2.8, 3.2, 3.0, 1.6, 0.8, 0.5, 0.3, 0.15};
// Accidents and closures follow the traffic, less steeply.
constexpr hour_profile road = {0.3, 0.25, 0.25, 0.25, 0.3, 0.6, 1.0, 1.8, 1.8, 1.2, 1.0, 1.0,
                               1.0, 1.0, 1.0, 1.1, 1.7, 1.8, 1.6, 1.2, 1.0, 0.8, 0.5, 0.4};
// The rainy season's storms come in the afternoon: floods mostly 13–18.
constexpr hour_profile rain = {0.2, 0.2, 0.15, 0.15, 0.15, 0.2, 0.25, 0.3, 0.3, 0.3, 0.4, 0.5,
                               0.8, 2.6, 3.2, 3.4, 3.2, 2.8, 2.0, 1.0, 0.6, 0.4, 0.3, 0.25};
// Fires, snakes and people in need keep no office hours.
constexpr hour_profile any_time = {0.6, 0.6, 0.6, 0.6, 0.6, 0.7, 0.9, 1.0, 1.0, 1.0, 1.0, 1.0,
                                   1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.9, 0.8, 0.7};
// All reports together; normalised to a daily mean of 1 in activity().
constexpr hour_profile overall = {0.35, 0.3, 0.25, 0.25, 0.3, 0.55, 0.9, 1.5, 1.6, 1.3, 1.15, 1.1,
                                  1.05, 1.25, 1.35, 1.4, 1.55, 1.6, 1.4, 1.15, 0.95, 0.8, 0.6, 0.45};

// Weights over unknown, minor, moderate, severe, extreme.
using severity_weights = std::array<double, 5>;
constexpr severity_weights mild = {0.05, 0.7, 0.22, 0.03, 0};
constexpr severity_weights middling = {0.03, 0.35, 0.5, 0.12, 0};
constexpr severity_weights serious = {0, 0.05, 0.4, 0.45, 0.1};
constexpr severity_weights grave = {0, 0, 0.2, 0.55, 0.25};

struct kind {
    pantau::category category;
    std::string_view type;
    std::string_view source;
    double weight; // share of the background stream at an hour whose factor is 1
    const hour_profile* profile;
    const severity_weights* severities;
    std::vector<std::string_view> texts;
};

// DESIGN §8: LAKSA's typical complaints, Dishub's transport reports, BPBD's disaster reports, and
// CCTV analytics that see jams, crashes and water on the road.
const std::vector<kind>& kinds()
{
    static const std::vector<kind> table = {
        {category::complaint, "streetlight_out", "laksa", 10, &evening, &mild,
         {"Lampu PJU padam", "Lampu penerangan jalan mati sejak semalam", "Beberapa lampu PJU tidak menyala, jalan gelap"}},
        {category::complaint, "road_damage", "laksa", 10, &daytime, &middling,
         {"Jalan berlubang, membahayakan pengendara motor", "Jalan rusak parah dan tergenang saat hujan",
          "Aspal mengelupas dan berlubang"}},
        {category::complaint, "fallen_tree", "laksa", 3, &rain, &serious,
         {"Pohon tumbang menutup sebagian jalan", "Pohon tumbang menimpa kabel listrik",
          "Dahan besar patah dan menghalangi jalan"}},
        {category::complaint, "garbage", "laksa", 12, &daytime, &mild,
         {"Sampah menumpuk belum diangkut", "Tumpukan sampah menimbulkan bau tidak sedap",
          "TPS penuh, sampah meluber ke jalan"}},
        {category::complaint, "garbage_burning", "laksa", 4, &daytime, &middling,
         {"Pembakaran sampah, asapnya mengganggu warga", "Warga membakar sampah di lahan kosong"}},
        {category::complaint, "flood", "laksa", 4, &rain, &serious,
         {"Banjir setinggi lutut, mohon bantuan", "Air masuk ke rumah warga", "Jalan tergenang banjir 30 cm"}},
        {category::complaint, "fire", "laksa", 1, &any_time, &grave,
         {"Kebakaran rumah warga, api terlihat besar", "Ada kebakaran lahan kosong, asap tebal"}},
        {category::complaint, "snake", "laksa", 2, &any_time, &middling,
         {"Penemuan ular di rumah warga", "Ular kobra masuk ke pekarangan, mohon dievakuasi"}},
        {category::complaint, "wasp_nest", "laksa", 2, &daytime, &mild,
         {"Sarang tawon besar di pohon dekat rumah", "Sarang tawon di atap rumah, mohon dievakuasi"}},
        {category::complaint, "person_in_need", "laksa", 2, &any_time, &middling,
         {"Orang terlantar tidur di trotoar", "Lansia terlantar butuh bantuan", "ODGJ berkeliaran, mohon penanganan"}},
        {category::transport, "traffic_jam", "dishub", 8, &rush, &middling,
         {"Kemacetan panjang", "Lalu lintas padat merayap", "Antrean kendaraan mengular"}},
        {category::transport, "traffic_jam", "sim-cctv", 5, &rush, &mild,
         {"CCTV: kepadatan lalu lintas tinggi", "CCTV: kendaraan tersendat"}},
        {category::transport, "accident", "dishub", 3, &road, &serious,
         {"Kecelakaan lalu lintas motor dan mobil", "Tabrakan beruntun, satu korban luka",
          "Motor terjatuh, pengendara luka ringan"}},
        {category::transport, "accident", "sim-cctv", 1, &road, &serious, {"CCTV: terdeteksi kendaraan berhenti mendadak"}},
        {category::transport, "road_closure", "dishub", 2, &daytime, &mild,
         {"Penutupan jalan untuk perbaikan saluran", "Jalan ditutup sementara untuk acara warga",
          "Pengalihan arus, jalan ditutup"}},
        {category::disaster, "flood", "bpbd", 2, &rain, &grave,
         {"Banjir, ketinggian air 50 cm, warga mulai mengungsi", "Genangan meluas di permukiman",
          "Tanggul jebol, air meluap ke jalan"}},
        {category::disaster, "flood", "sim-cctv", 1, &rain, &serious, {"CCTV: genangan air terdeteksi di jalan"}},
        {category::disaster, "fire", "bpbd", 1, &any_time, &grave,
         {"Kebakaran gudang, Damkar menuju lokasi", "Kebakaran permukiman padat penduduk"}},
    };
    return table;
}

std::size_t kind_index(category c, std::string_view type, std::string_view source)
{
    const auto& table = kinds();
    for (std::size_t i = 0; i < table.size(); ++i)
        if (table[i].category == c && table[i].type == type && table[i].source == source)
            return i;
    throw error("simulator: no report kind " + std::string(type) + " from " + std::string(source));
}

// Where in a kelurahan a citizen would say it is.
constexpr std::array<std::string_view, 10> spots = {
    "depan sekolah", "dekat masjid", "dekat pasar", "depan minimarket", "di gang RT 03/RW 05",
    "di gang RT 01/RW 02", "dekat halte", "di perumahan warga", "di simpang jalan", "dekat kantor kelurahan"};

// A persistent trouble spot per entry; placed deterministically from the districts alone, so
// the same streets flood and the same junctions jam in every run.
struct hotspot_spec {
    category c;
    std::string_view type, source;
};
constexpr std::array<hotspot_spec, 8> hotspot_specs = {{{category::complaint, "flood", "laksa"},
                                                        {category::disaster, "flood", "bpbd"},
                                                        {category::transport, "traffic_jam", "dishub"},
                                                        {category::transport, "traffic_jam", "sim-cctv"},
                                                        {category::complaint, "garbage", "laksa"},
                                                        {category::complaint, "road_damage", "laksa"},
                                                        {category::complaint, "streetlight_out", "laksa"},
                                                        {category::complaint, "garbage_burning", "laksa"}}};
constexpr std::uint64_t hotspot_seed = 0x70616e746175; // "pantau"
constexpr double hotspot_share = 0.15;                // of the background stream
constexpr double hotspot_radius_m = 60;               // well inside the 150 m dedup radius

// A burst: 20–40 reports over 5–15 minutes in one kecamatan. One starts per `reports_per_burst`
// reports on average, so bursts take burst_share of the rate and the total stays on the mean.
constexpr double reports_per_burst = 3000;
constexpr int burst_min = 20, burst_max = 40;
constexpr double burst_share = (burst_min + burst_max) / 2.0 / reports_per_burst;
constexpr double burst_spread_m = 400;

double uniform(std::mt19937_64& g) { return static_cast<double>(g() >> 11) * 0x1.0p-53; }

template <typename Weights>
std::size_t pick(std::mt19937_64& g, const Weights& weights)
{
    double total = 0;
    for (double w : weights)
        total += w;
    double x = uniform(g) * total;
    for (std::size_t i = 0; i < weights.size(); ++i) {
        if (x < weights[i])
            return i;
        x -= weights[i];
    }
    return weights.size() - 1;
}

int wib_hour(std::int64_t now_ms)
{
    std::int64_t s = now_ms / 1000 + wib_offset_s;
    s %= 86400;
    if (s < 0)
        s += 86400;
    return static_cast<int>(s / 3600);
}

std::uint64_t poisson(std::mt19937_64& g, double mean)
{
    if (!(mean > 0))
        return 0;
    return static_cast<std::uint64_t>(std::poisson_distribution<std::int64_t>(mean)(g));
}

} // namespace

double simulator::activity(int hour)
{
    static const double mean = [] {
        double sum = 0;
        for (double v : overall)
            sum += v;
        return sum / 24;
    }();
    return overall[static_cast<std::size_t>(((hour % 24) + 24) % 24)] / mean;
}

simulator::simulator(const geo::hierarchy& districts, std::uint64_t seed)
    : districts_(districts), locator_(districts), seed_(seed), rng_(seed)
{
    if (districts_.size() == 0)
        throw error("simulator: no district levels");
    std::mt19937_64 fixed(hotspot_seed);
    const std::size_t n = districts_.at(0).districts().size();
    for (std::size_t i = 0; i < n; ++i)
        if (const auto at = random_point_in(fixed, i)) {
            usable_.push_back(i);
            anchors_.push_back(*at);
        }
    if (usable_.empty())
        throw error("simulator: no point can be placed in any district of level " + districts_.at(0).name());
    for (const hotspot_spec& spec : hotspot_specs) {
        const std::size_t u = fixed() % usable_.size();
        const place at = random_point_in(fixed, usable_[u]).value_or(anchors_[u]);
        const std::size_t kind = kind_index(spec.c, spec.type, spec.source);
        hotspots_.push_back({at.kelurahan, kind, std::string(spec.type), at.lon, at.lat});
    }
    plan_routes(fixed);
}

namespace {

constexpr std::size_t fleet_routes = 5;
constexpr std::size_t fleet_stops = 7;
constexpr std::size_t fleet_buses_per_route = 4;

// Metres between two points, flat-earth: the city is 20 km across.
double metres(double lon1, double lat1, double lon2, double lat2)
{
    const double kx = metres_per_degree * std::cos((lat1 + lat2) / 2 * std::numbers::pi / 180);
    return std::hypot((lon2 - lon1) * kx, (lat2 - lat1) * metres_per_degree);
}

} // namespace

void simulator::plan_routes(std::mt19937_64& g)
{
    if (anchors_.size() < 2)
        return;
    const std::size_t stops = std::min(fleet_stops, anchors_.size());
    for (std::size_t r = 0; r < fleet_routes; ++r) {
        bus_route route;
        route.name = (r + 1 < 10 ? "R0" : "R") + std::to_string(r + 1);
        std::vector<bool> used(anchors_.size());
        std::size_t at = g() % anchors_.size();
        used[at] = true;
        route.stops.push_back(anchors_[at]);
        route.at_m.push_back(0);
        while (route.stops.size() < stops) {
            // The nearest unvisited kelurahan that does not turn back: buses run through the city.
            const place& here = route.stops.back();
            std::optional<std::size_t> best;
            double best_cost = 0;
            for (std::size_t i = 0; i < anchors_.size(); ++i) {
                if (used[i])
                    continue;
                double cost = metres(here.lon, here.lat, anchors_[i].lon, anchors_[i].lat);
                if (route.stops.size() >= 2) {
                    const place& prev = route.stops[route.stops.size() - 2];
                    const double dot = (here.lon - prev.lon) * (anchors_[i].lon - here.lon) +
                                       (here.lat - prev.lat) * (anchors_[i].lat - here.lat);
                    if (dot < 0)
                        cost *= 3;
                }
                if (!best || cost < best_cost) {
                    best = i;
                    best_cost = cost;
                }
            }
            if (!best)
                break;
            used[*best] = true;
            const place& next = anchors_[*best];
            route.at_m.push_back(route.at_m.back() + metres(here.lon, here.lat, next.lon, next.lat));
            route.stops.push_back(next);
        }
        const double length = route.at_m.back();
        if (length <= 0)
            continue;
        for (std::size_t b = 0; b < fleet_buses_per_route; ++b) {
            route.speed_mps.push_back(5.5 + 2 * uniform(g)); // 20–27 km/h, stops included
            route.phase_m.push_back(2 * length * static_cast<double>(b) / fleet_buses_per_route);
        }
        routes_.push_back(std::move(route));
    }
}

std::vector<simulated_vehicle> simulator::fleet(std::int64_t now_ms) const
{
    std::vector<simulated_vehicle> out;
    const double seconds = static_cast<double>(now_ms) / 1000;
    for (const bus_route& route : routes_) {
        const double length = route.at_m.back();
        for (std::size_t b = 0; b < route.speed_mps.size(); ++b) {
            // Out along the route and back, forever: d runs over [0, 2 × length).
            const double d = std::fmod(seconds * route.speed_mps[b] + route.phase_m[b], 2 * length);
            const bool back = d > length;
            const double along = back ? 2 * length - d : d;
            const auto seg = static_cast<std::size_t>(
                std::min<std::ptrdiff_t>(std::upper_bound(route.at_m.begin(), route.at_m.end(), along) - route.at_m.begin(),
                                         static_cast<std::ptrdiff_t>(route.at_m.size()) - 1));
            const place& from = route.stops[seg - 1];
            const place& to = route.stops[seg];
            const double span = route.at_m[seg] - route.at_m[seg - 1];
            const double f = span > 0 ? (along - route.at_m[seg - 1]) / span : 0;
            simulated_vehicle v;
            v.id = route.name + "-" + std::to_string(b + 1);
            v.route = route.name;
            v.lon = from.lon + f * (to.lon - from.lon);
            v.lat = from.lat + f * (to.lat - from.lat);
            const double dx = (to.lon - from.lon) * std::cos(v.lat * std::numbers::pi / 180);
            const double dy = to.lat - from.lat;
            v.bearing = std::fmod(std::atan2(back ? -dx : dx, back ? -dy : dy) * 180 / std::numbers::pi + 360, 360);
            v.speed_mps = route.speed_mps[b];
            out.push_back(std::move(v));
        }
    }
    return out;
}

namespace {

// splitmix64's finaliser: a well-mixed number from a few integers, so that what a bus says can be
// a function of the time with no state and no random engine.
std::uint64_t mix(std::uint64_t x)
{
    x += 0x9e3779b97f4a7c15;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9;
    x = (x ^ (x >> 27)) * 0x94d049bb133111eb;
    return x ^ (x >> 31);
}

// A number in [0, 1) fixed by its keys; `what` keeps the draws for different purposes apart.
double hashed(std::uint64_t what, std::uint64_t a, std::uint64_t b)
{
    return static_cast<double>(mix(mix(mix(what) ^ a) ^ b) >> 11) * 0x1.0p-53;
}

enum draw : std::uint64_t { route_factor_draw = 1, bus_draw, disruption_draw, disruption_size_draw, cancel_draw };

constexpr std::int64_t bus_delay_slot_ms = 10 * 60'000; // a bus's own delay changes this often
constexpr double disruption_per_road_hour = 0.04;       // chance a route is held up for an hour, times road[hour]
constexpr double cancelled_share = 0.015;               // of trips

// A typical delay in seconds at a WIB hour: about a minute at night, 5–7 at the rush hours and in
// the rainy afternoon.
double traffic_delay_s(int hour)
{
    const auto h = static_cast<std::size_t>(hour % 24);
    return 45 + 75 * rush[h] + 50 * rain[h];
}

} // namespace

std::vector<transit_trip> simulator::trip_updates(std::int64_t now_ms) const
{
    std::vector<transit_trip> out;
    const double seconds = static_cast<double>(now_ms) / 1000;
    const int hour = wib_hour(now_ms);
    // Traffic eases or builds through the hour instead of jumping on the hour.
    const double into_hour = std::fmod(seconds, 3600) / 3600;
    const double traffic = (1 - into_hour) * traffic_delay_s(hour) + into_hour * traffic_delay_s(hour + 1);
    const auto hour_n = static_cast<std::uint64_t>(now_ms / 3'600'000);
    const auto slot_n = static_cast<std::uint64_t>(now_ms / bus_delay_slot_ms);
    for (std::size_t r = 0; r < routes_.size(); ++r) {
        const bus_route& route = routes_[r];
        // Some routes run through worse traffic than others, whatever the hour.
        const double route_factor = 0.7 + 0.6 * hashed(route_factor_draw, r, 0);
        double held_up_s = 0;
        if (hashed(disruption_draw, r, hour_n) < disruption_per_road_hour * road[static_cast<std::size_t>(hour)])
            held_up_s = 600 + 900 * hashed(disruption_size_draw, r, hour_n);
        for (std::size_t b = 0; b < route.speed_mps.size(); ++b) {
            const std::uint64_t bus = r * 100 + b;
            // Each end-to-end run is a trip, as in a timetable.
            const auto leg = static_cast<std::uint64_t>((seconds * route.speed_mps[b] + route.phase_m[b]) / route.at_m.back());
            transit_trip& t = out.emplace_back();
            t.route_id = route.name;
            t.trip_id = route.name + "-" + std::to_string(b + 1) + "-" + std::to_string(leg);
            if (hashed(cancel_draw, bus, leg) < cancelled_share) {
                t.cancelled = true;
                continue;
            }
            const double own_s = (hashed(bus_draw, bus, slot_n) - 0.3) * 240; // -72 to +168 s
            const double delay = traffic * route_factor + own_s + held_up_s;
            t.delay_s = static_cast<std::int32_t>(
                std::clamp(std::lround(delay), long{simulated_delay_min_s}, long{simulated_delay_max_s}));
        }
    }
    return out;
}

std::optional<simulator::place> simulator::random_point_in(std::mt19937_64& g, std::size_t kelurahan)
{
    const geo::bbox& box = districts_.at(0).districts()[kelurahan].extent;
    for (int attempt = 0; attempt < 200; ++attempt) {
        const double lon = box.min_lon + uniform(g) * (box.max_lon - box.min_lon);
        const double lat = box.min_lat + uniform(g) * (box.max_lat - box.min_lat);
        // The locator decides, so a point on a shared edge goes where ingest will file it.
        if (locator_.locate(0, lon, lat) == kelurahan)
            return place{kelurahan, lon, lat};
    }
    return std::nullopt;
}

simulator::place simulator::anywhere_in(std::size_t kelurahan)
{
    const auto u = std::lower_bound(usable_.begin(), usable_.end(), kelurahan) - usable_.begin();
    return random_point_in(rng_, kelurahan).value_or(anchors_[static_cast<std::size_t>(u)]);
}

std::optional<simulator::place> simulator::near(std::mt19937_64& g, double lon, double lat, double radius_m,
                                                const std::vector<std::size_t>& allowed)
{
    for (int attempt = 0; attempt < 20; ++attempt) {
        const double r = radius_m * std::sqrt(uniform(g));
        const double angle = 2 * std::numbers::pi * uniform(g);
        const double p_lat = lat + r * std::sin(angle) / metres_per_degree;
        const double p_lon = lon + r * std::cos(angle) / (metres_per_degree * std::cos(lat * std::numbers::pi / 180));
        const auto hit = locator_.locate(0, p_lon, p_lat);
        if (hit && std::binary_search(allowed.begin(), allowed.end(), *hit))
            return place{*hit, p_lon, p_lat};
    }
    return std::nullopt;
}

void simulator::start_burst(std::int64_t now_ms, int hour)
{
    burst b;
    // A downpour floods a kecamatan in the afternoon; a blocked artery jams one at rush hour.
    const bool flood = uniform(rng_) * (rain[hour] + 0.5 * rush[hour]) < rain[hour];
    if (flood)
        b.kinds = {kind_index(category::complaint, "flood", "laksa"), kind_index(category::complaint, "flood", "laksa"),
                   kind_index(category::disaster, "flood", "bpbd"), kind_index(category::disaster, "flood", "sim-cctv")};
    else
        b.kinds = {kind_index(category::transport, "traffic_jam", "dishub"),
                   kind_index(category::transport, "traffic_jam", "sim-cctv"),
                   kind_index(category::transport, "accident", "dishub")};

    const auto& level = districts_.at(0).districts();
    const std::size_t seed_kelurahan = usable_[rng_() % usable_.size()];
    const std::string& kecamatan = level[seed_kelurahan].parent_code;
    for (std::size_t k : usable_)
        if (k == seed_kelurahan || (!kecamatan.empty() && level[k].parent_code == kecamatan))
            b.kelurahan.push_back(k);
    const int centres = 2 + static_cast<int>(rng_() % 3);
    for (int i = 0; i < centres; ++i)
        b.centres.push_back(anywhere_in(b.kelurahan[rng_() % b.kelurahan.size()]));
    const int size = burst_min + static_cast<int>(rng_() % (burst_max - burst_min + 1));
    const double duration_ms = (5 + uniform(rng_) * 10) * 60'000;
    for (int i = 0; i < size; ++i)
        b.due_ms.push_back(now_ms + static_cast<std::int64_t>(uniform(rng_) * duration_ms));
    std::sort(b.due_ms.begin(), b.due_ms.end(), std::greater<>());
    // The first one is sent now: whoever saw it first reported at once.
    b.due_ms.back() = now_ms;
    bursts_.push_back(std::move(b));
}

report simulator::make_report(std::size_t kind_i, const place& where, std::int64_t now_ms, std::string_view origin)
{
    const kind& k = kinds()[kind_i];
    const geo::district& d = districts_.at(0).districts()[where.kelurahan];
    report r;
    r.source = std::string(k.source);
    r.external_id = "sim-" + std::to_string(seed_) + "-" + std::to_string(next_id_++);
    r.category = k.category;
    r.type = std::string(k.type);
    r.severity = static_cast<severity>(pick(rng_, *k.severities));
    r.where = location_kind::point;
    r.lon = where.lon;
    r.lat = where.lat;
    const std::string_view text = k.texts[rng_() % k.texts.size()];
    const std::string_view spot = spots[rng_() % spots.size()];
    r.text = std::string(text) + " " + std::string(spot) + ", Kel. " + d.name;
    r.observed_at_ms = now_ms;
    r.attributes = {{"kelurahan", d.code}, {"simulated", std::string(origin)}};
    return r;
}

std::vector<report> simulator::next(std::int64_t now_ms, double seconds_elapsed, double rate_per_s)
{
    std::vector<report> out;
    if (!(seconds_elapsed > 0) || !(rate_per_s > 0))
        return out;
    const int hour = wib_hour(now_ms);
    const double expected = rate_per_s * seconds_elapsed * activity(hour);
    const auto& table = kinds();

    for (std::uint64_t i = poisson(rng_, expected / reports_per_burst); i > 0; --i)
        start_burst(now_ms, hour);

    const std::uint64_t count = poisson(rng_, expected * (1 - burst_share));
    out.reserve(count);
    std::vector<double> kind_weights(table.size());
    for (std::size_t i = 0; i < table.size(); ++i)
        kind_weights[i] = table[i].weight * (*table[i].profile)[hour];
    std::vector<double> hotspot_weights(hotspots_.size());
    for (std::size_t i = 0; i < hotspots_.size(); ++i)
        hotspot_weights[i] = (*table[hotspots_[i].kind].profile)[hour];

    for (std::uint64_t i = 0; i < count; ++i) {
        if (!hotspots_.empty() && uniform(rng_) < hotspot_share) {
            const simulator_hotspot& h = hotspots_[pick(rng_, hotspot_weights)];
            const place centre{h.kelurahan, h.lon, h.lat};
            const auto at = near(rng_, h.lon, h.lat, hotspot_radius_m, {h.kelurahan});
            out.push_back(make_report(h.kind, at.value_or(centre), now_ms, "hotspot"));
            continue;
        }
        const std::size_t kind = pick(rng_, kind_weights);
        // A kelurahan picked uniformly: the small, dense ones get more reports per km², as in a city.
        out.push_back(make_report(kind, anywhere_in(usable_[rng_() % usable_.size()]), now_ms, "background"));
    }

    for (burst& b : bursts_) {
        while (!b.due_ms.empty() && b.due_ms.back() <= now_ms) {
            b.due_ms.pop_back();
            const place& centre = b.centres[rng_() % b.centres.size()];
            const auto at = near(rng_, centre.lon, centre.lat, burst_spread_m, b.kelurahan);
            out.push_back(make_report(b.kinds[rng_() % b.kinds.size()], at.value_or(centre), now_ms, "burst"));
        }
    }
    std::erase_if(bursts_, [](const burst& b) { return b.due_ms.empty(); });
    return out;
}

} // namespace pantau
