#include "wire/stream_proto.hpp"

#include <cstddef>
#include <string>

namespace pantau::wire {

void to_proto(const incident_summary& inc, const geo::hierarchy& h, v1::Incident* out)
{
    out->set_id(inc.id);
    out->set_category(static_cast<v1::Category>(inc.category));
    out->set_type(inc.type);
    out->set_severity(static_cast<v1::Severity>(inc.severity));
    out->set_status(static_cast<v1::IncidentStatus>(inc.status));
    out->set_lon(inc.lon);
    out->set_lat(inc.lat);
    out->set_area_geojson(inc.area_geojson);
    // The engine keeps codes finest first; the wire has the top level first, with names.
    for (std::size_t i = std::min(inc.districts.size(), h.size()); i-- > 0;) {
        if (inc.districts[i].empty())
            continue;
        auto* ref = out->add_districts();
        const geo::level level = h.at(i);
        ref->set_level(level.name());
        ref->set_code(inc.districts[i]);
        if (auto found = level.find(inc.districts[i]))
            ref->set_name(level.districts()[*found].name);
    }
    out->set_first_report_ms(inc.first_report_ms);
    out->set_last_report_ms(inc.last_report_ms);
    out->set_report_count(inc.report_count);
    for (const auto& s : inc.sources)
        out->add_sources(s);
    out->set_assignee(inc.assignee);
    out->set_agency(inc.agency);
    out->set_title(inc.title);
    // Covers are kept finest level first; the wire lists the top level first, like districts.
    for (std::size_t i = h.size(); i-- > 0;) {
        const geo::level level = h.at(i);
        for (const district_share& d : inc.covers) {
            if (d.level != i)
                continue;
            auto* share = out->add_covers();
            share->set_level(level.name());
            share->set_code(d.code);
            if (auto found = level.find(d.code))
                share->set_name(level.districts()[*found].name);
            share->set_district_fraction(d.district_fraction);
            share->set_area_fraction(d.area_fraction);
        }
    }
    out->set_expires_at_ms(inc.expires_at_ms);
    out->set_alert_key(inc.alert_key);
    out->set_headline(inc.headline);
}

void to_proto(const district_snapshot& s, v1::DistrictStats* out)
{
    out->set_level(s.level);
    out->set_code(s.code);
    out->set_open_incidents(s.open_total());
    // Only the cells that count something: a missing cell is zero.
    for (std::size_t w = 0; w < stats_window_count; ++w) {
        const auto& counts = s.windows[w].by_category_severity;
        for (std::size_t c = 0; c < stats_category_count; ++c) {
            for (std::size_t sev = 0; sev < stats_severity_count; ++sev) {
                if (counts[c][sev] == 0)
                    continue;
                auto* cell = out->add_windows();
                cell->set_window(std::string(to_string(static_cast<stats_window>(w))));
                cell->set_category(static_cast<v1::Category>(c + 1));
                cell->set_severity(static_cast<v1::Severity>(sev));
                cell->set_count(counts[c][sev]);
            }
        }
    }
}

void to_proto(const district_alert& a, v1::Alert* out)
{
    out->set_id(a.id);
    out->set_level(a.rule.level);
    out->set_code(a.code);
    out->set_type(a.rule.type_or_category);
    if (auto c = category_from_string(a.rule.type_or_category))
        out->set_category(static_cast<v1::Category>(*c));
    out->set_count(a.count);
    out->set_threshold(a.rule.raise_at);
    out->set_window(a.rule.window);
    out->set_active(a.active());
    out->set_raised_at_ms(a.raised_at_ms);
    out->set_cleared_at_ms(a.cleared_at_ms.value_or(0));
}

void to_proto(const source_status& s, v1::SourceHealth* out)
{
    out->set_source(s.source);
    out->set_last_report_ms(s.last_report_ms.value_or(0));
    out->set_expected_interval_ms(s.expected_interval_ms);
    out->set_stale(s.stale);
    for (const poll_status& p : s.pollers) {
        v1::PollerHealth* h = out->add_pollers();
        h->set_name(p.poller);
        h->set_last_success_ms(p.last_success_ms.value_or(0));
        h->set_last_error_ms(p.last_error_ms.value_or(0));
        h->set_last_error(p.last_error);
        h->set_consecutive_failures(p.consecutive_failures);
        h->set_next_attempt_ms(p.next_attempt_ms);
    }
}

} // namespace pantau::wire
