#include "ingest/bmkg_parser.hpp"

#include "core/text.hpp"
#include "core/time_text.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>
#include <tuple>
#include <utility>

namespace pantau::ingest {
namespace {

using json = nlohmann::json;

// Thrown while reading an event and caught in parse_bmkg: one bad field refuses the document.
struct refusal {
    std::string message;
};

[[noreturn]] void refuse(std::string message) { throw refusal{std::move(message)}; }

struct number_and_word {
    double number = 0;
    std::string_view word; // what follows the number, trimmed: a unit or a hemisphere
};

// A decimal number and what follows it ("10 km", "8.51 LS"). from_chars: no locale, no "+".
std::optional<number_and_word> number_then_word(std::string_view text)
{
    text = trim_blanks(text);
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || !std::isfinite(value))
        return std::nullopt;
    return number_and_word{value, trim_blanks(text.substr(static_cast<std::size_t>(end - text.data())))};
}

std::optional<double> number_only(std::string_view text)
{
    auto parsed = number_then_word(text);
    if (!parsed || !parsed->word.empty())
        return std::nullopt;
    return parsed->number;
}

std::optional<int> integer(std::string_view text)
{
    int value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

std::vector<std::string_view> split(std::string_view text, char separator)
{
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= text.size(); ++i)
        if (i == text.size() || text[i] == separator) {
            if (separator != ' ' || i > start) // runs of spaces separate once
                parts.push_back(text.substr(start, i - start));
            start = i + 1;
        }
    return parts;
}

// One event object and where it sits in the document, for messages.
class event_reader {
public:
    event_reader(const json& event, std::string path, const bmkg_limits& limits)
        : event_(event), path_(std::move(path)), limits_(limits)
    {
    }

    bmkg_quake read() const
    {
        bmkg_quake q;
        q.time_ms = origin_time();
        std::tie(q.lat, q.lon) = epicentre();
        q.magnitude = magnitude();
        q.depth_km = depth_km();
        q.region = text_or_empty("Wilayah");
        q.potential = text_or_empty("Potensi");
        q.felt_reports = text_or_empty("Dirasakan");
        q.shakemap = text_or_empty("Shakemap");
        q.key = event_key(q);
        return q;
    }

private:
    std::string field(std::string_view name) const { return path_ + "." + std::string(name); }

    // The member, or nullptr when it is absent or null (BMKG leaves out what it does not know).
    const json* member(std::string_view name) const
    {
        const auto it = event_.find(name);
        return it == event_.end() || it->is_null() ? nullptr : &*it;
    }

    std::optional<std::string_view> text(std::string_view name) const
    {
        const json* value = member(name);
        if (!value)
            return std::nullopt;
        if (!value->is_string())
            refuse(field(name) + " must be a string");
        const auto& s = value->get_ref<const std::string&>();
        if (s.size() > limits_.max_text_bytes)
            refuse(field(name) + " is " + std::to_string(s.size()) + " bytes; at most " +
                   std::to_string(limits_.max_text_bytes) + " are allowed");
        return std::string_view(s);
    }

    std::string text_or_empty(std::string_view name) const { return std::string(text(name).value_or("")); }

    // A required measurement given as a string ("5.2", "10 km") or, leniently, as a JSON number.
    number_and_word measurement(std::string_view name, std::string_view example) const
    {
        const json* value = member(name);
        if (!value)
            refuse(field(name) + " is missing");
        if (value->is_number())
            return {value->get<double>(), {}};
        if (!value->is_string())
            refuse(field(name) + " must be a string or a number");
        const auto parsed = number_then_word(text(name).value_or(""));
        if (!parsed)
            refuse(field(name) + " is not a number (like \"" + std::string(example) + "\")");
        return *parsed;
    }

    double magnitude() const
    {
        const auto m = measurement("Magnitude", "5.2");
        if (!m.word.empty())
            refuse(field("Magnitude") + " is not a number (like \"5.2\")");
        if (!(m.number >= 0 && m.number <= 10))
            refuse(field("Magnitude") + " must be 0 to 10");
        return m.number;
    }

    double depth_km() const
    {
        const auto d = measurement("Kedalaman", "10 km");
        if (!d.word.empty() && d.word != "km" && d.word != "Km" && d.word != "KM")
            refuse(field("Kedalaman") + " must be kilometres (like \"10 km\")");
        // The deepest earthquakes known are about 700 km down.
        if (!(d.number >= 0 && d.number <= 1000))
            refuse(field("Kedalaman") + " must be 0 to 1000 km");
        return d.number;
    }

