#pragma once

#include <stdexcept>
#include <string>

namespace pantau {

// The root of server start-up failures (data, data dir, web root, bind): the CLI prints the
// message as a one-line reason and exits 1. Messages carry their context (path, address).
class error : public std::runtime_error {
public:
    explicit error(const std::string& what) : std::runtime_error(what) {}
};

// A configuration value that cannot be used as given: the CLI treats it as a usage error (exit 2).
class config_error : public error {
public:
    explicit config_error(const std::string& what) : error(what) {}
};

} // namespace pantau
