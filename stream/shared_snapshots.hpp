#pragma once

// Snapshots shared by filter (docs/stream.md, "Snapshots"): one body per distinct filter and
// version of the live set. The first stream to ask for a filter gets a job to build it, which the
// caller runs outside the hub's lock (the view it reads never changes); streams that ask while it
// is being built wait for that job instead of building their own; later ones get the built body,
// until the live set changes. A plain value: the hub locks around it.

#include "stream/live_set.hpp"
#include "stream/stream_filter.hpp"

#include "pantau.pb.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace pantau::stream {

class shared_snapshots {
public:
    using sources_hook = std::function<std::vector<pantau::v1::SourceHealth>()>;

    struct job {
        std::uint64_t id = 0;
        std::string key;
        stream_filter filter;
        std::shared_ptr<const live_view> view;
        std::int64_t now_ms = 0;
        sources_hook sources; // unset: no source health
        // The stream ids waiting for it. Only request() and done() touch it: the builder does not.
        std::vector<std::string> waiting;

        // The body: the Snapshot's fields but the stream id, which each frame's prefix adds.
        // Reads only what no one changes once the job exists, so it needs no lock.
        std::shared_ptr<const std::string> build() const;
    };
    struct answer {
        std::shared_ptr<const std::string> body; // built already: send it now
        std::uint64_t job_id = 0;                // else the job the stream waits for
        std::shared_ptr<job> build;              // set: the caller builds it, then calls done()
    };

    // A stream wants a snapshot of this filter (key = filter.key()) as of this view.
    answer request(const std::string& stream_id, const stream_filter& filter, const std::string& key,
                   std::shared_ptr<const live_view> view, std::int64_t now_ms, const sources_hook& sources);
    // The job's body is built: later requests at its version get it. Returns the streams that
    // waited for it; each may have asked for another snapshot since (the caller checks).
    std::vector<std::string> done(job& j, const std::shared_ptr<const std::string>& body);

private:
    std::uint64_t version_ = 0;
    std::unordered_map<std::string, std::shared_ptr<const std::string>> built_; // by filter key
    std::unordered_map<std::string, std::shared_ptr<job>> building_;            // by filter key
    std::uint64_t next_job_ = 1;
};

} // namespace pantau::stream
