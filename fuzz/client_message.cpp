// The stream's ClientMessage (server/websocket_session): the bytes of one binary WebSocket frame,
// decoded as the session does and handed to a real stream_hub holding an incident and a vehicle;
// a playback's request checked as the session checks it.
#include "fuzz/fuzz.hpp"
#include "stream/playback_stream.hpp"
#include "stream/stream_filter.hpp"
#include "stream/stream_hub.hpp"

#include <chrono>
#include <memory>
#include <string>

namespace {

namespace v1 = pantau::v1;
using namespace pantau::stream;

struct quiet_client : stream_client {
    void wake() override {}
    void close(std::uint16_t, const std::string&) override {}
};

feed_update known_state()
{
    feed_update state;
    v1::Incident inc;
    inc.set_id(1);
    inc.set_category(v1::COMPLAINT);
    inc.set_type("garbage");
    inc.set_severity(v1::MINOR);
    inc.set_lon(106.63);
    inc.set_lat(-6.17);
    inc.set_agency("DLH");
    auto* d = inc.add_districts();
    d->set_level("kota");
    d->set_code("36.71");
    state.incidents.push_back({inc, pantau::fuzz::now_ms});
    v1::Vehicle bus;
    bus.set_id("fuzz/bus-1");
    bus.set_source("fuzz");
    bus.set_lon(106.64);
    bus.set_lat(-6.18);
    state.vehicles.push_back(bus);
    return state;
}

// Every frame the hub queues is a ServerMessage a client can decode.
void drain(stream_hub& hub, const stream_hub::client_ref& id, steady_time now)
{
    while (auto frame = hub.next_frame(id, now)) {
        std::string bytes(reinterpret_cast<const char*>(frame->prefix.data()), frame->prefix_size);
        bytes += *frame->body;
        v1::ServerMessage decoded;
        PANTAU_FUZZ_CHECK(decoded.ParseFromString(bytes));
        hub.written(id, *frame, now);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    v1::ClientMessage msg;
    if (!msg.ParseFromArray(data, static_cast<int>(size)))
        return 0; // the session closes with bad_payload
    if (msg.has_subscribe() && !stream_filter::refusal(msg.subscribe()).empty())
        return 0; // so it does for a Subscribe beyond the bounds of its lists

    // The same Subscribe gives the same filter, and the filter key tells filters apart.
    if (msg.has_subscribe()) {
        const auto filter = stream_filter::from(msg.subscribe());
        v1::Subscribe copy;
        PANTAU_FUZZ_CHECK(copy.ParseFromString(msg.subscribe().SerializeAsString()));
        PANTAU_FUZZ_CHECK(stream_filter::from(copy).key() == filter.key());
        const auto state = known_state();
        (void)filter.matches(state.incidents.front().incident);
        (void)filter.matches(state.vehicles.front());
        // A playback's request is checked before any work: accepted only with a start in the
        // past, a speed within bounds and an end after the start.
        if (msg.subscribe().has_playback()) {
            const auto& p = msg.subscribe().playback();
            if (playback_stream::refusal(p, pantau::fuzz::now_ms).empty())
                PANTAU_FUZZ_CHECK(p.from_ms() > 0 && p.from_ms() < pantau::fuzz::now_ms &&
                                  p.speed() <= playback_stream::max_speed &&
                                  (p.until_ms() == 0 || p.until_ms() > p.from_ms()));
        }
    }

    // The message twice on one connection, once on another, with a change between: the hub
    // answers with frames a client decodes (or closes the connection), whatever was asked.
    stream_hub hub(stream_settings{});
    auto now = std::chrono::steady_clock::now();
    hub.load(known_state(), pantau::fuzz::now_ms);
    auto client = std::make_shared<quiet_client>();
    const auto first = hub.connect(client);
    hub.on_message(first, msg, pantau::fuzz::now_ms, now);
    drain(hub, first, now);
    auto change = known_state();
    change.incidents.front().incident.set_severity(v1::SEVERE);
    hub.push(std::move(change));
    now += std::chrono::seconds(1);
    hub.flush(pantau::fuzz::now_ms + 1000, now);
    hub.on_message(first, msg, pantau::fuzz::now_ms + 1000, now);
    drain(hub, first, now);
    const auto second = hub.connect(client);
    hub.on_message(second, msg, pantau::fuzz::now_ms + 1000, now);
    drain(hub, second, now);
    hub.disconnect(first);
    hub.disconnect(second);
    return 0;
}
