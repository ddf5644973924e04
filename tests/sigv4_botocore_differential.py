#!/usr/bin/env python3
"""Differential test of our SigV4 signer against botocore's SigV4Auth.

Usage: sigv4_botocore_differential.py SIGN_TOOL N

Generates N randomised CodeArtifact-shaped requests (GetAuthorizationToken and GetRepositoryEndpoint,
with odd domains, owners, durations, regions of every partition, session tokens, times and query
values), signs each with botocore's SigV4Auth.add_auth at a fixed time, pipes all of them through
SIGN_TOOL (tests/sigv4_sign_tool.cpp) in one process and compares the Authorization headers. The seed
is fixed and printed; SIGV4_DIFF_SEED overrides it. Works with botocore 1.29 (Debian) and newer.
The last line is "N passed, N failed"; the exit status is 1 on any mismatch.
"""

import datetime
import json
import os
import random
import subprocess
import sys
import types
from urllib.parse import quote, unquote, urlsplit

import botocore
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

DEFAULT_SEED = 20261128
SHOW_FAILURES = 3

# --- A fixed clock for botocore -------------------------------------------------------------------
# botocore 1.29 reads the time with datetime.datetime.utcnow() in botocore.auth; newer ones with
# botocore.auth.get_current_datetime(). Both are replaced by the same clock.

_now = [datetime.datetime(2000, 1, 1)]


