#pragma once

// Source health for the stream, as of the last refresh. The hub asks for the changes under its
// own lock (and for all sources while it builds a snapshot, outside it), and the incident service
// hands changes to the hub while holding its feed lock, so the hub must never call into the
// service: the server's stream tick refreshes this cache from the service, and the hub reads the
// cache, whose lock is a leaf (nothing else is locked while it is held).
//
// A change goes to every client whatever its filter, one frame each: a busy source's last report
// time moves with every report, so a move of that time alone goes out at most every
// last_report_every_ms per source (the wall's "last report" is then at most that old); a new
// source, its stale flag, its expected interval or a poller's round go out at the next refresh.

#include "core/source_health.hpp"
#include "wire/stream_proto.hpp"

#include "pantau.pb.h"

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace pantau::stream {

class source_health_cache {
public:
    static constexpr std::int64_t last_report_every_ms = 10'000;

    // Every source as of now_ms; a source that differs from what the stream last carried becomes a
    // change for the next delta, unless only its last report time moved and the stream carried
    // it less than last_report_every_ms ago (then a later refresh sends it, report or not).
    void refresh(const std::vector<source_status>& now, std::int64_t now_ms)
    {
        std::vector<v1::SourceHealth> all;
        all.reserve(now.size());
        for (const source_status& s : now)
            wire::to_proto(s, &all.emplace_back());
        std::lock_guard lock(mutex_);
        for (const v1::SourceHealth& h : all) {
            auto [it, fresh] = sent_.try_emplace(h.source(), carried{h, now_ms});
            if (!fresh) {
                const v1::SourceHealth& before = it->second.health;
                if (same(before, h))
                    continue;
                v1::SourceHealth moved_back = h;
                moved_back.set_last_report_ms(before.last_report_ms());
                if (same(before, moved_back) && now_ms - it->second.at_ms < last_report_every_ms)
                    continue;
                it->second = carried{h, now_ms};
            }
            changed_[h.source()] = h;
        }
        all_ = std::move(all);
    }

    std::vector<v1::SourceHealth> all() const
    {
        std::lock_guard lock(mutex_);
        return all_;
    }

    // The changes since the previous call, by source name.
    std::vector<v1::SourceHealth> take_changed()
    {
        std::lock_guard lock(mutex_);
        std::vector<v1::SourceHealth> out;
        out.reserve(changed_.size());
        for (auto& [name, h] : changed_)
            out.push_back(std::move(h));
        changed_.clear();
        return out;
    }

private:
    struct carried {
        v1::SourceHealth health; // as last handed to the stream
        std::int64_t at_ms = 0;  // when
    };
    static bool same(const v1::SourceHealth& a, const v1::SourceHealth& b)
    {
        return a.SerializeAsString() == b.SerializeAsString();
    }

    mutable std::mutex mutex_;
    std::vector<v1::SourceHealth> all_;
    std::map<std::string, carried> sent_;
    std::map<std::string, v1::SourceHealth> changed_; // not yet taken
};

} // namespace pantau::stream
