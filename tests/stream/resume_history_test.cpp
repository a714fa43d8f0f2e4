// A stream's numbered, bounded history: what a Resume can replay, and when it must not try.
#include "stream/resume_history.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace pantau::stream {
namespace {

std::shared_ptr<const std::string> body(std::size_t bytes) { return std::make_shared<const std::string>(bytes, 'x'); }

std::vector<std::uint64_t> seqs(const std::vector<numbered_message>& ms)
{
    std::vector<std::uint64_t> out;
    for (const auto& m : ms)
        out.push_back(m.seq);
    return out;
}

TEST(ResumeHistory, MessagesAreNumberedOnFromTheFirstSeq)
{
    resume_history h(10, 1 << 20, 42);
    EXPECT_EQ(h.number(body(1), {}).seq, 42u);
    EXPECT_EQ(h.number(body(1), {}).seq, 43u);
    EXPECT_EQ(h.next_seq(), 44u);
}

TEST(ResumeHistory, AfterReplaysExactlyTheLaterMessagesWithoutTheirOrigin)
{
    resume_history h(10, 1 << 20, 1);
    const auto committed = std::chrono::steady_clock::now();
    for (int i = 0; i < 4; ++i)
        h.number(body(1), committed);
    const auto replay = h.after(2);
    EXPECT_EQ(seqs(replay), (std::vector<std::uint64_t>{3, 4}));
    EXPECT_EQ(replay[0].origin, steady_time{}); // a replay is not live: no report → send latency
    EXPECT_TRUE(h.after(4).empty());
}

TEST(ResumeHistory, TheOldestFallOutPastTheMessageBound)
{
    resume_history h(2, 1 << 20, 1);
    for (int i = 0; i < 3; ++i)
        h.number(body(1), {});
    EXPECT_EQ(h.size(), 2u);
    EXPECT_FALSE(h.reaches(0)); // seq 1 is gone
    EXPECT_TRUE(h.reaches(1));
    EXPECT_EQ(seqs(h.after(0)), (std::vector<std::uint64_t>{2, 3}));
}

TEST(ResumeHistory, TheOldestFallOutPastTheByteBoundAndABigMessageEmptiesIt)
{
    resume_history h(100, 1000, 1);
    h.number(body(400), {});
    h.number(body(400), {});
    h.number(body(400), {});
    EXPECT_EQ(h.size(), 2u);
    EXPECT_EQ(h.bytes(), 800u);
    h.number(body(1001), {}); // seq 4, larger than the bound on its own
    EXPECT_EQ(h.size(), 0u);
    EXPECT_EQ(h.bytes(), 0u);
    EXPECT_FALSE(h.reaches(3));
    EXPECT_TRUE(h.reaches(4)); // nothing came after it
}

TEST(ResumeHistory, ALastSeqAheadOfTheStreamIsNotReached)
{
    resume_history h(10, 1 << 20, 1);
    h.number(body(1), {});
    EXPECT_TRUE(h.reaches(0));
    EXPECT_TRUE(h.reaches(1));
    EXPECT_FALSE(h.reaches(2));
    EXPECT_FALSE(h.reaches(99));
}

TEST(ResumeHistory, ClearingForgetsTheMessagesButTheNumberingGoesOn)
{
    resume_history h(10, 1 << 20, 1);
    h.number(body(1), {});
    h.number(body(1), {});
    h.clear();
    EXPECT_FALSE(h.reaches(1));
    EXPECT_TRUE(h.reaches(2));
    EXPECT_EQ(h.number(body(1), {}).seq, 3u);
}

} // namespace
} // namespace pantau::stream