class _FrozenDatetime(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return _now[0]

    @classmethod
    def now(cls, tz=None):
        return _now[0] if tz is None else _now[0].replace(tzinfo=datetime.timezone.utc).astimezone(tz)


def _freeze_botocore_clock():
    shim = types.ModuleType("datetime")
    shim.__dict__.update(datetime.__dict__)
    shim.datetime = _FrozenDatetime
    botocore.auth.datetime = shim
    if hasattr(botocore.auth, "get_current_datetime"):
        botocore.auth.get_current_datetime = lambda remove_tzinfo=True: _now[0]


# --- Request generation ---------------------------------------------------------------------------

# (region, DNS suffix) from every partition.
REGIONS = [
    ("us-east-1", "amazonaws.com"), ("us-west-2", "amazonaws.com"), ("eu-west-1", "amazonaws.com"),
    ("eu-central-1", "amazonaws.com"), ("ap-southeast-2", "amazonaws.com"), ("ap-northeast-1", "amazonaws.com"),
    ("sa-east-1", "amazonaws.com"), ("me-south-1", "amazonaws.com"), ("af-south-1", "amazonaws.com"),
    ("il-central-1", "amazonaws.com"), ("ca-west-1", "amazonaws.com"), ("mx-central-1", "amazonaws.com"),
    ("cn-north-1", "amazonaws.com.cn"), ("cn-northwest-1", "amazonaws.com.cn"),
    ("us-gov-west-1", "amazonaws.com"), ("us-gov-east-1", "amazonaws.com"),
    ("us-iso-east-1", "c2s.ic.gov"), ("us-isob-east-1", "sc2s.sgov.gov"),
    ("eu-isoe-west-1", "cloud.adc-e.uk"), ("us-isof-south-1", "csp.hci.ic.gov"),
]

ODD_CHARS = [" ", "  ", "+", "%", "%20", "%2", "=", "&", "/", "~", "_", ".", "-", "*", "?", "#", ";", ":", ",",
             "'", '"', "!", "$", "(", ")", "@", "[", "]", "\\", "^", "`", "{", "|", "}", "<", ">",
             "\u00e9", "\u00df", "\u4e2d\u6587", "\u0434\u043e\u043c\u0435\u043d", "\U0001f4e6", "\u00a0",
             "\u200b", "\t", "\x7f", "\x01"]
ALNUM_LOWER = "abcdefghijklmnopqrstuvwxyz0123456789"
KEY_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
SECRET_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+=-_.~!@#$%^&*() "
TOKEN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+="


def valid_domain(rng):
    n = rng.randint(2, 50)
    middle = "".join(rng.choice(ALNUM_LOWER + "-") for _ in range(n - 2))
    return rng.choice("abcdefghijklmnopqrstuvwxyz") + middle + rng.choice(ALNUM_LOWER)


def odd_text(rng, base=""):
    parts = [base] if base else []
    for _ in range(rng.randint(1, 5)):
        parts.insert(rng.randint(0, len(parts)), rng.choice(ODD_CHARS + ["x", "Y", "7"]))
    return "".join(parts)


def domain(rng):
    r = rng.random()
    if r < 0.7:
        return valid_domain(rng)
    if r < 0.8:
        return rng.choice(["a", "-", "", "A", "MyDomain", "a" * 51, "x" * 200])
    return odd_text(rng, valid_domain(rng) if rng.random() < 0.5 else "")


def query_value(rng, valid):
    """A value that is usually `valid`, sometimes odd or empty."""
    r = rng.random()
    if r < 0.75:
        return valid
    if r < 0.85:
        return ""
    return odd_text(rng, valid if rng.random() < 0.5 else "")


def owner(rng):
    return "".join(rng.choice("0123456789") for _ in range(12))


def duration(rng):
    return str(rng.choice([0, 0, 900, 43200, rng.randint(900, 43200), rng.randint(900, 43200)]))


def access_key(rng):
    r = rng.random()
    prefix = rng.choice(["AKIA", "ASIA"])
    key = prefix + "".join(rng.choice(KEY_CHARS) for _ in range(16))
    if r < 0.8:
        return key
    return key + rng.choice(["-", "_", ".", "~", "+", "=", "%", "\u00e9", " "]) + rng.choice(KEY_CHARS)


def secret_key(rng):
    r = rng.random()
    if r < 0.6:
        return "".join(rng.choice(TOKEN_CHARS) for _ in range(40))
    if r < 0.9:
        return "".join(rng.choice(SECRET_CHARS) for _ in range(rng.randint(1, 80)))
    # Longer than a SHA-256 block once "AWS4" is prepended: HMAC hashes such keys first.
    return "".join(rng.choice(SECRET_CHARS + "\u00e9\u4e2d") for _ in range(rng.randint(60, 200)))


def session_token(rng):
    if rng.random() < 0.4:
        return ""
    return "".join(rng.choice(TOKEN_CHARS) for _ in range(rng.randint(16, 600))) + rng.choice(["", "=", "=="])


def timestamp(rng):
    # Across years, including leap days, year ends and the 32-bit time_t rollover.
    r = rng.random()
    if r < 0.1:
        return rng.choice([
            datetime.datetime(2024, 2, 29, 23, 59, 59), datetime.datetime(1999, 12, 31, 23, 59, 59),
            datetime.datetime(2000, 1, 1, 0, 0, 0), datetime.datetime(2038, 1, 19, 3, 14, 8),
            datetime.datetime(1970, 1, 1, 0, 0, 0), datetime.datetime(2100, 3, 1, 12, 0, 0)])
    epoch = datetime.datetime(1970, 1, 1)
    span = int((datetime.datetime(2199, 12, 31) - epoch).total_seconds())
    return epoch + datetime.timedelta(seconds=rng.randint(0, span))


def spaced(rng, words):
    """Words joined by runs of spaces and tabs, with leading and trailing white space sometimes."""
    out = rng.choice(["", " ", "  \t"])
    for i, w in enumerate(words):
        if i:
            out += "".join(rng.choice([" ", "\t"]) for _ in range(rng.randint(1, 4)))
        out += w
    return out + rng.choice(["", " ", "\t "])


def extra_headers(rng):
    headers = []
    for _ in range(rng.choice([0, 0, 1, 2, 3])):
        name = rng.choice(["X-Custom-Thing", "x-amz-meta-note", "Content-Type", "Accept", "X-Amz-Target",
                           "X-Trace", "Accept-Encoding", "X-Amzn-Trace-Id", "Expect"])
        words = [rng.choice(["a", "b c", "application/json", "v=1", "x,y", "q;r", "100-continue", "\u00e9t\u00e9"])
                 for _ in range(rng.randint(1, 4))]
        if rng.random() < 0.1:
            words = []  # empty, or white space only
        headers.append((name, spaced(rng, words)))
    # Stale copies of the headers the signer owns, as on a retried request: both signers replace them
    # (an X-Amz-Security-Token without a session token in the credentials stays, and is signed).
    if rng.random() < 0.1:
        headers.append(("X-Amz-Date", "19700101T000000Z"))
    if rng.random() < 0.05:
        headers.append(("Authorization", "AWS4-HMAC-SHA256 Credential=stale"))
    if rng.random() < 0.05:
        headers.append(("X-Amz-Security-Token", "stale/token+=="))
    return headers


def make_case(rng, index):
    region, suffix = rng.choice(REGIONS)
    dom = domain(rng)
    own = owner(rng)
    if rng.random() < 0.8:
        host = f"codeartifact.{region}.{suffix}"
    else:
        host = rng.choice([f"{valid_domain(rng)}-{own}.d.codeartifact.{region}.{suffix}",
                           "127.0.0.1:8443", "localhost:9000", f"codeartifact-fips.{region}.{suffix}"])
    if rng.random() < 0.6:
        operation, method, path = "GetAuthorizationToken", "POST", "/v1/authorization-token"
        query = [("domain", dom)]
        if rng.random() < 0.8:
            query.append(("domain-owner", query_value(rng, own)))
        if rng.random() < 0.7:
            query.append(("duration", query_value(rng, duration(rng))))
    else:
        operation, method, path = "GetRepositoryEndpoint", "GET", "/v1/repository/endpoint"
        query = [("domain", dom)]
        if rng.random() < 0.8:
            query.append(("domain-owner", query_value(rng, own)))
        query.append(("repository", query_value(rng, valid_domain(rng))))
        query.append(("format", query_value(rng, rng.choice(["npm", "pypi", "maven", "nuget", "generic",
                                                            "swift", "ruby", "cargo"]))))
        if rng.random() < 0.5:
            query.append(("endpointType", query_value(rng, rng.choice(["ipv4", "dualstack"]))))
    if rng.random() < 0.05:
        query.append((odd_text(rng, "k"), odd_text(rng)))  # an odd name as well
    if rng.random() < 0.05:
        query.append(query[0])  # a repeated pair
    rng.shuffle(query)
    user_agent = rng.choice(["User-Agent", "user-agent", "USER-AGENT"])
    headers = [(user_agent, f"codeartifact-token/0.1 md/{rng.randint(0, 99)}  os/linux")]
    headers += extra_headers(rng)
    rng.shuffle(headers)
    return {
        "index": index, "operation": operation, "method": method, "host": host, "path": path,
        "query": query, "headers": headers, "region": region, "service": "codeartifact",
        "time": timestamp(rng), "access_key": access_key(rng), "secret_key": secret_key(rng),
        "session_token": session_token(rng),
    }


# --- botocore's side ------------------------------------------------------------------------------

class HarnessError(Exception):
    """This test's own assumptions about botocore do not hold for a case."""


def encode(s):
    """Our signer's canonical query encoding: only A-Za-z0-9-_.~ unescaped, UTF-8, upper-case hex."""
    return quote(s, safe="-_.~")


def botocore_sign(case):
    query = "&".join(f"{encode(k)}={encode(v)}" for k, v in case["query"])
    scheme = "http" if case["host"].startswith(("127.", "localhost")) else "https"
    url = f"{scheme}://{case['host']}{case['path']}" + (f"?{query}" if query else "")
    request = AWSRequest(method=case["method"], url=url, data=b"")
    for name, value in case["headers"]:
        request.headers[name] = value  # HTTPHeaders keeps repeated names, as an HTTP request would
    creds = Credentials(case["access_key"], case["secret_key"], case["session_token"] or None)
    auth = botocore.auth.SigV4Auth(creds, case["service"], case["region"])

    # The URL form of the query must canonicalise to what the decoded pairs do: botocore splits the
    # URL's query without decoding, so this holds only if the URL carries our encoding exactly.
    from_url = auth.canonical_query_string(request)
    from_pairs = auth._canonical_query_string_params(case["query"])
    if from_url != from_pairs:
        raise HarnessError(f"case {case['index']}: botocore canonicalises the URL query to {from_url!r} "
                             f"but the pairs to {from_pairs!r}")
    round_trip = [tuple(unquote(part, errors="strict") for part in pair.split("=", 1))
                  for pair in from_url.split("&")] if from_url else []
    if sorted(round_trip) != sorted((k, v) for k, v in case["query"]):
        raise HarnessError(f"case {case['index']}: the canonical query {from_url!r} does not decode to "
                             f"the request's pairs")

    # Keep the canonical request add_auth signs, for the report.
    captured = []
    canonical_request = auth.canonical_request
    auth.canonical_request = lambda req: captured.append(canonical_request(req)) or captured[-1]

    _now[0] = case["time"]
    auth.add_auth(request)
    expected_date = case["time"].strftime("%Y%m%dT%H%M%SZ")
    if request.headers["X-Amz-Date"] != expected_date:
        raise HarnessError(f"botocore's clock was not frozen: X-Amz-Date {request.headers['X-Amz-Date']}"
                             f" instead of {expected_date}")
    return request.headers["Authorization"], captured[0]


def tool_input(case, rng):
    t = case["time"]
    # The tool takes the time either as x-amz-date text or as epoch seconds.
    if rng.random() < 0.5:
        when = t.strftime("%Y%m%dT%H%M%SZ")
    else:
        when = int((t - datetime.datetime(1970, 1, 1)).total_seconds())
    return json.dumps({
        "method": case["method"], "host": case["host"], "path": case["path"],
        "query": [list(p) for p in case["query"]], "headers": [list(h) for h in case["headers"]],
        "body": "", "region": case["region"], "service": case["service"], "time": when,
        "access_key": case["access_key"], "secret_key": case["secret_key"],
        "session_token": case["session_token"],
    })


def side_by_side(ours, theirs):
    a, b = ours.split("\n"), theirs.split("\n")
    width = min(max((len(x) for x in a), default=0), 70)
    lines = [f"    {'ours':<{width}} | botocore"]
    for i in range(max(len(a), len(b))):
        x = a[i] if i < len(a) else "<none>"
        y = b[i] if i < len(b) else "<none>"
        lines.append(f"  {' ' if x == y else '!'} {x:<{width}} | {y}")
    return "\n".join(lines)


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    tool, n = sys.argv[1], int(sys.argv[2])
    seed = int(os.environ.get("SIGV4_DIFF_SEED", DEFAULT_SEED))
    print(f"seed {seed} (set SIGV4_DIFF_SEED to override); botocore {botocore.__version__}; "
          f"python {sys.version.split()[0]}; {n} requests")
    _freeze_botocore_clock()
    rng = random.Random(seed)
    cases = [make_case(rng, i) for i in range(n)]
    expected = []
    for c in cases:
        try:
            expected.append(botocore_sign(c))
        except HarnessError as e:
            expected.append((f"<harness error: {e}>", ""))
    lines = "".join(tool_input(c, rng) + "\n" for c in cases)
    run = subprocess.run([tool], input=lines.encode("utf-8"), capture_output=True, timeout=60)
    if run.stderr:
        sys.stderr.write(run.stderr.decode("utf-8", "replace"))
    outputs = run.stdout.decode("utf-8").splitlines()
    if len(outputs) != n:
        print(f"the tool printed {len(outputs)} lines for {n} requests (exit status {run.returncode})")

    passed = failed = 0
    for case, (authz, canonical), out in zip(cases, expected, outputs + [None] * (n - len(outputs))):
        try:
            got = json.loads(out) if out is not None else {"error": "no output"}
        except ValueError:
            got = {"error": f"not a JSON line: {out!r}"}
        if "error" not in got and got["authorization"] == authz:
            passed += 1
            continue
        failed += 1
        if failed > SHOW_FAILURES:
            continue
        print(f"\nMISMATCH #{failed}: case {case['index']}, {case['operation']} {case['region']} "
              f"{case['time']:%Y-%m-%dT%H:%M:%S}, session token {'yes' if case['session_token'] else 'no'}")
        print(f"  request: {tool_input(case, random.Random(0))}")
        print(f"  botocore: {authz}")
        if "error" in got:
            print(f"  ours:     error: {got['error']}")
            continue
        print(f"  ours:     {got['authorization']}")
        print("  canonical requests:")
        print(side_by_side(got["canonical_request"], canonical))
    if failed > SHOW_FAILURES:
        print(f"\n({failed - SHOW_FAILURES} more mismatches not shown)")
    if run.returncode != 0 and failed == 0:
        print(f"the tool exited with status {run.returncode} although every line was signed")
        failed = 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
