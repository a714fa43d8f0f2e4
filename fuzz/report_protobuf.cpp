// POST /api/v1/reports with a pantau.v1.ReportBatch body (ingest/report_parser).
#include "fuzz/report_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace pantau;
    const auto body = fuzz::as_text(data, size);
    const auto limits = fuzz::fuzz_limits();
    fuzz::check_result(ingest::parse_reports(body, "application/x-protobuf", limits, fuzz::now_ms), limits);
    return 0;
}
