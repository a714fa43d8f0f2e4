// GET /api/v1/export (docs/export.md): the log's reports as NDJSON for admins, in the form
// `pantau replay` and POST /api/v1/reports read, one page at a time. A page ends at `limit`
// reports or about max_page_bytes of them; a Link header with rel="next" carries the cursor (the
// seq of the page's last report) while more remain, so no request holds the whole log.

#include "api/routes.hpp"

#include "api/query.hpp"
#include "api/reply.hpp"
#include "app/report_export.hpp"

#include <cstdint>
#include <limits>
#include <string>

namespace pantau::api {
namespace {

constexpr std::size_t default_page = 1000;
constexpr std::size_t max_page = 10000;
constexpr std::size_t max_page_bytes = 4u << 20;
constexpr std::string_view ndjson_type = "application/x-ndjson";

} // namespace

void add_export_routes(route_table& routes, const api_services& s)
{
    routes.add(http::verb::get, "/api/v1/export", access::admin, [&s](const request_context& c) {
        std::optional<std::int64_t> since, until;
        std::size_t limit = default_page, cursor = 0;
        if (auto error = query_schema()
                             .time("since", since)
                             .time("until", until)
                             .count("limit", 1, max_page, limit)
                             .count("cursor", 0, std::numeric_limits<std::size_t>::max(), cursor)
                             .read(c.query))
            return bad_request(c.req, *error);
        app::export_range range;
        range.since_ms = since.value_or(range.since_ms);
        range.until_ms = until.value_or(range.until_ms);
        range.after_seq = cursor;
        if (range.since_ms > range.until_ms)
            return bad_request(c.req, "since: must not be after until");

        const app::event_pager pager = [&s](const store::event_scan& q, std::size_t n, std::size_t bytes) {
            return s.incidents.scan_log(q, n, bytes);
        };
        app::export_page page = app::export_reports(pager, range, limit, max_page_bytes);
        auto res = make_reply(c.req, http::status::ok, ndjson_type, shared(std::move(page.ndjson)));
        if (page.more)
            res.set(http::field::link,
                    "<" + next_page_target(c.path, c.query, std::to_string(page.last_seq)) + ">; rel=\"next\"");
        return res;
    });
}

} // namespace pantau::api
