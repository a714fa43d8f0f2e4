#include "geo/point_index.hpp"

#include "geo/detail/index_format.hpp"
#include "geo/detail/level_data.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <span>

namespace pantau::geo {
namespace {

using detail::checksum_of;
using detail::file_format;
using detail::file_header;
using detail::file_magic;
using detail::byte_order_mark;
using detail::padded;
using detail::table_entry;

// The whole file that write() puts at a path, in memory: allocated once at its exact size, in
// huge pages where it is large (detail/huge_pages.hpp), since the grid alone is tens of MB.
using file_bytes = detail::huge_vector<unsigned char>;

file_bytes serialize(const detail::level_data& lvl)
{
    const detail::geos_context ctx;
    std::string blob;
    std::vector<table_entry> table;
    detail::wkb_writer wkb(ctx);
    for (std::size_t i = 0; i < lvl.districts.size(); ++i) {
        table_entry e{blob.size(), lvl.districts[i].code.size(), 0, 0};
        blob += lvl.districts[i].code;
        const std::string_view bytes = wkb.write(lvl.geometries[i].get(), lvl.districts[i].code);
        e.wkb_at = blob.size(), e.wkb_bytes = bytes.size();
        blob += bytes;
        table.push_back(e);
    }

    const auto nodes = lvl.index.nodes();
    const auto leaf = lvl.index.leaf_data();
    file_header h{};
    std::memcpy(h.magic, file_magic, sizeof file_magic);
    h.format = file_format, h.byte_order = byte_order_mark, h.grid = lvl.index.layout();
    h.districts = table.size(), h.nodes = nodes.size(), h.leaf_doubles = leaf.size(), h.blob_bytes = blob.size();

    file_bytes out(sizeof h + padded(nodes.size_bytes()) + padded(leaf.size_bytes()) +
                   padded(table.size() * sizeof(table_entry)) + padded(blob.size()));
    std::size_t at = sizeof h;
    auto append = [&out, &at](const void* p, std::size_t n) {
        if (n > 0)
            std::memcpy(out.data() + at, p, n);
        at += padded(n); // the vector is zeroed: the padding is written as zeros
    };
    append(nodes.data(), nodes.size_bytes());
    append(leaf.data(), leaf.size_bytes());
    append(table.data(), table.size() * sizeof(table_entry));
    append(blob.data(), blob.size());
    h.checksum = checksum_of(out.data() + sizeof h, out.size() - sizeof h);
    std::memcpy(out.data(), &h, sizeof h);
    return out;
}

struct mapping {
    const unsigned char* bytes = nullptr;
    std::size_t size = 0;
    ~mapping()
    {
        if (bytes)
            ::munmap(const_cast<unsigned char*>(bytes), size);
    }
};

std::shared_ptr<const mapping> map_file(const std::string& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw error("index " + path + ": cannot open: " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < static_cast<off_t>(sizeof(file_header))) {
        ::close(fd);
        throw error("index " + path + ": not a pantau index file (too short, or not a file)");
    }
    auto m = std::make_shared<mapping>();
    // Populated up front: the checksum reads every page anyway, and one call beats a fault a page.
    void* p = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    const int saved = errno;
    ::close(fd);
    if (p == MAP_FAILED)
        throw error("index " + path + ": cannot map: " + std::strerror(saved));
    m->bytes = static_cast<const unsigned char*>(p);
    m->size = static_cast<std::size_t>(st.st_size);
    return m;
}

// An index file, mapped and checked through and through (point_index::open()).
struct opened {
    std::shared_ptr<const mapping> bytes;
    detail::grid_index grid; // over `bytes`
    std::span<const table_entry> table;
    const char* blob = nullptr;
};

opened open_checked(const std::string& path)
{
    auto file = map_file(path);
    auto fail = [&path](const std::string& what) { return error("index " + path + ": " + what); };
    file_header h{};
    std::memcpy(&h, file->bytes, sizeof h);
    if (std::memcmp(h.magic, file_magic, sizeof file_magic) != 0)
        throw fail("not a pantau index file");
    if (h.byte_order != byte_order_mark)
        throw fail("written on a machine of another byte order; rebuild it here with pantau index build");
    if (h.format != file_format)
        throw fail("format " + std::to_string(h.format) + ", this pantau reads format " + std::to_string(file_format) +
                   "; rebuild it with pantau index build");
    // Each count is bounded by the file's size before any sum, so that nothing below overflows.
    const std::size_t size = file->size;
    if (h.districts == 0 || h.districts >= (1u << 30) || h.districts > size / sizeof(table_entry) ||
        h.nodes > size / 4 || h.leaf_doubles > size / 8 || h.blob_bytes > size)
        throw fail("its sizes do not fit the file: truncated or corrupt");
    const std::size_t nodes_at = sizeof h, leaf_at = nodes_at + padded(h.nodes * 4),
                      table_at = leaf_at + padded(h.leaf_doubles * 8),
                      blob_at = table_at + padded(h.districts * sizeof(table_entry)), end = blob_at + padded(h.blob_bytes);
    if (end != size)
        throw fail("its sizes do not fit the file: truncated or corrupt");
    if (checksum_of(file->bytes + sizeof h, size - sizeof h) != h.checksum)
        throw fail("checksum mismatch: the file is corrupt; rebuild it with pantau index build");

    opened out;
    out.table = {reinterpret_cast<const table_entry*>(file->bytes + table_at), h.districts};
    out.blob = reinterpret_cast<const char*>(file->bytes + blob_at);
    for (const table_entry& e : out.table)
        if (e.code_at > h.blob_bytes || e.code_bytes > h.blob_bytes - e.code_at || e.wkb_at > h.blob_bytes ||
            e.wkb_bytes > h.blob_bytes - e.wkb_at)
            throw fail("a district's code or polygon lies outside the file");
    try {
        out.grid = detail::grid_index::adopt(
            h.grid, {reinterpret_cast<const std::uint32_t*>(file->bytes + nodes_at), h.nodes},
            {reinterpret_cast<const double*>(file->bytes + leaf_at), h.leaf_doubles}, static_cast<std::uint32_t>(h.districts));
    } catch (const error& e) {
        throw fail(e.what());
    }
    out.bytes = std::move(file);
    return out;
}

} // namespace

struct point_index::impl {
    detail::geos_context ctx; // first, so that it outlives the geometries
    std::shared_ptr<const mapping> file; // what grid, table and blob point into
    detail::grid_index grid;
    std::span<const table_entry> table;
    const char* blob = nullptr;
    std::vector<detail::geom_ptr> geometries; // read from WKB on first need
    std::vector<detail::prepared_ptr> prepared;

