#!/usr/bin/env bash
# Smoke test of the loopback test servers, with curl and botocore-signed requests:
#
#   tests/tools/with-servers tests/servers/smoke_test.sh      (CTest: servers_smoke_test)
#
# Prints one line per check and "N passed, N failed" last; exits non-zero on any failure.
# shellcheck disable=SC2153  # (the CAT_TEST_* variables come from with-servers)
set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${CAT_TEST_STATE:?run me under tests/tools/with-servers}"

# Resolve the interpreter once (python-with-botocore checks for botocore on every start).
PY="$("$here/../tools/python-with-botocore" -c 'import sys; print(sys.executable)')" || exit 1

AK="AKIDEXAMPLE"
SECRET="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
MAIN="https://127.0.0.1:$CAT_TEST_PORT_MAIN"
PLAIN="http://127.0.0.1:$CAT_TEST_PORT_PLAIN"
work="$CAT_TEST_STATE/smoke"
mkdir -p "$work"

passed=0
failed=0
check() { # NAME, then a command that succeeds when the check passes
  local name="$1"
  shift
  if "$@"; then
    passed=$((passed + 1))
    echo "ok - $name"
  else
    failed=$((failed + 1))
    echo "not ok - $name"
  fi
}

direct=(curl -sS --noproxy '*' --max-time 20 --cacert "$CAT_TEST_CA")

# sign METHOD URL [SECRET [SESSION_TOKEN]] -> header lines "Name: value", signed by botocore for
# codeartifact in us-west-2.
sign() {
  "$PY" - "$AK" "${3:-$SECRET}" "${4:-}" "$1" "$2" <<'EOF'
import sys
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
ak, secret, token, method, url = sys.argv[1:6]
request = AWSRequest(method=method, url=url, data=b"")
SigV4Auth(Credentials(ak, secret, token or None), "codeartifact", "us-west-2").add_auth(request)
for name, value in request.headers.items():
    print("%s: %s" % (name, value))
EOF
}

# signed_curl OUT METHOD URL [SECRET [TOKEN]] -> writes the body to OUT.body, the headers to OUT.headers;
# prints the status code.
signed_curl() {
  local out="$1" method="$2" url="$3"
  local -a args=()
  local line
  while IFS= read -r line; do
    args+=(-H "$line")
  done < <(sign "$method" "$url" "${4:-}" "${5:-}")
  "${direct[@]}" -X "$method" -o "$out.body" -D "$out.headers" -w '%{http_code}' "${args[@]}" "$url"
}

expect_status() { # WANT GOT
  [ "$1" = "$2" ] || { echo "  expected status $1, got $2" >&2; return 1; }
}
body_has() { # FILE TEXT
  grep -qF -- "$2" "$1" || { echo "  $1 lacks '$2': $(head -c 300 "$1")" >&2; return 1; }
}

# 1. A correctly signed GetAuthorizationToken over HTTPS.
status="$(signed_curl "$work/ok" POST \
  "$MAIN/v1/authorization-token?domain=smoke&domain-owner=111122223333&duration=900")"
check "signed POST /v1/authorization-token -> 200" expect_status 200 "$status"
check "token looks right" "$PY" -c '
import json, sys, time
r = json.load(open(sys.argv[1]))
t, e = r["authorizationToken"], r["expiration"]
assert t.startswith("eyJ") and "." in t, t
assert isinstance(e, float) and abs(e - (time.time() + 900)) < 60, e
' "$work/ok.body"
check "x-amzn-RequestId on success" grep -qi '^x-amzn-RequestId: ' "$work/ok.headers"

# 2. GetRepositoryEndpoint.
status="$(signed_curl "$work/ep" GET "$MAIN/v1/repository/endpoint?domain=smoke&repository=repo1&format=npm")"
check "signed GET /v1/repository/endpoint -> 200" expect_status 200 "$status"
check "endpoint URL" body_has "$work/ep.body" \
  '"repositoryEndpoint": "https://smoke-111122223333.d.codeartifact.us-west-2.amazonaws.com/npm/repo1/"'

