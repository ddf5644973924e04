// What tests/tools/with-servers exports to the test it runs: the loopback servers' URLs, tokens and state.
#pragma once

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <string>

namespace cat::test {

// The value of NAME; fails the test when it is not set (the test was not run through with-servers).
inline std::string required_env(const char* name) {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') {
        BOOST_FAIL(std::string(name) +
                   " is not set: run this test through tests/tools/with-servers "
                   "(tests/CMakeLists.txt has its options)");
        return {};
    }
    return v;
}

}  // namespace cat::test
