#pragma once

#include <stdexcept>
#include <string>

namespace pantau::geo {

// The one exception root of pantau_geo. Messages carry their context (file, layer, feature)
// so that the CLI can print them as a one-line reason.
class error : public std::runtime_error {
public:
    explicit error(const std::string& what) : std::runtime_error(what) {}
};

} // namespace pantau::geo
