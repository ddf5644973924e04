"""The program end to end over real sockets: the bundled loopback CodeArtifact endpoint (HTTPS with a
test CA, every signature checked by botocore), its faults, TLS refusals and CONNECT proxies.

Run by CTest as: tests/tools/with-servers python3 tests/cli_loopback_test.py (CAT_BINARY set).
"""
import json
import os
import time

from harness import (EXAMPLE_AK, EXAMPLE_SK, check, clean_env, example_env, finish, main_url, port, run,
                     server_log, unique)


def fetch(domain, *extra, env=None):
    return run(["--domain", domain, *extra], env or example_env())


def attempts(domain):
    return len([e for e in server_log(domain) if e.get("path") == "/v1/authorization-token"])


# --- the token, in each output mode -------------------------------------------------------------------
d = unique("demo")
rc, out, err = fetch(d, "--domain-owner", "111122223333", "--duration-seconds", "900")
check("json: exit 0", rc == 0, err)
doc = json.loads(out) if rc == 0 else {}
log = server_log(d)
check("json: one signed request reached the endpoint", len(log) == 1 and log[0]["signature_ok"], log)
issued = log[0].get("token_issued") if log else None
check("json: the token the endpoint issued", doc.get("authorization_token") == issued, doc)
check("json: all values are strings", all(isinstance(v, str) for v in doc.values()), doc)
check("json: keys", set(doc) == {"authorization_token", "expiration", "expiration_unix", "domain",
                                 "domain_owner", "region", "from_cache"}, doc)
check("json: not from the cache", doc.get("from_cache") == "false", doc)
check("json: duration sent", log and log[0]["query"].get("duration") == ["900"], log)
check("json: expiration is RFC 3339 and matches expiration_unix",
      doc.get("expiration", "").endswith("Z") and
      abs(int(doc.get("expiration_unix", "0")) - (time.time() + 900)) < 120, doc)
check("json: nothing on stderr", err == "", err)
check("json: user-agent sent, not signed", log and "user-agent" in log[0]["headers"], log)

rc, out, err = fetch(unique("text"), "--output", "text")
check("text: the token alone", rc == 0 and out.startswith("eyJ") and out.count("\n") == 1 and " " not in out, out)

rc, out, err = fetch(unique("env"), "--output", "env")
check("env: export lines", rc == 0 and out.startswith("export CODEARTIFACT_AUTH_TOKEN='eyJ"), out)

rc, out, err = fetch(unique("select"), "--select", "Expiration", "--output", "text")
check("select Expiration: the value alone", rc == 0 and out.strip().endswith("Z") and "eyJ" not in out, out)

rc, out, err = fetch(unique("repo"), "--repository", "npm-store", "--format", "npm", "--domain-owner",
                     "111122223333")
doc = json.loads(out) if rc == 0 else {}
check("repository endpoint", doc.get("repository_endpoint", "").endswith("/npm/npm-store/"), (out, err))

# The Terraform protocol: JSON on stdin, flat object of strings on stdout.
q = json.dumps({"Domain": unique("tf"), "DomainOwner": "111122223333", "Select": "AuthorizationToken"})
rc, out, err = run([], example_env(), stdin=q)
check("terraform: one key when a property is selected", rc == 0 and list(json.loads(out)) ==
      ["authorization_token"], (out, err))

# Flags in Terraform's `program` (here --no-cache --debug) do not switch the query off; flags win over keys.
d = unique("tfflags")
rc, out, err = run(["--no-cache", "--debug", "--domain-owner", "111122223333"], example_env(),
                   stdin=json.dumps({"domain": d, "domain_owner": "999999999999"}))
result = json.loads(out) if rc == 0 else {}
check("terraform with flags: the query is read, the Terraform shape, the flag wins",
      result.get("domain") == d and result.get("domain_owner") == "111122223333" and "from_cache" not in result,
      (out, err))

# Session tokens are signed and sent.
rc, out, err = fetch(unique("sess"), env=example_env(AWS_SESSION_TOKEN="session/token+value=="))
log = server_log() if rc == 0 else []
check("session token signed and sent", rc == 0 and any(e.get("session_token_present") for e in log), err)

# IPv6 literal.
if port("main6"):
    rc, out, err = fetch(unique("six"), "--endpoint-url", f"https://[::1]:{port('main6')}")
    check("IPv6 literal endpoint", rc == 0, err)

# --- faults: retried the right number of times, or a clear error and a documented exit code -----------
d = unique("throttle2")
rc, out, err = fetch(d)
check("429 twice then success: exit 0 after 3 attempts", rc == 0 and attempts(d) == 3, (rc, err))

