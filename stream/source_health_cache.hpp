#pragma once

// Source health for the stream, as of the last refresh. The hub asks for the changes under its
// own lock (and for all sources while it builds a snapshot, outside it), and the incident service
// hands changes to the hub while holding its feed lock, so the hub must never call into the
// service: the server's stream tick refreshes this cache from the service, and the hub reads the
// cache, whose lock is a leaf (nothing else is locked while it is held).

#include "core/source_health.hpp"
#include "wire/stream_proto.hpp"

#include "pantau.pb.h"

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace pantau::stream {

class source_health_cache {
public:
    // Every source as of now; a source that differs from what the stream last carried (its last
    // report, stale flag or a poller's round) becomes a change for the next delta (so the wall's
    // ages stay true).
    void refresh(const std::vector<source_status>& now)
    {
        std::vector<v1::SourceHealth> all;
        all.reserve(now.size());
        for (const source_status& s : now)
            wire::to_proto(s, &all.emplace_back());
        std::lock_guard lock(mutex_);
        for (const v1::SourceHealth& h : all) {
            auto [it, fresh] = sent_.try_emplace(h.source(), h);
            if (fresh || it->second.SerializeAsString() != h.SerializeAsString()) {
                it->second = h;
                changed_[h.source()] = h;
            }
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
    mutable std::mutex mutex_;
    std::vector<v1::SourceHealth> all_;
    std::map<std::string, v1::SourceHealth> sent_;    // as last handed to the stream
    std::map<std::string, v1::SourceHealth> changed_; // not yet taken
};

} // namespace pantau::stream
