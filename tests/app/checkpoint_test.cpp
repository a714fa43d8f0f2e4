// Checkpoints and retention (docs/ingest.md): the incident service restored from its newest
// checkpoint plus the events after it has exactly the state of one that replayed every event —
// incidents with their audit trails, district stats, alerts and the report time series — also
// after retention deleted the events the checkpoint covers. Real SQLite files, the demo districts.
#include "app/incident_service.hpp"
#include "app/incident_state.hpp"
#include "core/error.hpp"

#include "geo/hierarchy.hpp"
#include "store/event_log.hpp"

#include "tests/support/demo_districts.hpp"
#include "tests/support/ingest_outcome.hpp"
#include "tests/support/service_workload.hpp"

#include "checkpoint.pb.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

namespace pantau::app {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

using testing::hour_ms;
using testing::minute_ms;
using testing::t0;
using testing::workload;

const geo::hierarchy& demo() { return testing::demo_districts(); }

service_options with_rules(std::vector<threshold_rule> rules)
{
    service_options o;
    o.thresholds = std::move(rules);
    return o;
}

struct scratch_dir {
    fs::path path;
    explicit scratch_dir(const std::string& name)
        : path(fs::temp_directory_path() / ("pantau_checkpoint_" + std::to_string(::getpid()) + "_" + name))
    {
        fs::remove_all(path);
    }
    ~scratch_dir() { fs::remove_all(path); }
};

json incident_row(const incident& inc)
{
    json audit = json::array();
    for (const auto& a : inc.audit)
        audit.push_back({a.at_ms, a.actor, a.what});
    return {inc.id, static_cast<int>(inc.category), inc.type, static_cast<int>(inc.severity),
            static_cast<int>(inc.status), inc.lon, inc.lat, inc.area_geojson, inc.districts, inc.first_report_ms,
            inc.last_report_ms, inc.report_count, inc.sources, inc.report_ids, inc.assignee, inc.title, audit};
}

json stats_rows(const std::vector<district_snapshot>& snapshots)
{
    json out = json::array();
    for (const district_snapshot& d : snapshots) {
        json windows = json::array();
        for (const auto& w : d.windows)
            windows.push_back({w.by_category_severity, w.by_type});
        out.push_back({d.level, d.code, d.version, d.as_of_ms, windows, d.open});
    }
    return out;
}

// Everything a client can read, as one JSON text.
json state_of(incident_service& s, std::int64_t now)
{
    json out;
    incident_filter all;
    all.limit = 1'000'000;
    for (const incident& inc : s.list(all))
        out["incidents"].push_back(incident_row(inc));
    out["stats"] = json::array();
    for (std::size_t level = 0; level < s.districts().size(); ++level)
        for (const json& row : stats_rows(s.stats(level, now)))
            out["stats"].push_back(row);
    auto [active, recent] = s.alerts(now);
    for (const auto* list : {&active, &recent}) {
        json alerts = json::array();
        for (const auto& a : *list)
            alerts.push_back({a.id, a.rule_index, a.level_index, a.code, a.count, a.peak, a.raised_at_ms,
                              a.updated_at_ms, a.cleared_at_ms.value_or(-1)});
        out["alerts"].push_back(alerts);
    }
    // Every district's day (from midnight WIB) and hour series over the whole run, and the minute
    // series of the last day.
    const std::int64_t day_ms = 24 * hour_ms, wib_midnight = -7 * hour_ms;
    for (std::size_t level = 0; level < s.districts().size(); ++level) {
        for (const auto& d : s.districts().at(level).districts()) {
            for (auto [bucket, since, offset] : {std::tuple{day_ms, t0 - 2 * day_ms, wib_midnight},
                                                 std::tuple{hour_ms, t0 - 4 * hour_ms, std::int64_t{0}},
                                                 std::tuple{minute_ms, now - 24 * hour_ms, std::int64_t{0}}}) {
                timeseries_query q;
                q.level = level;
                q.code = d.code;
                q.bucket_ms = bucket;
                q.align_offset_ms = offset;
                q.since_ms = since;
                q.until_ms = now;
                auto r = s.timeseries(q);
                json points = json::array();
                for (const auto& p : r.points)
                    if (p.total() > 0)
                        points.push_back({p.t_ms, p.counts});
                out["series"].push_back({d.code, bucket, r.why, points});
            }
        }
    }
    return out;
}

TEST(Checkpoint, TheStateFromACheckpointAndTheTailEqualsTheStateFromReplayingEveryEvent)
{
    scratch_dir with("with"), without("without");
    workload w(7);
    const std::int64_t end = t0 + 30 * hour_ms;
    {
        incident_service a(demo(), with.path), b(demo(), without.path);
        w.run({&a, &b}, t0, 20);
        const auto seq = a.write_checkpoint();
        ASSERT_TRUE(seq.has_value());
        EXPECT_GT(*seq, 1000u);
        w.run({&a, &b}, t0 + 20 * hour_ms, 10);
    }
    incident_service from_checkpoint(demo(), with.path), from_log(demo(), without.path);
    EXPECT_GT(from_checkpoint.restored_from(), 0u);
    EXPECT_EQ(from_log.restored_from(), 0u);
    // Only the tail was replayed.
    EXPECT_LT(from_checkpoint.events_replayed(), from_log.events_replayed() / 2);

    const json restored = state_of(from_checkpoint, end), replayed = state_of(from_log, end);
    ASSERT_GT(replayed["incidents"].size(), 100u);
    EXPECT_FALSE(replayed["alerts"][1].empty()) << "the workload should raise alerts";
    EXPECT_EQ(restored["incidents"], replayed["incidents"]);
    EXPECT_EQ(restored["stats"], replayed["stats"]);
    EXPECT_EQ(restored["alerts"], replayed["alerts"]);
    EXPECT_EQ(restored["series"], replayed["series"]);

    // The engine's indexes came back too: the same reports decide the same way in both.
    w.run({&from_checkpoint, &from_log}, end, 3);
    EXPECT_EQ(state_of(from_checkpoint, end + 3 * hour_ms), state_of(from_log, end + 3 * hour_ms));
}

TEST(Checkpoint, ASourceHeardOnlyBeforeTheCheckpointKeepsItsLastReportTime)
{
    scratch_dir dir("sources");
    workload w(3);
    const std::int64_t once_at = t0 + 2 * hour_ms;
    {
        incident_service s(demo(), dir.path);
        w.run({&s}, t0, 2);
        report r = w.sent().front();
        r.source = "once";
        r.external_id = "once-1";
        const std::vector<std::variant<report, rejected_report>> items{r};
        ASSERT_TRUE(std::holds_alternative<accepted_report>(testing::taken(s.ingest(items, once_at)).at(0)));
        ASSERT_TRUE(s.write_checkpoint());
        w.run({&s}, t0 + 3 * hour_ms, 1);
    }
    incident_service restored(demo(), dir.path);
    ASSERT_GT(restored.restored_from(), 0u);
    std::optional<std::int64_t> last;
    for (const source_status& st : restored.sources(t0 + 4 * hour_ms))
        if (st.source == "once")
            last = st.last_report_ms;
    ASSERT_TRUE(last.has_value()) << "the source is gone after a restart from the checkpoint";
    EXPECT_EQ(*last, once_at);
}

TEST(Checkpoint, RetentionDeletesCoveredEventsAndTheRestoredStateStillEqualsAFullReplay)
{
    scratch_dir with("retention"), without("reference");
    store::event_log_options keep_12h;
    keep_12h.retention_ms = 12 * hour_ms;
    workload w(11);
    const std::int64_t end = t0 + 40 * hour_ms;
    {
        incident_service a(demo(), with.path, {}, keep_12h), b(demo(), without.path, {}, keep_12h);
        w.run({&a, &b}, t0, 30);
        ASSERT_TRUE(a.write_checkpoint());
        a.maintain(t0 + 30 * hour_ms); // applies retention
        // The reference keeps everything: it never writes a checkpoint, so retention cannot bite.
        b.maintain(t0 + 30 * hour_ms);
        w.run({&a, &b}, t0 + 30 * hour_ms, 10);
        // Repeats of reports whose events retention deleted: still repeats, still change nothing.
        std::vector<std::variant<report, rejected_report>> old(w.sent().begin(), w.sent().begin() + 20);
        for (auto* s : {&a, &b})
            for (const auto& r : testing::taken(s->ingest(old, end)))
                EXPECT_TRUE(std::get<accepted_report>(r).repeated);
    }
    incident_service from_checkpoint(demo(), with.path, {}, keep_12h), from_log(demo(), without.path, {}, keep_12h);
    EXPECT_GT(from_checkpoint.restored_from(), 0u);
    EXPECT_EQ(from_log.restored_from(), 0u);
    const json restored = state_of(from_checkpoint, end), replayed = state_of(from_log, end);
    EXPECT_EQ(restored["incidents"], replayed["incidents"]);
    EXPECT_EQ(restored["stats"], replayed["stats"]);
    EXPECT_EQ(restored["alerts"], replayed["alerts"]);
    EXPECT_EQ(restored["series"], replayed["series"]);
}

// Bounded memory (docs/ingest.md): a service that archives what settled for 6 h answers every
// read as one that keeps everything, before and after a restart; operators' changes to archived
// incidents and repeats of their reports behave the same; and it holds fewer incidents.
TEST(Checkpoint, ArchivingSettledIncidentsChangesNoAnswerAndSurvivesARestart)
{
    scratch_dir archiving("archiving"), keeping("keeping");
    service_options six_hours;
    six_hours.settled_horizon_ms = 6 * hour_ms;
    service_options forever;
    forever.settled_horizon_ms = 0;
    workload w(5);
    const std::int64_t end = t0 + 36 * hour_ms;
    std::size_t archived = 0;
    {
        incident_service a(demo(), archiving.path, {}, {}, six_hours), b(demo(), keeping.path, {}, {}, forever);
        for (int part = 0; part < 3; ++part) {
            const std::int64_t from = t0 + part * 12 * hour_ms;
            w.run({&a, &b}, from, 12);
            // An operator's shift end: half of what is open is resolved, in both.
            incident_filter open;
            open.limit = 1'000'000;
            open.where = [](const incident& inc) { return is_open(inc.status) && inc.id % 2 == 0; };
            incident_change resolve;
            resolve.status = incident_status::resolved;
            resolve.actor = "operator";
            for (const incident& inc : b.list(open))
                for (auto* s : {&a, &b})
                    ASSERT_TRUE(std::holds_alternative<incident>(s->change(inc.id, resolve, from + 12 * hour_ms - 1)));
            ASSERT_TRUE(a.write_checkpoint());
            archived += a.evict_settled(from + 12 * hour_ms);
            EXPECT_EQ(b.evict_settled(from + 12 * hour_ms), 0u);
        }
        ASSERT_GT(archived, 100u) << "the workload should settle incidents";
        EXPECT_LT(a.gauges(end).incidents + archived / 2, b.gauges(end).incidents);
        EXPECT_EQ(state_of(a, end)["incidents"], state_of(b, end)["incidents"]);
        // Reports of archived incidents sent again: repeats, with the ids they had.
        std::vector<std::variant<report, rejected_report>> old(w.sent().begin(), w.sent().begin() + 50);
        const auto again_a = testing::taken(a.ingest(old, end)), again_b = testing::taken(b.ingest(old, end));
        for (std::size_t i = 0; i < old.size(); ++i) {
            const auto& ra = std::get<accepted_report>(again_a[i]);
            const auto& rb = std::get<accepted_report>(again_b[i]);
            EXPECT_TRUE(ra.repeated);
            EXPECT_EQ(ra.report_id, rb.report_id);
            EXPECT_EQ(ra.incident_id, rb.incident_id);
        }
        // One archived incident, read and changed by id.
        const std::uint64_t first = std::get<accepted_report>(again_a[0]).incident_id;
        ASSERT_EQ(a.get(first).has_value(), true);
        EXPECT_EQ(a.get(first)->audit.size(), b.get(first)->audit.size());
        incident_change reopen;
        reopen.status = a.get(first)->status == incident_status::verified ? incident_status::new_ : incident_status::verified;
        reopen.actor = "operator";
        ASSERT_TRUE(std::holds_alternative<incident>(a.change(first, reopen, end)));
        ASSERT_TRUE(std::holds_alternative<incident>(b.change(first, reopen, end)));
        w.run({&a, &b}, end, 2);
    }
    incident_service a(demo(), archiving.path, {}, {}, six_hours), b(demo(), keeping.path, {}, {}, forever);
    EXPECT_GT(a.restored_from(), 0u);
    const json restored = state_of(a, end + 2 * hour_ms), kept = state_of(b, end + 2 * hour_ms);
    EXPECT_EQ(restored["incidents"], kept["incidents"]);
    EXPECT_EQ(restored["stats"], kept["stats"]);
    EXPECT_EQ(restored["alerts"], kept["alerts"]);
    // Pages of a list walk both the held and the archived incidents in one order.
    incident_filter page;
    page.limit = 7;
    page.before_id = 200;
    std::vector<std::uint64_t> ids_a, ids_b;
    for (const auto& inc : a.list(page))
        ids_a.push_back(inc.id);
    for (const auto& inc : b.list(page))
        ids_b.push_back(inc.id);
    EXPECT_EQ(ids_a, ids_b);
    EXPECT_EQ(ids_a.size(), 7u);
}

// A checkpoint built apart, from the last one and the events since, holds the very bytes of one
// taken from the live state at the same event: also across settled incidents let go of, archived
// ones held again for a change (one refused), repeats, and a restart in between.
TEST(Checkpoint, OneBuiltFromTheLogHasTheBytesOfOneTakenFromTheLiveState)
{
    scratch_dir apart("apart"), live("live");
    service_options six_hours;
    six_hours.settled_horizon_ms = 6 * hour_ms;
    checkpoint_options from_log, under_lock;
    under_lock.from_log = false;
    workload w(23);
    std::size_t evicted = 0;
    const auto newest = [](const scratch_dir& d) { return store::event_log(d.path).latest_checkpoint(); };
    const auto hold_archived_again = [](incident_service& s, std::int64_t now) {
        // The oldest incidents are archived by now: one changed (held again, logged), and one
        // refused a change it cannot take (held again, nothing logged).
        incident_change verify;
        verify.status = incident_status::verified;
        verify.actor = "operator";
        s.change(1, verify, now);
        incident_change to_new;
        to_new.status = incident_status::new_;
        to_new.actor = "operator";
        to_new.note = "reopened by mistake";
        s.change(2, to_new, now);
    };
    std::unique_ptr<incident_service> a, b;
    for (int part = 0; part < 4; ++part) {
        const std::int64_t from = t0 + part * 12 * hour_ms;
        if (part % 2 == 0) {
            // Started afresh (part 2: restarted from the checkpoints part 1 wrote).
            a.reset();
            b.reset();
            a = std::make_unique<incident_service>(demo(), apart.path, engine_config{}, store::event_log_options{},
                                                   six_hours, from_log);
            b = std::make_unique<incident_service>(demo(), live.path, engine_config{}, store::event_log_options{},
                                                   six_hours, under_lock);
        }
        w.run({a.get(), b.get()}, from, 6);
        const std::size_t left_a = a->evict_settled(from + 6 * hour_ms), left_b = b->evict_settled(from + 6 * hour_ms);
        EXPECT_EQ(left_a, left_b);
        evicted += left_a;
        if (part > 0)
            for (auto* s : {a.get(), b.get()})
                hold_archived_again(*s, from + 6 * hour_ms);
        w.run({a.get(), b.get()}, from + 6 * hour_ms, 6);
        for (auto* s : {a.get(), b.get()}) {
            workload::resolve_half(*s, from + 12 * hour_ms - 1);
            s->note_feed("vehicles", from + 11 * hour_ms); // fresh, with no event in the log
        }
        const auto seq_a = a->write_checkpoint(), seq_b = b->write_checkpoint();
        ASSERT_TRUE(seq_a.has_value());
        EXPECT_EQ(seq_a, seq_b);
        const auto bytes_a = newest(apart), bytes_b = newest(live);
        ASSERT_TRUE(bytes_a && bytes_b);
        EXPECT_EQ(bytes_a->first, *seq_a);
        EXPECT_TRUE(bytes_a->second == bytes_b->second) << "part " << part << ": " << bytes_a->second.size() << " bytes against "
                                                       << bytes_b->second.size();
        // Each built from the last (the first from the first event); after the restart, from
        // the one start-up restored.
        EXPECT_EQ(a->last_checkpoint().written_from_log, part % 2 + 1u);
        EXPECT_EQ(a->last_checkpoint().written_from_live, 0u);
        EXPECT_EQ(b->last_checkpoint().written_from_log, 0u);
        // Let go of right after the checkpoint, before any event: the next one makes this first.
        evicted += a->evict_settled(from + 12 * hour_ms);
        b->evict_settled(from + 12 * hour_ms);
    }
    EXPECT_GT(evicted, 100u) << "the workload should settle incidents";
}

// When the last checkpoint cannot be read back (here: deleted behind the server's back), the
// next one is taken from the live state, and a restart from it has the live state.
TEST(Checkpoint, WhenTheLastOneIsGoneTheNextIsTakenFromTheLiveState)
{
    scratch_dir dir("gone");
    workload w(29);
    json live;
    {
        incident_service s(demo(), dir.path);
        w.run({&s}, t0, 6);
        ASSERT_TRUE(s.write_checkpoint());
        {
            sqlite3* db = nullptr;
            ASSERT_EQ(sqlite3_open((dir.path / "events.sqlite").c_str(), &db), SQLITE_OK);
            sqlite3_busy_timeout(db, 5000);
            ASSERT_EQ(sqlite3_exec(db, "DELETE FROM checkpoint_parts", nullptr, nullptr, nullptr), SQLITE_OK);
            sqlite3_close(db);
        }
        w.run({&s}, t0 + 6 * hour_ms, 6);
        ASSERT_TRUE(s.write_checkpoint());
        EXPECT_EQ(s.last_checkpoint().written_from_log, 1u);
        EXPECT_EQ(s.last_checkpoint().written_from_live, 1u);
        live = state_of(s, t0 + 12 * hour_ms);
    }
    incident_service restarted(demo(), dir.path);
    EXPECT_GT(restarted.restored_from(), 0u);
    EXPECT_EQ(restarted.events_replayed(), 0u);
    EXPECT_EQ(state_of(restarted, t0 + 12 * hour_ms), live);
}

TEST(Checkpoint, RetentionDeletesOnlyOldEventsACheckpointCovers)
{
    scratch_dir dir("covered");
    store::event_log_options keep_12h;
    keep_12h.retention_ms = 12 * hour_ms;
    keep_12h.checkpoint_history_ms = 0; // the newest checkpoint only: history_test keeps the past
    workload w(3);
    {
        incident_service s(demo(), dir.path, {}, keep_12h);
        w.run({&s}, t0, 30);
        s.maintain(t0 + 30 * hour_ms); // no checkpoint yet, none due: nothing may go
        EXPECT_EQ(store::event_log(dir.path).first_seq(), 1u);
        ASSERT_TRUE(s.write_checkpoint());
        s.maintain(t0 + 30 * hour_ms);
    }
    store::event_log log(dir.path);
    ASSERT_TRUE(log.first_seq());
    EXPECT_GT(*log.first_seq(), 1u);
    bool old = false;
    log.replay(0, [&](const store::log_event& e) { old = old || e.at_ms < t0 + 18 * hour_ms; });
    EXPECT_FALSE(old) << "an event older than 12 h survived retention";
}

TEST(Checkpoint, MaintainWritesACheckpointAfterTheConfiguredNumberOfEvents)
{
    scratch_dir dir("every");
    checkpoint_options every_100{100, std::chrono::milliseconds(0)};
    workload w(5);
    incident_service s(demo(), dir.path, {}, {}, {}, every_100);
    w.run({&s}, t0, 1);
    s.maintain(t0 + hour_ms);
    const auto first = store::event_log(dir.path).latest_checkpoint();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->first, store::event_log(dir.path).last_seq());
    // Nothing new: no new checkpoint, and an explicit one has nothing to write either.
    s.maintain(t0 + hour_ms);
    EXPECT_FALSE(s.write_checkpoint());
}

