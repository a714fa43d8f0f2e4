#include "geo/detail/grid_index.hpp"

#include <algorithm>
#include <cmath>

namespace pantau::geo::detail {
namespace {

struct cell {
    std::uint32_t slot; // where its node goes in nodes_
    std::uint64_t i, j; // cell coordinates at its level
    std::vector<std::uint32_t> candidates;         // districts that may touch it, in code order
    std::vector<std::vector<std::uint32_t>> edges; // per candidate: its edges that may cross it
};

struct rect {
    double x0, y0, x1, y1;
};

} // namespace

grid_index grid_index::build(const geos_context& ctx, const std::vector<const GEOSGeometry*>& geometries,
                             const grid_options& options)
{
    grid_index g;
    if (geometries.empty())
        return g;

    std::vector<prepared_ptr> prepared;
    std::vector<rect> extents;
    prepared.reserve(geometries.size());
    for (const GEOSGeometry* geom : geometries) {
        prepared.push_back(prepare(ctx, geom));
        rect r{};
        if (!GEOSGeom_getExtent_r(ctx, geom, &r.x0, &r.y0, &r.x1, &r.y1))
            throw error("cannot compute extent: " + ctx.last_error());
        extents.push_back(r);
    }
    // Every ring's vertices, flattened; an edge is named by its first vertex.
    std::vector<double> xs, ys;
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
    auto edge_touches = [&](std::uint32_t v, const rect& r) {
        const double ax = xs[v], ay = ys[v], bx = xs[v + 1], by = ys[v + 1];
        return std::max(ax, bx) >= r.x0 && std::min(ax, bx) <= r.x1 && std::max(ay, by) >= r.y0 &&
               std::min(ay, by) <= r.y1;
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

    g.nodes_.assign(std::size_t{g.top_nx_} * top_ny, 0);

    auto leaf_node = [](kind k, std::uint32_t v) { return (static_cast<std::uint32_t>(k) << 30) | v; };
    auto cell_rect = [&](const cell& c, int level) {
        const double size = top_cell / std::ldexp(1.0, level);
        return rect{g.x0_ + static_cast<double>(c.i) * size - guard_deg, g.y0_ + static_cast<double>(c.j) * size - guard_deg,
                    g.x0_ + static_cast<double>(c.i + 1) * size + guard_deg,
                    g.y0_ + static_cast<double>(c.j + 1) * size + guard_deg};
    };
    // A boundary leaf keeps, per candidate, the edges crossing it and whether its corner
    // Q0 = (x1, y0) is inside, as GEOS says; a corner on the boundary leaves that candidate to GEOS.
    auto add_boundary_leaf = [&](cell& c, const rect& r) {
        geom_ptr corner = own(ctx, GEOSGeom_createPointFromXY_r(ctx, r.x1, r.y0), "grid: corner");
        const auto offset = static_cast<std::uint32_t>(g.leaf_data_.size());
        if (g.leaf_data_.size() > payload_mask)
            throw error("grid: index too large");
        g.leaf_data_.insert(g.leaf_data_.end(), {r.x1, r.y0, static_cast<double>(c.candidates.size())});
        for (std::size_t k = 0; k < c.candidates.size(); ++k) {
            const GEOSPreparedGeometry* p = prepared[c.candidates[k]].get();
            int status = 0;
            if (check_predicate(ctx, GEOSPreparedCovers_r(ctx, p, corner.get()), "grid: corner covers"))
                status = check_predicate(ctx, GEOSPreparedContainsProperly_r(ctx, p, corner.get()), "grid: corner inside")
                             ? 1
                             : corner_unknown;
            g.leaf_data_.insert(g.leaf_data_.end(), {static_cast<double>(c.candidates[k]), static_cast<double>(status),
                                                     static_cast<double>(c.edges[k].size())});
            for (std::uint32_t v : c.edges[k])
                g.leaf_data_.insert(g.leaf_data_.end(), {xs[v], ys[v], xs[v + 1], ys[v + 1]});
            ++g.stats_.candidate_entries;
            g.stats_.edge_entries += c.edges[k].size();
        }
        ++g.stats_.boundary_leaves;
        return leaf_node(kind::boundary, offset);
    };

    // Classifies one cell. Returns true when it must be split further (its node is left for later).
    auto classify = [&](cell& c, int level) {
        const rect r = cell_rect(c, level);
        geom_ptr box = make_rectangle(ctx, r.x0, r.y0, r.x1, r.y1);
        cell touching{c.slot, c.i, c.j, {}, {}};
        for (std::size_t k = 0; k < c.candidates.size(); ++k) {
            const std::uint32_t d = c.candidates[k];
            const rect& e = extents[d];
            if (e.x0 > r.x1 || e.x1 < r.x0 || e.y0 > r.y1 || e.y1 < r.y0)
                continue;
            if (!check_predicate(ctx, GEOSPreparedIntersects_r(ctx, prepared[d].get(), box.get()), "grid: intersects"))
                continue;
            touching.candidates.push_back(d);
            std::vector<std::uint32_t>& kept = touching.edges.emplace_back();
            for (std::uint32_t v : c.edges.empty() ? district_edges[d] : c.edges[k]) {
                if (edge_touches(v, r))
                    kept.push_back(v);
            }
        }
        c.candidates = std::move(touching.candidates);
        c.edges = std::move(touching.edges);
        if (c.candidates.empty()) {
            g.nodes_[c.slot] = leaf_node(kind::empty, 0);
            ++g.stats_.empty_leaves;
            return false;
        }
        // Every district that covers a point of the cell touches the cell, so when the
        // lowest-code one covers all of it, it is the answer for every point inside.
        if (c.edges[0].empty() ||
            check_predicate(ctx, GEOSPreparedCovers_r(ctx, prepared[c.candidates[0]].get(), box.get()), "grid: covers")) {
            // No edge of a touching district crosses the cell: the district covers it.
            g.nodes_[c.slot] = leaf_node(kind::district, c.candidates[0]);
            ++g.stats_.district_leaves;
            return false;
        }
        if (level == depth) {
            g.nodes_[c.slot] = add_boundary_leaf(c, r);
            return false;
        }
        return true;
    };

    std::vector<std::uint32_t> all(geometries.size());
    for (std::uint32_t k = 0; k < all.size(); ++k)
        all[k] = k;

    std::vector<cell> to_split;
    for (std::uint32_t j = 0; j < top_ny; ++j) {
        for (std::uint32_t i = 0; i < g.top_nx_; ++i) {
            cell c{j * g.top_nx_ + i, i, j, all, {}};
            if (classify(c, 0))
                to_split.push_back(std::move(c));
        }
    }
    int level = 0;
    while (!to_split.empty()) {
        if (g.nodes_.size() + 4 * to_split.size() > options.max_nodes) {
            // Out of budget: these cells stay boundary leaves, tested exactly at lookup.
            for (cell& c : to_split)
                g.nodes_[c.slot] = add_boundary_leaf(c, cell_rect(c, level));
            break;
        }
        ++level;
        std::vector<cell> next;
        for (cell& parent : to_split) {
            const auto first = static_cast<std::uint32_t>(g.nodes_.size());
            g.nodes_.resize(g.nodes_.size() + 4, 0);
            g.nodes_[parent.slot] = leaf_node(kind::split, first);
            // Child order matches find(): bit 1 = upper half (y), bit 0 = right half (x).
            for (std::uint32_t q = 0; q < 4; ++q) {
                cell child{first + q, parent.i * 2 + (q & 1u), parent.j * 2 + (q >> 1), parent.candidates, parent.edges};
                if (classify(child, level))
                    next.push_back(std::move(child));
            }
        }
        to_split = std::move(next);
    }

    g.stats_.nodes = g.nodes_.size();
    g.stats_.depth = level;
    g.stats_.finest_cell_deg = top_cell / std::ldexp(1.0, level);
    g.leaf_data_.shrink_to_fit();
    g.stats_.memory_bytes = g.nodes_.capacity() * sizeof(std::uint32_t) + g.leaf_data_.capacity() * sizeof(double);
    return g;
}

} // namespace pantau::geo::detail
