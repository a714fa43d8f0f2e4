#pragma once

// The application as the server builds it (the composition root), with the demo districts, a web
// root and a data dir, for tests that call the HTTP API without sockets.
#include "server/application.hpp"
#include "server/config.hpp"

#include <filesystem>
#include <memory>

namespace pantau::testing {

inline server::server_config api_test_config(const std::filesystem::path& web_root,
                                             const std::filesystem::path& data_dir)
{
    server::server_config config;
    config.web_root = web_root.string();
    config.data_dir = data_dir.string();
    return config;
}

} // namespace pantau::testing