TEST(Checkpoint, ACheckpointMadeWithOtherRulesIsSetAsideWhileTheWholeLogIsThere)
{
    scratch_dir dir("rules");
    workload w(13);
    json expected;
    {
        incident_service s(demo(), dir.path);
        w.run({&s}, t0, 6);
        ASSERT_TRUE(s.write_checkpoint());
    }
    const std::vector<threshold_rule> other = {{"flood", "kelurahan", "1h", 2, 1}};
    incident_service with_other_rules(demo(), dir.path, {}, {}, with_rules(other));
    EXPECT_EQ(with_other_rules.restored_from(), 0u);
    EXPECT_GT(with_other_rules.events_replayed(), 100u);
}

TEST(Checkpoint, AnUnusableCheckpointWithDeletedEventsStopsStartUpWithAReason)
{
    scratch_dir dir("unusable");
    store::event_log_options keep_12h;
    keep_12h.retention_ms = 12 * hour_ms;
    keep_12h.checkpoint_history_ms = 0; // the newest checkpoint only: history_test keeps the past
    workload w(17);
    {
        incident_service s(demo(), dir.path, {}, keep_12h);
        w.run({&s}, t0, 30);
        ASSERT_TRUE(s.write_checkpoint());
        s.maintain(t0 + 30 * hour_ms);
    }
    const std::vector<threshold_rule> other = {{"flood", "kelurahan", "1h", 2, 1}};
    try {
        incident_service s(demo(), dir.path, {}, keep_12h, with_rules(other));
        FAIL() << "started without the deleted events";
    } catch (const pantau::error& e) {
        EXPECT_NE(std::string(e.what()).find("retention"), std::string::npos) << e.what();
    }
}