# 3. A wrong signature, no signature, and a signed session token.
status="$(signed_curl "$work/bad" POST "$MAIN/v1/authorization-token?domain=smoke" "not-the-secret")"
check "wrong secret -> 403" expect_status 403 "$status"
check "wrong secret -> InvalidSignatureException" body_has "$work/bad.body" '"__type": "InvalidSignatureException"'
check "x-amzn-ErrorType header" grep -qi '^x-amzn-ErrorType: InvalidSignatureException:' "$work/bad.headers"
status="$("${direct[@]}" -X POST -o "$work/unsigned.body" -w '%{http_code}' \
  "$MAIN/v1/authorization-token?domain=smoke")"
check "unsigned -> 403" expect_status 403 "$status"
check "unsigned -> 403 MissingAuthenticationTokenException" body_has "$work/unsigned.body" \
  MissingAuthenticationTokenException
status="$(signed_curl "$work/tok" POST "$MAIN/v1/authorization-token?domain=smoke-token" "" \
  "FQoGZXIvYXdzEXAMPLE//token+=")"
check "signed session token -> 200" expect_status 200 "$status"

# 4. throttle2-x: 429, 429, then 200.
codes=""
for i in 1 2 3; do
  codes="$codes $(signed_curl "$work/thr$i" POST "$MAIN/v1/authorization-token?domain=throttle2-x")"
done
check "throttle2-x -> 429 429 200" expect_status " 429 429 200" "$codes"
check "throttling sends Retry-After: 0" grep -qi '^Retry-After: 0' "$work/thr1.headers"

# 5. The request log.
"${direct[@]}" -o "$work/log.json" "$PLAIN/__log?domain=throttle2-x"
check "/__log?domain=throttle2-x" "$PY" -c '
import json, sys
log = json.load(open(sys.argv[1]))
assert [e["error_code"] for e in log] == ["ThrottlingException", "ThrottlingException", None], log
assert all(e["signature_ok"] and e["access_key"] == "AKIDEXAMPLE" for e in log)
assert log[2]["token_issued"].startswith("eyJ")
' "$work/log.json"
"${direct[@]}" -o "$work/log2.json" "$PLAIN/__log?domain=smoke-token"
check "session token logged" "$PY" -c '
import json, sys
log = json.load(open(sys.argv[1]))
assert len(log) == 1 and log[0]["session_token_present"] and log[0]["signature_ok"], log
' "$work/log2.json"

# 6. The proxies.
proxy_log="$CAT_TEST_STATE/proxy.log"
out="$(curl -sS --max-time 20 --proxy "http://127.0.0.1:$CAT_TEST_PROXY_OPEN" --noproxy '' \
  --cacert "$CAT_TEST_CA" "$MAIN/__test/status?code=200")"
check "through the open proxy" expect_status "status 200" "$out"
check "open proxy logged the CONNECT" grep -qF \
  "\"listener\": \"open\", \"method\": \"CONNECT\", \"target\": \"127.0.0.1:$CAT_TEST_PORT_MAIN\"" "$proxy_log"
code="$(curl -sS --max-time 20 --proxy "http://127.0.0.1:$CAT_TEST_PROXY_AUTH" --noproxy '' \
  --cacert "$CAT_TEST_CA" -o /dev/null -w '%{http_connect}' "$MAIN/__test/status?code=200" 2>/dev/null)"
check "auth proxy without credentials -> 407" expect_status 407 "$code"
out="$(curl -sS --max-time 20 --proxy "http://127.0.0.1:$CAT_TEST_PROXY_AUTH" --noproxy '' \
  --proxy-user 'proxyuser:p@ss:word' --cacert "$CAT_TEST_CA" "$MAIN/__test/status?code=200")"
check "auth proxy with credentials" expect_status "status 200" "$out"
code="$(curl -sS --max-time 20 --proxy "http://127.0.0.1:$CAT_TEST_PROXY_AUTH" --noproxy '' \
  --proxy-user 'proxyuser:wrong' --cacert "$CAT_TEST_CA" -o /dev/null -w '%{http_connect}' \
  "$MAIN/__test/status?code=200" 2>/dev/null)"
