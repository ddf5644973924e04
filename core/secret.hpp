// Secret: a string that holds a secret (a secret key, a session token, a web identity or OIDC token, the
// authorization token) and overwrites its bytes when it goes away, is moved from, or is cleared.
// It converts from std::string but never back implicitly: reading it is an explicit `reveal()`, so every
// place that lets a secret out is easy to find.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>

namespace cat {

// Overwrites memory in a way the optimiser cannot elide (OPENSSL_cleanse).
void wipe(void* p, std::size_t n) noexcept;
// Overwrites the string's whole buffer (capacity, not only size) and empties it.
void wipe(std::string& s) noexcept;

class Secret {
public:
    Secret() = default;
    Secret(std::string value) noexcept : value_(std::move(value)) {}  // NOLINT: implicit by design
    Secret(std::string_view value) : value_(value) {}                 // NOLINT: implicit by design
    Secret(const char* value) : value_(value) {}                      // NOLINT: implicit by design
    Secret(const Secret&) = default;
    Secret(Secret&& other) noexcept : value_(std::move(other.value_)) { wipe(other.value_); }
    Secret& operator=(const Secret& other) {
        if (this != &other) {
            wipe(value_);
            value_ = other.value_;
        }
        return *this;
    }
    Secret& operator=(Secret&& other) noexcept {
        if (this != &other) {
            wipe(value_);
            value_ = std::move(other.value_);
            wipe(other.value_);
        }
        return *this;
    }
    ~Secret() { wipe(value_); }

    const std::string& reveal() const noexcept { return value_; }
    std::string_view view() const noexcept { return value_; }
    bool empty() const noexcept { return value_.empty(); }
    std::size_t size() const noexcept { return value_.size(); }
    void clear() noexcept { wipe(value_); }

    friend bool operator==(const Secret& a, const Secret& b) noexcept { return a.value_ == b.value_; }

private:
    std::string value_;
};

// Boost.Test prints the operands of a failed check through this (found by ADL), so that tests can compare
// Secrets directly: it shows the size only, so test logs never hold a secret either. There is no
// operator<<: writing a secret anywhere is an explicit reveal().
std::ostream& boost_test_print_type(std::ostream& out, const Secret& s);

}  // namespace cat
