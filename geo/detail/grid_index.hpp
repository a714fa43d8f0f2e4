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
// whether the cell's lower-right corner Q0 is inside.
// A point P is then inside iff the path P → Q = (Q0.x, P.y) → Q0 crosses those edges an odd
// number of times more or less than Q0's status says (half-open crossing rules). The crossing
// tests are orientation signs with a floating-point error bound: when a sign is not certain —
// the point is on an edge or within rounding of one — the point goes to GEOS, which decides.
// So the answer is the one GEOS gives, always; GEOS just rarely has to be asked.
//
// The build uses the same test. A cell keeps, per candidate, the edges that may touch it (a
// conservative segment-rectangle test) and the status of its corner Q0, found by the crossing
// test from its parent's corner across the parent's edges; the top cells start from a corner
// outside the whole layer with every edge of the district. A candidate with no edge in the cell
// either covers all of it or none of it, as its corner says. GEOS decides only the corners the
// crossing test cannot be certain of, so the build costs a few edge tests per cell and candidate.

#include "geo/detail/geos_raii.hpp"
#include "geo/detail/huge_pages.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
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

    // What fixes the grid besides its two arrays, for an index file (geo/detail/index_format.hpp).
    struct shape {
        double min_x, max_x, min_y, max_y, x0, y0, inv_cell;
        std::uint64_t fine_nx, fine_ny;
        std::uint32_t top_nx;
        std::int32_t depth;
    };

    grid_index() = default;
    // Movable, not copyable: a copy's spans would point into the original's arrays.
    grid_index(grid_index&&) = default;
    grid_index& operator=(grid_index&&) = default;
    // `geometries` are valid polygons sorted by district code: index order is code order.
    static grid_index build(const geos_context& ctx, const std::vector<const GEOSGeometry*>& geometries,
                            const grid_options& options = {});

    hit find(double x, double y) const
    {
        descent d;
        if (!start(x, y, d))
            return {kind::empty, 0};
        std::uint32_t node = nodes_[d.at];
        while ((node >> 30) == static_cast<std::uint32_t>(kind::split))
            node = nodes_[down(d, node)];
        return {static_cast<kind>(node >> 30), node & payload_mask};
    }

    // find() for n points at once: each step down the tree is taken for every point of a group
    // before any of them is waited on, so that their cache misses overlap instead of adding up;
    // a boundary leaf's data is fetched ahead of resolve() the same way.
    void find_each(const double* xs, const double* ys, std::size_t n, hit* out) const
    {
        // Sized so that a group's reads in flight fit the core's miss buffers.
        constexpr std::size_t group = 16;
        descent d[group];
        std::size_t pending[group];
        for (std::size_t base = 0; base < n; base += group) {
            const std::size_t m = std::min(group, n - base);
            std::size_t active = 0;
            for (std::size_t k = 0; k < m; ++k) {
                if (!start(xs[base + k], ys[base + k], d[k])) {
                    out[base + k] = {kind::empty, 0};
                    continue;
                }
                __builtin_prefetch(&nodes_[d[k].at]);
                pending[active++] = k;
            }
            while (active > 0) {
                std::size_t still = 0;
                for (std::size_t a = 0; a < active; ++a) {
                    const std::size_t k = pending[a];
                    const std::uint32_t node = nodes_[d[k].at];
                    if ((node >> 30) == static_cast<std::uint32_t>(kind::split)) {
                        __builtin_prefetch(&nodes_[down(d[k], node)]);
                        pending[still++] = k;
                        continue;
                    }
                    out[base + k] = {static_cast<kind>(node >> 30), node & payload_mask};
                    if ((node >> 30) == static_cast<std::uint32_t>(kind::boundary))
                        __builtin_prefetch(leaf_.data() + (node & payload_mask));
                }
                active = still;
            }
        }
    }

    // The district of a boundary leaf that covers (x, y), lowest code first. `covers(d)` is the
    // exact GEOS test, called only when the crossing test cannot be certain.
    template <class Covers>
    std::optional<std::uint32_t> resolve(std::uint32_t boundary_leaf, double x, double y, Covers&& covers) const
    {
        const double* p = leaf_.data() + boundary_leaf;
        const double qx = p[0], q0y = p[1];
        const auto n = static_cast<std::uint32_t>(p[2]);
        p += 3;
        for (std::uint32_t k = 0; k < n; ++k) {
            const auto district = static_cast<std::uint32_t>(p[0]);
            const auto corner = static_cast<int>(p[1]);
            const auto edges = static_cast<std::uint32_t>(p[2]);
            const double* e = p + 3;
            auto edge_at = [e](std::uint32_t i) { return edge{e[4 * i], e[4 * i + 1], e[4 * i + 2], e[4 * i + 3]}; };
            int inside = corner == corner_unknown ? -1 : crossing_test(edge_at, edges, corner, qx, q0y, x, y);
            if (inside < 0)
                inside = covers(district) ? 1 : 0;
            if (inside == 1)
                return district;
            p += 3 + 4 * edges;
        }
        return std::nullopt;
    }

    // The district that covers (x, y), given its hit: a boundary leaf's candidates go through
    // the crossing test, and GEOS decides only the points it cannot be certain of (on an edge),
    // with `prepared_of(d)`, district d's prepared polygon.
    template <class PreparedOf>
    std::optional<std::uint32_t> answer(hit h, double x, double y, const geos_context& ctx, PreparedOf&& prepared_of) const
    {
        if (h.what == kind::district)
            return h.value;
        if (h.what != kind::boundary)
            return std::nullopt;
        geom_ptr point;
        auto covers = [&](std::uint32_t candidate) {
            if (!point)
                point = own(ctx, GEOSGeom_createPointFromXY_r(ctx, x, y), "locate: point");
            return check_predicate(ctx, GEOSPreparedCovers_r(ctx, prepared_of(candidate), point.get()), "locate: covers");
        };
        return resolve(h.value, x, y, covers);
    }

    // answer() of n points into out[0..n), their descents batched by find_each().
    template <class PreparedOf>
    void answer_each(const double* xs, const double* ys, std::size_t n, std::optional<std::size_t>* out,
                     const geos_context& ctx, PreparedOf&& prepared_of) const
    {
        constexpr std::size_t batch = 256;
        hit hits[batch];
        for (std::size_t base = 0; base < n; base += batch) {
            const std::size_t m = std::min(batch, n - base);
            find_each(xs + base, ys + base, m, hits);
            for (std::size_t k = 0; k < m; ++k)
                out[base + k] = answer(hits[k], xs[base + k], ys[base + k], ctx, prepared_of);
        }
    }

    const grid_stats& stats() const { return stats_; }

    shape layout() const { return {min_x_, max_x_, min_y_, max_y_, x0_, y0_, inv_cell_, fine_nx_, fine_ny_, top_nx_, depth_}; }
    std::span<const std::uint32_t> nodes() const { return nodes_; }
    std::span<const double> leaf_data() const { return leaf_; }

    // A grid over arrays that live elsewhere (a mapped file, which the caller keeps alive while
    // the grid is used), after checking every reference a lookup can follow, so that no file
    // makes find() or resolve() read out of bounds or loop. Throws error saying what is
    // inconsistent.
    static grid_index adopt(const shape& s, std::span<const std::uint32_t> nodes, std::span<const double> leaf_data,
                            std::uint32_t districts);

