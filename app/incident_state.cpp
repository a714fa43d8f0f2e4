#include "app/incident_state.hpp"

#include "core/error.hpp"
#include "wire/report_proto.hpp"

#include "checkpoint.pb.h"
#include "pantau.pb.h"

#include <google/protobuf/arena.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/wire_format_lite.h>

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <unordered_set>

namespace pantau::app {
namespace {

// 2: the counters are saved with the districts they count in (Checkpoint.counted).
constexpr std::uint32_t checkpoint_format = 2;
constexpr std::uint32_t format_with_codes_in_fingerprint = 1;

// The levels and rules; with_codes: every code too, as format 1 wrote it.
std::string state_fingerprint(const std::vector<stats_level>& levels, const std::vector<threshold_rule>& rules,
                              bool with_codes)
{
    std::string f;
    for (const auto& l : levels) {
        f += "level " + l.name + ":";
        if (with_codes)
            for (const auto& c : l.codes)
                f += c + ",";
        f += "\n";
    }
    for (const auto& r : rules)
        f += "rule " + r.type_or_category + " " + r.level + " " + r.window + " " + std::to_string(r.raise_at) + " " +
             std::to_string(r.clear_below) + "\n";
    return f;
}

google::protobuf::ArenaOptions checkpoint_arena_options()
{
    google::protobuf::ArenaOptions o;
    o.start_block_size = 64 << 10;
    o.max_block_size = 4 << 20;
    return o;
}

// One field of a message's wire form: its number, its whole encoding (tag and value), and the
// value of a length-delimited one (a string or a message).
struct wire_field {
    int number = 0;
    std::string_view whole;
    std::string_view value;
};

// Calls f with each field of the message `bytes`, in order, without parsing the values; false
// when the fields do not decode.
template <class F>
bool for_each_field(std::string_view bytes, F&& f)
{
    using google::protobuf::internal::WireFormatLite;
    google::protobuf::io::CodedInputStream in(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                              static_cast<int>(bytes.size()));
    while (true) {
        const auto start = static_cast<std::size_t>(in.CurrentPosition());
        const std::uint32_t tag = in.ReadTag();
        if (tag == 0)
            return start == bytes.size(); // the end, or a tag that does not decode
        wire_field field{WireFormatLite::GetTagFieldNumber(tag), {}, {}};
        if (WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
            std::uint32_t length = 0;
            if (!in.ReadVarint32(&length))
                return false;
            const auto at = static_cast<std::size_t>(in.CurrentPosition());
            if (length > bytes.size() - at || !in.Skip(static_cast<int>(length)))
                return false;
            field.value = bytes.substr(at, length);
        } else if (!WireFormatLite::SkipField(&in, tag)) {
            return false;
        }
        field.whole = bytes.substr(start, static_cast<std::size_t>(in.CurrentPosition()) - start);
        f(field);
    }
}

incident_engine::keeps engine_keeps(state_use use)
{
    switch (use) {
    case state_use::live:
        return incident_engine::keeps::everything;
    case state_use::checkpoint_build:
        return incident_engine::keeps::what_replays_need;
    case state_use::past:
        break;
    }
    return incident_engine::keeps::incidents_only;
}

bool parse(google::protobuf::MessageLite& m, std::string_view bytes)
{
    return m.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
}

std::size_t district_count(const std::vector<stats_level>& levels)
{
    std::size_t n = 0;
    for (const auto& l : levels)
        n += l.codes.size();
    return n;
}

// The loaded districts, then each saved district they lack, appended to its level in the saved
// order: a district of earlier boundaries keeps its counts (docs/boundaries.md).
std::vector<stats_level> with_retired(std::vector<stats_level> loaded, const std::vector<stats_level>& saved)
{
    for (const auto& level : saved) {
        auto here = std::find_if(loaded.begin(), loaded.end(), [&](const stats_level& l) { return l.name == level.name; });
        if (here == loaded.end())
            continue; // another level: the fingerprint has refused it already
        std::unordered_set<std::string> known(here->codes.begin(), here->codes.end());
        for (const auto& code : level.codes)
            if (known.insert(code).second)
                here->codes.push_back(code);
    }
    return loaded;
}

// An incident's paths (for_each_stats_path), kept for comparison.
std::vector<std::vector<std::string>> stats_paths(const incident& inc)
{
    std::vector<std::vector<std::string>> out;
    for_each_stats_path(inc.districts, inc.covers, [&](const std::vector<std::string>& path) { out.push_back(path); });
    return out;
}

incident_change change_of(const pantau::v1::IncidentChanged& c)
{
    incident_change change;
    if (c.status() != pantau::v1::STATUS_UNSPECIFIED)
        change.status = static_cast<incident_status>(c.status());
    if (c.has_assignee())
        change.assignee = c.assignee();
    if (c.has_agency()) {
        change.agency = c.agency();
        change.agency_was = c.agency_was();
    }
    if (!c.note().empty())
        change.note = c.note();
    change.actor = c.actor();
    change.media_url = c.media_url();
    change.reason = c.reason();
    return change;
}

} // namespace

std::vector<stats_level> stats_levels(const geo::hierarchy& h)
{
    std::vector<stats_level> levels;
    for (std::size_t i = 0; i < h.size(); ++i) {
        stats_level l{h.at(i).name(), {}};
        for (const auto& d : h.at(i).districts())
            l.codes.push_back(d.code);
        levels.push_back(std::move(l));
    }
    return levels;
}

incident_state::incident_state(const geo::hierarchy& districts, engine_config engine_config,
                               std::vector<threshold_rule> rules, source_health_config sources_config,
                               timeseries_limits series_limits, state_use use)
    : engine(std::move(engine_config), engine_keeps(use)), stats(stats_levels(districts), std::move(rules)),
      sources(std::move(sources_config)), series(stats_levels(districts), series_limits), districts_(&districts),
      use_(use), fingerprint_(state_fingerprint(stats_levels(districts), stats.rules(), false))
{
}

std::string incident_state::save() const
{
    if (use_ == state_use::past)
        throw std::logic_error("incident_state: a past state has no time series to save");
    // A state of 200k incidents is millions of small messages: one arena builds and frees them
    // at a fraction of the cost of one allocation each (ingest waits while this runs).
    google::protobuf::Arena arena(checkpoint_arena_options());
    auto& c = *google::protobuf::Arena::CreateMessage<checkpoint::v1::Checkpoint>(&arena);
    c.set_format(checkpoint_format);
    c.set_fingerprint(fingerprint_);
    c.set_boundaries(districts_->version());
    for (auto& level : stats.levels()) {
        auto* counted = c.add_counted();
        counted->set_name(level.name);
        for (auto& code : level.codes)
            counted->add_codes(std::move(code));
    }
    engine.save(*c.mutable_engine());
    stats.save(*c.mutable_stats());
    series.save(*c.mutable_timeseries());
    for (auto& [name, last_ms] : sources.last_reports()) {
        auto* s = c.add_sources();
        s->set_source(name);
        s->set_last_report_ms(last_ms);
    }
    // Sized once: a string grown as it is written would copy the whole state several times.
    const std::size_t size = c.ByteSizeLong();
    if (size > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        throw error("checkpoint: the state is " + std::to_string(size >> 20) +
                    " MiB, beyond the 2 GiB that one protobuf message can hold");
    std::string out(size, '\0');
    {
        google::protobuf::io::ArrayOutputStream stream(out.data(), static_cast<int>(out.size()));
        google::protobuf::io::CodedOutputStream coded(&stream);
        coded.SetSerializationDeterministic(true);
        c.SerializeWithCachedSizes(&coded);
    }
    return out;
}

bool incident_state::restore(std::string_view bytes)
{
    using checkpoint::v1::Checkpoint;
    using checkpoint::v1::Engine;
    // The engine's incidents are most of a checkpoint. Parsed all at once, a year's 190k of them
    // take 270 MiB of messages (3.5 times their bytes), each page of it touched and freed for a
    // moment: they are parsed one at a time into one message instead, after everything else has
    // been parsed and checked. What this state does not keep is not parsed at all.
    const bool past = use_ == state_use::past;
    std::string rest, engine_rest;
    std::optional<std::string_view> engine_bytes; // none: the default engine, as protobuf reads it
    bool engine_twice = false; // written once: more would be merged, which this reading does not do
    std::vector<std::string_view> incidents;
    const bool decoded = for_each_field(bytes, [&](const wire_field& f) {
        if (f.number == Checkpoint::kEngineFieldNumber) {
            engine_twice = engine_twice || engine_bytes.has_value();
            engine_bytes = f.value;
        } else if (!(past && f.number == Checkpoint::kTimeseriesFieldNumber)) {
            rest.append(f.whole);
        }
    });
    const bool engine_decoded = for_each_field(engine_bytes.value_or(""), [&](const wire_field& e) {
        if (e.number == Engine::kIncidentsFieldNumber)
            incidents.push_back(e.value);
        else if (!(past && e.number == Engine::kReportKeysFieldNumber))
            engine_rest.append(e.whole);
    });
    google::protobuf::Arena arena(checkpoint_arena_options());
    auto& c = *google::protobuf::Arena::CreateMessage<Checkpoint>(&arena);
    auto& engine_state = *google::protobuf::Arena::CreateMessage<Engine>(&arena);
    if (!decoded || engine_twice || !engine_decoded || !parse(c, rest) || !parse(engine_state, engine_rest))
        throw std::invalid_argument("it cannot be decoded");
    std::vector<stats_level> saved;
    if (c.format() == checkpoint_format && c.fingerprint() == fingerprint_) {
        for (const auto& level : c.counted())
            saved.push_back({level.name(), {level.codes().begin(), level.codes().end()}});
    } else if (c.format() == format_with_codes_in_fingerprint &&
               c.fingerprint() == state_fingerprint(stats.levels(), stats.rules(), true)) {
        saved = stats.levels(); // the same districts, in the same order
    } else {
        return false;
    }
    // Districts of earlier boundaries that the checkpoint still counts in are counted here too.
    const std::vector<stats_level> counted = with_retired(stats.levels(), saved);
    restored_boundaries_ = {c.boundaries(), district_count(counted) - district_count(stats.levels()),
                            district_count(counted) - district_count(saved)};
    if (district_count(counted) != district_count(stats.levels())) {
        stats = district_stats(counted, stats.rules(), stats.limits());
        series = report_timeseries(counted, series.limits());
    }
    checkpoint::v1::Incident incident;
    std::size_t next = 0;
    engine.restore(engine_state, [&]() -> const checkpoint::v1::Incident* {
        if (next == incidents.size())
            return nullptr;
        if (!parse(incident, incidents[next++]))
            throw std::invalid_argument("an incident cannot be decoded");
        return &incident;
    });
    stats.restore(c.stats(), saved);
    if (use_ != state_use::past)
        series.restore(c.timeseries(), saved);
    for (const auto& s : c.sources())
        sources.on_report(s.source(), s.last_report_ms());
    return true;
}

std::uint64_t incident_state::apply(const store::log_event& e, const archive_reader& archived)
{
    pantau::v1::Event event;
    if (!event.ParseFromString(e.payload))
        throw error("event log: event " + std::to_string(e.seq) + " cannot be decoded");
    if (event.has_report()) {
        const auto& accepted = event.report();
        district_join where;
        // Level names → index, so a log written with the same levels in another order still reads.
        where.codes.resize(districts_->size());
        for (const auto& ref : accepted.districts()) {
            if (auto level = districts_->level_index(ref.level()))
                where.codes[*level] = ref.code();
        }
        for (const auto& share : accepted.covers()) {
            if (auto level = districts_->level_index(share.level()))
                where.covers.push_back({static_cast<std::uint32_t>(*level), share.code(), share.district_fraction(),
                                        share.area_fraction()});
        }
        report r = wire::to_report(accepted.report());
        // Once retention has deleted an original, the log no longer knows its key and takes a
        // repeat as a new event, with the original's report id: a report id the engine has
        // already given is a repeat, and changes nothing.
        if (accepted.report_id() <= engine.last_report_id())
            return 0;
        // An area's point came from the geo join, not from the source: it is logged beside it.
        r.lon = accepted.placed_at().lon();
        r.lat = accepted.placed_at().lat();
        // Opened, or reopened (an auto-closed incident): count_decision counts it open if it is.
        const incident* prior = engine.find(accepted.incident_id());
        const bool opened = !prior || !is_open(prior->status);
        const auto before = alert_before(r);
        engine.replay_accept(r, where, accepted.report_id(), accepted.incident_id(), e.at_ms);
        count_decision(r, where, before, *engine.find(accepted.incident_id()), opened, e.at_ms);
        sources.on_report(r.source, e.at_ms);
        return accepted.incident_id();
    }
    if (event.has_change()) {
        const auto& c = event.change();
        if (!engine.find(c.incident_id()))
            readmit(c.incident_id(), archived, e.at_ms); // as the live change did
        const incident* before = engine.find(c.incident_id());
        const incident_status status_before = before ? before->status : incident_status::new_;
        auto changed = engine.change(c.incident_id(), change_of(c), e.at_ms);
        if (auto* inc = std::get_if<const incident*>(&changed)) {
            count_status_change(**inc, status_before);
            return c.incident_id();
        }
    }
    return 0;
}

bool incident_state::readmit(std::uint64_t id, const archive_reader& archived, std::int64_t before_ms)
{
    const auto bytes = archived(id, before_ms);
    checkpoint::v1::Incident state;
    if (!bytes || !state.ParseFromString(*bytes))
        return false;
    engine.readmit(engine.restore_incident(state));
    return true;
}

std::optional<incident_state::counted_state> incident_state::alert_before(const report& r) const
{
    const incident* inc = engine.find_alert(r);
    if (!inc)
        return std::nullopt;
    return counted_state{stats_paths(*inc), is_open(inc->status), inc->last_report_ms};
}

void incident_state::count_decision(const report& r, const district_join& where,
                                    const std::optional<counted_state>& before, const incident& after, bool opened,
                                    std::int64_t at_ms)
{
    auto count_report_in = [&](const std::vector<std::string>& path) {
        stats.on_report(path, r.category, r.type, r.severity, r.observed_at_ms);
        if (use_ != state_use::past)
            series.on_report(path, r.category, r.type, r.severity, r.observed_at_ms, at_ms);
    };
    if (before) {
        // A version of a known alert: it counts once where the alert already counted, so only
        // the districts it newly covers see a report. An older version arriving late changes
        // nothing (the engine kept the latest).
        if (r.observed_at_ms < before->last_report_ms)
            return;
        if (before->open)
            for (const auto& path : before->paths)
                stats.on_incident_closed(path, after.category);
        for_each_stats_path(after.districts, after.covers, [&](const std::vector<std::string>& path) {
            if (std::find(before->paths.begin(), before->paths.end(), path) == before->paths.end())
                count_report_in(path);
            if (is_open(after.status))
                stats.on_incident_opened(path, after.category);
        });
        return;
    }
    for_each_stats_path(where.codes, where.covers, count_report_in);
    // A first version that already cancels, or a report past its type's auto-close time, opened
    // its incident closed; a report that reopened an auto-closed incident counts it open again.
    if (opened && is_open(after.status))
        for_each_stats_path(after.districts, after.covers, [&](const std::vector<std::string>& path) {
            stats.on_incident_opened(path, after.category);
        });
}

void incident_state::count_status_change(const incident& inc, incident_status before)
{
    const bool closed = is_open(before) && !is_open(inc.status);
    const bool reopened = !is_open(before) && is_open(inc.status);
    if (!closed && !reopened)
        return;
    for_each_stats_path(inc.districts, inc.covers, [&](const std::vector<std::string>& path) {
        if (closed)
            stats.on_incident_closed(path, inc.category);
        else
            stats.on_incident_opened(path, inc.category);
    });
}

} // namespace pantau::app
