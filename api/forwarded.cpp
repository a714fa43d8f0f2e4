#include "api/forwarded.hpp"

#include "api/net.hpp"
#include "core/text.hpp"

#include <algorithm>

namespace pantau::api {
namespace {

// The canonical text of an address (so "::ffff:10.0.0.1" and spellings of IPv6 compare equal),
// or empty when it is none.
std::string canonical(std::string_view text)
{
    boost::system::error_code ec;
    const auto address = net::ip::make_address(std::string(text), ec);
    if (ec)
        return {};
    if (address.is_v6() && address.to_v6().is_v4_mapped())
        return net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6()).to_string();
    return address.to_string();
}

} // namespace

bool is_ip_address(std::string_view text) { return !canonical(text).empty(); }

client_info forwarded_client(const client_info& peer, std::string_view forwarded_for, std::string_view forwarded_proto,
                             const std::vector<std::string>& trusted_proxies)
{
    const auto trusted = [&](const std::string& address) {
        return !address.empty() && std::any_of(trusted_proxies.begin(), trusted_proxies.end(),
                                               [&](const std::string& p) { return canonical(p) == address; });
    };
    const std::string from = canonical(peer.address);
    if (!trusted(from))
        return peer;
    // The proxy nearest to us wrote the last value.
    const auto last = forwarded_proto.rfind(',');
    const std::string_view proto = trim_blanks(last == std::string_view::npos ? forwarded_proto : forwarded_proto.substr(last + 1));
    client_info client{from, peer.tls || proto == "https"};
    // Right to left: each trusted proxy appended the address it got the request from.
    while (!forwarded_for.empty()) {
        const auto comma = forwarded_for.rfind(',');
        const std::string_view hop =
            trim_blanks(comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1));
        forwarded_for = comma == std::string_view::npos ? std::string_view{} : forwarded_for.substr(0, comma);
        const std::string address = canonical(hop);
        if (address.empty())
            break;
        client.address = address;
        if (!trusted(address))
            break;
    }
    return client;
}

} // namespace pantau::api
