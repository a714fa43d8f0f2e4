#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "server/districts_config.hpp"

#include "geo/demo_districts.hpp"
#include "geo/hierarchy.hpp"
#include "geo/locator.hpp"
#include "geo/point_index.hpp"

#include <boost/program_options.hpp>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <iostream>

namespace po = boost::program_options;

namespace pantau::cli {
namespace {

constexpr std::size_t max_line_bytes = 4096;
constexpr int max_reported_bad_lines = 10;

po::variables_map parse(const std::vector<std::string>& args, const po::options_description& options)
{
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(options).run(), vm);
    po::notify(vm);
    return vm;
}

void print_load_report(const char* command, const geo::load_report& report)
{
    for (const auto& line : report.repaired)
        std::cerr << "pantau " << command << ": repaired: " << line << "\n";
    for (const auto& line : report.skipped)
        std::cerr << "pantau " << command << ": skipped: " << line << "\n";
    for (const auto& line : report.warnings)
        std::cerr << "pantau " << command << ": warning: " << line << "\n";
}

const char* skip_blanks(const char* p, const char* end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
        ++p;
    return p;
}

// "lon,lat" (blanks allowed around both numbers); false when the line is anything else.
bool parse_lon_lat(const char* p, const char* end, double& lon, double& lat)
{
    p = skip_blanks(p, end);
    auto r = std::from_chars(p, end, lon);
    if (r.ec != std::errc())
        return false;
    p = skip_blanks(r.ptr, end);
    if (p == end || *p != ',')
        return false;
    p = skip_blanks(p + 1, end);
    r = std::from_chars(p, end, lat);
    if (r.ec != std::errc())
        return false;
    return skip_blanks(r.ptr, end) == end && lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90;
}

// The options that name one district layer, as `locate` and `index` take them.
void add_layer_options(po::options_description& options, geo::layer_source& source, const char* districts_help)
{
    options.add_options()("districts", po::value<std::string>(&source.path), districts_help)(
        "layer", po::value<std::string>(&source.layer), "layer name in a multi-layer source (default: the first)")(
        "code-field", po::value<std::string>(&source.code_field), "attribute with the code (default: code, kode, feature id)")(
        "name-field", po::value<std::string>(&source.name_field), "attribute with the name (default: name, nama)")(
        "parent-field", po::value<std::string>(&source.parent_field), "attribute with the parent's code (default: none)");
}

geo::hierarchy load_layer(const char* command, const geo::layer_source& source)
{
    geo::load_report report;
    geo::level_spec spec;
    spec.name = "districts";
    spec.source = source;
    geo::hierarchy districts = geo::hierarchy::load({spec}, report);
    print_load_report(command, report);
    return districts;
}

bool wants_help(const std::vector<std::string>& args)
{
    return std::find(args.begin(), args.end(), "--help") != args.end() ||
           std::find(args.begin(), args.end(), "-h") != args.end();
}

// Reads lon,lat lines on stdin and prints, per line, the code of the district that
// `locate_batch(lons, lats, n, found)` finds (an empty line: none), a read's lines at a time.
template <class LocateBatch, class CodeOf>
int locate_lines(LocateBatch&& locate_batch, CodeOf&& code_of)
{
    std::vector<char> in(1 << 20);
    std::string pending; // a line split across reads
    std::string out;
    out.reserve(1 << 20);
    std::size_t line_no = 0, bad_lines = 0;
    std::vector<double> lons, lats;
    std::vector<bool> is_point; // per line of the batch
    std::vector<std::optional<std::size_t>> found;

    auto handle_line = [&](const char* b, const char* e) {
        ++line_no;
        double lon = 0, lat = 0;
        const bool ok = parse_lon_lat(b, e, lon, lat);
        is_point.push_back(ok);
        if (ok) {
            lons.push_back(lon);
            lats.push_back(lat);
        } else if (++bad_lines <= max_reported_bad_lines) {
            std::cerr << "pantau locate: line " << line_no << ": expected lon,lat in range, got \""
                      << std::string(b, std::min<std::size_t>(static_cast<std::size_t>(e - b), 80)) << "\"\n";
        }
    };
    auto flush = [&] {
        found.resize(lons.size());
        locate_batch(lons.data(), lats.data(), lons.size(), found.data());
        std::size_t next = 0;
        for (const bool point : is_point) {
            if (point)
                out += code_of(found[next++]);
            out += '\n';
        }
        lons.clear(), lats.clear(), is_point.clear();
        if (!out.empty() && std::fwrite(out.data(), 1, out.size(), stdout) != out.size())
            throw std::runtime_error("cannot write to stdout");
        std::fflush(stdout);
        out.clear();
    };

    for (;;) {
        ssize_t n = ::read(STDIN_FILENO, in.data(), in.size());
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw std::runtime_error("cannot read stdin");
        }
        if (n == 0)
            break;
        const char* p = in.data();
        const char* end = p + n;
        while (p < end) {
            const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
            if (!nl) {
                pending.append(p, end);
                if (pending.size() > max_line_bytes)
                    throw std::runtime_error("line " + std::to_string(line_no + 1) + " is longer than 4096 bytes");
                break;
            }
            if (!pending.empty()) {
                pending.append(p, nl);
                handle_line(pending.data(), pending.data() + pending.size());
                pending.clear();
            } else {
                handle_line(p, nl);
            }
            p = nl + 1;
        }
        // Flush after every read so that a caller feeding one line at a time gets its answer.
        flush();
    }
    if (!pending.empty())
        handle_line(pending.data(), pending.data() + pending.size());
    flush();
    if (bad_lines > 0) {
        std::cerr << "pantau locate: " << bad_lines << " of " << line_no << " lines were not lon,lat in range\n";
        return exit_runtime_error;
    }
    return exit_ok;
}

} // namespace

