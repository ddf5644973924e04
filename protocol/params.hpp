// One request model for every front door. CLI flags, a Terraform query (JSON object of strings) and
// GitHub Action inputs (INPUT_* variables) all become the same Params; the renderers read only Params and
// the API results.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/secret.hpp"

namespace cat::protocol {

// One parameter of the tool. `name` is the canonical snake_case key (Terraform/JSON); `flag` the CLI
// form (--kebab-case); aliases are the Get-CAAuthorizationToken names, matched case-insensitively.
struct ParamSpec {
    std::string_view name;
    std::string_view flag;
    std::vector<std::string_view> aliases = {};
    bool secret = false;     // never echoed, never printed in debug output
    bool cli_only = false;   // not accepted from Terraform/GitHub input (e.g. --output)
    bool is_switch = false;  // a flag without a value (--debug)
    std::string_view help;
};

const std::vector<ParamSpec>& param_specs();
// The spec for a canonical name, an alias (case-insensitive), or nullptr.
const ParamSpec* find_param(std::string_view name_or_alias);
// The closest known canonical name or flag to `unknown`, for "did you mean" (empty when nothing is close).
std::string suggest(std::string_view unknown, bool as_flag);

// Values by canonical name; empty strings mean unset and are not stored. The secret parameters
// (ParamSpec::secret) are held apart, as Secret, and read only with secret().
struct Params {
    std::map<std::string, std::string, std::less<>> values;  // every parameter that is not a secret
    std::map<std::string, Secret, std::less<>> secrets;
    std::vector<std::string> secrets_from_argv;  // canonical names of secrets passed as flags (for a warning)

    // A parameter that is not a secret (empty for a secret: use secret()).
    std::string get(std::string_view name) const {
        const auto it = values.find(name);
        return it == values.end() ? std::string() : it->second;
    }
    const Secret& secret(std::string_view name) const;
    bool has(std::string_view name) const { return values.contains(name) || secrets.contains(name); }
    void set(std::string_view name, std::string value);
    // Takes every parameter of `other` that this does not have.
    void fill_from(const Params& other);
};

// CLI flags: --flag value, --flag=value, switches. Positional arguments and unknown flags are errors
// that name the argument (and suggest the closest flag).
Result<Params> parse_cli(std::span<const std::string_view> args);
// A JSON object of strings (Terraform's external data source query). Keys match names or aliases
// case-insensitively; a non-string value, an unknown key or a duplicate is an error naming it.
Result<Params> parse_json_object(std::string_view json);

}  // namespace cat::protocol
