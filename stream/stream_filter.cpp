#include "stream/stream_filter.hpp"

#include <algorithm>
#include <charconv>
#include <string_view>

namespace pantau::stream {
namespace {

namespace v1 = pantau::v1;

// Edges included: a point on the box's border is inside.
bool inside(const std::array<double, 4>& box, double lon, double lat)
{
    return lon >= box[0] && lat >= box[1] && lon <= box[2] && lat <= box[3];
}

// Any level of the district path counts: a kecamatan code matches each of its kelurahan.
bool in_any(const std::set<std::string>& codes, const google::protobuf::RepeatedPtrField<v1::DistrictRef>& path)
{
    return std::any_of(path.begin(), path.end(), [&codes](const v1::DistrictRef& d) { return codes.contains(d.code()); });
}

} // namespace

std::string stream_filter::refusal(const v1::Subscribe& s)
{
    if (s.agencies_size() > max_agencies)
        return "Subscribe.agencies lists more than " + std::to_string(max_agencies) + " agencies";
    for (const std::string& a : s.agencies()) {
        if (a.size() > max_agency_bytes)
            return "an agency in Subscribe.agencies is longer than " + std::to_string(max_agency_bytes) + " bytes";
        // key() separates names with control characters: none may occur in one.
        if (std::any_of(a.begin(), a.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
            return "an agency in Subscribe.agencies has a control character";
    }
    return {};
}

stream_filter stream_filter::from(const v1::Subscribe& s)
{
    stream_filter f;
    for (int c : s.categories())
        f.categories.insert(c);
    f.types.insert(s.types().begin(), s.types().end());
    f.districts.insert(s.districts().begin(), s.districts().end());
    f.agencies.insert(s.agencies().begin(), s.agencies().end());
    if (s.has_bbox())
        f.bbox = std::array<double, 4>{s.bbox().min_lon(), s.bbox().min_lat(), s.bbox().max_lon(), s.bbox().max_lat()};
    f.min_severity = s.min_severity();
    f.want_incidents = s.want_incidents();
    f.want_stats = s.want_stats();
    f.want_vehicles = s.want_vehicles();
    return f;
}

bool stream_filter::matches(const v1::Incident& inc) const
{
    if (!categories.empty() && !categories.contains(inc.category()))
        return false;
    if (!types.empty() && !types.contains(inc.type()))
        return false;
    // A reassigned incident is matched by its new agency: the live set's before/after turns a
    // reassignment out of the filter into a removal, one into it into an upsert.
    if (!agencies.empty() && !agencies.contains(inc.agency()))
        return false;
    if (inc.severity() < min_severity)
        return false;
    if (bbox && !inside(*bbox, inc.lon(), inc.lat()))
        return false;
    // An area matches each district it covers, at every level.
    return districts.empty() || in_any(districts, inc.districts()) ||
           std::any_of(inc.covers().begin(), inc.covers().end(),
                       [this](const v1::DistrictShare& d) { return districts.contains(d.code()); });
}

bool stream_filter::matches(const v1::Vehicle& v) const
{
    if (!categories.empty() && !categories.contains(v1::TRANSPORT))
        return false;
    if (bbox && !inside(*bbox, v.lon(), v.lat()))
        return false;
    return districts.empty() || in_any(districts, v.districts());
}

std::string stream_filter::key() const
{
    // Sets are ordered, so equal filters give equal text. Every string is length-prefixed and
    // every number written exactly (shortest round trip): a client's types or codes may hold any
    // byte, and two filters that differ must never share a key, or one client would get the
    // other's cut of the stream.
    std::string k;
    const auto add = [&k](std::string_view s) {
        k += std::to_string(s.size());
        k += ':';
        k += s;
    };
    const auto add_number = [&k](auto v) {
        char buf[32];
        const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
        k.append(buf, end);
        k += ',';
    };
    for (int c : categories)
        add_number(c);
    k += '|';
    for (const auto& t : types)
        add(t);
    k += '|';
    for (const auto& d : districts)
        add(d);
    k += '|';
    for (const auto& a : agencies)
        add(a);
    k += '|';
    if (bbox)
        for (double v : *bbox)
            add_number(v);
    k += '|';
    add_number(min_severity);
    k += std::string(want_incidents ? "i" : "") + (want_stats ? "s" : "") + (want_vehicles ? "v" : "");
    return k;
}

} // namespace pantau::stream
