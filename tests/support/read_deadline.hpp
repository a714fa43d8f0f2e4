#pragma once

// A deadline for a test's blocking socket reads. Asio's blocking reads wait in poll() without a
// timeout (SO_RCVTIMEO does not help), so a watchdog thread shuts the socket down when the time
// is up: the read then ends, and fired() tells the test it was the deadline, not the server.
#include <sys/socket.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace pantau::testing {

class read_deadline {
public:
    read_deadline(int native_socket, std::chrono::seconds after)
        : thread_([this, native_socket, after] {
              std::unique_lock lock(mutex_);
              if (!done_changed_.wait_for(lock, after, [this] { return done_; })) {
                  fired_ = true;
                  ::shutdown(native_socket, SHUT_RDWR);
              }
          })
    {
    }
    ~read_deadline()
    {
        {
            std::lock_guard lock(mutex_);
            done_ = true;
        }
        done_changed_.notify_all();
        thread_.join();
    }
    read_deadline(const read_deadline&) = delete;
    read_deadline& operator=(const read_deadline&) = delete;

    bool fired()
    {
        std::lock_guard lock(mutex_);
        return fired_;
    }

private:
    std::mutex mutex_;
    std::condition_variable done_changed_;
    bool done_ = false;
    bool fired_ = false;
    std::thread thread_; // last: it uses the members above
};

} // namespace pantau::testing