check "auth proxy with a wrong password -> 407" expect_status 407 "$code"
code="$(curl -sS --max-time 20 --proxy "http://127.0.0.1:$CAT_TEST_PROXY_REFUSE" --noproxy '' \
  --cacert "$CAT_TEST_CA" -o /dev/null -w '%{http_connect}' "$MAIN/__test/status?code=200" 2>/dev/null)"
check "refusing proxy -> 403" expect_status 403 "$code"
code="$(curl -sS --max-time 20 --proxy "http://127.0.0.1:$CAT_TEST_PROXY_OPEN" --noproxy '' \
  -o /dev/null -w '%{http_connect}' "https://example.invalid/" 2>/dev/null)"
check "open proxy refuses a non-loopback target -> 403" expect_status 403 "$code"

# 7. Certificate failures, and the listeners that should work.
"${direct[@]}" -o /dev/null "https://127.0.0.1:$CAT_TEST_PORT_WRONG_HOST/__test/status" 2>/dev/null
rc=$?
check "wrong_host fails verification (curl exit 60)" expect_status 60 "$rc"
"${direct[@]}" -o /dev/null "https://127.0.0.1:$CAT_TEST_PORT_UNTRUSTED/__test/status" 2>/dev/null
rc=$?
check "untrusted fails verification (curl exit 60)" expect_status 60 "$rc"
out="$(curl -sS --noproxy '*' --max-time 20 --cacert "$CAT_TEST_UNTRUSTED_CA" \
  "https://localhost:$CAT_TEST_PORT_UNTRUSTED/__test/status")"
check "untrusted verifies against its own CA" expect_status "status 200" "$out"
out="$("${direct[@]}" "https://localhost:$CAT_TEST_PORT_MAIN/__test/chunked")"
check "main by name, chunked body" expect_status "hello, chunked world" "$out"
out="$(curl -sS --noproxy '*' --max-time 20 "$PLAIN/__test/status?code=200")"
check "plain HTTP listener" expect_status "status 200" "$out"
if [ -n "$CAT_TEST_PORT_MAIN6" ]; then
  out="$("${direct[@]}" "https://[::1]:$CAT_TEST_PORT_MAIN6/__test/status?code=200")"
  check "main6 over ::1" expect_status "status 200" "$out"
else
  echo "skip - main6 (no IPv6 loopback)"
fi
"${direct[@]}" --tls-max 1.1 -o /dev/null "$MAIN/__test/status" 2>/dev/null
rc=$?
check "TLS 1.1 refused" test "$rc" -ne 0

# 8. STS: AssumeRole (signed), role chaining, AssumeRoleWithWebIdentity (unsigned), faults, credentials the
# tests register, and the log. The Python part prints "PASS name" or "FAIL name: why" per check.
sts_results="$("$PY" - "$MAIN" "$PLAIN" "$CAT_TEST_CA" "$AK" "$SECRET" <<'PYEOF' 2>&1
import base64, functools, hashlib, json, re, ssl, sys, time, traceback, urllib.request
import botocore, botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError

main, plain, ca, ak, secret = sys.argv[1:6]
session = botocore.session.get_session()
no_retries = Config(retries={"total_max_attempts": 1})
unsigned = Config(signature_version=botocore.UNSIGNED, retries={"total_max_attempts": 1})
ctx = ssl.create_default_context(cafile=ca)
ROLE = "arn:aws:iam::123456789012:role/smoke-role"
WEB_ROLE = "arn:aws:iam::123456789012:role/web"
got = {}


@functools.lru_cache(maxsize=None)
def client(service, ak=None, secret=None, token=None, endpoint=main, config=no_retries, region="us-east-1"):
    return session.create_client(service, endpoint_url=endpoint, region_name=region, aws_access_key_id=ak,
                                 aws_secret_access_key=secret, aws_session_token=token, verify=ca,
                                 config=config)


def codeartifact(ak, secret, token=None):
    return client("codeartifact", ak, secret, token, region="us-west-2")


def check(name, fn):
    try:
        fn()
        print("PASS %s" % name)
    except Exception as e:
        detail = "".join(traceback.format_exception_only(type(e), e)).strip().replace("\n", " | ")
        print("FAIL %s: %s" % (name, detail[:500]))


