#pragma once

// Traffic for the incident service's state tests (checkpoints, archive, the past): a day and
// more of the simulator's reports over the demo districts on a fixed clock, some observed late,
// some repeated, and operators' status changes, driven identically into every service given.

#include "app/incident_service.hpp"
#include "core/simulator.hpp"

#include "tests/support/demo_districts.hpp"
#include "tests/support/ingest_outcome.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <variant>
#include <vector>

namespace pantau::testing {

inline constexpr std::int64_t minute_ms = 60'000;
inline constexpr std::int64_t hour_ms = 60 * minute_ms;
// 2026-11-28T00:00:00Z: a fixed clock, so every run decides the same.
inline constexpr std::int64_t t0 = 1'795'824'000'000;

// A day and more of realistic reports from the simulator, some observed late (out of order),
// some sent twice, and status changes that close and reopen incidents: everything the state has.
class workload {
public:
    explicit workload(std::uint64_t seed) : sim_(demo_districts(), seed), rng_(seed) {}

    // Drives `hours` of traffic into every service, identically, from `from_ms`.
    void run(const std::vector<app::incident_service*>& services, std::int64_t from_ms, int hours)
    {
        for (std::int64_t now = from_ms; now < from_ms + hours * hour_ms; now += 30 * minute_ms) {
            std::vector<report> batch = sim_.next(now, 1800, 0.1);
            for (auto& r : batch) {
                if (std::uniform_int_distribution<int>(0, 9)(rng_) == 0)
                    r.observed_at_ms -= std::uniform_int_distribution<std::int64_t>(1, 180)(rng_) * minute_ms;
            }
            // A repeat of an earlier report now and then: the same key, acknowledged again.
            if (!sent_.empty() && std::uniform_int_distribution<int>(0, 2)(rng_) == 0)
                batch.push_back(sent_[std::uniform_int_distribution<std::size_t>(0, sent_.size() - 1)(rng_)]);
            std::vector<std::variant<report, app::rejected_report>> items(batch.begin(), batch.end());
            std::uint64_t opened = 0;
            for (auto* s : services) {
                auto results = taken(s->ingest(items, now));
                for (const auto& r : results)
                    if (const auto* a = std::get_if<app::accepted_report>(&r))
                        opened = std::max(opened, a->incident_id);
            }
            sent_.insert(sent_.end(), batch.begin(), batch.end());
            if (opened > 0 && std::uniform_int_distribution<int>(0, 1)(rng_) == 0) {
                incident_change c;
                c.status = std::uniform_int_distribution<int>(0, 2)(rng_) == 0 ? incident_status::new_
                                                                              : incident_status::resolved;
                c.note = "checked at " + std::to_string(now);
                c.actor = "operator";
                const std::uint64_t id = std::uniform_int_distribution<std::uint64_t>(1, opened)(rng_);
                for (auto* s : services)
                    ASSERT_FALSE(std::holds_alternative<app::service_refusal>(s->change(id, c, now)));
            }
        }
    }
    const std::vector<report>& sent() const { return sent_; }

    // A shift's end: operators resolve half of what is open (the even ids).
    static void resolve_half(app::incident_service& s, std::int64_t now)
    {
        app::incident_filter open;
        open.limit = 1'000'000;
        open.where = [](const incident& inc) { return is_open(inc.status) && inc.id % 2 == 0; };
        for (const incident& inc : s.list(open)) {
            incident_change c;
            c.status = incident_status::resolved;
            c.actor = "operator";
            ASSERT_TRUE(std::holds_alternative<incident>(s.change(inc.id, c, now)));
        }
    }

private:
    simulator sim_;
    std::mt19937_64 rng_;
    std::vector<report> sent_;
};

} // namespace pantau::testing
