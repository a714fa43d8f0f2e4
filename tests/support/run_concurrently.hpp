#pragma once

// Runs each piece of work on a thread of its own, all at once, and returns when all have ended.
#include <functional>
#include <thread>
#include <vector>

namespace pantau::testing {

inline void run_concurrently(const std::vector<std::function<void()>>& work)
{
    std::vector<std::thread> threads;
    threads.reserve(work.size());
    for (const auto& w : work)
        threads.emplace_back(w);
    for (std::thread& t : threads)
        t.join();
}

} // namespace pantau::testing