d = unique("retryafter")
t0 = time.time()
rc, out, err = fetch(d)
check("429 with Retry-After: 1 honoured", rc == 0 and attempts(d) == 2 and time.time() - t0 >= 0.9, err)

d = unique("error500")
rc, out, err = fetch(d)
check("500 once then success", rc == 0 and attempts(d) == 2, err)

d = unique("unavailable")
rc, out, err = fetch(d)
check("503 always: exit 4 after max attempts", rc == 4 and attempts(d) == 3 and
      "ServiceUnavailableException" in err and "after 3 attempts" in err and "request id" in err, err)
check("503: stdout empty", out == "", out)

d = unique("unavailable")
rc, out, err = fetch(d, "--max-attempts", "5")
check("--max-attempts 5", rc == 4 and attempts(d) == 5, err)
d = unique("unavailable")
rc, out, err = fetch(d, env=example_env(AWS_MAX_ATTEMPTS="1"))
check("AWS_MAX_ATTEMPTS=1", rc == 4 and attempts(d) == 1, err)

d = unique("continue")
rc, out, err = fetch(d)
check("100 Continue and 103 before the 200: exit 0 after one attempt", rc == 0 and attempts(d) == 1, (rc, err))

d = unique("reset")
rc, out, err = fetch(d)
check("connection reset: retried, exit 5 naming the read", rc == 5 and attempts(d) == 3 and "read" in err, err)

d = unique("resetonce")
rc, out, err = fetch(d)
check("reset once then success", rc == 0 and attempts(d) == 2, err)

d = unique("slow")
rc, out, err = fetch(d, "--read-timeout", "1", "--max-attempts", "1")
# The deadline is the one the message names (no timed assertion: the machine may be loaded).
check("slow response: read timeout, exit 5, naming the deadline",
      rc == 5 and "read timed out after 1000 ms" in err, err)

d = unique("truncated")
rc, out, err = fetch(d, "--max-attempts", "1")
check("truncated body: exit 5", rc == 5 and out == "", err)

d = unique("nonjson")
rc, out, err = fetch(d)
check("non-JSON body: exit 5, not retried", rc == 5 and "unreadable response" in err and attempts(d) == 1, err)

d = unique("html502")
rc, out, err = fetch(d, "--max-attempts", "2")
check("HTML 502 from a proxy: clear error with the status", rc == 4 and "HTTP 502" in err and
      "not an AWS error" in err and attempts(d) == 2, err)

d = unique("denied")
rc, out, err = fetch(d)
check("403 AccessDenied: exit 4, not retried, request id", rc == 4 and attempts(d) == 1 and
      "AccessDeniedException" in err and "request id" in err, err)

d = unique("expired")
rc, out, err = fetch(d)
check("403 ExpiredToken: exit 4 with request id", rc == 4 and "ExpiredTokenException" in err and
      "request id" in err, err)

rc, out, err = fetch(unique("sig"), env=example_env(AWS_SECRET_ACCESS_KEY="wrong-secret"))
check("wrong secret: InvalidSignatureException, exit 4", rc == 4 and "InvalidSignatureException" in err, err)
check("wrong secret: error is one line", err.count("\n") == 1, err)

d = unique("bigbody")
rc, out, err = fetch(d)
check("oversized response refused", rc == 5 and "larger than" in err, err)

rc, out, err = fetch(unique("refused"), "--endpoint-url", "https://127.0.0.1:9", "--max-attempts", "1")
check("connection refused: exit 5 naming connect", rc == 5 and "connect" in err, err)

rc, out, err = fetch(unique("dns"), "--endpoint-url", "https://does-not-exist.invalid", "--max-attempts", "1")
check("DNS failure: exit 5 naming resolve", rc == 5 and "resolve" in err, err)

# --- TLS refusals -------------------------------------------------------------------------------------
rc, out, err = fetch(unique("tls"), "--endpoint-url", f"https://127.0.0.1:{port('wrong_host')}")
check("certificate for another host: refused at the handshake, not retried",
      rc == 5 and "handshake" in err and "after" not in err, err)
rc, out, err = fetch(unique("tls"), "--endpoint-url", f"https://127.0.0.1:{port('untrusted')}")
check("untrusted CA: refused", rc == 5 and "certificate verify failed" in err, err)
rc, out, err = fetch(unique("tls"), env=example_env(AWS_CA_BUNDLE=None))
check("test CA not trusted by default (system store)", rc == 5 and "certificate" in err, err)
rc, out, err = fetch(unique("tls"), "--ca-bundle", os.environ["CAT_TEST_CA"], env=example_env(AWS_CA_BUNDLE=None))
check("--ca-bundle", rc == 0, err)

