#include "wire/report_proto.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <string>

namespace pantau::wire {

std::optional<category> from_proto(v1::Category c)
{
    switch (c) {
    case v1::COMPLAINT:
        return category::complaint;
    case v1::TRANSPORT:
        return category::transport;
    case v1::DISASTER:
        return category::disaster;
    default:
        return std::nullopt;
    }
}

std::optional<severity> from_proto(v1::Severity s)
{
    switch (s) {
    case v1::SEVERITY_UNKNOWN:
        return severity::unknown;
    case v1::MINOR:
        return severity::minor;
    case v1::MODERATE:
        return severity::moderate;
    case v1::SEVERE:
        return severity::severe;
    case v1::EXTREME:
        return severity::extreme;
    default:
        return std::nullopt;
    }
}

v1::Category to_proto(category c)
{
    switch (c) {
    case category::complaint:
        return v1::COMPLAINT;
    case category::transport:
        return v1::TRANSPORT;
    case category::disaster:
        return v1::DISASTER;
    }
    return v1::CATEGORY_UNSPECIFIED;
}

v1::Severity to_proto(severity s)
{
    switch (s) {
    case severity::unknown:
        return v1::SEVERITY_UNKNOWN;
    case severity::minor:
        return v1::MINOR;
    case severity::moderate:
        return v1::MODERATE;
    case severity::severe:
        return v1::SEVERE;
    case severity::extreme:
        return v1::EXTREME;
    }
    return v1::SEVERITY_UNKNOWN;
}

report to_report(const v1::Report& msg)
{
    report r;
    r.source = msg.source();
    r.external_id = msg.external_id();
    auto c = from_proto(msg.category());
    if (!c)
        throw error("report " + msg.source() + "/" + msg.external_id() + ": category " +
                    std::to_string(static_cast<int>(msg.category())) + " is not a known category");
    r.category = *c;
    r.type = msg.type();
    auto s = from_proto(msg.severity());
    if (!s)
        throw error("report " + msg.source() + "/" + msg.external_id() + ": severity " +
                    std::to_string(static_cast<int>(msg.severity())) + " is not a known severity");
    r.severity = *s;

    switch (msg.location_case()) {
    case v1::Report::kPoint:
        r.where = location_kind::point;
        r.lon = msg.point().lon();
        r.lat = msg.point().lat();
        break;
    case v1::Report::kAreaGeojson:
        r.where = location_kind::polygon;
        r.area_geojson = msg.area_geojson();
        break;
    case v1::Report::kCircle:
        r.where = location_kind::circle;
        r.lon = msg.circle().lon();
        r.lat = msg.circle().lat();
        r.radius_m = msg.circle().radius_m();
        break;
    case v1::Report::LOCATION_NOT_SET:
        throw error("report " + msg.source() + "/" + msg.external_id() + " has no location");
    }

    r.text = msg.text();
    r.observed_at_ms = msg.observed_at_ms();
    r.attributes.assign(msg.attributes().begin(), msg.attributes().end());
    std::sort(r.attributes.begin(), r.attributes.end());
    r.media_urls.assign(msg.media_urls().begin(), msg.media_urls().end());
    r.alert_key = msg.alert_key();
    r.alert_references.assign(msg.alert_references().begin(), msg.alert_references().end());
    r.expires_at_ms = msg.expires_at_ms();
    r.cancels = msg.cancels();
    r.headline = msg.headline();
    return r;
}

void to_proto(const report& r, v1::Report* msg)
{
    msg->Clear();
    msg->set_source(r.source);
    msg->set_external_id(r.external_id);
    msg->set_category(to_proto(r.category));
    msg->set_type(r.type);
    msg->set_severity(to_proto(r.severity));
    switch (r.where) {
    case location_kind::point: {
        auto* p = msg->mutable_point();
        p->set_lon(r.lon);
        p->set_lat(r.lat);
        break;
    }
    case location_kind::polygon:
        msg->set_area_geojson(r.area_geojson);
        break;
    case location_kind::circle: {
        auto* c = msg->mutable_circle();
        c->set_lon(r.lon);
        c->set_lat(r.lat);
        c->set_radius_m(r.radius_m);
        break;
    }
    }
    msg->set_text(r.text);
    msg->set_observed_at_ms(r.observed_at_ms);
    auto& attributes = *msg->mutable_attributes();
    for (const auto& [key, value] : r.attributes)
        attributes[key] = value;
    for (const auto& url : r.media_urls)
        msg->add_media_urls(url);
    msg->set_alert_key(r.alert_key);
    for (const auto& k : r.alert_references)
        msg->add_alert_references(k);
    msg->set_expires_at_ms(r.expires_at_ms);
    msg->set_cancels(r.cancels);
    msg->set_headline(r.headline);
}

} // namespace pantau::wire