def fails_with(want, call):
    """A check: call() must fail with (status, code) == want."""
    def run():
        try:
            call()
        except ClientError as e:
            have = (e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"])
            assert have == want, have
            return
        raise AssertionError("succeeded")
    return run


def get_json(url):
    with urllib.request.urlopen(url, context=ctx, timeout=20) as r:
        return json.load(r)


def post_json(url, obj):
    req = urllib.request.Request(url, method="POST", data=json.dumps(obj).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=20) as r:
        assert r.status == 200, r.status


def assume_role():
    r = client("sts", ak, secret).assume_role(RoleArn=ROLE, RoleSessionName="smoke-session",
                                              ExternalId="smoke-external", DurationSeconds=900)
    c = r["Credentials"]
    assert re.fullmatch(r"ASIA[A-Z0-9]{16}", c["AccessKeyId"]), c["AccessKeyId"]
    assert len(c["SecretAccessKey"]) == 40 and len(c["SessionToken"]) >= 150, c
    assert abs(c["Expiration"].timestamp() - (time.time() + 900)) < 120, c["Expiration"]
    u = r["AssumedRoleUser"]
    assert u["Arn"] == "arn:aws:sts::123456789012:assumed-role/smoke-role/smoke-session", u
    assert re.fullmatch(r"AROA[A-Z0-9]+:smoke-session", u["AssumedRoleId"]), u
    assert r["PackedPolicySize"] == 0, r
    e = get_json(plain + "/__log?action=AssumeRole")[-1]
    assert (e["source_access_key"], e["issued_access_key"], e["external_id"], e["duration_seconds"],
            e["role_session_name"], e["issued_by"]) == \
        (ak, c["AccessKeyId"], "smoke-external", 900, "smoke-session", "static"), e
    got.update(c)


def codeartifact_with_issued():
    r = codeartifact(got["AccessKeyId"], got["SecretAccessKey"], got["SessionToken"]) \
        .get_authorization_token(domain="smoke-sts")
    assert r["authorizationToken"].startswith("eyJ"), r
    log = get_json(plain + "/__log?domain=smoke-sts")
    assert len(log) == 1 and log[0]["access_key"] == got["AccessKeyId"], log
    assert log[0]["issued_by"] == "AssumeRole" and log[0]["signature_ok"], log


def chain():
    r = client("sts", got["AccessKeyId"], got["SecretAccessKey"], got["SessionToken"], endpoint=plain,
               region="eu-west-1").assume_role(RoleArn="arn:aws:iam::210987654321:role/chained",
                                               RoleSessionName="hop2")
    assert r["AssumedRoleUser"]["Arn"] == "arn:aws:sts::210987654321:assumed-role/chained/hop2", r
    issued = get_json(plain + "/__credentials/issued")
    assert [i["role_arn"] for i in issued][-2:] == [ROLE, "arn:aws:iam::210987654321:role/chained"], issued
    assert issued[-1]["access_key"] == r["Credentials"]["AccessKeyId"], issued
    assert issued[-1]["source_access_key"] == got["AccessKeyId"], issued
    assert issued[-1]["session_token_sha256"] == \
        hashlib.sha256(r["Credentials"]["SessionToken"].encode()).hexdigest(), issued
    assert r["Credentials"]["SecretAccessKey"] not in json.dumps(issued)


payload = base64.urlsafe_b64encode(json.dumps({"sub": "system:serviceaccount:ns:sa", "aud": "sts.amazonaws.com",
                                               "iss": "https://oidc.example/id/SMOKE"}).encode()).decode().rstrip("=")
JWT = "eyJhbGciOiJSUzI1NiJ9." + payload + ".c2lnbmF0dXJl"


def web_identity():
    r = client("sts", config=unsigned).assume_role_with_web_identity(
        RoleArn=WEB_ROLE, RoleSessionName="web-session", WebIdentityToken=JWT)
    c = r["Credentials"]
    assert re.fullmatch(r"ASIA[A-Z0-9]{16}", c["AccessKeyId"]), r
    assert r["SubjectFromWebIdentityToken"] == "system:serviceaccount:ns:sa", r
    assert r["Audience"] == "sts.amazonaws.com", r
    assert r["Provider"] == "arn:aws:iam::123456789012:oidc-provider/oidc.example/id/SMOKE", r
    codeartifact(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]).get_authorization_token(domain="smoke-web")
    e = get_json(plain + "/__log?action=AssumeRoleWithWebIdentity")[-1]
    assert e["web_identity_token_sha256"] == hashlib.sha256(JWT.encode()).hexdigest(), e
    assert e["issued_access_key"] == c["AccessKeyId"] and e["signature_ok"] is None, e
    everything = json.dumps(get_json(plain + "/__log"))
    assert JWT not in everything and payload not in everything, "the web identity token is in the log"
    assert get_json(plain + "/__log?domain=smoke-web")[0]["issued_by"] == "AssumeRoleWithWebIdentity"


