#pragma once

// Private to geo/: the adaptive grid that answers most point lookups without GEOS.
//
// A top-level grid of square cells covers the layer's extent; a cell whose answer is not known
// is split into four, breadth first, down to a minimum cell size or a node budget. Each leaf is
// one of: outside every district, wholly covered by the lowest-code district that touches it
// (answered with no geometry test), or a boundary leaf with the short list of districts that
// touch it, which the caller tests exactly with GEOS. Classification uses GEOS on the closed
// cell grown by `guard_deg`, so a point that rounding puts in a neighbouring cell still lies in
// the rectangle that was classified: the grid's answers are exact, not approximate.

#include "geos_raii.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace pantau::geo::detail {

struct grid_options {
    int top_cells = 64;             // top grid cells along the longer side of the extent
    double min_cell_deg = 5e-5;     // stop splitting below this (about 5.5 m)
    std::size_t max_nodes = 4u << 20; // node budget: 16 MiB of nodes at most
};

struct grid_stats {
    std::size_t nodes = 0, empty_leaves = 0, district_leaves = 0, boundary_leaves = 0;
    std::size_t candidate_entries = 0;
    int depth = 0;
    double finest_cell_deg = 0;
    std::size_t memory_bytes = 0;
};

class grid_index {
public:
    static constexpr double guard_deg = 1e-9; // about 0.1 mm; rounding moves a point by ~1e-13°

    enum class kind : std::uint32_t { empty = 0, district = 1, boundary = 2, split = 3 };
    struct hit {
        kind what;
        std::uint32_t value; // district index, or boundary leaf index
    };

    grid_index() = default;
    // `geometries` are sorted by district code: index order is code order.
    static grid_index build(const geos_context& ctx, const std::vector<const GEOSGeometry*>& geometries,
                            const grid_options& options = {});

    hit find(double x, double y) const
    {
        // Written so that NaN fails every comparison and lands outside.
        if (!(x >= min_x_ && x <= max_x_ && y >= min_y_ && y <= max_y_))
            return {kind::empty, 0};
        std::uint64_t ix = static_cast<std::uint64_t>((x - x0_) * inv_cell_);
        std::uint64_t iy = static_cast<std::uint64_t>((y - y0_) * inv_cell_);
        if (ix >= fine_nx_) ix = fine_nx_ - 1;
        if (iy >= fine_ny_) iy = fine_ny_ - 1;
        int shift = depth_;
        std::uint32_t node = nodes_[(iy >> shift) * top_nx_ + (ix >> shift)];
        while ((node >> 30) == static_cast<std::uint32_t>(kind::split)) {
            --shift;
            std::uint32_t child = static_cast<std::uint32_t>((((iy >> shift) & 1u) << 1) | ((ix >> shift) & 1u));
            node = nodes_[(node & payload_mask) + child];
        }
        return {static_cast<kind>(node >> 30), node & payload_mask};
    }

    std::span<const std::uint32_t> candidates(std::uint32_t boundary_leaf) const
    {
        return {candidates_.data() + candidate_offsets_[boundary_leaf],
                candidates_.data() + candidate_offsets_[boundary_leaf + 1]};
    }

    const grid_stats& stats() const { return stats_; }

private:
    static constexpr std::uint32_t payload_mask = (1u << 30) - 1;

    double min_x_ = 1, max_x_ = 0, min_y_ = 1, max_y_ = 0; // layer extent; empty grid rejects all
    double x0_ = 0, y0_ = 0, cell_ = 1, inv_cell_ = 1;     // finest cell size and its inverse
    std::uint64_t fine_nx_ = 1, fine_ny_ = 1;
    std::uint32_t top_nx_ = 1;
    int depth_ = 0;
    std::vector<std::uint32_t> nodes_ = {0};
    std::vector<std::uint32_t> candidate_offsets_ = {0};
    std::vector<std::uint32_t> candidates_;
    grid_stats stats_;
};

} // namespace pantau::geo::detail
