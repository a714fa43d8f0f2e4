#pragma once

// Shared by the geo tests: where the data lives, one-level specs, cached real layers, and a
// way to look at the message of an expected pantau::geo::error.

#include "geo/error.hpp"
#include "geo/hierarchy.hpp"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace pantau::geo_test {

inline std::string shared_data(const std::string& relative) { return std::string(PANTAU_SHARED_DATA) + "/" + relative; }
inline std::string repo_data(const std::string& relative) { return std::string(PANTAU_REPO_DATA) + "/" + relative; }

inline geo::level_spec layer_level(std::string name, std::string path, std::string code_field = {},
                                   std::string name_field = {}, std::string parent_field = {})
{
    geo::level_spec spec;
    spec.name = std::move(name);
    spec.source.path = std::move(path);
    spec.source.code_field = std::move(code_field);
    spec.source.name_field = std::move(name_field);
    spec.source.parent_field = std::move(parent_field);
    return spec;
}

inline geo::level_spec dissolve_level(std::string name, std::string name_field = {}, std::string parent_field = {})
{
    geo::level_spec spec;
    spec.name = std::move(name);
    spec.dissolve = true;
    spec.dissolve_name_field = std::move(name_field);
    spec.dissolve_parent_field = std::move(parent_field);
    return spec;
}

// A one-level hierarchy of the layer at `path`, with the default fields.
inline geo::hierarchy load_single(const std::string& path)
{
    geo::load_report report;
    return geo::hierarchy::load({layer_level("districts", path)}, report);
}

// A real layer from ../shared/data as a one-level hierarchy, loaded once per process: the
// large ones take seconds to index.
inline const geo::hierarchy& real_layer(const std::string& relative)
{
    static std::map<std::string, std::unique_ptr<geo::hierarchy>> cache;
    std::unique_ptr<geo::hierarchy>& slot = cache[relative];
    if (!slot)
        slot = std::make_unique<geo::hierarchy>(load_single(shared_data(relative)));
    return *slot;
}

// The code of a lookup result, or "(outside)" for nullopt: readable in assertion messages.
inline std::string code_of(const geo::level& lvl, std::optional<std::size_t> hit)
{
    return hit ? lvl.districts().at(*hit).code : std::string("(outside)");
}

// Runs `f`, which must throw pantau::geo::error, and returns the message (empty on failure).
template <class F>
std::string geo_error_message(F&& f)
{
    try {
        f();
    } catch (const geo::error& e) {
        return e.what();
    } catch (const std::exception& e) {
        ADD_FAILURE() << "threw an exception other than pantau::geo::error: " << e.what();
        return {};
    }
    ADD_FAILURE() << "did not throw";
    return {};
}

} // namespace pantau::geo_test
