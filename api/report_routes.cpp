#include "api/routes.hpp"

#include "api/feed_ingest.hpp"
#include "api/reply.hpp"
#include "store/wall_clock.hpp"
#include "wire/views.hpp"

#include <algorithm>
#include <string>
#include <variant>
#include <vector>

namespace pantau::api {

using wire::json;

namespace {

// POST /api/v1/reports. Deferred: the reply waits for the commit in the event log's queue, not
// on a request thread, so one commit carries the reports of many requests (docs/ingest.md,
// "A report's way in").
void post_reports(const api_services& s, const ingest::ingest_limits& limits, const request_context& c,
                  const reply_sink& reply)
{
    const std::int64_t now = store::wall_now_ms();
    // The key names the source (DESIGN §4): a source cannot file reports as another.
    ingest::parse_result parsed =
        ingest::parse_reports(c.req.body(), to_std(c.req[http::field::content_type]), limits, now, c.who.name);
    if (!parsed.ok()) {
        s.ingest.count_unreadable_body(parsed.error->code);
        const auto status = parsed.error->too_large()                                 ? http::status::payload_too_large
                            : parsed.error->code == ingest::ingest_error::unsupported_content_type ? http::status::unsupported_media_type
                                                                                      : http::status::bad_request;
        return reply(error_reply(c.req, status, parsed.error->code, parsed.error->message));
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
    ingest_counted_async(s, std::move(items), std::move(tally), now, [&req = c.req, reply](counted_outcome outcome) {
        if (const auto* refused = std::get_if<app::service_refusal>(&outcome))
            return reply(unavailable_reply(req, *refused));
        auto& results = std::get<std::vector<json>>(outcome);
        const auto accepted = static_cast<std::size_t>(
            std::count_if(results.begin(), results.end(), [](const json& r) { return !r.contains("error"); }));
        // Every accepted report is committed by now. None accepted: the request as a whole failed.
        const auto status = accepted > 0 ? http::status::ok : http::status::unprocessable_entity;
        json body = {{"accepted", accepted}, {"rejected", results.size() - accepted}, {"results", std::move(results)}};
        reply(make_reply(req, status, json_type, shared(wire::dump(body))));
    });
}

} // namespace

void add_report_routes(route_table& routes, const api_services& s, const ingest::ingest_limits& limits)
{
    const std::vector<std::string> types = {"application/json", "application/x-ndjson", "application/ndjson",
                                            "application/x-protobuf", "application/protobuf"};
    routes.add_deferred(http::verb::post, "/api/v1/reports", access::source, types,
                        [&s, limits](const request_context& c, const reply_sink& reply) {
                            post_reports(s, limits, c, reply);
                        });
}

} // namespace pantau::api
