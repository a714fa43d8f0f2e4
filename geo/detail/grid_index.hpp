#pragma once

// Private to geo/: the adaptive grid that answers point lookups, with GEOS as the arbiter.
//
// A top-level grid of square cells covers the layer's extent; a cell whose answer is not known
// is split into four, breadth first, down to a minimum cell size or a node budget. Each leaf is
// one of: outside every district; wholly covered by the lowest-code district that touches it
// (answered with no geometry at all); or a boundary leaf with the short list of districts that
// touch it. Cells are classified by GEOS on the closed cell grown by `guard_deg`, so a point that
// rounding puts in a neighbouring cell still lies in the rectangle that was classified.
//
// In a boundary leaf each candidate district carries the few edges that cross the cell and
// whether the cell's lower-right corner Q0 is inside (decided by GEOS when the index is built).
// A point P is then inside iff the path P → Q = (Q0.x, P.y) → Q0 crosses those edges an odd
// number of times more or less than Q0's status says (half-open crossing rules). The crossing
// tests are orientation signs with a floating-point error bound: when a sign is not certain —
// the point is on an edge or within rounding of one — the point goes to GEOS, which decides.
// So the answer is the one GEOS gives, always; GEOS just rarely has to be asked.

#include "geo/detail/geos_raii.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

namespace pantau::geo::detail {

struct grid_options {
    int top_cells = 256;              // top grid cells along the longer side of the extent
    double min_cell_deg = 4e-4;       // stop splitting below this (about 44 m)
    std::size_t max_nodes = 1u << 20; // node budget: 4 MiB of nodes at most
};

struct grid_stats {
    std::size_t nodes = 0, empty_leaves = 0, district_leaves = 0, boundary_leaves = 0;
    std::size_t candidate_entries = 0, edge_entries = 0;
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
    // `geometries` are valid polygons sorted by district code: index order is code order.
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

    // The district of a boundary leaf that covers (x, y), lowest code first. `covers(d)` is the
    // exact GEOS test, called only when the crossing test cannot be certain.
    template <class Covers>
    std::optional<std::uint32_t> resolve(std::uint32_t boundary_leaf, double x, double y, Covers&& covers) const
    {
        const double* p = leaf_data_.data() + boundary_leaf;
        const double qx = p[0], q0y = p[1];
        const auto n = static_cast<std::uint32_t>(p[2]);
        p += 3;
        for (std::uint32_t k = 0; k < n; ++k) {
            const auto district = static_cast<std::uint32_t>(p[0]);
            const auto corner = static_cast<int>(p[1]);
            const auto edges = static_cast<std::uint32_t>(p[2]);
            int inside = corner == corner_unknown ? -1 : crossing_test(p + 3, edges, corner, qx, q0y, x, y);
            if (inside < 0)
                inside = covers(district) ? 1 : 0;
            if (inside == 1)
                return district;
            p += 3 + 4 * edges;
        }
        return std::nullopt;
    }

    const grid_stats& stats() const { return stats_; }

private:
    static constexpr std::uint32_t payload_mask = (1u << 30) - 1;

    static constexpr int corner_unknown = 2;
    // A boundary leaf is one run of doubles in leaf_data_, so a lookup touches one or two cache
    // lines: qx, q0y (the cell's right side and bottom, guard included: Q0 = (qx, q0y)), the
    // number of candidates, then per candidate: district, corner status (Q0 inside: 0, 1, or
    // corner_unknown when Q0 is on the boundary), edge count, and the edges as ax, ay, bx, by.
    // Small integers are exact in a double.

    // Sign of the orientation of c relative to a→b: +1, -1, or 0 when rounding could flip it
    // (Shewchuk's error bound for the plain double evaluation).
    static int certain_orientation(double ax, double ay, double bx, double by, double cx, double cy)
    {
        const double l = (bx - ax) * (cy - ay), r = (by - ay) * (cx - ax);
        const double det = l - r;
        const double bound = 3.3306690738754716e-16 * (std::fabs(l) + std::fabs(r));
        return det > bound ? 1 : det < -bound ? -1 : 0;
    }

    // 1 inside, 0 outside, -1 not certain (ask GEOS). `e` holds `n` edges as ax, ay, bx, by.
    static int crossing_test(const double* e, std::uint32_t n, int corner, double qx, double q0y, double px, double py)
    {
        int parity = corner;
        for (std::uint32_t k = 0; k < n; ++k, e += 4) {
            const double ax = e[0], ay = e[1], bx = e[2], by = e[3];
            // P or Q on (or within rounding of) this edge: the parity argument does not hold.
            if (std::min(ay, by) <= py && py <= std::max(ay, by)) {
                if (std::min(ax, bx) <= px && px <= std::max(ax, bx) &&
                    certain_orientation(ax, ay, bx, by, px, py) == 0)
                    return -1;
                if (std::min(ax, bx) <= qx && qx <= std::max(ax, bx) &&
                    certain_orientation(ax, ay, bx, by, qx, py) == 0)
                    return -1;
            }
            // P → Q along y = py; half-open in y so a vertex on the line counts once.
            if ((ay > py) != (by > py)) {
                const int sp = certain_orientation(ax, ay, bx, by, px, py);
                const int sq = certain_orientation(ax, ay, bx, by, qx, py);
                if (sp == 0 || sq == 0)
                    return -1;
                parity ^= static_cast<int>(sp != sq);
            }
            // Q → Q0 along x = qx; half-open in x.
            if ((ax > qx) != (bx > qx)) {
                const int sq = certain_orientation(ax, ay, bx, by, qx, py);
                const int s0 = certain_orientation(ax, ay, bx, by, qx, q0y);
                if (sq == 0 || s0 == 0)
                    return -1;
                parity ^= static_cast<int>(sq != s0);
            }
        }
        return parity;
    }

    double min_x_ = 1, max_x_ = 0, min_y_ = 1, max_y_ = 0; // layer extent; an empty grid rejects all
    double x0_ = 0, y0_ = 0, inv_cell_ = 1;               // finest cell size's inverse
    std::uint64_t fine_nx_ = 1, fine_ny_ = 1;
    std::uint32_t top_nx_ = 1;
    int depth_ = 0;
    std::vector<std::uint32_t> nodes_ = {0};
    std::vector<double> leaf_data_;
    grid_stats stats_;
};

} // namespace pantau::geo::detail