int locate_command(const std::vector<std::string>& args)
{
    geo::layer_source source;
    std::string index_path;
    po::options_description options("pantau locate: reads lon,lat lines on stdin and prints, per line, the code of "
                                    "the district that covers the point, or an empty line when none does.\nOptions");
    options.add_options()("help,h", "show this help")(
        "index", po::value<std::string>(&index_path), "an index file that pantau index build wrote (instead of --districts)");
    add_layer_options(options, source, "district layer: any OGR vector source");
    if (wants_help(args)) {
        std::cout << options << "\nGive --districts or --index. A line that is not lon,lat in range prints an empty "
                                "line and is reported on stderr; the exit code is then 1.\n";
        return exit_ok;
    }
    parse(args, options);
    if (source.path.empty() == index_path.empty())
        throw usage_error("give either --districts FILE or --index FILE");

    if (!index_path.empty()) {
        if (!source.layer.empty() || !source.code_field.empty() || !source.name_field.empty() ||
            !source.parent_field.empty())
            throw usage_error("--index takes no layer options: the index was built with them");
        geo::point_index index = geo::point_index::open(index_path);
        return locate_lines([&](const double* lon, const double* lat, std::size_t n,
                                std::optional<std::size_t>* found) { index.locate(lon, lat, n, found); },
                            [&](std::optional<std::size_t> d) { return d ? index.code(*d) : std::string_view(); });
    }
    geo::hierarchy districts = load_layer("locate", source);
    const geo::level lvl = districts.at(0);
    geo::locator locator(districts);
    return locate_lines(
        [&](const double* lon, const double* lat, std::size_t n, std::optional<std::size_t>* found) {
            locator.locate(0, lon, lat, n, found);
        },
        [&](std::optional<std::size_t> d) { return d ? std::string_view(lvl.districts()[*d].code) : std::string_view(); });
}

int index_command(const std::vector<std::string>& args)
{
    geo::layer_source source;
    std::string action, index_path;
    po::options_description options("pantau index: builds a district layer's lookup index into a file that pantau "
                                    "locate --index maps instead of reading and indexing the layer, or checks that "
                                    "a file is what the layer builds.\nUsage: pantau index build --districts FILE "
                                    "--out INDEX\n       pantau index verify --districts FILE --index INDEX\nOptions");
    options.add_options()("help,h", "show this help")("out", po::value<std::string>(&index_path), "build: the file to write")(
        "index", po::value<std::string>(&index_path), "verify: the file to check");
    add_layer_options(options, source, "district layer: any OGR vector source (required)");
    if (wants_help(args)) {
        std::cout << options << "\nverify exits 1 and says why when the index is corrupt, of another format, or "
                                "built from other districts.\n";
        return exit_ok;
    }
    if (args.empty() || (args[0] != "build" && args[0] != "verify"))
        throw usage_error("expected build or verify");
    action = args[0];
    po::variables_map vm = parse(std::vector<std::string>(args.begin() + 1, args.end()), options);
    if (source.path.empty())
        throw usage_error("--districts FILE is required");
    if (action == "build" && (!vm.count("out") || vm.count("index")))
        throw usage_error("build takes --out INDEX");
    if (action == "verify" && (!vm.count("index") || vm.count("out")))
        throw usage_error("verify takes --index INDEX");

    geo::hierarchy districts = load_layer("index", source);
    if (action == "build") {
        geo::point_index::write(districts, 0, index_path);
        std::cout << "wrote " << index_path << " (" << districts.at(0).districts().size() << " districts)\n";
        return exit_ok;
    }
    if (const std::string why = geo::point_index::differs(index_path, districts, 0); !why.empty()) {
        std::cerr << "pantau index: " << why << "\n";
        return exit_runtime_error;
    }
    std::cout << "ok: " << index_path << " is the index of " << source.path << "\n";
    return exit_ok;
}

int gen_demo_data_command(const std::vector<std::string>& args)
{
    std::string facts = server::default_data_dir() + "/kelurahan_centroids.csv";
    std::string out_dir = server::default_data_dir() + "/demo";
    std::string city_name = "Kota Tangerang";
    po::options_description options("pantau gen-demo-data: writes approximate demo districts (kelurahan, kecamatan, "
                                    "kota GeoJSON) made from the kelurahan facts table.\nOptions");
    options.add_options()("help,h", "show this help")(
        "facts", po::value<std::string>(&facts), "facts CSV (kode, nama, kode_kec, nama_kec, lat, lon)")(
        "out-dir", po::value<std::string>(&out_dir), "where to write kelurahan/kecamatan/kota.geojson")(
        "city-name", po::value<std::string>(&city_name), "name of the city (its code is taken from the kecamatan codes)");
    po::variables_map vm = parse(args, options);
    if (vm.count("help")) {
        std::cout << options;
        return exit_ok;
    }
    std::vector<geo::kelurahan_fact> rows = geo::read_kelurahan_facts(facts);
    std::string city_code = rows.front().kecamatan_code.substr(0, rows.front().kecamatan_code.rfind('.'));
    geo::demo_district_files files = geo::make_demo_districts(rows, city_code, city_name);
    for (auto [name, text] : {std::pair{"kelurahan", &files.kelurahan}, std::pair{"kecamatan", &files.kecamatan},
                              std::pair{"kota", &files.kota}}) {
        const std::string path = out_dir + "/" + name + ".geojson";
        std::ofstream f(path, std::ios::binary);
        if (!(f << *text))
            throw std::runtime_error("cannot write " + path);
        std::cout << "wrote " << path << "\n";
    }
    return exit_ok;
}

} // namespace pantau::cli
