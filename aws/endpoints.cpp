#include "aws/endpoints.hpp"

#include <array>
#include <functional>
#include <vector>

#include "core/text.hpp"

namespace cat::aws {
namespace {

// ---------------------------------------------------------------------------------------------------------
// Facts, transcribed from botocore 1.43.11 (pip), botocore/data/:
//   partitions.json (format version 1.1): every partition, in file order;
//   codeartifact/2018-09-22/endpoint-rule-set-1.json.gz and sts/2011-06-15/endpoint-rule-set-1.json.gz:
//   the host templates, error messages and STS's special cases in the resolvers below.
// Debian's botocore 1.29.27 (/usr/lib/python3/dist-packages/botocore/data/partitions.json) is older: it
// lacks aws-eusc, aws-iso-e and aws-iso-f and every implicitGlobalRegion, its aws regex lacks il and mx,
// its aws-iso-b lacks us-isob-west-1, and there aws-iso and aws-iso-b have supportsDualStack false with
// dualStackDnsSuffix equal to dnsSuffix. Its rule sets also predate STS's aws-global special case.
// tests/endpoints_vs_botocore.py compares this table and the resolvers with the botocore it runs with.
// ---------------------------------------------------------------------------------------------------------

constexpr std::array<std::string_view, 35> aws_regions{
    "af-south-1",     "ap-east-1",      "ap-east-2",      "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ap-south-1",     "ap-south-2",     "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
    "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "aws-global",     "ca-central-1",   "ca-west-1",
    "eu-central-1",   "eu-central-2",   "eu-north-1",     "eu-south-1",     "eu-south-2",     "eu-west-1",
    "eu-west-2",      "eu-west-3",      "il-central-1",   "me-central-1",   "me-south-1",     "mx-central-1",
    "sa-east-1",      "us-east-1",      "us-east-2",      "us-west-1",      "us-west-2"};
constexpr std::array<std::string_view, 3> aws_cn_regions{"aws-cn-global", "cn-north-1", "cn-northwest-1"};
constexpr std::array<std::string_view, 1> aws_eusc_regions{"eusc-de-east-1"};
constexpr std::array<std::string_view, 3> aws_iso_regions{"aws-iso-global", "us-iso-east-1", "us-iso-west-1"};
constexpr std::array<std::string_view, 3> aws_iso_b_regions{"aws-iso-b-global", "us-isob-east-1", "us-isob-west-1"};
constexpr std::array<std::string_view, 2> aws_iso_e_regions{"aws-iso-e-global", "eu-isoe-west-1"};
constexpr std::array<std::string_view, 3> aws_iso_f_regions{"aws-iso-f-global", "us-isof-east-1", "us-isof-south-1"};
constexpr std::array<std::string_view, 3> aws_us_gov_regions{"aws-us-gov-global", "us-gov-east-1", "us-gov-west-1"};

// id, regionRegex, dnsSuffix, dualStackDnsSuffix, implicitGlobalRegion, supportsFIPS, supportsDualStack, regions
const std::array<Partition, 8> builtin_partitions{{
    {"aws", R"(^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$)", "amazonaws.com", "api.aws", "us-east-1", true, true,
     aws_regions},
    {"aws-cn", R"(^cn\-\w+\-\d+$)", "amazonaws.com.cn", "api.amazonwebservices.com.cn", "cn-northwest-1", true, true,
     aws_cn_regions},
    {"aws-eusc", R"(^eusc\-(de)\-\w+\-\d+$)", "amazonaws.eu", "api.amazonwebservices.eu", "eusc-de-east-1", true, true,
     aws_eusc_regions},
    {"aws-iso", R"(^us\-iso\-\w+\-\d+$)", "c2s.ic.gov", "api.aws.ic.gov", "us-iso-east-1", true, true, aws_iso_regions},
    {"aws-iso-b", R"(^us\-isob\-\w+\-\d+$)", "sc2s.sgov.gov", "api.aws.scloud", "us-isob-east-1", true, true,
     aws_iso_b_regions},
    {"aws-iso-e", R"(^eu\-isoe\-\w+\-\d+$)", "cloud.adc-e.uk", "api.cloud-aws.adc-e.uk", "eu-isoe-west-1", true, true,
     aws_iso_e_regions},
    {"aws-iso-f", R"(^us\-isof\-\w+\-\d+$)", "csp.hci.ic.gov", "api.aws.hci.ic.gov", "us-isof-south-1", true, true,
     aws_iso_f_regions},
    {"aws-us-gov", R"(^us\-gov\-\w+\-\d+$)", "amazonaws.com", "api.aws", "us-gov-west-1", true, true,
     aws_us_gov_regions},
}};

// The STS rule set's UseGlobalEndpoint branch (the same list as botocore's args.LEGACY_GLOBAL_STS_REGIONS).
constexpr std::array<std::string_view, 16> sts_legacy_global_regions{
    "ap-northeast-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "aws-global", "ca-central-1",
    "eu-central-1",   "eu-north-1", "eu-west-1",      "eu-west-2",      "eu-west-3",  "sa-east-1",
    "us-east-1",      "us-east-2",  "us-west-1",      "us-west-2"};
constexpr std::string_view sts_global_url = "https://sts.amazonaws.com";
constexpr std::string_view sts_global_signing_region = "us-east-1";

// The rule sets' error messages.
constexpr std::string_view fips_custom_endpoint = "Invalid Configuration: FIPS and custom endpoint are not supported";
constexpr std::string_view dualstack_custom_endpoint =
    "Invalid Configuration: Dualstack and custom endpoint are not supported";
constexpr std::string_view fips_dualstack_unsupported =
    "FIPS and DualStack are enabled, but this partition does not support one or both";
constexpr std::string_view fips_unsupported = "FIPS is enabled but this partition does not support FIPS";
constexpr std::string_view dualstack_unsupported = "DualStack is enabled but this partition does not support DualStack";

constexpr std::string_view no_region = "no region: set --region, AWS_REGION or AWS_DEFAULT_REGION";

// ---------------------------------------------------------------------------------------------------------

Error config_error(std::string_view message) {
    return Error::make(ErrorKind::config, std::string(message));
}

bool contains(std::span<const std::string_view> list, std::string_view s) {
    for (const auto& x : list)
        if (x == s) return true;
    return false;
}

bool is_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// One DNS label: 1-63 letters, digits and hyphens, not starting or ending with a hyphen.
bool is_host_label(std::string_view s) {
    if (s.empty() || s.size() > 63 || s.front() == '-' || s.back() == '-') return false;
    for (char c : s)
        if (!is_alnum(c) && c != '-') return false;
    return true;
}

// botocore.utils.validate_region_name: a host label that is not all digits.
bool is_valid_region(std::string_view region) {
    if (!is_host_label(region)) return false;
    for (char c : region)
        if (!is_digit(c)) return true;
    return false;
}

char ascii_upper(char c) {
    return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

std::string quoted(std::string_view s) {
    std::string out = "\"";
    out += s;
    out += '"';
    return out;
}

std::string https_url(std::string_view prefix, std::string_view region, std::string_view suffix) {
    std::string url = "https://";
    url += prefix;
    url += '.';
    url += region;
    url += '.';
    url += suffix;
    return url;
}

// What both rule sets do before they look at the region's partition: the invalid-region check botocore
// makes when it creates a client, the custom-endpoint branch, and the missing-region error. Returns the
// finished endpoint for an override, nothing when resolution should go on with the region.
std::optional<Result<Endpoint>> common_prefix(const EndpointParams& p, std::span<const Partition> table) {
    if (!p.region.empty() && !is_valid_region(p.region))
        return Result<Endpoint>(config_error("invalid region " + quoted(p.region) + ": not a valid host label"));
    if (!p.endpoint_override.empty()) {
        if (p.use_fips) return Result<Endpoint>(config_error(fips_custom_endpoint));
        if (p.use_dualstack) return Result<Endpoint>(config_error(dualstack_custom_endpoint));
        if (auto st = validate_endpoint_url(p.endpoint_override, "endpoint override"); !st)
            return Result<Endpoint>(std::move(st).error());
        if (p.region.empty()) return Result<Endpoint>(config_error(no_region));
        return Result<Endpoint>(Endpoint{p.endpoint_override, p.region, partition_for(p.region, table).id});
    }
    if (p.region.empty()) return Result<Endpoint>(config_error(no_region));
    return std::nullopt;
}

// The part the two rule sets share after the partition: FIPS and dual-stack variants of `prefix`.
// `fips_only_url`, when set, replaces the FIPS (not dual-stack) URL (STS in aws-us-gov).
Result<Endpoint> regional(std::string_view prefix, const EndpointParams& p, const Partition& part,
                          std::string fips_only_url = {}) {
    Endpoint e{{}, p.region, part.id};
    std::string fips_prefix = std::string(prefix) + "-fips";
    if (p.use_fips && p.use_dualstack) {
        if (!part.supports_fips || !part.supports_dualstack) return config_error(fips_dualstack_unsupported);
        e.url = https_url(fips_prefix, p.region, part.dualstack_dns_suffix);
    } else if (p.use_fips) {
        if (!part.supports_fips) return config_error(fips_unsupported);
        e.url = fips_only_url.empty() ? https_url(fips_prefix, p.region, part.dns_suffix) : std::move(fips_only_url);
    } else if (p.use_dualstack) {
        if (!part.supports_dualstack) return config_error(dualstack_unsupported);
        e.url = https_url(prefix, p.region, part.dualstack_dns_suffix);
    } else {
        e.url = https_url(prefix, p.region, part.dns_suffix);
    }
    return e;
}

bool is_hex(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// botocore.utils.is_valid_endpoint_url's host rule: dot-separated labels, at most 255 characters,
// one trailing dot allowed.
bool is_valid_hostname(std::string_view host) {
    if (host.empty() || host.size() > 255) return false;
    if (host.back() == '.') host.remove_suffix(1);
    while (true) {
        const auto dot = host.find('.');
        if (!is_host_label(host.substr(0, dot))) return false;
        if (dot == std::string_view::npos) return true;
        host.remove_prefix(dot + 1);
    }
}

// "[...]" holding hex digits, colons and dots, with at least two colons.
bool is_ipv6_literal(std::string_view host) {
    if (host.size() < 4 || host.front() != '[' || host.back() != ']') return false;
    int colons = 0;
    for (char c : host.substr(1, host.size() - 2)) {
        if (c == ':')
            ++colons;
        else if (!is_hex(c) && c != '.')
            return false;
    }
    return colons >= 2;
}

bool is_valid_port(std::string_view port) {
    if (port.empty() || port.size() > 5) return false;
    unsigned v = 0;
    for (char c : port) {
        if (!is_digit(c)) return false;
        v = v * 10 + static_cast<unsigned>(c - '0');
    }
    return v >= 1 && v <= 65535;
}

// The regionRegex values of partitions.json, matched without std::regex (which brings libstdc++'s locale
// machinery into the static binary: bench/RESULTS.md). What they use, with ECMAScript's meaning for ASCII
// text: literal characters, escaped punctuation ("\-"), the classes \w \d \s and their negations, '.',
// bracket sets ("[a-z0-9]", "[^-]"), groups with alternatives ("(us|eu)"), the quantifiers + * ? (greedy)
// and the anchors ^ and $; a match may start anywhere (regex_search) unless anchored. A pattern with
// anything else ({n,m}, back-references, lookaround) matches nothing: the table's are all of this kind.
class RegionPattern {
public:
    explicit RegionPattern(std::string_view pattern) : p_(pattern) {
        ok_ = parse_alternatives(root_) && i_ == p_.size();
    }

    bool search(std::string_view text) const {
        if (!ok_) return false;
        for (std::size_t start = 0; start <= text.size(); ++start)
            if (alternatives(root_, text, start, [&](std::size_t) { return true; })) return true;
        return false;
    }

private:
    struct Node;
    using Sequence = std::vector<Node>;
    struct Node {
        enum class Kind { set, group, begin, end } kind = Kind::set;
        std::array<bool, 128> set{};     // Kind::set: the ASCII characters it matches
        bool other = false;              // Kind::set: whether it matches what is not ASCII
        std::vector<Sequence> branches;  // Kind::group
        std::size_t min = 1, max = 1;    // repetitions; max 0: unbounded
    };
    using Continue = std::function<bool(std::size_t)>;

    static void add_class(Node& n, char c) {
        bool negate = c == 'W' || c == 'D' || c == 'S';
        const char lower = static_cast<char>(negate ? c - 'A' + 'a' : c);
        for (int ch = 0; ch < 128; ++ch) {
            const bool word =
                (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
            const bool digit = ch >= '0' && ch <= '9';
            const bool space = ch == ' ' || (ch >= '\t' && ch <= '\r');
            const bool in = lower == 'w' ? word : lower == 'd' ? digit : space;
            if (in != negate) n.set[static_cast<std::size_t>(ch)] = true;
        }
        if (negate) n.other = true;
    }

    static bool is_class(char c) { return c == 'w' || c == 'd' || c == 's' || c == 'W' || c == 'D' || c == 'S'; }
    // An escaped character that stands for itself: punctuation only (\b, \1, \n and the like are not supported).
    static bool is_literal_escape(char c) { return static_cast<unsigned char>(c) < 128 && !is_alnum(c) && c != ' '; }

    bool parse_alternatives(std::vector<Sequence>& branches) {
        branches.emplace_back();
        while (i_ < p_.size() && p_[i_] != ')') {
            if (p_[i_] == '|') {
                ++i_;
                branches.emplace_back();
            } else if (!parse_atom(branches.back())) {
                return false;
            }
        }
        return true;
    }

    bool parse_atom(Sequence& seq) {
        Node n;
        const char c = p_[i_++];
        if (c == '^' || c == '$') {
            n.kind = c == '^' ? Node::Kind::begin : Node::Kind::end;
            seq.push_back(std::move(n));
            return true;
        }
        if (c == '(') {
            if (i_ < p_.size() && p_[i_] == '?') return false;  // (?:...), lookaround
            n.kind = Node::Kind::group;
            if (!parse_alternatives(n.branches) || i_ >= p_.size()) return false;
            ++i_;  // ')'
        } else if (c == '[') {
            if (!parse_bracket(n)) return false;
        } else if (c == '\\') {
            if (i_ >= p_.size()) return false;
            const char e = p_[i_++];
            if (is_class(e))
                add_class(n, e);
            else if (is_literal_escape(e))
                n.set[static_cast<unsigned char>(e)] = true;
            else
                return false;
        } else if (c == '.') {
            n.set.fill(true);
            n.set['\n'] = n.set['\r'] = false;
            n.other = true;
        } else if (c == '*' || c == '+' || c == '?' || c == '{' || c == '}' || c == ']' ||
                   static_cast<unsigned char>(c) >= 128) {
            return false;
        } else {
            n.set[static_cast<unsigned char>(c)] = true;
        }
        if (i_ < p_.size() && (p_[i_] == '*' || p_[i_] == '+' || p_[i_] == '?')) {
            n.min = p_[i_] == '+' ? 1 : 0;
            n.max = p_[i_] == '?' ? 1 : 0;
            ++i_;
            if (i_ < p_.size() && (p_[i_] == '?' || p_[i_] == '*' || p_[i_] == '+' || p_[i_] == '{')) return false;
        } else if (i_ < p_.size() && p_[i_] == '{') {
            return false;
        }
        seq.push_back(std::move(n));
        return true;
    }

    // After '[': members, ranges (a-z), escapes (\w, \-), a leading ^ to negate; up to ']'.
    bool parse_bracket(Node& n) {
        bool negate = i_ < p_.size() && p_[i_] == '^';
        if (negate) ++i_;
        while (i_ < p_.size() && p_[i_] != ']') {  // "[]" is empty in ECMAScript
            char lo = p_[i_++];
            if (lo == '\\') {
                if (i_ >= p_.size()) return false;
                lo = p_[i_++];
                if (is_class(lo)) {
                    add_class(n, lo);
                    continue;
                }
                if (!is_literal_escape(lo)) return false;
            }
            char hi = lo;
            if (i_ + 1 < p_.size() && p_[i_] == '-' && p_[i_ + 1] != ']') {
                hi = p_[i_ + 1];
                i_ += 2;
                if (hi == '\\') return false;
            }
            if (static_cast<unsigned char>(lo) >= 128 || static_cast<unsigned char>(hi) >= 128 || hi < lo) return false;
            const auto first = static_cast<unsigned char>(lo), last = static_cast<unsigned char>(hi);
            for (std::size_t ch = first; ch <= last; ++ch) n.set[ch] = true;
        }
        if (i_ >= p_.size()) return false;
        ++i_;  // ']'
        if (negate) {
            for (auto& b : n.set) b = !b;
            n.other = !n.other;
        }
        return true;
    }

    static bool one(const Node& n, std::string_view text, std::size_t at) {
        if (at >= text.size()) return false;
        const auto c = static_cast<unsigned char>(text[at]);
        return c < 128 ? n.set[c] : n.other;
    }

    bool alternatives(const std::vector<Sequence>& branches, std::string_view text, std::size_t at,
                      const Continue& next) const {
        for (const auto& seq : branches)
            if (sequence(seq, 0, text, at, next)) return true;
        return false;
    }

    bool sequence(const Sequence& seq, std::size_t k, std::string_view text, std::size_t at,
                  const Continue& next) const {
        if (k == seq.size()) return next(at);
        const Node& n = seq[k];
        const Continue rest = [&](std::size_t to) { return sequence(seq, k + 1, text, to, next); };
        switch (n.kind) {
            case Node::Kind::begin: return at == 0 && rest(at);
            case Node::Kind::end: return at == text.size() && rest(at);
            case Node::Kind::set: {
                std::size_t count = 0;  // greedy: as many as match, then give back one at a time
                while ((n.max == 0 || count < n.max) && one(n, text, at + count)) ++count;
                for (std::size_t c = count + 1; c-- > n.min;)
                    if (rest(at + c)) return true;
                return false;
            }
            case Node::Kind::group: return repeat(n, 0, text, at, rest);
        }
        return false;
    }

    bool repeat(const Node& n, std::size_t count, std::string_view text, std::size_t at, const Continue& rest) const {
        if (n.max == 0 || count < n.max) {
            const Continue again = [&](std::size_t to) {
                // An empty pass past the minimum would loop (ECMAScript's RepeatMatcher refuses it too).
                return (to != at || count < n.min) && repeat(n, count + 1, text, to, rest);
            };
            if (alternatives(n.branches, text, at, again)) return true;
        }
        return count >= n.min && rest(at);
    }

    std::string_view p_;
    std::size_t i_ = 0;
    bool ok_ = false;
    std::vector<Sequence> root_;
};

// Whether `region` matches the regionRegex of table[i]. The built-in table's are parsed once.
bool regex_matches(std::span<const Partition> table, std::size_t i, std::string_view region) {
    if (table.data() == builtin_partitions.data() && i < builtin_partitions.size()) {
        static const auto parsed = [] {
            std::vector<RegionPattern> out;
            out.reserve(builtin_partitions.size());
            for (const auto& p : builtin_partitions) out.emplace_back(p.region_regex);
            return out;
        }();
        return parsed[i].search(region);
    }
    return RegionPattern(table[i].region_regex).search(region);
}

}  // namespace

std::span<const Partition> partitions() {
    return builtin_partitions;
}

const Partition& partition_for(std::string_view region, std::span<const Partition> table) {
    for (std::size_t i = 0; i < table.size(); ++i)
        if (contains(table[i].regions, region) || regex_matches(table, i, region)) return table[i];
    return table.front();
}

Result<StsRegionalEndpoints> parse_sts_regional_endpoints(std::string_view value, std::string_view source) {
    if (value.empty() || value == "regional") return StsRegionalEndpoints::regional;
    if (value == "legacy") return StsRegionalEndpoints::legacy;
    return config_error("invalid " + std::string(source) + " " + quoted(value) +
                        ": expected \"regional\" or \"legacy\"");
}

Result<Endpoint> codeartifact_endpoint(const EndpointParams& params, std::span<const Partition> table) {
    if (auto done = common_prefix(params, table)) return std::move(*done);
    return regional("codeartifact", params, partition_for(params.region, table));
}

Result<Endpoint> sts_endpoint(const EndpointParams& params, std::span<const Partition> table) {
    // The rule set's first branch, UseGlobalEndpoint, comes before the custom endpoint but requires its
    // absence, so the invalid-region and custom-endpoint checks can go first.
    if (auto done = common_prefix(params, table)) return std::move(*done);
    const Partition& part = partition_for(params.region, table);
    const bool plain = !params.use_fips && !params.use_dualstack;
    if (plain && params.sts_regional_endpoints == StsRegionalEndpoints::legacy &&
        contains(sts_legacy_global_regions, params.region))
        return Endpoint{std::string(sts_global_url), std::string(sts_global_signing_region), part.id};
    // (Legacy mode for a region not in the list gives https://sts.{Region}.{dnsSuffix}, the regional URL.)
    if (plain && params.region == "aws-global")
        return Endpoint{std::string(sts_global_url), std::string(sts_global_signing_region), part.id};
    // FIPS alone in aws-us-gov: the regular host is the FIPS one ("https://sts.{Region}.amazonaws.com").
    std::string fips_only_url;
    if (part.id == "aws-us-gov") fips_only_url = https_url("sts", params.region, "amazonaws.com");
    return regional("sts", params, part, std::move(fips_only_url));
}

std::string endpoint_env_var(std::string_view service_id) {
    std::string out = "AWS_ENDPOINT_URL_";
    for (char c : service_id) out += (c == ' ' || c == '-') ? '_' : ascii_upper(c);
    return out;
}

std::string services_section_key(std::string_view service_id) {
    std::string out;
    for (char c : service_id) out += (c == ' ' || c == '-') ? '_' : text::lower(c);
    return out;
}

Status validate_endpoint_url(std::string_view url, std::string_view source) {
    auto bad = [&](std::string_view why) {
        return config_error("invalid endpoint URL " + quoted(url) + " from " + std::string(source) + ": " +
                            std::string(why));
    };
    for (char c : url) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f) return bad("it contains a space or a control character");
    }
    const auto colon = url.find("://");
    if (colon == std::string_view::npos) return bad("expected http:// or https:// and a host");
    const std::string_view scheme = url.substr(0, colon);
    if (!text::iequals(scheme, "http") && !text::iequals(scheme, "https"))
        return bad("the scheme must be http or https, not " + quoted(scheme));
    std::string_view rest = url.substr(colon + 3);
    const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
    if (authority.find('@') != std::string_view::npos) return bad("user information is not allowed");
    std::string_view host = authority;
    std::string_view port;
    if (host.starts_with('[')) {
        const auto close = host.find(']');
        if (close != std::string_view::npos && close + 1 < host.size()) {
            if (host[close + 1] != ':') return bad("expected a port after the IPv6 address");
            port = host.substr(close + 2);
            host = host.substr(0, close + 1);
            if (!is_valid_port(port)) return bad("invalid port " + quoted(port));
        }
        if (!is_ipv6_literal(host)) return bad("invalid IPv6 host " + quoted(host));
        return Ok{};
    }
    if (const auto c = host.rfind(':'); c != std::string_view::npos) {
        port = host.substr(c + 1);
        host = host.substr(0, c);
        if (!is_valid_port(port)) return bad("invalid port " + quoted(port));
    }
    if (host.empty()) return bad("no host");
    if (!is_valid_hostname(host)) return bad("invalid host " + quoted(host));
    return Ok{};
}

Result<ConfiguredEndpoint> configured_endpoint(std::string_view service_id, const EndpointConfig& config) {
    auto env = [&](const std::string& name) -> std::optional<std::string> {
        if (!config.env) return std::nullopt;
        return config.env(name);
    };
    auto chosen = [](std::string url, std::string source) -> Result<ConfiguredEndpoint> {
        if (auto st = validate_endpoint_url(url, source); !st) return std::move(st).error();
        return ConfiguredEndpoint{std::move(url), std::move(source)};
    };

    if (!config.flag.empty()) return chosen(config.flag, "--endpoint-url");

    const auto ignore_env = env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    // botocore's ensure_boolean: only "true" (any case) is true here, not the other parse_bool spellings.
    const bool ignore =
        text::iequals(ignore_env ? *ignore_env : config.profile_ignore_configured_endpoint_urls, "true");
    if (ignore) return ConfiguredEndpoint{};

    const std::string service_var = endpoint_env_var(service_id);
    if (auto v = env(service_var); v && !v->empty()) return chosen(std::move(*v), service_var);
    if (auto v = env("AWS_ENDPOINT_URL"); v && !v->empty()) return chosen(std::move(*v), "AWS_ENDPOINT_URL");
    if (!config.profile_service_endpoint_url.empty())
        return chosen(config.profile_service_endpoint_url,
                      "profile services section (" + services_section_key(service_id) + " endpoint_url)");
    if (!config.profile_endpoint_url.empty()) return chosen(config.profile_endpoint_url, "profile endpoint_url");
    return ConfiguredEndpoint{};
}

}  // namespace cat::aws
