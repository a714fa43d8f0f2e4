#pragma once

// The incident engine (DESIGN §2): turns accepted reports into incidents — dedup by type,
// radius and time window — and keeps each incident's lifecycle with an audit trail. Pure logic:
// no I/O, no clock, no locking; the caller serialises calls and makes them durable.

#include "core/report.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

namespace pantau::checkpoint::v1 {
class Engine;
class Incident;
}

namespace pantau {

enum class incident_status : std::uint8_t {
    new_ = 1, verified = 2, dispatched = 3, in_progress = 4, resolved = 5, closed = 6, rejected = 7, duplicate = 8
};
std::string_view to_string(incident_status s);
std::optional<incident_status> incident_status_from_string(std::string_view s);
// Open incidents still need someone: new, verified, dispatched, in progress.
bool is_open(incident_status s);

struct dedup_rule {
    double radius_m = 150;
    std::int64_t window_ms = 2 * 60 * 60 * 1000;
};

// DESIGN §8: Kota Tangerang's responsible agency (OPD) per report type (docs/config.md).
std::map<std::string, std::string, std::less<>> default_agencies();
// The key of a routing rule for a type in one district: "TYPE@CODE", as the config writes it.
std::string agency_rule_key(std::string_view type, std::string_view district_code);

// One event, whoever reports it (docs/config.md, "[dedup]"): a citizen's complaint/flood and
// BPBD's disaster/flood at the same place and time are one incident. Keyed "CATEGORY/TYPE", the
// name of the group of kinds that join one another. By default each of flood, fire, fallen_tree,
// traffic_jam and accident is one group across the three categories.
std::map<std::string, std::string, std::less<>> default_dedup_groups();
// "complaint/flood": how the config and the groups write a kind of report.
std::string kind_key(category c, std::string_view type);

// Incidents that age (docs/config.md, "[autoclose]"; docs/ingest.md, "Incidents that age"): how
// long after its last report an open incident of a type closes by itself. Jams, crashes and
// closures clear within hours; floods, fires and weather warnings within a day.
std::map<std::string, std::int64_t, std::less<>> default_autoclose();
inline constexpr std::int64_t default_autoclose_other_ms = 24LL * 60 * 60 * 1000;
// The actor of what the engine does by itself: auto-closes and the reopenings that undo them.
inline constexpr std::string_view system_actor = "system";

struct engine_config {
    dedup_rule default_rule;
    std::map<std::string, dedup_rule, std::less<>> rule_by_type; // e.g. "flood" → 1 km, 6 h
    const dedup_rule& rule_for(std::string_view type) const;
    // Kinds of report in one group join each other's incidents; any other kind only its own.
    std::map<std::string, std::string, std::less<>> dedup_group = default_dedup_groups();
    // The dedup group of a kind: its group's name, or its own kind_key.
    std::string dedup_group_of(category c, std::string_view type) const;

    // Routing (docs/config.md, "[agencies]"): the agency an incident goes to, set when it opens
    // (and again on replay, so a changed table applies to the incidents held). A rule for its type
    // in one of its districts wins over the type's own rule, the finest district first. ""
    // means none: the duty officer routes it.
    std::map<std::string, std::string, std::less<>> agency_by_type = default_agencies();
    // Keyed agency_rule_key(TYPE, CODE): TYPE in the district CODE (any level), and so in every
    // district inside it.
    std::map<std::string, std::string, std::less<>> agency_by_type_in_district;
    std::string default_agency;
    // `districts`: the incident's district path, a code per level, finest first.
    const std::string& agency_for(std::string_view type, const std::vector<std::string>& districts) const;