    const GEOSPreparedGeometry* prepared_of(std::size_t d)
    {
        if (!prepared[d]) {
            auto reader = detail::own_handle<detail::wkb_reader_ptr>(ctx, GEOSWKBReader_create_r(ctx),
                                                                     "index: cannot create a WKB reader");
            const table_entry& e = table[d];
            geometries[d] = detail::own(ctx,
                                        GEOSWKBReader_read_r(ctx, reader.get(),
                                                             reinterpret_cast<const unsigned char*>(blob + e.wkb_at),
                                                             e.wkb_bytes),
                                        "index: district " + std::string(blob + e.code_at, e.code_bytes) +
                                            ": its polygon is not valid WKB");
            prepared[d] = detail::prepare(ctx, geometries[d].get());
        }
        return prepared[d].get();
    }
};

point_index::point_index(std::unique_ptr<impl> state) : impl_(std::move(state)) {}
point_index::point_index(point_index&&) noexcept = default;
point_index& point_index::operator=(point_index&&) noexcept = default;
point_index::~point_index() = default;

void point_index::write(const hierarchy& h, std::size_t level, const std::string& path)
{
    detail::write_index_file(*h.data_->levels.at(level), path);
}

point_index point_index::open(const std::string& path)
{
    opened file = open_checked(path);
    auto out = std::make_unique<impl>();
    out->grid = std::move(file.grid);
    out->table = file.table;
    out->blob = file.blob;
    out->geometries.resize(file.table.size());
    out->prepared.resize(file.table.size());
    out->file = std::move(file.bytes);
    return point_index(std::move(out));
}

std::string point_index::differs(const std::string& path, const hierarchy& h, std::size_t level)
{
    std::optional<point_index> index;
    try {
        index = open(path);
    } catch (const error& e) {
        return e.what();
    }
    const mapping& actual = *index->impl_->file;
    const file_bytes expected = serialize(*h.data_->levels.at(level));
    if (actual.size != expected.size() || std::memcmp(actual.bytes, expected.data(), actual.size) != 0)
        return "index " + path + ": built from other districts, or by another version of pantau; rebuild it with "
                                 "pantau index build";
    return {};
}

std::size_t point_index::size() const { return impl_->table.size(); }

std::string_view point_index::code(std::size_t district) const
{
    const table_entry& e = impl_->table[district];
    return {impl_->blob + e.code_at, e.code_bytes};
}

std::optional<std::size_t> point_index::locate(double lon, double lat)
{
    return impl_->grid.answer(impl_->grid.find(lon, lat), lon, lat, impl_->ctx,
                              [this](std::uint32_t d) { return impl_->prepared_of(d); });
}

void point_index::locate(const double* lon, const double* lat, std::size_t n, std::optional<std::size_t>* out)
{
    impl_->grid.answer_each(lon, lat, n, out, impl_->ctx, [this](std::uint32_t d) { return impl_->prepared_of(d); });
}

namespace detail {

void write_index_file(const level_data& lvl, const std::string& path)
{
    const file_bytes bytes = serialize(lvl);
    const std::string temporary = path + ".partial";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size())) ||
            !out.flush())
            throw error("index " + path + ": cannot write " + temporary);
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
        const int saved = errno;
        std::remove(temporary.c_str());
        throw error("index " + path + ": cannot rename " + temporary + " into place: " + std::strerror(saved));
    }
}

std::string adopt_index_file(level_data& lvl, const std::string& path)
{
    opened file;
    try {
        file = open_checked(path);
    } catch (const error& e) {
        return e.what();
    }
    const std::string other = "index " + path + ": built from other districts, or by another version of pantau";
    if (file.table.size() != lvl.districts.size())
        return other;
    // The grid is a function of the districts' polygons in code order (and of file_format, which
    // names the build): equal codes and equal WKB make it the grid build() would make.
    const geos_context ctx;
    wkb_writer wkb(ctx);
    bool same = true;
    for (std::size_t i = 0; same && i < lvl.districts.size(); ++i) {
        const table_entry& e = file.table[i];
        const std::string& code = lvl.districts[i].code;
        same = std::string_view(file.blob + e.code_at, e.code_bytes) == code &&
               wkb.write(lvl.geometries[i].get(), code) == std::string_view(file.blob + e.wkb_at, e.wkb_bytes);
    }
    if (!same)
        return other;
    lvl.index = std::move(file.grid);
    lvl.index_file = std::move(file.bytes);
    return {};
}

} // namespace detail
} // namespace pantau::geo
