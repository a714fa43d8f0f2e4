#include "grid_index.hpp"

#include <algorithm>
#include <cmath>

namespace pantau::geo::detail {
namespace {

struct cell {
    std::uint32_t slot; // where its node goes in nodes_
    std::uint64_t i, j; // cell coordinates at its level
    std::vector<std::uint32_t> candidates; // districts that may touch it, in code order
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
    g.cell_ = top_cell / std::ldexp(1.0, depth);
    g.inv_cell_ = 1.0 / g.cell_;
    g.x0_ = g.min_x_, g.y0_ = g.min_y_;
    g.fine_nx_ = std::uint64_t{g.top_nx_} << depth;
    g.fine_ny_ = std::uint64_t{top_ny} << depth;

    g.nodes_.assign(std::size_t{g.top_nx_} * top_ny, 0);
    g.candidate_offsets_ = {0};
    g.candidates_.clear();

    auto leaf = [](kind k, std::uint32_t v) { return (static_cast<std::uint32_t>(k) << 30) | v; };
    auto add_boundary_leaf = [&](const std::vector<std::uint32_t>& cands) {
        g.candidates_.insert(g.candidates_.end(), cands.begin(), cands.end());
        g.candidate_offsets_.push_back(static_cast<std::uint32_t>(g.candidates_.size()));
        ++g.stats_.boundary_leaves;
        return leaf(kind::boundary, static_cast<std::uint32_t>(g.candidate_offsets_.size() - 2));
    };

    // Classifies one cell. Returns true when it must be split further (its node is left for later).
    auto classify = [&](cell& c, int level) {
        const double size = top_cell / std::ldexp(1.0, level);
        const rect r{g.x0_ + static_cast<double>(c.i) * size - guard_deg, g.y0_ + static_cast<double>(c.j) * size - guard_deg,
                     g.x0_ + static_cast<double>(c.i + 1) * size + guard_deg,
                     g.y0_ + static_cast<double>(c.j + 1) * size + guard_deg};
        geom_ptr box = make_rectangle(ctx, r.x0, r.y0, r.x1, r.y1);
        std::vector<std::uint32_t> touching;
        for (std::uint32_t d : c.candidates) {
            const rect& e = extents[d];
            if (e.x0 > r.x1 || e.x1 < r.x0 || e.y0 > r.y1 || e.y1 < r.y0)
                continue;
            if (check_predicate(ctx, GEOSPreparedIntersects_r(ctx, prepared[d].get(), box.get()), "grid: intersects"))
                touching.push_back(d);
        }
        c.candidates = std::move(touching);
        if (c.candidates.empty()) {
            g.nodes_[c.slot] = leaf(kind::empty, 0);
            ++g.stats_.empty_leaves;
            return false;
        }
        // Every district that covers a point of the cell touches the cell, so when the
        // lowest-code one covers all of it, it is the answer for every point inside.
        if (check_predicate(ctx, GEOSPreparedCovers_r(ctx, prepared[c.candidates[0]].get(), box.get()), "grid: covers")) {
            g.nodes_[c.slot] = leaf(kind::district, c.candidates[0]);
            ++g.stats_.district_leaves;
            return false;
        }
        if (level == depth) {
            g.nodes_[c.slot] = add_boundary_leaf(c.candidates);
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
            cell c{j * g.top_nx_ + i, i, j, all};
            if (classify(c, 0))
                to_split.push_back(std::move(c));
        }
    }
    int level = 0;
    while (!to_split.empty()) {
        if (g.nodes_.size() + 4 * to_split.size() > options.max_nodes) {
            // Out of budget: these cells stay boundary leaves, tested exactly at lookup.
            for (const cell& c : to_split)
                g.nodes_[c.slot] = add_boundary_leaf(c.candidates);
            break;
        }
        ++level;
        std::vector<cell> next;
        for (cell& parent : to_split) {
            const auto first = static_cast<std::uint32_t>(g.nodes_.size());
            g.nodes_.resize(g.nodes_.size() + 4, 0);
            g.nodes_[parent.slot] = leaf(kind::split, first);
            // Child order matches find(): bit 1 = upper half (y), bit 0 = right half (x).
            for (std::uint32_t q = 0; q < 4; ++q) {
                cell child{first + q, parent.i * 2 + (q & 1u), parent.j * 2 + (q >> 1), parent.candidates};
                if (classify(child, level))
                    next.push_back(std::move(child));
            }
        }
        to_split = std::move(next);
    }

    g.stats_.nodes = g.nodes_.size();
    g.stats_.candidate_entries = g.candidates_.size();
    g.stats_.depth = level;
    g.stats_.finest_cell_deg = top_cell / std::ldexp(1.0, level);
    g.stats_.memory_bytes = (g.nodes_.capacity() + g.candidates_.capacity() + g.candidate_offsets_.capacity()) *
                            sizeof(std::uint32_t);
    return g;
}

} // namespace pantau::geo::detail