    // Auto-close (docs/config.md, "[autoclose]"): per type, how long after its last report an
    // open incident closes by itself, 0 for never; every other type takes autoclose_default_ms.
    std::map<std::string, std::int64_t, std::less<>> autoclose_by_type = default_autoclose();
    std::int64_t autoclose_default_ms = default_autoclose_other_ms;
    // 0 (never) for complaints: they wait for their agency and turn overdue (core/sla.hpp).
    std::int64_t autoclose_after(category c, std::string_view type) const;
};

struct audit_entry {
    std::int64_t at_ms = 0;
    std::string actor;
    std::string what; // e.g. "status: new → verified", "assignee: Dinas PU", "note: ..."
    // An "after" photo the change attached (incident_change::media_url); "" for none. Its
    // initialiser lets {at, actor, what} leave it out without -Wmissing-field-initializers.
    std::string media_url = {};
    bool operator==(const audit_entry&) const = default;
};

// Reading the audit trail, next to the engine that writes it ("status: FROM → TO[ (why)]",
// "note: TEXT"): what the SLA, CAP out and Open311 need to know of an incident's history, so
// only this file knows the wording.
// The status this entry set, when it is a status change.
std::optional<incident_status> status_set_by(const audit_entry& a);
// Why the engine set it ("cancelled", "expired", ...): the text in parentheses; "" for none.
std::string_view status_reason(const audit_entry& a);
// An operator's note (incident_change::note); nullopt when the entry is something else.
std::optional<std::string_view> note_of(const audit_entry& a);
// The status a status change left ("status: FROM → TO"); nullopt for other entries.
std::optional<incident_status> status_left_by(const audit_entry& a);

// A photo link of an incident (docs/ingest.md, "Photos"): one of its reports' media_urls, or an
// operator's "after" photo (LAKSA's before/after). Only the link: pantau never fetches it.
enum class photo_kind : std::uint8_t { report = 0, after = 1 };
std::string_view to_string(photo_kind k);
struct incident_photo {
    std::uint64_t report_id = 0; // the report it came with; 0 for an after photo
    std::int64_t at_ms = 0;      // when that report was accepted, or the change made
    std::string url;
    photo_kind kind = photo_kind::report;
    bool operator==(const incident_photo&) const = default;
};
// The bound of an incident's photo list, per kind: the first ones are kept. The first reports'
// photos are the "before"; the later ones of a busy incident mostly repeat them, and stay in
// the event log with their reports. An after photo past the bound stays in its audit entry.
inline constexpr std::size_t max_report_photos = 48;
inline constexpr std::size_t max_after_photos = 16;

// A district an area covers (geo::locator::overlap), named when the overlap is at least the
// configured share of the district or of the area (docs/ingest.md, "Area incidents").
struct district_share {
    std::uint32_t level = 0; // index of the level, finest first
    std::string code;
    double district_fraction = 0; // covered area / district area
    double area_fraction = 0;     // covered area / the area's area
    bool operator==(const district_share&) const = default;
};

// Where a report is, as the geo join found it: one code per level (finest first; "" for none)
// and, for an area, every district it covers. An area's `codes` are, per level, the covered
// district with the largest overlap: the one an area is listed under where one name is shown.
struct district_join {
    std::vector<std::string> codes;
    std::vector<district_share> covers; // by level, then code; empty for points
};

// Where a report or an incident counts, as district_stats takes codes: calls f(path) once with
// `codes` (a code per level) when there are no covers, else once per covered district with a
// path that holds only that district's level. No copy for a point: this is on every report's way.
// Without covers, an area is outside every district (its codes are empty) or comes from a log
// written before areas had covers, when it counted under one point: it keeps counting there.
template <class F>
void for_each_stats_path(const std::vector<std::string>& codes, const std::vector<district_share>& covers, F&& f)
{
    if (covers.empty()) {
        f(codes);
        return;
    }
    std::vector<std::string> path(codes.size());
    for (const district_share& d : covers) {
        if (d.level >= path.size())
            continue;
        path[d.level] = d.code;
        f(path);
        path[d.level].clear();
    }
}

// What the live stream shows of an incident: all of it but its report ids and audit trail, which
// grow without bound. The change feed hands these over, so a batch costs the same for an incident
// with a long history as for a new one.
struct incident_summary {
    std::uint64_t id = 0;
    pantau::category category = pantau::category::complaint;
    std::string type;
    pantau::severity severity = pantau::severity::unknown; // the highest of its reports
    incident_status status = incident_status::new_;
    double lon = 0, lat = 0;  // where its first report was (the centre, for areas)
    std::string area_geojson; // set when the incident is an area (polygon reports; circles as GeoJSON)
    std::vector<std::string> districts; // a code per district level, finest first; empty = outside
    std::vector<district_share> covers; // an area's districts at every level; empty for points
    std::int64_t first_report_ms = 0, last_report_ms = 0;
    std::uint32_t report_count = 0;
    std::vector<std::string> sources; // each source once, in order of first report
    std::string assignee;
    std::string agency; // responsible agency by type (engine_config::agency_for); "" for none
    std::string title; // the first report's text (an alert's latest), for lists
    // An alert (report::alert_key): its key, headline and when it ends by itself (0: never).
    std::string alert_key;
    std::string headline;
    std::int64_t expires_at_ms = 0;