private:
    static constexpr std::uint32_t payload_mask = (1u << 30) - 1;

    // A point's way down the tree: its finest cell, and the node it has reached at `shift`
    // levels above the finest.
    struct descent {
        std::uint64_t ix, iy;
        int shift;
        std::uint32_t at;
    };

    // The point's top node, or false when it lies outside the grid.
    bool start(double x, double y, descent& d) const
    {
        // Written so that NaN fails every comparison and lands outside.
        if (!(x >= min_x_ && x <= max_x_ && y >= min_y_ && y <= max_y_))
            return false;
        d.ix = std::min(static_cast<std::uint64_t>((x - x0_) * inv_cell_), fine_nx_ - 1);
        d.iy = std::min(static_cast<std::uint64_t>((y - y0_) * inv_cell_), fine_ny_ - 1);
        d.shift = depth_;
        d.at = static_cast<std::uint32_t>((d.iy >> d.shift) * top_nx_ + (d.ix >> d.shift));
        return true;
    }

    // One level down from split node `node`: the child that holds the point.
    std::uint32_t down(descent& d, std::uint32_t node) const
    {
        --d.shift;
        const auto child = static_cast<std::uint32_t>((((d.iy >> d.shift) & 1u) << 1) | ((d.ix >> d.shift) & 1u));
        return d.at = (node & payload_mask) + child;
    }

    static constexpr int corner_unknown = 2;
    // A boundary leaf is one run of doubles in leaf_, so a lookup touches one or two cache
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

    struct edge {
        double ax, ay, bx, by;
    };

    // 1 inside, 0 outside, -1 not certain (ask GEOS). `edge_at(k)` is the k-th of `n` edges, which
    // must include every edge that may cross the path P → Q → Q0.
    template <class EdgeAt>
    static int crossing_test(EdgeAt&& edge_at, std::uint32_t n, int corner, double qx, double q0y, double px, double py)
    {
        constexpr int unknown = 2; // an orientation not computed yet: each is computed once per edge
        const double leg_bottom = std::min(py, q0y), leg_top = std::max(py, q0y);
        int parity = corner;
        for (std::uint32_t k = 0; k < n; ++k) {
            const auto [ax, ay, bx, by] = edge_at(k);
            const double low = std::min(ay, by), high = std::max(ay, by);
            const bool on_p_line = low <= py && py <= high;
            // An edge wholly above or below the leg Q → Q0 cannot cross it, whatever rounding
            // says about its line near Q or Q0: skipping it changes no exact answer.
            const bool crosses_q_leg = (ax > qx) != (bx > qx) && low <= leg_top && high >= leg_bottom;
            if (!on_p_line && !crosses_q_leg)
                continue;
            int sp = unknown, sq = unknown;
            if (on_p_line) {
                // P or Q on (or within rounding of) this edge: the parity argument does not hold.
                const double left = std::min(ax, bx), right = std::max(ax, bx);
                if (left <= px && px <= right && (sp = certain_orientation(ax, ay, bx, by, px, py)) == 0)
                    return -1;
                if (left <= qx && qx <= right && (sq = certain_orientation(ax, ay, bx, by, qx, py)) == 0)
                    return -1;
                // P → Q along y = py; half-open in y so a vertex on the line counts once.
                if ((ay > py) != (by > py)) {
                    if (sp == unknown)
                        sp = certain_orientation(ax, ay, bx, by, px, py);
                    if (sq == unknown)
                        sq = certain_orientation(ax, ay, bx, by, qx, py);
                    if (sp == 0 || sq == 0)
                        return -1;
                    parity ^= static_cast<int>(sp != sq);
                }
            }
            // Q → Q0 along x = qx; half-open in x.
            if (crosses_q_leg) {
                if (sq == unknown)
                    sq = certain_orientation(ax, ay, bx, by, qx, py);
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
    std::int32_t depth_ = 0;
    // What lookups read: the built arrays below, or adopted ones. A vector's move keeps its
    // buffer, so the spans survive moving the index.
    static constexpr std::uint32_t no_district_node[1] = {0};
    std::span<const std::uint32_t> nodes_ = no_district_node;
    std::span<const double> leaf_;
    huge_vector<std::uint32_t> built_nodes_;
    huge_vector<double> built_leaf_;
    grid_stats stats_;
};

} // namespace pantau::geo::detail
