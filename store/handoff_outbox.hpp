#pragma once

// The hand-off outbox (docs/handoff.md): every delivery owed to an agency, durable in
// DIR/handoff.sqlite until its endpoint took it, and the last incident state handed over, from
// which the next delivery is decided (and reconciled on start: the crash window). Bodies are
// opaque bytes, signed and sent as they were stored, so a retry is byte-identical.

#include "store/detail/db_ptr.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pantau::store {

struct outbox_row {
    std::uint64_t row = 0;   // the outbox's own order
    std::string delivery_id; // sent as X-Pantau-Delivery and in the body; the same on every retry
    std::string agency;
    std::uint64_t incident_id = 0;
    std::string body;
    std::uint32_t attempts = 0;
    std::string last_error;
    std::int64_t created_ms = 0, last_attempt_ms = 0, next_attempt_ms = 0, delivered_ms = 0; // 0: not yet
};

// What the agency was last handed of an incident.
struct handed_state {
    std::string agency;
    std::string status;
    bool operator==(const handed_state&) const = default;
};

class handoff_outbox {
public:
    // Opens or creates DIR/handoff.sqlite (WAL, synchronous=FULL). Throws pantau::error with the path.
    explicit handoff_outbox(const std::filesystem::path& data_dir);
    handoff_outbox(const handoff_outbox&) = delete;
    handoff_outbox& operator=(const handoff_outbox&) = delete;

    // What each incident was last handed (loaded at open, kept in step by add).
    const std::map<std::uint64_t, handed_state>& handed() const { return handed_; }
    // Agencies whose hand-off has begun (see baseline).
    bool has_agency(const std::string& agency) const { return agencies_.contains(agency); }

    // In one transaction: the new rows and the handed states they carry. Fills in each row's `row`.
    void add(std::vector<outbox_row>& rows, const std::vector<std::pair<std::uint64_t, handed_state>>& states);
    // An agency's first start: its existing incidents are recorded as handed, without deliveries.
    void baseline(const std::string& agency, const std::vector<std::pair<std::uint64_t, handed_state>>& states,
                  std::int64_t now_ms);

    // The agency's oldest undelivered row.
    std::optional<outbox_row> head(const std::string& agency) const;
    void delivered(std::uint64_t row, std::int64_t now_ms);
    void failed(std::uint64_t row, std::int64_t now_ms, const std::string& error, std::int64_t next_attempt_ms);
    // The incident's latest row (the one operators see).
    std::optional<outbox_row> latest(std::uint64_t incident_id) const;
    // Undelivered rows per agency.
    std::map<std::string, std::size_t> pending() const;

private:
    std::string context_;
    detail::db_ptr db_;
    mutable std::mutex mutex_;
    std::map<std::uint64_t, handed_state> handed_;
    std::set<std::string> agencies_;
};

} // namespace pantau::store
