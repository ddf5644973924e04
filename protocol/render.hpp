// Output renderers: one outcome, rendered for each consumer. Every renderer returns the whole text, so
// the caller writes stdout once, after everything has succeeded (no partial output on error).
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "protocol/params.hpp"

namespace cat::protocol {

struct Outcome {
    std::string authorization_token;
    std::chrono::sys_seconds expiration{};
    std::string domain;
    std::string domain_owner;
    std::string region;
    std::string repository_endpoint;
    bool from_cache = false;  // reported in json output (not in Terraform's, whose shape stays fixed)

    Outcome() = default;
    Outcome(const Outcome&) = default;
    Outcome& operator=(const Outcome&) = default;
    ~Outcome();
};

enum class OutputMode { json, text, env, terraform };
Result<OutputMode> parse_output_mode(std::string_view s);

// "2026-11-28T21:44:11Z".
std::string rfc3339(std::chrono::sys_seconds t);

// The (key, value) pairs the selection picks, in output order, with the keys the outputs use:
// authorization_token, expiration, expiration_unix, domain, domain_owner, region, repository_endpoint.
// `select`: "*" or empty for all, a property (AuthorizationToken, authorization_token, Expiration, ...)
// for that one, "^Name" for the input parameter Name.
Result<std::vector<std::pair<std::string, std::string>>> select(const Outcome& o, const Params& p);

std::string render_json(const std::vector<std::pair<std::string, std::string>>& fields);  // flat, strings
// The selected value alone (the token when nothing is selected), with a newline.
Result<std::string> render_text(const Outcome& o, const Params& p);
// "export NAME='value'" lines with POSIX shell quoting.
std::string render_env(const Outcome& o);
std::string shell_quote(std::string_view s);

}  // namespace cat::protocol
