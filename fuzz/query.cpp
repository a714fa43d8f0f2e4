// Query strings and URL targets (api/query.hpp): percent-decoding, every kind of parameter a
// route declares, and local_redirect_path, which decides where a login or kiosk link redirects.
#include "api/query.hpp"
#include "fuzz/fuzz.hpp"

#include <string>

namespace {

using pantau::api::local_redirect_path;

// "/" or a path of this server that a browser cannot read as another site or header.
void check_redirect(std::string_view next)
{
    const std::string to = local_redirect_path(next);
    PANTAU_FUZZ_CHECK(to == "/" || to == next);
    PANTAU_FUZZ_CHECK(to.starts_with('/') && !to.starts_with("//"));
    for (char ch : to)
        PANTAU_FUZZ_CHECK(ch > ' ' && ch < 0x7F && ch != '\\');
}

bool in_degrees(double value, double limit) { return value >= -limit && value <= limit; }

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace pantau::api;
    const auto target = pantau::fuzz::as_text(data, size);

    check_redirect(target);
    PANTAU_FUZZ_CHECK(percent_decode(percent_encode(target), true) == target);
    for (bool plus_is_space : {false, true})
        if (const auto decoded = percent_decode(target, plus_is_space)) {
            check_redirect(*decoded);
            PANTAU_FUZZ_CHECK(percent_decode(percent_encode(*decoded), false) == *decoded);
        }

    // The query as a route with every kind of parameter reads it: a value read is a good one.
    const auto question = target.find('?');
    const auto query = question == std::string_view::npos ? target : target.substr(question + 1);
    std::optional<std::string> text;
    std::optional<std::int64_t> since;
    std::optional<std::array<double, 4>> bbox;
    std::optional<double> lat;
    std::size_t limit = 0;
    std::string format;
    query_schema schema;
    schema.text("q", text).time("since", since).bbox("bbox", bbox).degrees("lat", 90, lat);
    schema.count("limit", 1, 500, limit).one_of("format", {"json", "geojson"}, format);
    if (const auto message = schema.read(query)) {
        PANTAU_FUZZ_CHECK(!message->empty());
    } else {
        PANTAU_FUZZ_CHECK(!lat || in_degrees(*lat, 90));
        PANTAU_FUZZ_CHECK(limit == 0 || (limit >= 1 && limit <= 500));
        PANTAU_FUZZ_CHECK(format.empty() || format == "json" || format == "geojson");
        if (bbox)
            PANTAU_FUZZ_CHECK(in_degrees((*bbox)[0], 180) && in_degrees((*bbox)[1], 90) &&
                              in_degrees((*bbox)[2], 180) && in_degrees((*bbox)[3], 90));
    }
    return 0;
}
