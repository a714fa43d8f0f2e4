#pragma once

// A first-in first-out queue that holds no memory until used. std::deque allocates a map and a
// 512-byte block as soon as it is constructed, and a connection holds three queues (its frames,
// its stream's history for Resume, a playback's frames) that are empty or nearly so for an idle
// client: at 19,000 clients that was 27 MB for nothing (docs/benchmarks.md, B6). Items live in
// one vector from `head_` on; the consumed front is dropped once it is half the vector, so each
// item is moved at most a few times on average.

#include <cstddef>
#include <utility>
#include <vector>

namespace pantau::stream {

template <typename T>
class fifo {
public:
    bool empty() const { return head_ == items_.size(); }
    std::size_t size() const { return items_.size() - head_; }

    T& front() { return items_[head_]; }
    const T& front() const { return items_[head_]; }

    void push_back(T item) { items_.push_back(std::move(item)); }

    void pop_front()
    {
        items_[head_] = T{}; // let go of what it holds now, not when the front is compacted
        if (++head_ == items_.size()) {
            // Emptied by use: keep the capacity, or a busy connection would allocate and free
            // once per frame (an idle one keeps room for the few it last held).
            items_.clear();
            head_ = 0;
        } else if (head_ >= compact_from && 2 * head_ >= items_.size()) {
            items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
            head_ = 0;
        }
    }

    // Empty, and its memory given back (a dropped queue, a forgotten history).
    void clear()
    {
        std::vector<T>().swap(items_);
        head_ = 0;
    }

    auto begin() const { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
    auto end() const { return items_.end(); }

private:
    static constexpr std::size_t compact_from = 16;
    std::vector<T> items_;
    std::size_t head_ = 0; // items_[0, head_) are consumed
};

} // namespace pantau::stream
