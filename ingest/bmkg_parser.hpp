#pragma once

// BMKG earthquake feeds (docs/feeds.md, "BMKG earthquakes"): the JSON of autogempa.json (the
// latest event), gempaterkini.json (recent M5+) and gempadirasakan.json (recent felt events) in,
// earthquakes out. Pure: no clock, no I/O. What the events become (incidents with a felt area,
// see ingest/felt_area.hpp) is decided by the caller.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace pantau::ingest {

// Bounds on one feed document. Real feeds are under 10 KiB, 15 events and 4 levels deep.
struct bmkg_limits {
    std::size_t max_bytes = 1 << 20;
    std::size_t max_events = 1000;
    std::size_t max_depth = 16;         // JSON nesting; the document's object is depth 1
    std::size_t max_text_bytes = 1024;  // each text field (Wilayah, Potensi, Dirasakan, Shakemap)
};

struct bmkg_quake {
    // Stable identity of the event: BMKG gives no id, so it is its origin time and epicentre,
    // "2026-09-23T12:16:56Z -8.51,123.27" (UTC to the second; degrees rounded to BMKG's 0.01).
    // A repeated poll and the same event in another of the three files give the same key, and so
    // does a revised magnitude or depth; a relocated epicentre or origin time is a new key.
    std::string key;
    std::int64_t time_ms = 0; // origin time, UTC milliseconds since the Unix epoch
    double lat = 0, lon = 0;  // epicentre, WGS 84 degrees
    double magnitude = 0;
    double depth_km = 0;
    std::string region;        // Wilayah: where, in words ("24 km barat daya Lembata")
    std::string potential;     // Potensi: tsunami potential or a note to pass on; may be empty
    std::string felt_reports;  // Dirasakan: intensities reported where ("II-III Kab. Lembata"); may be empty
    std::string shakemap;      // Shakemap: BMKG's image file name; may be empty
};

// The feed cannot be used. The message is one line, names the field
// ("Infogempa.gempa[1].Magnitude") and never quotes the document's content.
struct bmkg_error {
    std::string message;
};

// Reads `{"Infogempa": {"gempa": EVENT}}` or `{"Infogempa": {"gempa": [EVENT, ...]}}`. Per event:
// - time from DateTime (RFC 3339); without it, from Tanggal ("23 Sep 2026", Indonesian or English
//   month) and Jam ("19:16:56 WIB", WITA or WIT: UTC+7, +8, +9);
// - epicentre from Coordinates ("lat,lon"); without it, from Lintang ("8.51 LS", LU north) and
//   Bujur ("123.27 BT", BB west);
// - Magnitude ("5.2") and Kedalaman ("10 km"), as strings or numbers;
// - the texts (Wilayah, Potensi, Dirasakan, Shakemap) are optional; other members are ignored.
// One bad event refuses the whole document: a feed that is wrong in one place is not trusted in
// the others.
std::variant<std::vector<bmkg_quake>, bmkg_error> parse_bmkg(std::string_view json, const bmkg_limits& limits = {});

} // namespace pantau::ingest