    std::int64_t origin_time() const
    {
        if (const auto text_time = text("DateTime")) {
            const auto ms = parse_rfc3339_ms(*text_time);
            if (!ms)
                refuse(field("DateTime") + " is not an RFC 3339 date-time (like \"2026-09-23T12:16:56+00:00\")");
            return *ms;
        }
        const auto date = text("Tanggal");
        const auto time = text("Jam");
        if (!date || !time)
            refuse(path_ + " has no time: DateTime, or Tanggal and Jam, are required");
        const auto day = local_date(*date);
        if (!day)
            refuse(field("Tanggal") + " must be a date like \"23 Sep 2026\"");
        const auto seconds_utc = local_seconds_to_utc(*time);
        if (!seconds_utc)
            refuse(field("Jam") + " must be a time like \"19:16:56 WIB\" (WIB, WITA or WIT)");
        return (std::chrono::sys_days(*day).time_since_epoch().count() * 86'400LL + *seconds_utc) * 1000;
    }

    // "23 Sep 2026": BMKG writes Indonesian month abbreviations; English ones are read too.
    static std::optional<std::chrono::year_month_day> local_date(std::string_view text)
    {
        static constexpr std::array<std::pair<std::string_view, unsigned>, 17> months{{
            {"Jan", 1}, {"Feb", 2}, {"Mar", 3}, {"Apr", 4}, {"Mei", 5}, {"May", 5}, {"Jun", 6}, {"Jul", 7},
            {"Agu", 8}, {"Agt", 8}, {"Aug", 8}, {"Sep", 9}, {"Okt", 10}, {"Oct", 10}, {"Nov", 11},
            {"Des", 12}, {"Dec", 12},
        }};
        const auto parts = split(trim_blanks(text), ' ');
        if (parts.size() != 3)
            return std::nullopt;
        const auto day = integer(parts[0]);
        const auto year = integer(parts[2]);
        unsigned month = 0;
        for (const auto& [name, number] : months)
            if (parts[1] == name)
                month = number;
        // Years as RFC 3339 writes them; std::chrono::year would wrap a larger one.
        if (!day || !year || month == 0 || *day < 1 || *year < 1 || *year > 9999)
            return std::nullopt;
        const std::chrono::year_month_day ymd{std::chrono::year(*year), std::chrono::month(month),
                                              std::chrono::day(static_cast<unsigned>(*day))};
        if (!ymd.ok())
            return std::nullopt;
        return ymd;
    }

    // "19:16:56 WIB" as seconds of the UTC day, which may fall before 0 (the day before in UTC).
    static std::optional<std::int64_t> local_seconds_to_utc(std::string_view text)
    {
        // Indonesia's three time zones, none with daylight saving time.
        static constexpr std::array<std::pair<std::string_view, int>, 3> zones{{{"WIB", 7}, {"WITA", 8}, {"WIT", 9}}};
        const auto parts = split(trim_blanks(text), ' ');
        if (parts.size() != 2)
            return std::nullopt;
        const auto hms = split(parts[0], ':');
        if (hms.size() != 3)
            return std::nullopt;
        const auto h = integer(hms[0]), m = integer(hms[1]), s = integer(hms[2]);
        if (!h || !m || !s || *h < 0 || *h > 23 || *m < 0 || *m > 59 || *s < 0 || *s > 59)
            return std::nullopt;
        for (const auto& [zone, offset_hours] : zones)
            if (parts[1] == zone)
                return (*h - offset_hours) * 3600LL + *m * 60LL + *s;
        return std::nullopt;
    }

    std::pair<double, double> epicentre() const
    {
        if (const auto coordinates = text("Coordinates")) {
            const auto parts = split(*coordinates, ',');
            const auto lat = parts.size() == 2 ? number_only(parts[0]) : std::nullopt;
            const auto lon = parts.size() == 2 ? number_only(parts[1]) : std::nullopt;
            if (!lat || !lon)
                refuse(field("Coordinates") + " must be \"lat,lon\" in decimal degrees");
            return checked(*lat, *lon, field("Coordinates"));
        }
        const auto lintang = text("Lintang");
        const auto bujur = text("Bujur");
        if (!lintang || !bujur)
            refuse(path_ + " has no epicentre: Coordinates, or Lintang and Bujur, are required");
        const double lat = hemisphere_degrees(*lintang, "LU", "LS", "Lintang", "8.51 LS");
        const double lon = hemisphere_degrees(*bujur, "BT", "BB", "Bujur", "123.27 BT");
        return checked(lat, lon, field("Lintang") + "/Bujur");
    }

    // "8.51 LS": degrees, then the hemisphere (Lintang Utara/Selatan, Bujur Timur/Barat).
    double hemisphere_degrees(std::string_view text, std::string_view positive, std::string_view negative,
                              std::string_view name, std::string_view example) const
    {
        const auto parsed = number_then_word(text);
        if (!parsed || parsed->number < 0 || (parsed->word != positive && parsed->word != negative))
            refuse(field(name) + " must be degrees and " + std::string(positive) + " or " + std::string(negative) +
                   " (like \"" + std::string(example) + "\")");
        return parsed->word == negative ? -parsed->number : parsed->number;
    }

    static std::pair<double, double> checked(double lat, double lon, const std::string& where)
    {
        if (!(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180))
            refuse(where + " is out of range (latitude -90 to 90, longitude -180 to 180)");
        return {lat, lon};
    }

    // "2026-09-23T12:16:56Z -8.51,123.27": the origin second and the epicentre on BMKG's 0.01°
    // grid, so that "-8.5" and "-8.50" are one event. Never from the magnitude, which BMKG revises.
    static std::string event_key(const bmkg_quake& q)
    {
        const std::int64_t second_ms = q.time_ms - ((q.time_ms % 1000) + 1000) % 1000;
        const auto grid = [](double degrees) {
            const double rounded = std::round(degrees * 100) / 100;
            return rounded == 0 ? 0.0 : rounded; // no "-0.00"
        };
        char position[48];
        std::snprintf(position, sizeof position, " %.2f,%.2f", grid(q.lat), grid(q.lon));
        return rfc3339(second_ms).substr(0, 19) + "Z" + position;
    }

    const json& event_;
    std::string path_;
    const bmkg_limits& limits_;
};

} // namespace

std::variant<std::vector<bmkg_quake>, bmkg_error> parse_bmkg(std::string_view text, const bmkg_limits& limits)
{
    if (trim_blanks(text).empty())
        return bmkg_error{"the document is empty: send BMKG earthquake JSON (autogempa, gempaterkini or gempadirasakan)"};
    if (text.size() > limits.max_bytes)
        return bmkg_error{"the document is " + std::to_string(text.size()) + " bytes; at most " +
                          std::to_string(limits.max_bytes) + " are allowed"};
    // nlohmann's parser and destructor do not recurse, but a bound on nesting still keeps a
    // hostile document from costing more than a real one. Depth 0 is the document's own value.
    bool too_deep = false;
    const auto depth_guard = [&](int depth, json::parse_event_t event, json&) {
        if ((event == json::parse_event_t::object_start || event == json::parse_event_t::array_start) &&
            static_cast<std::size_t>(depth) >= limits.max_depth) {
            too_deep = true;
            return false;
        }
        return true;
    };
    json doc;
    try {
        doc = json::parse(text.begin(), text.end(), depth_guard);
    } catch (const json::parse_error& e) {
        // Only the position: nlohmann's own message quotes the document.
        return bmkg_error{"the document is not valid JSON (at byte " + std::to_string(e.byte) + ")"};
    } catch (const json::exception&) { // out_of_range: a number too large for a double
        return bmkg_error{"the document holds a number out of range"};
    }
    if (too_deep)
        return bmkg_error{"the document is nested deeper than " + std::to_string(limits.max_depth) + " levels"};
    const auto info = doc.is_object() ? doc.find("Infogempa") : doc.end();
    if (info == doc.end() || !info->is_object())
        return bmkg_error{"the document must be an object with an Infogempa object"};
    const auto gempa = info->find("gempa");
    if (gempa == info->end() || !(gempa->is_object() || gempa->is_array()))
        return bmkg_error{"Infogempa.gempa must be an event object or an array of them"};
    if (gempa->size() > limits.max_events && gempa->is_array())
        return bmkg_error{"Infogempa.gempa holds " + std::to_string(gempa->size()) + " events; at most " +
                          std::to_string(limits.max_events) + " are allowed"};

    std::vector<bmkg_quake> quakes;
    try {
        if (gempa->is_object()) {
            quakes.push_back(event_reader(*gempa, "Infogempa.gempa", limits).read());
            return quakes;
        }
        for (std::size_t i = 0; i < gempa->size(); ++i) {
            const std::string path = "Infogempa.gempa[" + std::to_string(i) + "]";
            if (!(*gempa)[i].is_object())
                return bmkg_error{path + " must be an event object"};
            quakes.push_back(event_reader((*gempa)[i], path, limits).read());
        }
    } catch (const refusal& r) {
        return bmkg_error{r.message};
    }
    return quakes;
}

} // namespace pantau::ingest
