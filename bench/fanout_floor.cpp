// The floor under B4 and B5 on this machine: what the kernel alone charges to hand one small
// message to each of N loopback TCP connections, with no WebSocket, no Asio and no pantau. One
// thread (the server's core) writes `bytes` to every connection in turn with one send() each,
// round after round; another (the load generator's core) drains them all with epoll. A fan-out
// round can take no less than N sends, so report -> client p99 cannot go below the round time
// (plus the stream tick) however good the server is (docs/benchmarks.md, "B4: the floor").
//
//   pantau_bench_fanout_floor [CLIENTS=1000] [BYTES=1500] [SECONDS=5] [WRITER_CPU=0] [READER_CPU=1]
//
// Prints one line: clients, bytes, sends/s, µs per send, ms per round, MB/s.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

void pin(int cpu)
{
    if (cpu < 0)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

void check(bool ok, const char* what)
{
    if (!ok)
        throw std::runtime_error(std::string(what) + " failed");
}

} // namespace

int main(int argc, char** argv)
{
    const std::size_t clients = argc > 1 ? std::stoul(argv[1]) : 1000;
    const std::size_t bytes = argc > 2 ? std::stoul(argv[2]) : 1500;
    const double seconds = argc > 3 ? std::stod(argv[3]) : 5;
    const int writer_cpu = argc > 4 ? std::stoi(argv[4]) : 0;
    const int reader_cpu = argc > 5 ? std::stoi(argv[5]) : 1;
    try {
        const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        check(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0, "bind");
        check(::listen(listener, 4096) == 0, "listen");
        socklen_t len = sizeof addr;
        ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);

        std::vector<int> server_side, client_side;
        for (std::size_t i = 0; i < clients; ++i) {
            const int c = ::socket(AF_INET, SOCK_STREAM, 0);
            check(::connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0, "connect");
            const int s = ::accept(listener, nullptr, nullptr);
            check(s >= 0, "accept");
            const int one = 1;
            ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); // as Beast's server sockets
            client_side.push_back(c);
            server_side.push_back(s);
        }

        std::atomic<bool> done{false};
        std::thread reader([&] {
            pin(reader_cpu);
            const int ep = ::epoll_create1(0);
            for (int c : client_side) {
                epoll_event ev{};
                ev.events = EPOLLIN;
                ev.data.fd = c;
                ::epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
            }
            std::vector<epoll_event> events(256);
            std::vector<char> sink(1 << 16);
            while (!done.load(std::memory_order_relaxed)) {
                const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 50);
                for (int i = 0; i < n; ++i)
                    while (::recv(events[i].data.fd, sink.data(), sink.size(), MSG_DONTWAIT) > 0) {
                    }
            }
            ::close(ep);
        });

        pin(writer_cpu);
        const std::string message(bytes, 'x');
        std::size_t sends = 0, rounds = 0;
        const auto start = std::chrono::steady_clock::now();
        const auto until = start + std::chrono::duration<double>(seconds);
        while (std::chrono::steady_clock::now() < until) {
            for (int s : server_side) {
                // Blocking, as a server whose socket buffers have room: what is timed is the send.
                check(::send(s, message.data(), message.size(), 0) == static_cast<ssize_t>(message.size()), "send");
                ++sends;
            }
            ++rounds;
        }
        const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        done = true;
        reader.join();
        for (int fd : server_side)
            ::close(fd);
        for (int fd : client_side)
            ::close(fd);
        ::close(listener);
        std::printf("FLOOR clients=%zu bytes=%zu sends_s=%.0f us_per_send=%.2f ms_per_round=%.2f mb_s=%.0f\n", clients,
                    bytes, static_cast<double>(sends) / took, 1e6 * took / static_cast<double>(sends),
                    1e3 * took / static_cast<double>(rounds), static_cast<double>(sends * bytes) / took / 1e6);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "pantau_bench_fanout_floor: %s\n", e.what());
        return 1;
    }
    return 0;
}