def throttle():
    sts = client("sts", ak, secret)
    role = "arn:aws:iam::123456789012:role/throttle-smoke"
    fails_with((400, "Throttling"), lambda: sts.assume_role(RoleArn=role, RoleSessionName="x1"))()
    sts.assume_role(RoleArn=role, RoleSessionName="x1")


def registered():
    post_json(plain + "/__credentials", {"access_key": "AKIDSMOKEREGISTERED1", "secret_key": "smoke/secret+key"})
    codeartifact("AKIDSMOKEREGISTERED1", "smoke/secret+key").get_authorization_token(domain="smoke-registered")
    post_json(plain + "/__credentials",
              {"access_key": "ASIASMOKEEXAMPLE0002", "secret_key": "s2", "session_token": "tok/2+=="})
    codeartifact("ASIASMOKEEXAMPLE0002", "s2", "tok/2+==").get_authorization_token(domain="smoke-registered")
    fails_with((403, "UnrecognizedClientException"), lambda: codeartifact(
        "ASIASMOKEEXAMPLE0002", "s2", "other").get_authorization_token(domain="smoke-registered"))()
    log = get_json(plain + "/__log?domain=smoke-registered")
    assert [e["access_key"] for e in log] == ["AKIDSMOKEREGISTERED1"] + ["ASIASMOKEEXAMPLE0002"] * 2, log
    assert log[0]["issued_by"] == "static" and log[0]["signature_ok"], log