// A look at the past keeps only what it answers (docs/history.md): restored from the same
// checkpoint, read one incident at a time, it holds the same incidents and counts as the live
// state, without the report keys; it never decides and writes no checkpoint. A checkpoint's
// build keeps the report keys it saves. A checkpoint that does not decode is refused, also when
// only one incident, or the engine's framing, is broken.
TEST(Checkpoint, AStateForALookHoldsWhatTheLiveOneHoldsButWhatOnlyDecisionsNeed)
{
    scratch_dir dir("look");
    workload w(23);
    std::string bytes;
    {
        incident_service s(demo(), dir.path);
        w.run({&s}, t0, 12);
        ASSERT_TRUE(s.write_checkpoint());
        store::event_log_options read_only;
        read_only.read_only = true;
        bytes = store::event_log(dir.path, read_only).latest_checkpoint().value().second;
    }
    auto state = [](state_use use) {
        return std::make_unique<incident_state>(demo(), engine_config{}, default_threshold_rules(demo()),
                                                source_health_config{}, timeseries_limits{}, use);
    };
    auto live = state(state_use::live), build = state(state_use::checkpoint_build), past = state(state_use::past);
    for (auto* s : {&live, &build, &past})
        ASSERT_TRUE((*s)->restore(bytes));
    EXPECT_EQ(live->save(), bytes);
    EXPECT_EQ(build->save(), bytes);
    ASSERT_GT(live->engine.incidents().size(), 20u);
    auto rows = [](const incident_engine& e) {
        json out = json::array();
        for (const auto& [id, inc] : e.incidents())
            out.push_back(incident_row(inc));
        return out;
    };
    EXPECT_EQ(rows(past->engine), rows(live->engine));
    const std::int64_t now = t0 + 12 * hour_ms;
    for (std::size_t level = 0; level < demo().size(); ++level)
        EXPECT_EQ(stats_rows(past->stats.all(level, now)), stats_rows(live->stats.all(level, now)));
    const report& sent = w.sent().front();
    EXPECT_TRUE(live->engine.report_id_of(sent.source, sent.external_id));
    EXPECT_FALSE(past->engine.report_id_of(sent.source, sent.external_id));
    EXPECT_THROW(past->engine.accept(sent, district_join{}, now), std::logic_error);
    EXPECT_THROW(build->engine.accept(sent, district_join{}, now), std::logic_error);
    EXPECT_THROW(past->save(), std::logic_error);

    EXPECT_THROW(state(state_use::live)->restore(bytes.substr(0, bytes.size() - 1)), std::invalid_argument);
    checkpoint::v1::Checkpoint second_engine;
    second_engine.mutable_engine()->set_next_report_id(1);
    EXPECT_THROW(state(state_use::live)->restore(bytes + second_engine.SerializeAsString()), std::invalid_argument);
    checkpoint::v1::Checkpoint c;
    ASSERT_TRUE(c.ParseFromString(bytes));
    c.mutable_engine()->mutable_incidents(c.engine().incidents_size() / 2)->set_type("\xff"); // not UTF-8
    EXPECT_THROW(state(state_use::past)->restore(c.SerializeAsString()), std::invalid_argument);
}

