// The queue behind a connection's frames and a stream's history: order kept across compaction,
// and what a popped item holds let go at once.
#include "stream/fifo.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace pantau::stream {
namespace {

std::vector<int> contents(const fifo<int>& q) { return {q.begin(), q.end()}; }

TEST(Fifo, KeepsOrderWhileItemsComeAndGoAcrossCompactions)
{
    fifo<int> q;
    EXPECT_TRUE(q.empty());
    int next_in = 0, next_out = 0;
    // Pushes run ahead of pops, so the consumed front is compacted away many times over.
    for (int round = 0; round < 200; ++round) {
        for (int i = 0; i < 3; ++i)
            q.push_back(next_in++);
        for (int i = 0; i < 2; ++i) {
            ASSERT_EQ(q.front(), next_out);
            q.pop_front();
            ++next_out;
        }
        ASSERT_EQ(q.size(), static_cast<std::size_t>(next_in - next_out));
    }
    std::vector<int> expected;
    for (int v = next_out; v < next_in; ++v)
        expected.push_back(v);
    EXPECT_EQ(contents(q), expected);
    while (!q.empty()) {
        ASSERT_EQ(q.front(), next_out++);
        q.pop_front();
    }
    EXPECT_EQ(next_out, next_in);
}

TEST(Fifo, LetsGoOfAPoppedItemAtOnceAndStartsOverWhenEmptied)
{
    fifo<std::shared_ptr<int>> q;
    auto first = std::make_shared<int>(1);
    q.push_back(first);
    q.push_back(std::make_shared<int>(2));
    q.pop_front();
    EXPECT_EQ(first.use_count(), 1) << "the popped item is still held";
    q.pop_front();
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.begin(), q.end());
    q.push_back(std::make_shared<int>(3));
    EXPECT_EQ(*q.front(), 3);
    q.clear();
    EXPECT_TRUE(q.empty());
}

} // namespace
} // namespace pantau::stream
