#include "stream/resume_history.hpp"

namespace pantau::stream {

resume_history::resume_history(std::size_t max_messages, std::size_t max_bytes, std::uint64_t first_seq)
    : max_messages_(max_messages), max_bytes_(max_bytes), next_seq_(first_seq)
{
}

numbered_message resume_history::number(std::shared_ptr<const std::string> body, steady_time origin, bool snapshot)
{
    numbered_message n{next_seq_++, std::move(body), origin, snapshot};
    ring_.push_back(n);
    bytes_ += n.body->size();
    // A single message over the byte bound empties the ring: a resume from before it gets a snapshot.
    while (!ring_.empty() && (ring_.size() > max_messages_ || bytes_ > max_bytes_)) {
        bytes_ -= ring_.front().body->size();
        ring_.pop_front();
    }
    return n;
}

bool resume_history::reaches(std::uint64_t last) const
{
    if (last >= next_seq_)
        return false;
    return last + 1 == next_seq_ || (!ring_.empty() && ring_.front().seq <= last + 1);
}

std::vector<numbered_message> resume_history::after(std::uint64_t last) const
{
    std::vector<numbered_message> out;
    for (const numbered_message& n : ring_)
        if (n.seq > last)
            out.push_back(numbered_message{n.seq, n.body, {}, n.snapshot});
    return out;
}

void resume_history::clear()
{
    ring_.clear();
    bytes_ = 0;
}

} // namespace pantau::stream