TEST(Checkpoint, AFormatOneCheckpointOfTheSameDistrictsIsStillRestored)
{
    // Format 1 (before boundaries could change) named every code in its fingerprint and saved the
    // counters in the loaded districts' order, without Checkpoint.counted.
    auto state = [] { return incident_state(demo(), {}, {}, {}, {}); };
    incident_state before = state();
    const std::vector<std::string> where = {"36.71.01.1001", "36.71.01", "36.71"};
    before.stats.on_report(where, category::disaster, "flood", severity::severe, t0);
    before.series.on_report(where, category::disaster, "flood", severity::severe, t0, t0);
    checkpoint::v1::Checkpoint c;
    ASSERT_TRUE(c.ParseFromString(before.save()));
    auto format_one = [&](const std::vector<stats_level>& levels) {
        std::string fingerprint;
        for (const auto& l : levels) {
            fingerprint += "level " + l.name + ":";
            for (const auto& code : l.codes)
                fingerprint += code + ",";
            fingerprint += "\n";
        }
        checkpoint::v1::Checkpoint old = c;
        old.set_format(1);
        old.set_fingerprint(fingerprint);
        old.clear_counted();
        return old.SerializeAsString();
    };
    incident_state after = state();
    ASSERT_TRUE(after.restore(format_one(before.stats.levels())));
    EXPECT_EQ(after.save(), before.save());
    // Format 1 of other districts cannot say which counter is whose: set aside.
    std::vector<stats_level> other = before.stats.levels();
    other[0].codes.pop_back();
    incident_state refused = state();
    EXPECT_FALSE(refused.restore(format_one(other)));
}

} // namespace
} // namespace pantau::app
