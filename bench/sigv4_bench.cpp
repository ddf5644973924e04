// The cost of signing one GetAuthorizationToken request (with a session token), whole and by stage.
// bench/sigv4-vs-botocore runs it next to botocore's SigV4Auth on the same request.
#include <benchmark/benchmark.h>

#include <chrono>
#include <string>

#include "sigv4/sigv4.hpp"

namespace sv = cat::sigv4;
using namespace std::chrono;

namespace {

// A session token of the length STS hands out for an assumed role.
std::string session_token() {
    std::string t = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLXdlc3QtMiJHMEUCIQD";
    while (t.size() < 900) t += "k8Yx0Q9Zf3n+7rD/TbUqLw2sVjH4mPeA1cNo6GiXyKaRdS5lBvtM=";
    t.resize(900);
    return t;
}

const sv::Credentials& credentials() {
    static const sv::Credentials c("ASIAQNZGKIQY3EXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", session_token());
    return c;
}

sv::Context context() {
    return {"us-west-2", "codeartifact", sys_days{2026y / November / 28} + 10h + 11min + 12s, &credentials(), {}};
}

sv::Request request() {
    sv::Request r;
    r.method = "POST";
    r.host = "codeartifact.us-west-2.amazonaws.com";
    r.path = "/v1/authorization-token";
    r.query = {{"domain", "my-domain"}, {"domain-owner", "111122223333"}, {"duration", "43200"}};
    r.headers.push_back({"User-Agent", "codeartifact-token/0.1.0"});
    return r;
}

void BM_Sign_NoCache(benchmark::State& state) {
    const sv::Request req = request();
    const sv::Context ctx = context();
    for (auto _ : state) benchmark::DoNotOptimize(sv::sign(req, ctx));
}
BENCHMARK(BM_Sign_NoCache);

void BM_Sign_CachedKey(benchmark::State& state) {
    const sv::Request req = request();
    const sv::Context ctx = context();
    sv::KeyCache cache;
    benchmark::DoNotOptimize(sv::sign(req, ctx, &cache));  // warm
    for (auto _ : state) benchmark::DoNotOptimize(sv::sign(req, ctx, &cache));
}
BENCHMARK(BM_Sign_CachedKey);

void BM_WithSignerHeaders(benchmark::State& state) {
    const sv::Request req = request();
    const sv::Context ctx = context();
    for (auto _ : state) benchmark::DoNotOptimize(sv::with_signer_headers(req, ctx));
}
BENCHMARK(BM_WithSignerHeaders);

void BM_CanonicalRequest(benchmark::State& state) {
    const sv::Context ctx = context();
    const sv::Request req = sv::with_signer_headers(request(), ctx);
    std::string names;
    for (auto _ : state) benchmark::DoNotOptimize(sv::canonical_request(req, ctx, &names));
}
BENCHMARK(BM_CanonicalRequest);

void BM_StringToSign(benchmark::State& state) {
    const sv::Context ctx = context();
    const std::string creq = sv::canonical_request(sv::with_signer_headers(request(), ctx), ctx);
    for (auto _ : state) benchmark::DoNotOptimize(sv::string_to_sign(creq, ctx));
}
BENCHMARK(BM_StringToSign);

void BM_SigningKey(benchmark::State& state) {
    const sv::Credentials& c = credentials();
    for (auto _ : state)
        benchmark::DoNotOptimize(sv::signing_key(c.secret_access_key.view(), "20261128", "us-west-2", "codeartifact"));
}
BENCHMARK(BM_SigningKey);

void BM_Signature(benchmark::State& state) {
    const sv::Context ctx = context();
    const std::string sts =
        sv::string_to_sign(sv::canonical_request(sv::with_signer_headers(request(), ctx), ctx), ctx);
    const sv::SigningKey key =
        sv::signing_key(credentials().secret_access_key.view(), "20261128", "us-west-2", "codeartifact");
    for (auto _ : state) benchmark::DoNotOptimize(sv::signature(key, sts));
}
BENCHMARK(BM_Signature);

// The same through a warm KeyCache, which keeps the key's HMAC states.
void BM_Signature_CachedKey(benchmark::State& state) {
    const sv::Context ctx = context();
    const std::string sts =
        sv::string_to_sign(sv::canonical_request(sv::with_signer_headers(request(), ctx), ctx), ctx);
    sv::KeyCache cache;
    for (auto _ : state)
        benchmark::DoNotOptimize(cache.signature(credentials(), "20261128", "us-west-2", "codeartifact", sts));
}
BENCHMARK(BM_Signature_CachedKey);

}  // namespace

BENCHMARK_MAIN();