    // A code of any level names it: its district path, or any district it covers.
    bool in_district(std::string_view code) const;
};

struct incident : incident_summary {
    std::vector<std::uint64_t> report_ids;
    std::vector<audit_entry> audit;
    std::vector<incident_photo> photos; // in the order they came, bounded per kind (max_*_photos)
    // An operator set the agency (incident_change::agency): kept as set, also when a restart
    // meets a changed [agencies] table.
    bool agency_by_operator = false;

    // Its latest report or operator change.
    std::int64_t changed_at_ms() const;
};

// What became of one report.
struct ingest_decision {
    std::uint64_t report_id = 0;
    std::uint64_t incident_id = 0;
    bool opened_incident = false;
    bool repeated = false; // the same (source, external_id) was accepted before: nothing changed
    // A later version of an alert replaced the incident's place and state (report::alert_key).
    bool new_version = false;
    // The report reopened an auto-closed incident (incident_engine::accept).
    bool reopened = false;
};

struct incident_change {
    std::optional<incident_status> status;
    std::optional<std::string> assignee;
    std::optional<std::string> note;
    std::string actor;
    std::optional<std::string> agency; // an operator's reassignment ("" for none): routing no longer applies
    // On replay only: the agency the incident had when the reassignment was made, for its audit
    // entry (a changed [agencies] table may route it elsewhere now).
    std::optional<std::string> agency_was;
    // An "after" photo (a link the caller checked with media_url_problem): attached to the
    // change's last audit entry (one of its own when the change makes none) and to the photos.
    std::string media_url = {};
    // An agency's own change (docs/security.md, "Agency tokens"): refused as "forbidden" unless
    // the incident is routed to this agency at the moment of the change. Not logged.
    std::optional<std::string> only_for_agency;
    // Why the status changes, written in its audit entry's parentheses ("auto-closed after 3 h
    // without reports"); "" for an operator's change. Logged with the change.
    std::string reason = {};
};

struct change_error {
    std::string code;    // "not_found", "invalid_transition", "empty_change"
    std::string message;
};

class incident_engine {
public:
    // What an engine keeps besides its incidents. One that decides keeps everything. One that
    // only re-applies logged decisions (a checkpoint's build) keeps no dedup index and no report
    // → incident map: only accept() reads them. One that is only asked about its incidents (a
    // look at the past) keeps no report keys either: nothing it is asked or saves needs them.
    // Each left out is restored, replayed and freed for nothing otherwise. accept() on an engine
    // that does not decide throws std::logic_error.
    enum class keeps { everything, what_replays_need, incidents_only };

    explicit incident_engine(engine_config config = {}, keeps what = keeps::everything);
    incident_engine(const incident_engine&) = delete;
    incident_engine& operator=(const incident_engine&) = delete;
    // Replaced whole when the incident service rebuilds its state from the event log.
    incident_engine& operator=(incident_engine&&) = default;

    // Decides and applies. A report of an alert (alert_key set) joins the incident of the same
    // source's alert with that key or one it references, and when it is the latest version
    // replaces the incident's place, severity, texts and expiry (a cancelling version closes
    // it); else it opens one. Any other point report joins the nearest open incident of its
    // category and type within the type's radius and time window, or opens a new one; other
    // areas open their own.
    ingest_decision accept(const report& r, const district_join& where, std::int64_t accepted_at_ms);
    // A point's districts: its code per level (empty string: none).
    ingest_decision accept(const report& r, const std::vector<std::string>& districts, std::int64_t accepted_at_ms)
    {
        return accept(r, district_join{districts, {}}, accepted_at_ms);
    }

