// A transport that records requests and replays scripted replies, for unit tests of the API clients.
#pragma once

#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "http/transport.hpp"

namespace cat::test {

class FakeTransport : public http::Transport {
public:
    std::deque<Result<http::Response>> replies;
    std::vector<http::Request> sent;
    Result<http::Response> send(const http::Request& r, http::Deadline) override {
        sent.push_back(r);
        if (replies.empty()) return Error::make(ErrorKind::internal, "no reply scripted");
        auto next = std::move(replies.front());
        replies.pop_front();
        return next;
    }
};

inline http::Response reply(int status, std::string body,
                            std::vector<std::pair<std::string, std::string>> headers = {}) {
    http::Response r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    return r;
}

}  // namespace cat::test
