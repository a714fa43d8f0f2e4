#pragma once

// pantau's threshold alerts published as CAP 1.2 (OASIS Common Alerting Protocol) documents and
// an Atom 1.0 feed that links them (GET /api/v1/alerts.atom, GET /api/v1/alerts/{id}.cap), so
// other systems and other pantau nodes can subscribe. Pure: alerts and districts in, XML out.
// The mapping is in docs/feeds.md, "CAP out".

#include "core/district_stats.hpp"
#include "core/incident_engine.hpp"
#include "geo/hierarchy.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pantau::api {

inline constexpr std::string_view cap_media_type = "application/cap+xml";
inline constexpr std::string_view atom_media_type = "application/atom+xml";

struct cap_out_options {
    // CAP <sender>, and the node's name inside every identifier, so identifiers stay unique
    // across nodes. Must pass valid_cap_sender.
    std::string sender = default_cap_sender();
    // A district outline as CAP polygons: its largest outer rings, each thinned to at most this
    // many points, so a detailed boundary file does not make a megabyte alert.
    std::size_t max_polygons = 4;
    std::size_t max_ring_points = 100;

    static std::string default_cap_sender(); // "pantau@" and the host name
};

// CAP 1.2 §3.2.1: sender and identifier must not hold spaces, commas or restricted characters
// (< and &). Also at most 255 bytes and not empty.
bool valid_cap_sender(std::string_view sender);

// CAP's dateTime: "2026-11-28T10:15:00+00:00" (UTC, whole seconds, "-00:00"/"Z" not allowed).
std::string cap_time(std::int64_t ms);

// The identifier of the alert's first message (msgType Alert): "<sender>:alert:<id>:<raised ms>".
// The raise time keeps it unique should alert ids ever start again (a new data dir).
std::string cap_first_identifier(const cap_out_options& o, const district_alert& a);
// The identifier of the message that describes the alert as it is now: the first one while it
// was never updated, else the same with the time of its last update or of its clearing.
std::string cap_identifier(const cap_out_options& o, const district_alert& a);

// The alert as it is now, as one CAP 1.2 message: Alert, then Update as its count changes, and
// Cancel once it cleared (both referencing the first message).
std::string alert_cap(const geo::hierarchy& districts, const district_alert& a, const cap_out_options& o);

// An incident an operator verified, published as CAP next to the threshold alerts
// (`?include=verified`, docs/feeds.md "Verified incidents"). Its first message is its latest move
// to verified; while it stays verified, dispatched or in progress each change is an Update, and
// any other status (resolved, closed, rejected, back to new) is a Cancel.
struct verified_incident {
    incident_summary incident;
    std::int64_t verified_at_ms = 0; // its latest move to "verified"
    std::int64_t changed_at_ms = 0;  // its latest report or change
    bool ended() const;
};
// The incident as published, or nullopt when no operator has verified it.
std::optional<verified_incident> verified_incident_of(const incident& inc);

std::string incident_cap_first_identifier(const cap_out_options& o, const verified_incident& v);
std::string incident_cap_identifier(const cap_out_options& o, const verified_incident& v);
// Where the Atom feed links the incident's CAP message: /api/v1/alerts/incident-{id}.cap.
std::string incident_cap_path(std::uint64_t id);
// The verified incident as one CAP 1.2 message: its area (or its point as a circle of radius 0),
// its finest district as a geocode, its severity, status, agency and report count.
std::string incident_cap(const geo::hierarchy& districts, const verified_incident& v, const cap_out_options& o);

// An Atom 1.0 feed with one entry per alert and per verified incident (by the time of its latest
// change, newest first), each linking its CAP message at /api/v1/alerts/{id}.cap or
// incident_cap_path (links relative to the feed's URL). `now_ms` is the feed's <updated> only
// when the feed has no entry.
std::string alerts_atom(const geo::hierarchy& districts, std::vector<district_alert> alerts,
                        std::vector<verified_incident> incidents, std::int64_t now_ms, const cap_out_options& o);

} // namespace pantau::api