    // Re-applies a decision read back from the event log, with the ids it had; used on start-up.
    void replay_accept(const report& r, const district_join& where, std::uint64_t report_id, std::uint64_t incident_id,
                       std::int64_t accepted_at_ms);

    // The incident a report of an alert would join: by its key, then its references; nullptr
    // for none (and for reports that are not alerts).
    const incident* find_alert(const report& r) const;
    // The open incidents of `source`'s alerts, in no order: a feed that lists every alert in
    // force (GTFS-Realtime FULL_DATASET) cancels those it no longer names.
    std::vector<const incident*> open_alerts(std::string_view source) const;
    // Open alerts whose expiry is at or before now_ms, by expiry: the service closes each, logged.
    std::vector<std::uint64_t> expired_alerts(std::int64_t now_ms) const;
    // Open incidents whose auto-close time (last report + engine_config::autoclose_after) is at or
    // before now_ms, the earliest first, at most `limit`: the service closes each with
    // auto_close_change, logged (core/incident_aging.cpp).
    std::vector<std::uint64_t> due_to_close(std::int64_t now_ms, std::size_t limit) const;
    // The change that auto-closes an incident: closed, by the system actor, with the reason.
    incident_change auto_close_change(const incident& inc) const;

    // Status, assignee, agency and note changes and after photos, each audited. Any status may follow any other except
    // that nothing follows itself; an empty change is an error.
    std::variant<const incident*, change_error> change(std::uint64_t id, const incident_change& c, std::int64_t at_ms);

    const incident* find(std::uint64_t id) const;
    std::optional<std::uint64_t> report_id_of(std::string_view source, std::string_view external_id) const;
    // Every incident, by id.
    const std::map<std::uint64_t, incident>& incidents() const { return incidents_; }
    std::uint64_t last_report_id() const { return next_report_id_ - 1; }
    std::uint64_t last_incident_id() const { return next_incident_id_ - 1; }

    // The whole state, for a checkpoint (deterministic: the same state gives the same bytes), and
    // back; restore replaces everything and rebuilds the indexes that follow from the incidents.
    void save(checkpoint::v1::Engine& out) const;
    void restore(const checkpoint::v1::Engine& in);
    // The same with the incidents given one at a time (in.incidents() is not read): each call of
    // next_incident returns the next, valid until the following call, or nullptr after the last.
    void restore(const checkpoint::v1::Engine& in,
                 const std::function<const checkpoint::v1::Incident*()>& next_incident);

    // Bounded memory (docs/ingest.md, "Bounded memory"). Settled: not open, and not changed since
    // before `before_ms`; by id. The caller archives them, then evicts those still settled (a
    // change meanwhile keeps one): each leaves with its report keys, alert keys and dedup entry.
    // A repeat of one of its reports is then new to the engine: the caller asks the log
    // (incident_service::ingest). Returns how many left.
    std::vector<std::uint64_t> settled(std::int64_t before_ms) const;
    std::size_t evict(const std::vector<std::uint64_t>& ids, std::int64_t before_ms);
    // An archived incident (from restore_incident) held again, since an operator changes it: as
    // restore() holds one. Its reports' keys stay with the log. Nothing when the id is held.
    void readmit(incident inc);
    // One incident as a checkpoint and the archive hold it, and back: routed by `config`'s table
    // unless an operator chose its agency.
    static void save_incident(const incident& inc, checkpoint::v1::Incident* out);
    static incident restore_incident(const checkpoint::v1::Incident& in, const engine_config& config);
    incident restore_incident(const checkpoint::v1::Incident& in) const { return restore_incident(in, config_); }

private:
    // The dedup index: open point incidents of one category and type, by a grid cell as wide as
    // the type's radius and by the time slot (as long as the type's window) of their last report.
    // A report looks only at the cells within its radius and the slots within its window, so
    // incidents long past their window (the backlog nobody closed) are never scanned, and the
    // answer is the same as a scan of every open incident. Entries carry what the decision needs.
    struct cell_key {
        std::int64_t x, y, slot;
        bool operator==(const cell_key&) const = default;
    };
    struct cell_hash {
        std::size_t operator()(const cell_key& k) const
        {
            return std::hash<std::int64_t>()((k.x * 0x9E3779B97F4A7C15LL ^ k.y) * 0xBF58476D1CE4E5B9LL ^ k.slot);
        }
    };
    struct indexed_point {
        std::uint64_t id;
        double lon, lat;
        std::int64_t last_report_ms;
        bool open; // false: auto-closed, joined (and so reopened) only when no open one is near
    };
    struct spatial_bucket {
        double cell_deg = 0;      // the type's radius in degrees of latitude
        std::int64_t slot_ms = 0; // the type's window
        std::unordered_map<cell_key, std::vector<indexed_point>, cell_hash> cells;
        cell_key key_of(double lon, double lat, std::int64_t last_report_ms) const;
    };

