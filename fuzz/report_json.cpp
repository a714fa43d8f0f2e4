// POST /api/v1/reports with a JSON or NDJSON body (ingest/report_parser): the same bytes are
// read as both, with and without an API key's source.
#include "fuzz/report_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace pantau;
    const auto body = fuzz::as_text(data, size);
    const auto limits = fuzz::fuzz_limits();
    for (const char* type : {"application/json", "application/x-ndjson; charset=utf-8"}) {
        fuzz::check_result(ingest::parse_reports(body, type, limits, fuzz::now_ms), limits);
        fuzz::check_result(ingest::parse_reports(body, type, limits, fuzz::now_ms, "fuzz-source"), limits);
    }
    return 0;
}
