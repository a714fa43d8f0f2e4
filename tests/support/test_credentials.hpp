#pragma once

// Credentials for tests, written to a data dir's credentials file the way `pantau keys|tokens
// add` writes them (the real store, not a stand-in), and helpers that put them on a request.

#include "api/gatekeeper.hpp"
#include "api/http_types.hpp"
#include "auth/secret.hpp"
#include "store/credential_store.hpp"

#include <filesystem>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace pantau::testing {

inline const api::client_info loopback_client{"127.0.0.1", false};

class test_credentials {
public:
    explicit test_credentials(const std::filesystem::path& data_dir) : store_(data_dir)
    {
        admin = add_token(auth::role::admin, "test-admin");
        operator_token = add_token(auth::role::operator_, "test-operator");
        viewer = add_token(auth::role::viewer, "test-viewer");
    }

    // A source's key, made on first use.
    const std::string& key(const std::string& source)
    {
        auto it = keys_.find(source);
        if (it == keys_.end()) {
            const std::string secret = auth::new_secret(auth::credential_kind::source_key);
            store_.add(auth::credential_kind::source_key, source, std::nullopt, secret, 0);
            it = keys_.emplace(source, secret).first;
        }
        return it->second;
    }
    std::string add_token(auth::role role, const std::string& name)
    {
        const std::string secret = auth::new_secret(auth::credential_kind::person_token);
        store_.add(auth::credential_kind::person_token, name, role, secret, 0);
        return secret;
    }
    store::credential_store& store() { return store_; }

    std::string admin, operator_token, viewer;

private:
    store::credential_store store_;
    std::map<std::string, std::string> keys_;
};

inline api::http_request& with_token(api::http_request& req, const std::string& token)
{
    req.set(api::http::field::authorization, "Bearer " + token);
    return req;
}
inline api::http_request& with_key(api::http_request& req, const std::string& key)
{
    req.set("X-API-Key", key);
    return req;
}

// A report body split by the reports' `source`, in order of first appearance: a key names its
// source, so reports of several sources go in one request per source.
inline std::vector<std::pair<std::string, nlohmann::json>> by_source(const nlohmann::json& body)
{
    std::vector<std::pair<std::string, nlohmann::json>> out;
    auto source_of = [](const nlohmann::json& r) {
        return r.is_object() && r.contains("source") && r["source"].is_string() ? r["source"].get<std::string>()
                                                                                 : std::string("test");
    };
    if (!body.is_array())
        return {{source_of(body), body}};
    for (const auto& r : body) {
        const std::string s = source_of(r);
        auto it = std::find_if(out.begin(), out.end(), [&](const auto& p) { return p.first == s; });
        if (it == out.end())
            out.emplace_back(s, nlohmann::json::array({r}));
        else
            it->second.push_back(r);
    }
    return out;
}

} // namespace pantau::testing
