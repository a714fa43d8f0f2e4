// The hand-off outbox (store/handoff_outbox.hpp) on a real SQLite file: rows and handed states
// survive a reopen together, the head per agency is the oldest undelivered row, a delivered row
// keeps only the latest per incident.

#include "store/handoff_outbox.hpp"

#include "tests/support/scratch_dir.hpp"

#include <gtest/gtest.h>

namespace pantau::store {
namespace {

outbox_row row(const std::string& id, const std::string& agency, std::uint64_t incident, std::int64_t at)
{
    outbox_row r;
    r.delivery_id = id;
    r.agency = agency;
    r.incident_id = incident;
    r.body = "{\"delivery_id\":\"" + id + "\"}";
    r.created_ms = at;
    return r;
}

TEST(HandoffOutbox, RowsAndHandedStatesSurviveAReopenTogether)
{
    testing::scratch_dir dir("pantau-outbox");
    {
        handoff_outbox box(dir.path());
        std::vector<outbox_row> rows = {row("d1", "PUPR", 7, 100), row("d2", "PUPR", 8, 100), row("d3", "DLH", 9, 100)};
        box.add(rows, {{7, {"PUPR", "new"}}, {8, {"PUPR", "new"}}, {9, {"DLH", "new"}}});
        EXPECT_LT(rows[0].row, rows[1].row);
        box.failed(rows[0].row, 150, "HTTP status 500", 400);
        box.baseline("PUPR", {{1, {"PUPR", "closed"}}}, 90);
    }
    handoff_outbox box(dir.path());
    EXPECT_EQ(box.handed().at(7), (handed_state{"PUPR", "new"}));
    EXPECT_EQ(box.handed().at(1), (handed_state{"PUPR", "closed"}));
    EXPECT_TRUE(box.has_agency("PUPR"));
    EXPECT_FALSE(box.has_agency("DLH"));
    EXPECT_EQ(box.pending(), (std::map<std::string, std::size_t>{{"DLH", 1}, {"PUPR", 2}}));

    const auto head = box.head("PUPR");
    ASSERT_TRUE(head);
    EXPECT_EQ(head->delivery_id, "d1") << "the oldest first, also while it fails";
    EXPECT_EQ(head->attempts, 1u);
    EXPECT_EQ(head->last_error, "HTTP status 500");
    EXPECT_EQ(head->next_attempt_ms, 400);
    EXPECT_EQ(head->body, "{\"delivery_id\":\"d1\"}");

    box.delivered(head->row, 500);
    EXPECT_EQ(box.head("PUPR")->delivery_id, "d2");
    const auto latest = box.latest(7);
    ASSERT_TRUE(latest);
    EXPECT_EQ(latest->delivered_ms, 500);
    EXPECT_EQ(latest->attempts, 2u);
    EXPECT_EQ(box.pending().at("PUPR"), 1u);
}

TEST(HandoffOutbox, ADeliveredRowKeepsOnlyTheLatestOfItsIncident)
{
    testing::scratch_dir dir("pantau-outbox-prune");
    handoff_outbox box(dir.path());
    std::vector<outbox_row> first = {row("a", "PUPR", 7, 1)};
    box.add(first, {{7, {"PUPR", "new"}}});
    box.delivered(first[0].row, 2);
    std::vector<outbox_row> second = {row("b", "PUPR", 7, 3)};
    box.add(second, {{7, {"PUPR", "verified"}}});
    EXPECT_EQ(box.latest(7)->delivery_id, "b");
    box.delivered(second[0].row, 4);
    EXPECT_EQ(box.latest(7)->delivery_id, "b");
    EXPECT_FALSE(box.head("PUPR"));
}

} // namespace
} // namespace pantau::store
