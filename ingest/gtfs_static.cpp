#include "ingest/gtfs_static.hpp"

#include "core/text.hpp"

#include <csv.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <unordered_set>

namespace pantau::ingest {

struct csv_reader::parser {
    csv_parser p{};
};

csv_reader::csv_reader(csv_limits limits, record_handler on_record)
    : limits_(limits), on_record_(std::move(on_record)), parser_(std::make_unique<parser>())
{
    // Strict: a quote inside an unquoted field, or text after a closing quote, is an error
    // rather than a guess; CSV_STRICT_FINI: so is an unterminated quoted field at the end.
    if (csv_init(&parser_->p, CSV_STRICT | CSV_STRICT_FINI) != 0)
        throw csv_error("cannot start the CSV parser");
}

csv_reader::~csv_reader() { csv_free(&parser_->p); }

void csv_reader::on_field(void* data, std::size_t len, void* self)
{
    auto& r = *static_cast<csv_reader*>(self);
    if (!r.error_.empty())
        return;
    if (r.fields_.size() >= r.limits_.max_fields) {
        r.error_ = "more than " + std::to_string(r.limits_.max_fields) + " fields";
        r.error_record_ = r.records_ + 1;
        return;
    }
    if (len > r.limits_.max_field_bytes) {
        r.error_ = "a field longer than " + std::to_string(r.limits_.max_field_bytes) + " bytes";
        r.error_record_ = r.records_ + 1;
        return;
    }
    r.fields_.emplace_back(static_cast<const char*>(data), len);
}

void csv_reader::on_end(int, void* self)
{
    auto& r = *static_cast<csv_reader*>(self);
    if (!r.error_.empty())
        return;
    if (++r.records_ > r.limits_.max_records) {
        r.error_ = "more than " + std::to_string(r.limits_.max_records) + " records";
        r.error_record_ = r.records_;
        return;
    }
    try {
        r.on_record_(r.fields_);
    } catch (const std::exception& e) {
        // The handler's error is thrown again outside libcsv's C frames.
        r.error_ = e.what();
        r.error_record_ = r.records_;
    }
    r.fields_.clear();
}

void csv_reader::check_error()
{
    if (!error_.empty())
        throw csv_error("record " + std::to_string(error_record_) + ": " + error_);
    if (::csv_error(&parser_->p) != CSV_SUCCESS)
        throw csv_error("record " + std::to_string(records_ + 1) + ": " + csv_strerror(::csv_error(&parser_->p)) +
                        " (a stray or unclosed quote)");
}

void csv_reader::push(std::string_view bytes)
{
    // The byte order mark some editors write (EF BB BF) would become part of the first column's name.
    static constexpr std::string_view bom = "\xEF\xBB\xBF";
    while (!started_ && !bytes.empty()) {
        if (bytes.front() == bom[bom_seen_]) {
            bytes.remove_prefix(1);
            if (++bom_seen_ == bom.size())
                started_ = true;
        } else {
            started_ = true;
            // A partial mark was text after all.
            if (bom_seen_ > 0)
                push_raw(bom.substr(0, bom_seen_));
        }
    }
    push_raw(bytes);
}

void csv_reader::push_raw(std::string_view bytes)
{
    // libcsv reports a field only once it is complete (on_field checks its length then), and
    // buffers it until then: that buffer's growth is checked here, slice by slice.
    while (!bytes.empty()) {
        // In slices, so that one huge field is caught before it is all buffered.
        const std::string_view slice = bytes.substr(0, limits_.max_field_bytes);
        bytes.remove_prefix(slice.size());
        const std::size_t n = csv_parse(&parser_->p, slice.data(), slice.size(), on_field, on_end, this);
        check_error();
        if (n != slice.size())
            throw csv_error("record " + std::to_string(records_ + 1) + ": cannot be read");
        if (csv_get_buffer_size(&parser_->p) > limits_.max_field_bytes + 1024)
            throw csv_error("record " + std::to_string(records_ + 1) + ": a field longer than " +
                            std::to_string(limits_.max_field_bytes) + " bytes");
    }
}

void csv_reader::finish()
{
    if (!started_ && bom_seen_ > 0)
        push_raw(std::string_view("\xEF\xBB\xBF").substr(0, bom_seen_));
    started_ = true;
    csv_fini(&parser_->p, on_field, on_end, this);
    check_error();
}

const gtfs_stop* gtfs_static_feed::stop(std::string_view id) const
{
    auto it = stop_index.find(std::string(id));
    return it == stop_index.end() ? nullptr : &stops[it->second];
}

const gtfs_route* gtfs_static_feed::route(std::string_view id) const
{
    auto it = route_index.find(std::string(id));
    return it == route_index.end() ? nullptr : &routes[it->second];
}

const gtfs_route* gtfs_static_feed::route_of_trip(std::string_view trip_id) const
{
    auto it = trip_routes.find(std::string(trip_id));
    return it == trip_routes.end() ? nullptr : route(it->second);
}

namespace {

// Where a file's text comes from: pushes it all into the reader.
using text_source = std::function<void(csv_reader&)>;

// One GTFS file read by column name: `on_row` gets the wanted columns' values ("" for an optional
// column the file lacks), in the order asked.
void read_table(const std::string& file, const text_source& source, const csv_limits& limits,
                const std::vector<std::string_view>& required, const std::vector<std::string_view>& optional,
                const std::function<void(const std::vector<std::string_view>&)>& on_row)
{
    std::vector<int> column; // per wanted name, its index in the file, or -1
    bool header = true;
    std::vector<std::string_view> row;
    csv_reader reader(limits, [&](std::span<const std::string> fields) {
        if (header) {
            header = false;
            auto index_of = [&](std::string_view name) {
                for (std::size_t i = 0; i < fields.size(); ++i) {
                    // Some producers pad names with blanks.
                    if (trim_blanks(fields[i]) == name)
                        return static_cast<int>(i);
                }
                return -1;
            };
            for (std::string_view name : required) {
                column.push_back(index_of(name));
                if (column.back() < 0)
                    throw csv_error("no column " + std::string(name));
            }
            for (std::string_view name : optional)
                column.push_back(index_of(name));
            return;
        }
        row.clear();
        for (int c : column)
            row.push_back(c >= 0 && static_cast<std::size_t>(c) < fields.size() ? std::string_view(fields[c]) : "");
        on_row(row);
    });
    try {
        source(reader);
        reader.finish();
    } catch (const csv_error& e) {
        throw csv_error(file + ": " + e.what());
    }
    if (header)
        throw csv_error(file + ": empty, expected a header line");
}

// A file's value quoted in an error: at most 64 bytes, control characters as '?', so that the
// start-up error stays one line.
std::string quoted(std::string_view s)
{
    std::string out = "\"";
    for (char c : s.substr(0, 64))
        out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c;
    return out + (s.size() > 64 ? "...\"" : "\"");
}

std::optional<double> parse_degrees(std::string_view s)
{
    double v = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(v))
        return std::nullopt;
    return v;
}

struct sources {
    text_source stops, routes, trips, stop_times;
    std::optional<text_source> agency; // agency.txt is optional
};

gtfs_static_feed build(const sources& in, const gtfs_static_limits& limits)
{
    gtfs_static_feed feed;
    if (in.agency)
        read_table("agency.txt", *in.agency, limits.csv, {"agency_name"}, {"agency_id"}, [&](const auto& row) {
            if (feed.agencies.size() < 1000)
                feed.agencies.emplace(std::string(row[1]), std::string(row[0]));
        });

    read_table("stops.txt", in.stops, limits.csv, {"stop_id", "stop_lat", "stop_lon"}, {"stop_name"}, [&](const auto& row) {
        // Entrances' generic nodes and boarding areas may have no coordinates: nothing to draw.
        if (row[1].empty() && row[2].empty())
            return;
        const auto lat = parse_degrees(row[1]), lon = parse_degrees(row[2]);
        if (!lat || !lon || *lat < -90 || *lat > 90 || *lon < -180 || *lon > 180)
            throw csv_error("stop " + quoted(row[0]) + ": stop_lat " + quoted(row[1]) + ", stop_lon " + quoted(row[2]) +
                            " is not a WGS 84 coordinate");
        if (feed.stops.size() >= limits.max_stops)
            throw csv_error("more than " + std::to_string(limits.max_stops) + " stops");
        if (feed.stop_index.emplace(std::string(row[0]), feed.stops.size()).second)
            feed.stops.push_back({std::string(row[0]), std::string(row[3]), *lon, *lat});
    });

    read_table("routes.txt", in.routes, limits.csv, {"route_id"}, {"agency_id", "route_short_name", "route_long_name"},
               [&](const auto& row) {
                   if (feed.routes.size() >= limits.max_routes)
                       throw csv_error("more than " + std::to_string(limits.max_routes) + " routes");
                   if (feed.route_index.emplace(std::string(row[0]), feed.routes.size()).second)
                       feed.routes.push_back(
                           {std::string(row[0]), std::string(row[1]), std::string(row[2]), std::string(row[3]), {}});
               });

    read_table("trips.txt", in.trips, limits.csv, {"trip_id", "route_id"}, {}, [&](const auto& row) {
        // A trip of a route the feed does not list cannot place anything: left out.
        if (!feed.route(row[1]))
            return;
        if (feed.trip_routes.size() >= limits.max_trips)
            throw csv_error("more than " + std::to_string(limits.max_trips) + " trips");
        feed.trip_routes.emplace(std::string(row[0]), std::string(row[1]));
    });

    // Which stops each route serves: the union over its trips. Unknown trips and stops (or stops
    // without coordinates) are left out, as a feed's dangling references are not worth refusing
    // the whole feed over.
    std::vector<std::unordered_set<std::size_t>> served(feed.routes.size());
    read_table("stop_times.txt", in.stop_times, limits.csv, {"trip_id", "stop_id"}, {}, [&](const auto& row) {
        auto trip = feed.trip_routes.find(std::string(row[0]));
        auto stop = feed.stop_index.find(std::string(row[1]));
        if (trip == feed.trip_routes.end() || stop == feed.stop_index.end())
            return;
        const std::size_t r = feed.route_index.at(trip->second);
        if (served[r].insert(stop->second).second)
            feed.routes[r].stops.push_back(stop->second);
    });
    return feed;
}

text_source text_of(std::string_view text)
{
    return [text](csv_reader& r) { r.push(text); };
}

text_source file_of(const std::filesystem::path& path, std::uintmax_t max_bytes)
{
    return [path, max_bytes](csv_reader& r) {
        std::error_code ec;
        const std::uintmax_t size = std::filesystem::file_size(path, ec);
        if (ec)
            throw error(path.string() + ": cannot be read: " + ec.message());
        if (size > max_bytes)
            throw error(path.string() + ": " + std::to_string(size) + " bytes, more than the limit of " +
                        std::to_string(max_bytes));
        std::ifstream in(path, std::ios::binary);
        if (!in)
            throw error(path.string() + ": cannot be opened");
        std::string chunk(1 << 20, '\0');
        std::uintmax_t total = 0;
        while (in) {
            in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
            const auto n = static_cast<std::size_t>(in.gcount());
            total += n;
            if (total > max_bytes) // it grew while being read
                throw error(path.string() + ": more than the limit of " + std::to_string(max_bytes) + " bytes");
            r.push(std::string_view(chunk.data(), n));
        }
        if (in.bad())
            throw error(path.string() + ": read error");
    };
}

} // namespace

