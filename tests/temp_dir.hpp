// A fresh directory per test under $TMPDIR (else /tmp), removed with everything in it at the end, even
// when a test took permissions away from what it made.
#pragma once

#include <stdlib.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

namespace cat::test {

struct TempDir {
    std::string path;

    explicit TempDir(std::string_view prefix = "cat-test") {
        const char* base = std::getenv("TMPDIR");
        std::string pattern =
            std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/" + std::string(prefix) + ".XXXXXX";
        BOOST_REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ec;
        for (const auto& e : std::filesystem::recursive_directory_iterator(path, ec))
            if (e.is_directory(ec) && !e.is_symlink(ec))
                std::filesystem::permissions(e.path(), std::filesystem::perms::owner_all,
                                             std::filesystem::perm_options::add, ec);
        std::filesystem::remove_all(path, ec);
    }
    std::string operator/(std::string_view name) const { return path + "/" + std::string(name); }
};

}  // namespace cat::test