def raw_sts(service, query, body):
    """A hand-made request, signed by botocore for service; returns (status, parsed XML root)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    import urllib.error
    import xml.etree.ElementTree as ET
    req = AWSRequest(method="POST", url=main + "/" + query, data=body.encode(),
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    SigV4Auth(Credentials(ak, secret), service, "us-west-2").add_auth(req)
    r = urllib.request.Request(req.url, data=req.body, method="POST", headers=dict(req.headers.items()))
    try:
        with urllib.request.urlopen(r, context=ctx, timeout=20) as resp:
            return resp.status, ET.fromstring(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, ET.fromstring(e.read())


NS = "{https://sts.amazonaws.com/doc/2011-06-15/}"


def raw_in_query():
    status, root = raw_sts("sts", "?Action=AssumeRole&Version=2011-06-15&RoleArn=" +
                           "arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fquery&RoleSessionName=q1", "")
    assert status == 200 and root.tag == NS + "AssumeRoleResponse", (status, root.tag)
    for path in ("AssumeRoleResult/Credentials/AccessKeyId", "AssumeRoleResult/Credentials/SecretAccessKey",
                 "AssumeRoleResult/Credentials/SessionToken", "AssumeRoleResult/Credentials/Expiration",
                 "AssumeRoleResult/AssumedRoleUser/AssumedRoleId", "AssumeRoleResult/AssumedRoleUser/Arn",
                 "AssumeRoleResult/PackedPolicySize", "ResponseMetadata/RequestId"):
        assert root.find("/".join(NS + p for p in path.split("/"))) is not None, path
    exp = root.find(NS + "AssumeRoleResult/" + NS + "Credentials/" + NS + "Expiration").text
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", exp), exp


def raw_wrong_service():
    status, root = raw_sts("codeartifact", "", "Action=AssumeRole&Version=2011-06-15&RoleArn=" +
                           "arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fquery&RoleSessionName=q1")
    assert root.tag == NS + "ErrorResponse", root.tag
    error = root.find(NS + "Error")
    have = (status, error.find(NS + "Type").text, error.find(NS + "Code").text)
    assert have == (403, "Sender", "SignatureDoesNotMatch"), have
    assert root.find(NS + "RequestId") is not None


check("AssumeRole signed with AKIDEXAMPLE -> ASIA credentials, logged", assume_role)
if got:
    check("issued credentials sign a CodeArtifact call (log: issued AK, issued_by)", codeartifact_with_issued)
    check("issued credentials AssumeRole again (chain, plain listener)", chain)
    check("CodeArtifact with the issued AK but no session token -> 403 UnrecognizedClientException",
          fails_with((403, "UnrecognizedClientException"), lambda: codeartifact(
              got["AccessKeyId"], got["SecretAccessKey"]).get_authorization_token(domain="smoke-sts2")))
    check("AssumeRole with the issued AK but no session token -> 403 InvalidClientTokenId",
          fails_with((403, "InvalidClientTokenId"), lambda: client(
              "sts", got["AccessKeyId"], got["SecretAccessKey"]).assume_role(RoleArn=ROLE, RoleSessionName="x1")))
    check("chained AssumeRole over 1 hour -> 400 ValidationError",
          fails_with((400, "ValidationError"), lambda: client(
              "sts", got["AccessKeyId"], got["SecretAccessKey"], got["SessionToken"]).assume_role(
                  RoleArn=ROLE, RoleSessionName="x1", DurationSeconds=7200)))
check("AssumeRole with a wrong secret -> 403 SignatureDoesNotMatch",
      fails_with((403, "SignatureDoesNotMatch"),
                 lambda: client("sts", ak, "wrong").assume_role(RoleArn=ROLE, RoleSessionName="x1")))
check("AssumeRole, parameters in the query string -> AWS's XML", raw_in_query)
check("AssumeRole signed for codeartifact -> 403 SignatureDoesNotMatch (AWS's error XML)", raw_wrong_service)
check("AssumeRoleWithWebIdentity unsigned -> credentials that sign CodeArtifact; token only hashed in the log",
      web_identity)
check("AssumeRoleWithWebIdentity with a non-JWT token -> 400 InvalidIdentityToken",
      fails_with((400, "InvalidIdentityToken"), lambda: client("sts", config=unsigned).assume_role_with_web_identity(
          RoleArn=WEB_ROLE, RoleSessionName="web-session", WebIdentityToken="not-a-jwt")))
check("AssumeRoleWithWebIdentity with expired.expired.expired -> 400 ExpiredTokenException",
      fails_with((400, "ExpiredTokenException"), lambda: client(
          "sts", config=unsigned).assume_role_with_web_identity(
              RoleArn=WEB_ROLE, RoleSessionName="web-session", WebIdentityToken="expired.expired.expired")))
check("deny- role -> 403 AccessDenied",
      fails_with((403, "AccessDenied"), lambda: client("sts", ak, secret).assume_role(
          RoleArn="arn:aws:iam::123456789012:role/deny-smoke", RoleSessionName="x1")))
check("bad role ARN -> 400 ValidationError",
      fails_with((400, "ValidationError"), lambda: client("sts", ak, secret).assume_role(
          RoleArn="arn:aws:iam::1234:role/short-account", RoleSessionName="x1")))
check("throttle- role -> 400 Throttling, then success", throttle)
check("POST /__credentials, then calls with those keys (and their session token) -> 200", registered)
print("DONE")
PYEOF
)"
while IFS= read -r line; do
  case "$line" in
    "PASS "*) check "sts: ${line#PASS }" true ;;
    "FAIL "*) check "sts: ${line#FAIL }" false ;;
    DONE) ;;
    *) [ -n "$line" ] && echo "  $line" ;;
  esac
done <<<"$sts_results"
grep -qx DONE <<<"$sts_results" || check "sts: the Python part ran to the end" false

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