gtfs_static_feed parse_gtfs_static(const gtfs_static_texts& texts, const gtfs_static_limits& limits)
{
    sources in{text_of(texts.stops), text_of(texts.routes), text_of(texts.trips), text_of(texts.stop_times), {}};
    if (!texts.agency.empty())
        in.agency = text_of(texts.agency);
    return build(in, limits);
}

gtfs_static_feed load_gtfs_static(const std::filesystem::path& dir, const gtfs_static_limits& limits)
{
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
        throw error("--gtfs-static " + dir.string() + ": not a directory");
    for (const char* name : {"stops.txt", "routes.txt", "trips.txt", "stop_times.txt"})
        if (!std::filesystem::is_regular_file(dir / name, ec))
            throw error("--gtfs-static " + dir.string() + ": no " + name + " (a GTFS feed needs stops.txt, "
                        "routes.txt, trips.txt and stop_times.txt)");
    sources in{file_of(dir / "stops.txt", limits.max_file_bytes), file_of(dir / "routes.txt", limits.max_file_bytes),
               file_of(dir / "trips.txt", limits.max_file_bytes), file_of(dir / "stop_times.txt", limits.max_file_bytes),
               {}};
    if (std::filesystem::is_regular_file(dir / "agency.txt", ec))
        in.agency = file_of(dir / "agency.txt", limits.max_file_bytes);
    try {
        return build(in, limits);
    } catch (const csv_error& e) {
        throw error("--gtfs-static " + dir.string() + ": " + e.what());
    }
}

} // namespace pantau::ingest