# --- proxies ------------------------------------------------------------------------------------------
state = os.environ["CAT_TEST_STATE"]


def proxy_log():
    try:
        with open(os.path.join(state, "proxy.log")) as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


before = len(proxy_log())
rc, out, err = fetch(unique("proxy"), env=example_env(HTTPS_PROXY=f"http://127.0.0.1:{os.environ['CAT_TEST_PROXY_OPEN']}"))
check("through a CONNECT proxy", rc == 0 and len(proxy_log()) == before + 1, (err, proxy_log()[before:]))

before = len(proxy_log())
rc, out, err = fetch(unique("proxy"), env=example_env(
    https_proxy=f"http://proxyuser:p%40ss%3Aword@127.0.0.1:{os.environ['CAT_TEST_PROXY_AUTH']}"))
new = proxy_log()[before:]
check("proxy Basic auth from the URL's user info", rc == 0 and new and new[-1].get("auth_ok"), (err, new))
check("proxy password never printed", "p@ss" not in err and "p%40ss" not in err, err)

rc, out, err = fetch(unique("proxy"), env=example_env(HTTPS_PROXY=f"http://127.0.0.1:{os.environ['CAT_TEST_PROXY_REFUSE']}"))
check("proxy refusing CONNECT: exit 5 naming the proxy", rc == 5 and "proxy" in err and "403" in err, err)

before = len(proxy_log())
rc, out, err = fetch(unique("proxy"), env=example_env(
    HTTPS_PROXY=f"http://127.0.0.1:{os.environ['CAT_TEST_PROXY_REFUSE']}", NO_PROXY="localhost,127.0.0.1"))
check("NO_PROXY bypasses the proxy", rc == 0 and len(proxy_log()) == before, err)

# --- usage errors -------------------------------------------------------------------------------------
rc, out, err = run(["--domain", "Bad_Domain"], example_env())
check("invalid domain: exit 2, names the field", rc == 2 and "domain \"Bad_Domain\"" in err and out == "", err)
rc, out, err = run(["--domian", "x"], example_env())
check("typo: exit 2 with a suggestion", rc == 2 and "did you mean --domain?" in err, err)
rc, out, err = run(["--domain", "my-domain"], clean_env(AWS_REGION="us-west-2"))
check("no credentials: exit 3", rc == 3 and out == "", err)
rc, out, err = run(["--domain", "my-domain"], example_env(AWS_REGION=None))
check("no region: exit 6", rc == 6 and "region" in err, err)
rc, out, err = run([], example_env(), stdin='{"Domain": 5}')
check("terraform: non-string value, exit 2, stderr one line", rc == 2 and out == "" and err.count("\n") == 1, err)

# --- secrets ------------------------------------------------------------------------------------------
d = unique("secret")
rc, out, err = fetch(d, "--debug", env=example_env(AWS_SESSION_TOKEN="SESSIONTOKENVALUE"))
token = json.loads(out)["authorization_token"] if rc == 0 else "x"
check("--debug logs something", rc == 0 and "codeartifact-token:" in err, err)
check("--debug: no token, secret or session token on stderr",
      token not in err and EXAMPLE_SK not in err and "SESSIONTOKENVALUE" not in err, err)
rc, out, err = run(["--domain", unique("argv"), "--access-key", EXAMPLE_AK, "--secret-key", EXAMPLE_SK],
                   example_env(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None))
check("secret by flag works, with a warning", rc == 0 and "warning" in err and EXAMPLE_SK not in err, err)

# Issue 12 item 6: --dry-run redacts the signature and sends nothing, not even STS AssumeRole (the STS
# endpoint here refuses connections: a request would show as a network error, exit 5).
rc, out, err = run(["--domain", unique("dry"), "--dry-run"], example_env())
check("--dry-run: Signature=<redacted>, Credential and SignedHeaders kept",
      rc == 0 and "Signature=<redacted>" in out and "Credential=" in out and "SignedHeaders=" in out and
      "cannot be replayed" in out, out)
rc, out, err = run(["--domain", unique("dry"), "--dry-run", "--role-arn", "arn:aws:iam::111122223333:role/r"],
                   example_env(AWS_ENDPOINT_URL_STS="https://127.0.0.1:9"))
check("--dry-run --role-arn: no AssumeRole, exit 2 with one line",
      rc == 2 and out == "" and err.count("\n") == 1 and "--dry-run sends nothing over the network" in err, err)

finish()
