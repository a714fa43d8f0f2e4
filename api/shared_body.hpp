#pragma once

#include "api/net.hpp"

#include <boost/optional.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

namespace pantau::api {

// A Beast body over a string serialised once and shared by every response that sends it
// (e.g. a district collection), so that a reply never copies the payload. Write-only: requests
// are read with string_body.
struct shared_body {
    using value_type = std::shared_ptr<const std::string>;

    static std::uint64_t size(const value_type& body) { return body ? body->size() : 0; }

    class writer {
    public:
        using const_buffers_type = net::const_buffer;

        template <bool is_request, class Fields>
        explicit writer(const http::header<is_request, Fields>&, const value_type& body) : body_(body)
        {
        }

        void init(beast::error_code& ec) { ec = {}; }

        boost::optional<std::pair<const_buffers_type, bool>> get(beast::error_code& ec)
        {
            ec = {};
            if (!body_ || body_->empty())
                return boost::none;
            return {{const_buffers_type{body_->data(), body_->size()}, false}};
        }

    private:
        const value_type& body_;
    };
};

} // namespace pantau::api
