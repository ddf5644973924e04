#!/usr/bin/env bash
# Smoke test of the loopback test servers, with curl and botocore-signed requests:
#
#   tests/tools/with-servers tests/tools/servers_smoke_test.sh
#
# Prints one line per check and "N passed, N failed" last; exits non-zero on any failure.
# shellcheck disable=SC2153  # (the CAT_TEST_* variables come from with-servers)
set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${CAT_TEST_STATE:?run me under tests/tools/with-servers}"

# Resolve the interpreter once (python-with-botocore checks for botocore on every start).
PY="$("$here/python-with-botocore" -c 'import sys; print(sys.executable)')" || exit 1

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

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
