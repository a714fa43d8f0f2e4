#include "stream/shared_snapshots.hpp"

#include "stream/frame.hpp"

namespace pantau::stream {

std::shared_ptr<const std::string> shared_snapshots::job::build() const
{
    pantau::v1::Snapshot snap = view->snapshot_for(filter, now_ms);
    if (sources)
        for (auto& src : sources())
            *snap.add_sources() = std::move(src);
    return serialise(snap);
}

shared_snapshots::answer shared_snapshots::request(const std::string& stream_id, const stream_filter& filter,
                                                   const std::string& key, std::shared_ptr<const live_view> view,
                                                   std::int64_t now_ms, const sources_hook& sources)
{
    if (view->version != version_) {
        // A body of an older version would miss a delta that was already sent.
        built_.clear();
        building_.clear();
        version_ = view->version;
    }
    answer a;
    if (auto it = built_.find(key); it != built_.end()) {
        a.body = it->second;
        return a;
    }
    auto [it, fresh] = building_.try_emplace(key);
    if (fresh) {
        it->second = std::make_shared<job>();
        job& j = *it->second;
        j.id = next_job_++;
        j.key = key;
        j.filter = filter;
        j.view = std::move(view);
        j.now_ms = now_ms;
        j.sources = sources;
        a.build = it->second;
    }
    it->second->waiting.push_back(stream_id);
    a.job_id = it->second->id;
    return a;
}

std::vector<std::string> shared_snapshots::done(job& j, const std::shared_ptr<const std::string>& body)
{
    if (j.view->version == version_) {
        built_[j.key] = body;
        if (auto it = building_.find(j.key); it != building_.end() && it->second.get() == &j)
            building_.erase(it);
    }
    return std::move(j.waiting);
}

} // namespace pantau::stream
