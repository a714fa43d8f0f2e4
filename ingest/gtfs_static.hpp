#pragma once

// A GTFS static feed (serve --gtfs-static DIR, docs/feeds.md): the stops, the routes and which
// stops each route serves, so that GTFS-Realtime alerts and trip updates can be placed and named.
// Read with libcsv (RFC 4180: quoted fields, CRLF), a UTF-8 byte order mark skipped; every file
// and every field is bounded.

#include "core/error.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pantau::ingest {

struct csv_limits {
    std::size_t max_records = 5'000'000; // a large city's stop_times.txt has a few million
    std::size_t max_field_bytes = 4096;
    std::size_t max_fields = 100;
};

// The reason a CSV text cannot be read: "record N: ..." (N counts from 1, the header is 1).
struct csv_error : error {
    explicit csv_error(const std::string& what) : error(what) {}
};

// Reads CSV pushed in pieces (a file in chunks, or a whole text), one record at a time: each
// complete record goes to on_record with its fields. A leading UTF-8 byte order mark is skipped,
// blank lines are not records. Throws csv_error past a limit or on a quote error.
class csv_reader {
public:
    using record_handler = std::function<void(std::span<const std::string> fields)>;
    csv_reader(csv_limits limits, record_handler on_record);
    ~csv_reader();
    csv_reader(const csv_reader&) = delete;
    csv_reader& operator=(const csv_reader&) = delete;

    void push(std::string_view bytes);
    void finish(); // the last record, when the text does not end with a line break

    std::size_t records() const { return records_; }

private:
    struct parser;
    static void on_field(void* data, std::size_t len, void* self);
    static void on_end(int terminator, void* self);
    void push_raw(std::string_view bytes);
    void check_error();

    csv_limits limits_;
    record_handler on_record_;
    std::unique_ptr<parser> parser_;
    std::vector<std::string> fields_;
    std::size_t records_ = 0;
    std::size_t bom_seen_ = 0; // bytes of a leading byte order mark matched so far
    bool started_ = false;
    std::string error_; // set by a callback, thrown after csv_parse returns
    std::size_t error_record_ = 0;
};

struct gtfs_stop {
    std::string id;
    std::string name;
    double lon = 0, lat = 0;
};

struct gtfs_route {
    std::string id;
    std::string agency_id;
    std::string short_name;
    std::string long_name;
    std::vector<std::size_t> stops; // indices into gtfs_static_feed::stops, each once, first-served order
};

struct gtfs_static_feed {
    std::vector<gtfs_stop> stops;
    std::vector<gtfs_route> routes;
    std::map<std::string, std::string, std::less<>> agencies; // agency_id -> agency_name
    std::unordered_map<std::string, std::string> trip_routes; // trip_id -> route_id

    const gtfs_stop* stop(std::string_view id) const;
    const gtfs_route* route(std::string_view id) const;
    // The route a trip runs on, or nullptr.
    const gtfs_route* route_of_trip(std::string_view trip_id) const;

    std::unordered_map<std::string, std::size_t> stop_index;  // stop_id -> index into stops
    std::unordered_map<std::string, std::size_t> route_index; // route_id -> index into routes
};

struct gtfs_static_limits {
    csv_limits csv;
    std::uintmax_t max_file_bytes = 512ull << 20; // per file
    std::size_t max_stops = 200'000;
    std::size_t max_routes = 20'000;
    std::size_t max_trips = 2'000'000;
};

// The files' texts (agency may be empty: agency.txt is optional). Throws csv_error naming the
// file, the record and what is wrong (a missing column, a bad coordinate, an unknown trip).
struct gtfs_static_texts {
    std::string_view stops, routes, trips, stop_times, agency;
};
gtfs_static_feed parse_gtfs_static(const gtfs_static_texts& texts, const gtfs_static_limits& limits = {});

// The folder DIR with stops.txt, routes.txt, trips.txt, stop_times.txt and maybe agency.txt,
// each read in chunks. Throws pantau::error with the path and the reason.
gtfs_static_feed load_gtfs_static(const std::filesystem::path& dir, const gtfs_static_limits& limits = {});

} // namespace pantau::ingest
