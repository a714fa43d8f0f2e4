#include "api/routes.hpp"

#include "api/reply.hpp"
#include "store/wall_clock.hpp"
#include "wire/views.hpp"

#include <string>
#include <variant>
#include <vector>

namespace pantau::api {

using wire::json;

void add_report_routes(route_table& routes, const api_services& s, const ingest::ingest_limits& limits)
{
    const std::vector<std::string> types = {"application/json", "application/x-ndjson", "application/ndjson",
                                            "application/x-protobuf", "application/protobuf"};
    routes.add(http::verb::post, "/api/v1/reports", access::source, types, [&s, limits](const request_context& c) {
        const std::int64_t now = store::wall_now_ms();
        // The key names the source (DESIGN §4): a source cannot file reports as another.
        ingest::parse_result parsed =
            ingest::parse_reports(c.req.body(), to_std(c.req[http::field::content_type]), limits, now, c.who.name);
        if (!parsed.ok()) {
            s.ingest.count_unreadable_body(parsed.error->code);
            const auto status = parsed.error->too_large()                                 ? http::status::payload_too_large
                                : parsed.error->code == ingest::ingest_error::unsupported_content_type ? http::status::unsupported_media_type
                                                                                          : http::status::bad_request;
            return error_reply(c.req, status, parsed.error->code, parsed.error->message);
        }
        std::vector<std::variant<report, app::rejected_report>> items;
        app::ingest_tally tally;
        items.reserve(parsed.items.size());
        for (auto& item : parsed.items) {
            if (auto* r = std::get_if<report>(&item)) {
                tally.add_report(r->source);
                items.emplace_back(std::move(*r));
            } else {
                auto& e = std::get<ingest::item_error>(item);
                tally.add_rejected(e.source, e.code);
                items.emplace_back(app::rejected_report{e.code, e.message});
            }
        }
        app::ingest_outcome outcome = s.incidents.ingest(std::move(items), now);
        if (const auto* refused = std::get_if<app::service_refusal>(&outcome)) {
            s.ingest.count_refused(tally, *refused);
            return unavailable_reply(c.req, *refused);
        }
        const auto& results = std::get<std::vector<app::ingest_result>>(outcome);
        s.ingest.count(tally, results);
        json out = json::array();
        std::size_t accepted = 0;
        for (const app::ingest_result& r : results) {
            if (const auto* a = std::get_if<app::accepted_report>(&r)) {
                ++accepted;
                out.push_back({{"id", a->report_id},
                               {"incident_id", a->incident_id},
                               {"repeated", a->repeated},
                               {"districts", wire::districts_json(s.districts, a->districts)}});
            } else {
                const auto& e = std::get<app::rejected_report>(r);
                out.push_back({{"error", {{"code", e.code}, {"message", e.message}}}});
            }
        }
        // Every accepted report is committed by now. None accepted: the request as a whole failed.
        const auto status = accepted > 0 ? http::status::ok : http::status::unprocessable_entity;
        json body = {{"accepted", accepted}, {"rejected", results.size() - accepted}, {"results", std::move(out)}};
        return make_reply(c.req, status, json_type, shared(wire::dump(body)));
    });
}

} // namespace pantau::api
