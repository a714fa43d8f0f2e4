#pragma once

// A test with a server of its own: the real server in-process on an ephemeral port, a data dir
// named after the test (removed after it), the real Tangerang layers and test access granted
// (tests/server/http_client.hpp); reports posted over loopback.

#include "server/config.hpp"
#include "server/server.hpp"
#include "tests/server/http_client.hpp"
#include "tests/support/tangerang_districts.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace pantau::server {

class server_test : public ::testing::Test {
protected:
    void SetUp() override
    {
        data_dir_ = std::filesystem::temp_directory_path() /
                    ("pantau_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name()) +
                     "_" + std::to_string(::getpid()) + "_" +
                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(data_dir_);
    }
    void TearDown() override
    {
        srv_.reset();
        std::filesystem::remove_all(data_dir_);
    }
    // `tune` changes the config before the server starts.
    void start(const std::function<void(server_config&)>& tune = {})
    {
        server_config config;
        config.port = 0;
        config.threads = 2;
        config.data_dir = data_dir_.string();
        grant_test_access(config);
        config.districts = testing::tangerang_levels();
        if (tune)
            tune(config);
        srv_ = std::make_unique<server>(config);
        srv_->start();
    }
    nlohmann::json post(const nlohmann::json& body)
    {
        client c(srv_->local_endpoint());
        const response res = c.request(http::verb::post, "/api/v1/reports", false, body.dump(), "application/json");
        EXPECT_EQ(res.result(), http::status::ok) << res.body();
        return nlohmann::json::parse(res.body());
    }
    std::uint64_t post_one(const nlohmann::json& report)
    {
        return post(report)["results"][0]["incident_id"].get<std::uint64_t>();
    }

    std::filesystem::path data_dir_;
    std::unique_ptr<server> srv_;
};

} // namespace pantau::server
