#include "geo/detail/grid_index.hpp"

#include <algorithm>
#include <cmath>

namespace pantau::geo::detail {
namespace {

struct rect {
    double x0, y0, x1, y1;
};

// A district that may touch a cell: its edges that may touch it (a run of a generation's edge
// list, each edge named by its first vertex) and the status of the cell's corner Q0.
struct candidate {
    std::uint32_t district;
    std::uint32_t corner; // 0 outside, 1 inside, corner_unknown on (or within rounding of) the boundary
    std::uint32_t first_edge, edge_count;
};

struct cell {
    std::uint32_t slot; // where its node goes in nodes_
    std::uint64_t i, j; // cell coordinates at its level
    std::uint32_t first, count; // its candidates: a run of the generation's list, in code order
};

// The cells of one level that are still to be classified, with their candidates and edges.
struct generation {
    huge_vector<cell> cells;
    huge_vector<candidate> candidates;
    huge_vector<std::uint32_t> edges;
};

} // namespace

grid_index grid_index::build(const geos_context& ctx, const std::vector<const GEOSGeometry*>& geometries,
                             const grid_options& options)
{
    grid_index g;
    if (geometries.empty())
        return g;

    std::vector<rect> extents;
    for (const GEOSGeometry* geom : geometries) {
        rect r{};
        if (!GEOSGeom_getExtent_r(ctx, geom, &r.x0, &r.y0, &r.x1, &r.y1))
            throw error("cannot compute extent: " + ctx.last_error());
        extents.push_back(r);
    }
    // Every ring's vertices, flattened; an edge is named by its first vertex.
    huge_vector<double> xs, ys;
    std::vector<std::vector<std::uint32_t>> district_edges(geometries.size());
    for (std::size_t d = 0; d < geometries.size(); ++d) {
        auto add_ring = [&](const GEOSGeometry* ring) {
            const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(ctx, ring);
            unsigned int n = 0;
            GEOSCoordSeq_getSize_r(ctx, seq, &n);
            const auto first = static_cast<std::uint32_t>(xs.size());
            for (unsigned int k = 0; k < n; ++k) {
                double x = 0, y = 0;
                GEOSCoordSeq_getXY_r(ctx, seq, k, &x, &y);
                xs.push_back(x);
                ys.push_back(y);
            }
            for (unsigned int k = 0; k + 1 < n; ++k)
                district_edges[d].push_back(first + k);
        };
        for (int p = 0; p < GEOSGetNumGeometries_r(ctx, geometries[d]); ++p) {
            const GEOSGeometry* poly = GEOSGetGeometryN_r(ctx, geometries[d], p);
            add_ring(GEOSGetExteriorRing_r(ctx, poly));
            for (int r = 0; r < GEOSGetNumInteriorRings_r(ctx, poly); ++r)
                add_ring(GEOSGetInteriorRingN_r(ctx, poly, r));
        }
    }
    // Conservative: false only when the edge certainly misses the closed rectangle (their boxes
    // are apart, or all four corners lie certainly on one side of the edge's line).
    auto edge_may_touch = [&](std::uint32_t v, const rect& r) {
        const double ax = xs[v], ay = ys[v], bx = xs[v + 1], by = ys[v + 1];
        if (std::max(ax, bx) < r.x0 || std::min(ax, bx) > r.x1 || std::max(ay, by) < r.y0 || std::min(ay, by) > r.y1)
            return false;
        const int s = certain_orientation(ax, ay, bx, by, r.x0, r.y0);
        return s == 0 || certain_orientation(ax, ay, bx, by, r.x1, r.y0) != s ||
               certain_orientation(ax, ay, bx, by, r.x0, r.y1) != s || certain_orientation(ax, ay, bx, by, r.x1, r.y1) != s;
    };

    g.min_x_ = extents[0].x0, g.min_y_ = extents[0].y0, g.max_x_ = extents[0].x1, g.max_y_ = extents[0].y1;
    for (const rect& r : extents) {
        g.min_x_ = std::min(g.min_x_, r.x0), g.min_y_ = std::min(g.min_y_, r.y0);
        g.max_x_ = std::max(g.max_x_, r.x1), g.max_y_ = std::max(g.max_y_, r.y1);
    }

    const double span = std::max({g.max_x_ - g.min_x_, g.max_y_ - g.min_y_, 1e-6});
    const double top_cell = span / std::max(1, options.top_cells);
    g.top_nx_ = static_cast<std::uint32_t>(std::max(1.0, std::ceil((g.max_x_ - g.min_x_) / top_cell)));
    const auto top_ny = static_cast<std::uint32_t>(std::max(1.0, std::ceil((g.max_y_ - g.min_y_) / top_cell)));
    int depth = 0;
    while (depth < 20 && top_cell / std::ldexp(1.0, depth) > options.min_cell_deg)
        ++depth;
    g.depth_ = depth;
    g.inv_cell_ = 1.0 / (top_cell / std::ldexp(1.0, depth));
    g.x0_ = g.min_x_, g.y0_ = g.min_y_;
    g.fine_nx_ = std::uint64_t{g.top_nx_} << depth;
    g.fine_ny_ = std::uint64_t{top_ny} << depth;

    g.built_nodes_.assign(std::size_t{g.top_nx_} * top_ny, 0);

    auto leaf_node = [](kind k, std::uint32_t v) { return (static_cast<std::uint32_t>(k) << 30) | v; };
    auto cell_rect = [&](std::uint64_t i, std::uint64_t j, int level) {
        const double size = top_cell / std::ldexp(1.0, level);
        return rect{g.x0_ + static_cast<double>(i) * size - guard_deg, g.y0_ + static_cast<double>(j) * size - guard_deg,
                    g.x0_ + static_cast<double>(i + 1) * size + guard_deg,
                    g.y0_ + static_cast<double>(j + 1) * size + guard_deg};
    };

    // GEOS decides the corners the crossing test cannot; each district is prepared on first need.
    std::vector<prepared_ptr> prepared(geometries.size());
    auto geos_corner = [&](std::uint32_t d, double x, double y) -> std::uint32_t {
        if (!prepared[d])
            prepared[d] = prepare(ctx, geometries[d]);
        geom_ptr corner = own(ctx, GEOSGeom_createPointFromXY_r(ctx, x, y), "grid: corner");
        if (!check_predicate(ctx, GEOSPreparedCovers_r(ctx, prepared[d].get(), corner.get()), "grid: corner covers"))
            return 0;
        return check_predicate(ctx, GEOSPreparedContainsProperly_r(ctx, prepared[d].get(), corner.get()),
                               "grid: corner inside")
                   ? 1
                   : corner_unknown;
    };
    // The status of corner (x, y) of a cell inside a parent whose corner (qx, q0y) has status
    // `from`; `edges` must hold every edge of district d that may touch the parent.
    auto corner_status = [&](std::uint32_t d, const std::uint32_t* edges, std::uint32_t n, std::uint32_t from,
                             double qx, double q0y, double x, double y) {
        if (from != corner_unknown) {
            auto edge_at = [&](std::uint32_t k) {
                const std::uint32_t v = edges[k];
                return edge{xs[v], ys[v], xs[v + 1], ys[v + 1]};
            };
            const int inside = crossing_test(edge_at, n, static_cast<int>(from), qx, q0y, x, y);
            if (inside >= 0)
                return static_cast<std::uint32_t>(inside);
        }
        return geos_corner(d, x, y);
    };

    // A boundary leaf keeps, per candidate, the edges that may touch it and its corner's status.
    // They are staged as edge numbers and written out as coordinates once all are known, so that
    // the leaf data is allocated once at its exact size instead of doubling as it grows.
    struct staged_leaf {
        std::uint32_t slot;
        double qx, q0y;
        std::uint32_t first, count; // in staged_candidates
    };
    huge_vector<staged_leaf> staged;
    huge_vector<candidate> staged_candidates;
    huge_vector<std::uint32_t> staged_edges;
    std::size_t leaf_doubles = 0;
    auto add_boundary_leaf = [&](const cell& c, const generation& gen, const rect& r) {
        staged.push_back({c.slot, r.x1, r.y0, static_cast<std::uint32_t>(staged_candidates.size()), c.count});
        leaf_doubles += 3;
        for (std::uint32_t k = c.first; k < c.first + c.count; ++k) {
            const candidate& cand = gen.candidates[k];
            staged_candidates.push_back({cand.district, cand.corner, static_cast<std::uint32_t>(staged_edges.size()),
                                         cand.edge_count});
            staged_edges.insert(staged_edges.end(), gen.edges.begin() + cand.first_edge,
                                gen.edges.begin() + cand.first_edge + cand.edge_count);
            leaf_doubles += 3 + 4 * std::size_t{cand.edge_count};
            ++g.stats_.candidate_entries;
            g.stats_.edge_entries += cand.edge_count;
        }
        ++g.stats_.boundary_leaves;
    };

    // Makes the cell a leaf when its answer is known (or it is as small as it gets) and returns
    // false; true when it must be split.
    auto settle = [&](const cell& c, const generation& gen, int level) {
        if (c.count == 0) {
            g.built_nodes_[c.slot] = leaf_node(kind::empty, 0);
            ++g.stats_.empty_leaves;
            return false;
        }
        // Candidates after one that covers the whole cell were dropped: the first is the answer.
        const candidate& first = gen.candidates[c.first];
        if (first.edge_count == 0 && first.corner == 1) {
            g.built_nodes_[c.slot] = leaf_node(kind::district, first.district);
            ++g.stats_.district_leaves;
            return false;
        }
        if (level == depth) {
            add_boundary_leaf(c, gen, cell_rect(c.i, c.j, level));
            return false;
        }
        return true;
    };
    // Adds district d to the cell being filled (the last of gen.cells): its edges in `r` among
    // `edges`, and its corner's status from the enclosing corner. False once a candidate covers it.
    auto add_candidate = [&](generation& gen, const rect& r, std::uint32_t d, const std::uint32_t* edges, std::uint32_t n,
                             std::uint32_t from, double qx, double q0y) {
        const auto first_edge = static_cast<std::uint32_t>(gen.edges.size());
        for (std::uint32_t k = 0; k < n; ++k)
            if (edge_may_touch(edges[k], r))
                gen.edges.push_back(edges[k]);
        const auto kept = static_cast<std::uint32_t>(gen.edges.size()) - first_edge;
        const std::uint32_t corner = corner_status(d, edges, n, from, qx, q0y, r.x1, r.y0);
        if (kept == 0 && corner == 0)
            return true; // outside the cell altogether
        gen.candidates.push_back({d, corner, first_edge, kept});
        ++gen.cells.back().count;
        return !(kept == 0 && corner == 1);
    };
    // Drops the last cell's candidates and edges when it settled as a leaf.
    auto keep_if_split = [&](generation& gen, int level) {
        const cell& c = gen.cells.back();
        if (settle(c, gen, level))
            return;
        if (c.count > 0)
            gen.edges.resize(gen.candidates[c.first].first_edge);
        gen.candidates.resize(c.first);
        gen.cells.pop_back();
    };

    // The top cells: each district's candidates from a corner outside the whole layer (status
    // 0) across all of its edges, gathered per cell first so that each cell's run is in code order.
    generation gen;
    {
        const double outside_x = g.max_x_ + 1, outside_y = g.min_y_ - 1;
        std::vector<std::vector<std::uint32_t>> touching(g.built_nodes_.size());
        for (std::uint32_t d = 0; d < geometries.size(); ++d) {
            const rect& e = extents[d];
            auto first_cell = [&](double v, double origin, std::uint32_t n) {
                return static_cast<std::uint32_t>(std::clamp((v - origin) / top_cell - 1, 0.0, n - 1.0));
            };
            const std::uint32_t i0 = first_cell(e.x0, g.x0_, g.top_nx_), i1 = first_cell(e.x1 + 2 * top_cell, g.x0_, g.top_nx_);
            const std::uint32_t j0 = first_cell(e.y0, g.y0_, top_ny), j1 = first_cell(e.y1 + 2 * top_cell, g.y0_, top_ny);
            for (std::uint32_t j = j0; j <= j1; ++j)
                for (std::uint32_t i = i0; i <= i1; ++i) {
                    const rect r = cell_rect(i, j, 0);
                    if (!(e.x0 > r.x1 || e.x1 < r.x0 || e.y0 > r.y1 || e.y1 < r.y0))
                        touching[j * g.top_nx_ + i].push_back(d);
                }
        }
        for (std::uint32_t j = 0; j < top_ny; ++j)
            for (std::uint32_t i = 0; i < g.top_nx_; ++i) {
                const std::uint32_t slot = j * g.top_nx_ + i;
                gen.cells.push_back({slot, i, j, static_cast<std::uint32_t>(gen.candidates.size()), 0});
                const rect r = cell_rect(i, j, 0);
                for (const std::uint32_t d : touching[slot]) {
                    const auto& all = district_edges[d];
                    if (!add_candidate(gen, r, d, all.data(), static_cast<std::uint32_t>(all.size()), 0, outside_x,
                                       outside_y))
                        break;
                }
                std::vector<std::uint32_t>().swap(touching[slot]);
                keep_if_split(gen, 0);
            }
    }

    int level = 0;
    while (!gen.cells.empty()) {
        if (g.built_nodes_.size() + 4 * gen.cells.size() > options.max_nodes) {
            // Out of budget: these cells stay boundary leaves, tested exactly at lookup.
            for (const cell& c : gen.cells)
                add_boundary_leaf(c, gen, cell_rect(c.i, c.j, level));
            break;
        }
        ++level;
        // Upper bounds, so that these never reallocate: a child has at most its parent's
        // candidates and edges. Capacity that is never written is never touched either.
        generation next;
        next.cells.reserve(4 * gen.cells.size());
        next.candidates.reserve(4 * gen.candidates.size());
        next.edges.reserve(4 * gen.edges.size());
        for (const cell& parent : gen.cells) {
            const auto first = static_cast<std::uint32_t>(g.built_nodes_.size());
            g.built_nodes_.resize(g.built_nodes_.size() + 4, 0);
            g.built_nodes_[parent.slot] = leaf_node(kind::split, first);
            const rect pr = cell_rect(parent.i, parent.j, level - 1);
            // Child order matches find(): bit 1 = upper half (y), bit 0 = right half (x).
            for (std::uint32_t q = 0; q < 4; ++q) {
                const std::uint64_t i = parent.i * 2 + (q & 1u), j = parent.j * 2 + (q >> 1);
                next.cells.push_back({first + q, i, j, static_cast<std::uint32_t>(next.candidates.size()), 0});
                const rect r = cell_rect(i, j, level);
                for (std::uint32_t k = parent.first; k < parent.first + parent.count; ++k) {
                    const candidate& pc = gen.candidates[k];
                    if (!add_candidate(next, r, pc.district, gen.edges.data() + pc.first_edge, pc.edge_count, pc.corner,
                                       pr.x1, pr.y0))
                        break;
                }
                keep_if_split(next, level);
            }
        }
        gen = std::move(next);
    }

    // The leaves' run of doubles (grid_index.hpp): corner, candidate count, then per candidate
    // its district, corner status, edge count and edges.
    if (leaf_doubles > payload_mask)
        throw error("grid: index too large");
    g.built_leaf_.reserve(leaf_doubles);
    for (const staged_leaf& leaf : staged) {
        g.built_nodes_[leaf.slot] = leaf_node(kind::boundary, static_cast<std::uint32_t>(g.built_leaf_.size()));
        g.built_leaf_.insert(g.built_leaf_.end(), {leaf.qx, leaf.q0y, static_cast<double>(leaf.count)});
        for (std::uint32_t k = leaf.first; k < leaf.first + leaf.count; ++k) {
            const candidate& cand = staged_candidates[k];
            g.built_leaf_.insert(g.built_leaf_.end(), {static_cast<double>(cand.district), static_cast<double>(cand.corner),
                                                       static_cast<double>(cand.edge_count)});
            for (std::uint32_t e = cand.first_edge; e < cand.first_edge + cand.edge_count; ++e) {
                const std::uint32_t v = staged_edges[e];
                g.built_leaf_.insert(g.built_leaf_.end(), {xs[v], ys[v], xs[v + 1], ys[v + 1]});
            }
        }
    }
    g.nodes_ = g.built_nodes_;
    g.leaf_ = g.built_leaf_;
    g.stats_.nodes = g.built_nodes_.size();
    g.stats_.depth = level;
    g.stats_.finest_cell_deg = top_cell / std::ldexp(1.0, level);
    g.stats_.memory_bytes = g.built_nodes_.size() * sizeof(std::uint32_t) + g.built_leaf_.size() * sizeof(double);
    return g;
}

grid_index grid_index::adopt(const shape& s, std::span<const std::uint32_t> nodes, std::span<const double> leaf_data,
                             std::uint32_t districts)
{
    auto fail = [](const std::string& what) { throw error("grid: " + what); };
    for (double v : {s.min_x, s.max_x, s.min_y, s.max_y, s.x0, s.y0, s.inv_cell})
        if (!std::isfinite(v))
            fail("a bound is not a finite number");
    if (!(s.inv_cell > 0) || s.depth < 0 || s.depth > 20 || s.top_nx == 0 ||
        s.fine_nx != std::uint64_t{s.top_nx} << s.depth || s.fine_ny == 0 || s.fine_ny % (std::uint64_t{1} << s.depth) != 0)
        fail("the grid's shape is inconsistent");
    const std::uint64_t top_ny = s.fine_ny >> s.depth;
    if (nodes.size() > payload_mask || leaf_data.size() > payload_mask)
        fail("more nodes or leaf data than a node can address");
    if (top_ny > nodes.size() || std::uint64_t{s.top_nx} * top_ny > nodes.size())
        fail("fewer nodes than top cells");

    // A small integer stored as a double, below `limit`; casting anything else would be undefined.
    auto whole_below = [](double v, double limit) { return v >= 0 && v < limit && v == std::floor(v); };
    grid_index g;
    auto check_leaf = [&](std::uint32_t offset) {
        if (std::size_t{offset} + 3 > leaf_data.size() || !whole_below(leaf_data[offset + 2], districts + 1.0))
            fail("a boundary leaf lies outside its data");
        std::size_t at = offset + 3;
        for (auto n = static_cast<std::uint32_t>(leaf_data[offset + 2]); n > 0; --n) {
            if (at + 3 > leaf_data.size() || !whole_below(leaf_data[at], districts) ||
                !whole_below(leaf_data[at + 1], corner_unknown + 1.0) || !whole_below(leaf_data[at + 2], 1u << 30))
                fail("a boundary leaf's candidate is malformed");
            ++g.stats_.candidate_entries;
            g.stats_.edge_entries += static_cast<std::size_t>(leaf_data[at + 2]);
            at += 3 + 4 * static_cast<std::size_t>(leaf_data[at + 2]);
            if (at > leaf_data.size())
                fail("a boundary leaf's edges lie outside its data");
        }
    };
    // Every node reachable from a top cell is reached once, by a path no deeper than the grid.
    std::vector<bool> seen(nodes.size());
    std::vector<std::pair<std::uint32_t, int>> pending;
    for (std::uint32_t t = 0; t < std::uint64_t{s.top_nx} * top_ny; ++t)
        pending.push_back({t, s.depth});
    while (!pending.empty()) {
        const auto [at, levels_left] = pending.back();
        pending.pop_back();
        if (seen[at])
            fail("a node is reached twice");
        seen[at] = true;
        const std::uint32_t node = nodes[at], payload = node & payload_mask;
        if (static_cast<kind>(node >> 30) != kind::split)
            g.stats_.depth = std::max(g.stats_.depth, s.depth - levels_left);
        switch (static_cast<kind>(node >> 30)) {
        case kind::empty:
            ++g.stats_.empty_leaves;
            break;
        case kind::district:
            if (payload >= districts)
                fail("a leaf names a district that does not exist");
            ++g.stats_.district_leaves;
            break;
        case kind::boundary:
            check_leaf(payload);
            ++g.stats_.boundary_leaves;
            break;
        case kind::split:
            if (levels_left == 0 || std::size_t{payload} + 4 > nodes.size())
                fail("a split goes deeper than the grid or past its nodes");
            for (std::uint32_t q = 0; q < 4; ++q)
                pending.push_back({payload + q, levels_left - 1});
            break;
        }
    }

    g.min_x_ = s.min_x, g.max_x_ = s.max_x, g.min_y_ = s.min_y, g.max_y_ = s.max_y;
    g.x0_ = s.x0, g.y0_ = s.y0, g.inv_cell_ = s.inv_cell;
    g.fine_nx_ = s.fine_nx, g.fine_ny_ = s.fine_ny, g.top_nx_ = s.top_nx, g.depth_ = s.depth;
    g.nodes_ = nodes;
    g.leaf_ = leaf_data;
    g.stats_.nodes = nodes.size();
    g.stats_.finest_cell_deg = std::ldexp(1.0 / s.inv_cell, s.depth - g.stats_.depth);
    g.stats_.memory_bytes = nodes.size_bytes() + leaf_data.size_bytes();
    return g;
}

} // namespace pantau::geo::detail
