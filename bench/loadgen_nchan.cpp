#include "bench/loadgen_nchan.hpp"

namespace pantau::bench::nchan {

std::string subscribe_path(const std::optional<std::string>& district)
{
    return "/sub/" + district.value_or("all");
}

std::string publish_path(const std::string& district)
{
    return "/pub/all," + district;
}

bool acknowledged(unsigned status)
{
    return status == 201 || status == 202;
}

std::string delta(const incident& inc)
{
    v1::ServerMessage msg;
    v1::Incident* out = msg.mutable_delta()->add_upserts();
    out->set_id(inc.id);
    out->set_category(inc.category);
    out->set_type(inc.type);
    out->set_severity(v1::MODERATE);
    out->set_status(v1::NEW);
    out->set_lon(inc.lon);
    out->set_lat(inc.lat);
    v1::DistrictRef* ref = out->add_districts();
    ref->set_level(inc.level);
    ref->set_code(inc.code);
    ref->set_name(inc.name);
    out->set_first_report_ms(inc.observed_at_ms);
    out->set_last_report_ms(inc.observed_at_ms);
    out->set_report_count(1);
    out->add_sources("loadgen");
    out->set_agency(inc.agency);
    out->set_title(inc.title);
    return msg.SerializeAsString();
}

} // namespace pantau::bench::nchan