    static void add_photo(incident& inc, incident_photo photo);
    // Holds an incident restored or readmitted, with the indexes that follow from it.
    void hold(incident inc);
    std::optional<std::uint64_t> nearest_open(const report& r) const;
    incident& open_incident(const report& r, const district_join& where, std::uint64_t id);
    void join(incident& inc, const report& r, const district_join& where, std::uint64_t report_id,
              std::int64_t accepted_at_ms);
    void apply_version(incident& inc, const report& r, const district_join& where, std::uint64_t report_id,
                       std::int64_t accepted_at_ms);
    void set_status(incident& inc, incident_status to, const std::string& actor, std::int64_t at_ms,
                    std::string_view why = {});
    void index_alert(const incident& inc);
    static std::string alert_index_key(std::string_view source, std::string_view alert_key);
    void index_point(const incident& inc);
    void unindex_point(const incident& inc, std::int64_t last_report_ms);
    void reindex_point(const incident& inc, std::int64_t indexed_with_ms);
    std::string bucket_of(category c, std::string_view type) const;
    // Aging (core/incident_aging.cpp). When an incident ends by itself, as it is now: its alert's
    // expiry, else its last report plus its type's auto-close time; nullopt for never.
    std::optional<std::int64_t> end_of(const incident& inc) const;
    // When the upkeep auto-closes it: end_of for an open incident without an expiry.
    std::optional<std::int64_t> close_due(const incident& inc) const;
    // Moves it in closing_ from `due_before` (its close_due before a change) to where it is now.
    void refile_due(const incident& inc, std::optional<std::int64_t> due_before);
    // A report past its type's auto-close time when accepted leaves its new incident closed.
    void close_if_past_end(incident& inc, std::int64_t at_ms);
    // A report that joined an auto-closed incident reopens it, unless the incident is past its
    // end even with this report.
    void reopen_if_auto_closed(incident& inc, const report& r, std::uint64_t report_id, std::int64_t at_ms);

    engine_config config_;
    std::map<std::uint64_t, incident> incidents_;
    std::unordered_map<std::string, spatial_bucket> open_points_; // by category + type
    keeps keeps_;
    std::unordered_map<std::string, std::uint64_t> report_by_key_;  // source \x1f external_id → report id
    std::unordered_map<std::uint64_t, std::uint64_t> incident_of_report_;
    // Alerts: source \x1f key (the first version's and every later one's) → incident id, and the
    // open ones that expire, by expiry.
    std::unordered_map<std::string, std::uint64_t> incident_of_alert_;
    std::set<std::pair<std::int64_t, std::uint64_t>> expiring_;
    // Open incidents that auto-close, by close_due: derived from the incidents, never saved.
    std::set<std::pair<std::int64_t, std::uint64_t>> closing_;
    std::uint64_t next_report_id_ = 1;
    std::uint64_t next_incident_id_ = 1;
};

// Whether the incident's latest status change was an auto-close (closed by the system actor, the
// reason "auto-closed ..."): such an incident is reopened by a report that joins it and has no SLA.
bool auto_closed(const incident& inc);

// Great-circle distance in metres (spherical Earth, mean radius): plenty for 150 m decisions.
double distance_m(double lon1, double lat1, double lon2, double lat2);

} // namespace pantau
