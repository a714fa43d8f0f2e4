// The store on a disk that fills up or turns read-only under it (tests/support/full_disk_vfs.hpp):
// a failed commit is never acknowledged, the log recovers without a restart once the disk takes
// writes again, and holds exactly what was acknowledged, before and after.
#include "store/credential_store.hpp"
#include "store/disk_error.hpp"
#include "store/event_log.hpp"

#include "tests/support/full_disk_vfs.hpp"
#include "tests/support/scratch_dir.hpp"

#include <sqlite3.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pantau::store {
namespace {

log_event event(std::string payload, std::string key = {}) { return log_event{0, 0, "report", std::move(key), std::move(payload)}; }

std::vector<std::string> payloads(const event_log& log)
{
    std::vector<std::string> out;
    std::uint64_t expected_seq = 1;
    log.replay(0, [&](const log_event& e) {
        EXPECT_EQ(e.seq, expected_seq++) << "the log has a gap";
        out.push_back(e.payload);
    });
    return out;
}

// A failed append's error code; fails the test when the append was acknowledged.
event_log_errc refusal_of(std::future<std::vector<append_result>> f)
{
    try {
        f.get();
    } catch (const event_log_error& e) {
        return e.code();
    }
    ADD_FAILURE() << "the append was acknowledged";
    return event_log_errc::closed;
}

std::string integrity_of(const std::filesystem::path& file)
{
    sqlite3* db = nullptr;
    sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    std::string result;
    sqlite3_exec(
        db, "PRAGMA integrity_check",
        [](void* out, int, char** values, char**) {
            *static_cast<std::string*>(out) += values[0] ? values[0] : "";
            return 0;
        },
        &result, nullptr);
    sqlite3_close(db);
    return result;
}

// The invariant of the whole issue: every acknowledged append is in the log, nothing else is,
// and the sequence goes on without a gap once the disk takes writes again.
void fill_then_recover(int failing_rc)
{
    testing::scratch_dir dir("pantau-full-disk");
    testing::full_disk_vfs disk;
    std::vector<std::string> acknowledged;
    {
        event_log log(dir.path());
        for (const char* p : {"a", "b", "c"}) {
            log.append({event(p, std::string("key-") + p)}).get();
            acknowledged.push_back(p);
        }

        disk.fill(failing_rc);
        EXPECT_EQ(refusal_of(log.append({event("lost-1", "key-lost-1"), event("lost-2")})), event_log_errc::failed);
        EXPECT_GT(disk.refused_writes(), 0u);
        EXPECT_TRUE(log.current_stats().failed);
        // While the disk still refuses, the log stays failed and says why.
        EXPECT_FALSE(log.recover());
        EXPECT_FALSE(log.failure().empty());
        EXPECT_EQ(refusal_of(log.append({event("lost-3")})), event_log_errc::failed);
        // Reads go on meanwhile.
        EXPECT_EQ(payloads(log), acknowledged);

        disk.free_space();
        ASSERT_TRUE(log.recover()) << log.failure();
        EXPECT_FALSE(log.current_stats().failed);
        EXPECT_EQ(log.current_stats().recoveries, 1u);
        EXPECT_TRUE(log.failure().empty());

        // The refused batch was never written: its key is free, and seqs continue from 3.
        const auto after = log.append({event("lost-1", "key-lost-1"), event("d")}).get();
        EXPECT_EQ(after.at(0).seq, 4u);
        EXPECT_FALSE(after.at(0).duplicate);
        EXPECT_EQ(after.at(1).seq, 5u);
        acknowledged.push_back("lost-1");
        acknowledged.push_back("d");
        EXPECT_EQ(payloads(log), acknowledged);
    }
    EXPECT_EQ(integrity_of(dir.path() / "events.sqlite"), "ok");
    event_log reopened(dir.path());
    EXPECT_EQ(payloads(reopened), acknowledged);
    EXPECT_EQ(reopened.last_seq(), acknowledged.size());
}

TEST(FullDisk, EventLogRecoversAfterADiskFullCommitAndKeepsExactlyTheAcknowledgedEvents)
{
    fill_then_recover(SQLITE_FULL);
}

TEST(FullDisk, EventLogRecoversAfterAReadOnlyDiskRefusedACommit)
{
    fill_then_recover(SQLITE_READONLY);
}

TEST(FullDisk, EventLogRecoversAfterAnIoErrorOnWrite)
{
    fill_then_recover(SQLITE_IOERR_WRITE);
}

TEST(FullDisk, RecoverOnAHealthyLogChangesNothing)
{
    testing::scratch_dir dir("pantau-full-disk");
    event_log log(dir.path());
    log.append({event("a")}).get();
    EXPECT_TRUE(log.recover());
    EXPECT_EQ(log.current_stats().recoveries, 0u);
    EXPECT_EQ(log.append({event("b")}).get().at(0).seq, 2u);
}

TEST(FullDisk, ACheckpointOnAFullDiskFailsAndTheLogStillRecovers)
{
    testing::scratch_dir dir("pantau-full-disk");
    testing::full_disk_vfs disk;
    event_log log(dir.path());
    log.append({event("a")}).get();
    disk.fill();
    EXPECT_THROW(log.write_checkpoint(1, "state"), event_log_error);
    disk.free_space();
    ASSERT_TRUE(log.recover()) << log.failure();
    log.write_checkpoint(1, "state");
    EXPECT_EQ(log.latest_checkpoint()->second, "state");
}

TEST(FullDisk, ALoginSessionOnAFullDiskFailsAsDiskErrorAndWorksOnceSpaceIsBack)
{
    testing::scratch_dir dir("pantau-full-disk");
    testing::full_disk_vfs disk;
    credential_store store(dir.path());
    const credential token = store.add(auth::credential_kind::person_token, "siti", auth::role::operator_,
                                       auth::new_secret(auth::credential_kind::person_token), 1000);
    disk.fill();
    EXPECT_THROW(store.add_session("cookie-0123456789abcdef", token.id, 10'000, 1000), disk_error);
    EXPECT_FALSE(store.find_session("cookie-0123456789abcdef", 2000));
    disk.free_space();
    store.add_session("cookie-0123456789abcdef", token.id, 10'000, 1000);
    EXPECT_TRUE(store.find_session("cookie-0123456789abcdef", 2000));
}

} // namespace
} // namespace pantau::store
