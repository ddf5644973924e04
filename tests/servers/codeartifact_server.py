#!/usr/bin/env python3
"""A fake AWS CodeArtifact endpoint (and STS AssumeRole*) for the loopback tests.

Listens on 127.0.0.1 (and ::1) only, over HTTPS with a throw-away test CA made at start-up, and checks
every API request's SigV4 signature with botocore. Faults are chosen by the domain name's prefix (STS:
the role name's). STS issues temporary credentials that are then accepted like the static ones. See
README.md beside this file for the contract the tests are written against.

Standard library plus botocore only; works with botocore 1.29 (Debian) and newer.
"""

import base64
import datetime
import hashlib
import hmac
import http.server
import json
import os
import re
import secrets
import socket
import socketserver
import ssl
import struct
import subprocess
import sys
import threading
import time
import uuid
from urllib.parse import parse_qs, quote, unquote, urlsplit

import common

# botocore is imported by main() while openssl makes the certificates, to start quicker.
botocore = None

DEFAULT_CREDENTIALS = ["AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"]
SERVICE = "codeartifact"
DEFAULT_OWNER = "111122223333"
DEFAULT_DURATION = 43200
MAX_SKEW_SECONDS = 15 * 60
MAX_BODY = 64 * 1024 * 1024
BIG_BODY_SIZE = 2 * 1024 * 1024
ERROR_TYPE_SUFFIX = ":http://internal.amazon.com/coral/com.amazonaws.codeartifact/"
SIGV4_TIME_FORMAT = "%Y%m%dT%H%M%SZ"
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)
# Headers that must never be signed: user-agent (proxies and SDKs rewrite it) and the hop-by-hop headers
# that newer botocore leaves out of the canonical request, so the verdict is the same on every botocore.
FORBIDDEN_SIGNED_HEADERS = {
    "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
    "trailer", "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
}
FAULT_PREFIXES = (
    "throttle2", "retryafter", "error500", "unavailable", "resetonce", "reset", "slow", "truncated",
    "nonjson", "html502", "denied", "expired", "badsig", "bigbody", "continue", "deepjson", "deeperror",
    "ctltoken", "niltoken",
)
DEEP_JSON = b"[" * 200_000  # nested deeper than any recursive parser's stack
HTML_502 = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
API_ACTIONS = {
    ("POST", "/v1/authorization-token"): "GetAuthorizationToken",
    ("GET", "/v1/repository/endpoint"): "GetRepositoryEndpoint",
}
STATIC = "static"

# STS (query protocol, XML answers).
STS_SERVICE = "sts"
STS_VERSION = "2011-06-15"
STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
STS_ACTIONS = ("AssumeRole", "AssumeRoleWithWebIdentity")
STS_DEFAULT_DURATION = 3600
STS_MIN_DURATION = 900
STS_MAX_DURATION = 43200
STS_CHAINED_MAX_DURATION = 3600
EXPIRED_WEB_IDENTITY_TOKEN = "expired.expired.expired"
ROLE_ARN_RE = re.compile(r"arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role/((?:[\w+=,.@-]+/)*)([\w+=,.@-]{1,64})",
                         re.ASCII)
SESSION_NAME_RE = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)
EXTERNAL_ID_RE = re.compile(r"[\w+=,.@:/-]{2,1224}", re.ASCII)
WEB_IDENTITY_TOKEN_IN_QUERY_RE = re.compile(r"((?:^|[?&\s])WebIdentityToken=)[^&\s]*")
DIGITS_RE = re.compile(r"[0-9]{1,9}")
JWT_RE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
# The codes a query-protocol service such as STS sends for the signature problems verify_signature finds.
STS_AUTH_CODES = {
    "MissingAuthenticationTokenException": "MissingAuthenticationToken",
    "IncompleteSignatureException": "IncompleteSignature",
    "InvalidSignatureException": "SignatureDoesNotMatch",
    "UnrecognizedClientException": "InvalidClientTokenId",
    "ExpiredTokenException": "ExpiredToken",
}
UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

# ---------------------------------------------------------------------------------------------------
# Certificates (made with the openssl command-line tool; nothing is committed)

# Server certificates from a CA: these extensions and a subjectAltName.
CA_SIGNED_LEAF = """\
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""
LOOPBACK_NAMES = "IP:127.0.0.1,IP:::1,DNS:localhost"
OPENSSL_CONFIG = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = placeholder
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
""" + "".join("[%s]\n%ssubjectAltName = %s\n" % (section, CA_SIGNED_LEAF, names) for section, names in (
    ("leaf_good", LOOPBACK_NAMES), ("leaf_wrong_host", "DNS:wrong.example"), ("leaf_untrusted", LOOPBACK_NAMES))) + """\
# A self-signed leaf, the way a developer's "openssl req -x509" makes one: no CA, no key usage limits.
[leaf_self_signed]
basicConstraints = critical,CA:FALSE
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
subjectAltName = IP:127.0.0.1,IP:::1,DNS:localhost
# "openssl ca" signs the expired certificate: in OpenSSL 3.0 it is the only command that takes a start
# and end date (-startdate/-enddate); req and x509 only take -days from now.
[expired_ca]
database = expired-ca/index.txt
new_certs_dir = expired-ca
serial = expired-ca/serial
certificate = ca.pem
private_key = ca.key
default_md = sha256
policy = expired_ca_policy
unique_subject = no
[expired_ca_policy]
commonName = supplied
"""

EC_KEY_ARGS = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


def _openssl_wave(d, commands):
    """Runs several openssl commands at once and waits for them all."""
    env = dict(os.environ)
    env.pop("OPENSSL_CONF", None)
    procs = [(args, subprocess.Popen(["openssl"] + args, cwd=d, env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
             for args in commands]
    failures = []
    for args, proc in procs:
        _, err = proc.communicate()
        if proc.returncode != 0:
            failures.append("openssl %s failed: %s" % (" ".join(args), err.decode("utf-8", "replace")))
    if failures:
        raise RuntimeError("\n".join(failures))


def _ca(name, cn):
    return ["req", "-config", "openssl.cnf", "-x509"] + EC_KEY_ARGS + [
        "-keyout", name + ".key", "-out", name + ".pem", "-subj", "/CN=" + cn, "-days", "3",
        "-extensions", "ca_ext", "-sha256"]


def _leaf(name, ca, section, cn):
    # OpenSSL 3's "req -x509 -CA" makes and signs the certificate in one run.
    return ["req", "-config", "openssl.cnf", "-x509"] + EC_KEY_ARGS + [
        "-keyout", name + ".key", "-out", name + ".pem", "-subj", "/CN=" + cn, "-days", "2",
        "-CA", ca + ".pem", "-CAkey", ca + ".key", "-extensions", section, "-sha256"]


def _self_signed(name, section, cn):
    return ["req", "-config", "openssl.cnf", "-x509"] + EC_KEY_ARGS + [
        "-keyout", name + ".key", "-out", name + ".pem", "-subj", "/CN=" + cn, "-days", "2",
        "-extensions", section, "-sha256"]


def _csr(name, cn):
    return ["req", "-config", "openssl.cnf", "-new"] + EC_KEY_ARGS + [
        "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + cn]


def _expired_leaf(name, section):
    """Signs NAME.csr with the test CA, valid from 3 days ago until 1 day ago."""
    fmt = "%Y%m%d%H%M%SZ"
    now = datetime.datetime.now(datetime.timezone.utc)
    return ["ca", "-batch", "-config", "openssl.cnf", "-name", "expired_ca", "-rand_serial", "-notext",
            "-in", name + ".csr", "-out", name + ".pem", "-extensions", section,
            "-startdate", (now - datetime.timedelta(days=3)).strftime(fmt),
            "-enddate", (now - datetime.timedelta(days=1)).strftime(fmt)]


def make_certificates(d):
    """Make the test CA, its server certificates (one of them expired), an unrelated CA with its own
    certificate, and a self-signed certificate."""
    with open(os.path.join(d, "openssl.cnf"), "w") as f:
        f.write(OPENSSL_CONFIG)
    os.makedirs(os.path.join(d, "expired-ca"), exist_ok=True)
    open(os.path.join(d, "expired-ca", "index.txt"), "w").close()
    _openssl_wave(d, [_ca("ca", "codeartifact-token test CA"),
                      _ca("untrusted-ca", "codeartifact-token untrusted test CA"),
                      _self_signed("self-signed", "leaf_self_signed", "localhost"),
                      _csr("expired", "localhost")])
    _openssl_wave(d, [_leaf("server", "ca", "leaf_good", "localhost"),
                      _leaf("wrong-host", "ca", "leaf_wrong_host", "wrong.example"),
                      _leaf("untrusted-server", "untrusted-ca", "leaf_untrusted", "localhost"),
                      _expired_leaf("expired", "leaf_good")])


def tls_context(d, name, legacy_only=False):
    """A server context for certificate NAME: TLS 1.2 and up, or with legacy_only TLS 1.0 and 1.1 only."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if legacy_only:
        common.allow_legacy_tls(ctx)
    else:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(os.path.join(d, name + ".pem"), os.path.join(d, name + ".key"))
    try:
        ctx.set_alpn_protocols(["http/1.1"])
    except NotImplementedError:
        pass
    return ctx


# ---------------------------------------------------------------------------------------------------
# Shared state


class State:
    def __init__(self, credentials, slow_seconds, verbose):
        # access key -> {"secret", "session_token" (None: any signed token, or none, is accepted),
        # "issued_by" ("static" or the STS action), "arn" (the principal), "expiration" (epoch or None), ...}
        self.lock = threading.Lock()
        self.credentials = {}
        self.issued = []  # the records STS issued, oldest first
        for ak, secret in credentials.items():
            self.register(ak, secret)
        self.slow_seconds = slow_seconds
        self.verbose = verbose
        self.log = []
        self.domain_counts = {}
        self.role_counts = {}
        self.token_counter = 0
        self.tokens = {}  # authorization token -> still current (False once /__test/expire-tokens ran)
        self.token_checks = []  # what /__test/token-check was asked: {"uri", "token", "current"}
        self.registry_base = {}  # domain -> the base URL GetRepositoryEndpoint answers (/__test/registry)
        self.tls = {}  # listener -> {"handshakes_ok", "handshakes_failed", "last_error"}

    # -- TLS handshakes -------------------------------------------------------------------------

    def count_handshake(self, listener, error=None):
        with self.lock:
            t = self.tls.setdefault(listener, {"handshakes_ok": 0, "handshakes_failed": 0, "last_error": None})
            if error is None:
                t["handshakes_ok"] += 1
            else:
                t["handshakes_failed"] += 1
                t["last_error"] = error

    def tls_snapshot(self):
        with self.lock:
            return {k: dict(v) for k, v in self.tls.items()}

    # -- credentials ----------------------------------------------------------------------------

    def register(self, access_key, secret, session_token=None):
        record = {"access_key": access_key, "secret": secret, "session_token": session_token,
                  "issued_by": STATIC, "arn": "arn:aws:iam::%s:user/test" % DEFAULT_OWNER, "expiration": None,
                  "role_arn": None}
        with self.lock:
            self.credentials[access_key] = record

    def lookup(self, access_key):
        with self.lock:
            record = self.credentials.get(access_key)
            return dict(record) if record else None

    def issue(self, action, role_arn, assumed_arn, session_name, duration, source_access_key):
        """Makes, registers and returns new temporary credentials."""
        with self.lock:
            while True:
                ak = "ASIA" + "".join(secrets.choice(UPPER_ALNUM) for _ in range(16))
                if ak not in self.credentials:
                    break
            record = {
                "access_key": ak,
                "secret": "".join(secrets.choice(SECRET_ALPHABET) for _ in range(40)),
                # Shaped like a real one: base64 (with + / characters), about 200 characters.
                "session_token": "IQoJb3JpZ2luX2Vj" + base64.b64encode(secrets.token_bytes(138)).decode("ascii"),
                "issued_by": action,
                "arn": assumed_arn,
                "expiration": int(time.time()) + duration,
                "role_arn": role_arn,
                "role_session_name": session_name,
                "source_access_key": source_access_key,
            }
            self.credentials[ak] = record
            self.issued.append(record)
            return dict(record)

    def issued_snapshot(self):
        with self.lock:
            return [{
                "access_key": r["access_key"],
                "role_arn": r["role_arn"],
                "action": r["issued_by"],
                "session_token_sha256": hashlib.sha256(r["session_token"].encode("utf-8")).hexdigest(),
                "secret_key_sha256": hashlib.sha256(r["secret"].encode("utf-8")).hexdigest(),
                "role_session_name": r["role_session_name"],
                "source_access_key": r["source_access_key"],
                "expiration": iso8601(r["expiration"]),
            } for r in self.issued]

    def count_role(self, role_arn):
        with self.lock:
            n = self.role_counts.get(role_arn, 0) + 1
            self.role_counts[role_arn] = n
            return n

    def count(self, domain):
        with self.lock:
            n = self.domain_counts.get(domain, 0) + 1
            self.domain_counts[domain] = n
            return n

    def next_token(self):
        with self.lock:
            self.token_counter += 1
            n = self.token_counter
        token = "eyJ" + base64.urlsafe_b64encode(secrets.token_bytes(30)).decode("ascii").rstrip("=") + \
            "." + str(n)
        with self.lock:
            self.tokens[token] = True
        return token

    def check_token(self, uri, authorization):
        """Whether AUTHORIZATION (Bearer TOKEN, or Basic aws:TOKEN) carries a token issued here and still
        current; the question is logged for /__test/token-checks."""
        scheme, _, value = (authorization or "").partition(" ")
        token = None
        if scheme.lower() == "bearer":
            token = value.strip()
        elif scheme.lower() == "basic":
            try:
                user, _, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
                token = password if user == "aws" else None
            except (ValueError, UnicodeDecodeError):
                token = None
        with self.lock:
            current = bool(token) and self.tokens.get(token, False)
            self.token_checks.append({"uri": uri, "scheme": scheme.lower() or None, "token": token,
                                      "current": current})
        return current

    def expire_tokens(self):
        with self.lock:
            expired = [t for t, current in self.tokens.items() if current]
            for t in expired:
                self.tokens[t] = False
        return len(expired)

    def add_log(self, entry):
        with self.lock:
            self.log.append(entry)

    def update_log(self, entry, **fields):
        with self.lock:
            entry.update(fields)

    def log_snapshot(self, domain=None, action=None):
        with self.lock:
            entries = [dict(e) for e in self.log if (domain is None or e.get("domain") == domain) and
                       (action is None or e.get("action") == action)]
        return entries

    def clear_log(self):
        with self.lock:
            self.log = []


class AwsError(Exception):
    def __init__(self, status, code, message, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def iso8601(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def fault_of(domain):
    if not domain:
        return None
    for prefix in FAULT_PREFIXES:
        if domain.startswith(prefix + "-"):
            return prefix
    return None


# ---------------------------------------------------------------------------------------------------
# SigV4 verification (botocore computes the expected signature)


def _parse_authorization(value):
    """Returns (access_key, date, region, service, signed_headers(list), signature) or raises AwsError."""
    def incomplete(msg):
        return AwsError(403, "IncompleteSignatureException", msg)

    algorithm, sep, rest = value.strip().partition(" ")
    if algorithm != "AWS4-HMAC-SHA256" or not sep:
        raise incomplete("Authorization header requires 'Credential' parameter. Authorization header "
                         "requires 'Signature' parameter. Authorization header requires 'SignedHeaders' "
                         "parameter. Authorization=" + value)
    params = {}
    for part in rest.split(","):
        k, eq, v = part.strip().partition("=")
        if not eq or not k:
            raise incomplete("Authorization header is malformed: '%s'" % value)
        if k in params:
            raise incomplete("Authorization header has a repeated parameter '%s'" % k)
        params[k] = v.strip()
    missing = [k for k in ("Credential", "SignedHeaders", "Signature") if not params.get(k)]
    if missing:
        raise incomplete(" ".join("Authorization header requires '%s' parameter." % k for k in missing)
                         + " Authorization=" + value)
    scope = params["Credential"].split("/")
    if len(scope) != 5 or scope[4] != "aws4_request" or not all(scope):
        raise incomplete("Credential should be scoped to a valid region, not '%s'. Credential=%s"
                         % (scope[2] if len(scope) > 2 else "", params["Credential"]))
    signed = params["SignedHeaders"].split(";")
    return scope[0], scope[1], scope[2], scope[3], signed, params["Signature"]


def _normalized_query(query):
    """Query string as AWS sees it: each name and value decoded, then re-encoded the SigV4 way."""
    if not query:
        return ""
    out = []
    for pair in query.split("&"):
        k, eq, v = pair.partition("=")
        out.append(quote(unquote(k), safe="-_.~") + "=" + quote(unquote(v), safe="-_.~"))
    return "&".join(out)


def verify_signature(handler, body, state, info, service=SERVICE):
    """Raises AwsError if the request is not correctly signed for service; fills info (a log entry) as it
    goes. Returns the credentials record the request was signed with."""
    headers = handler.headers
    auth_values = headers.get_all("Authorization") or []
    if not auth_values:
        raise AwsError(403, "MissingAuthenticationTokenException", "Missing Authentication Token")
    if len(auth_values) > 1:
        raise AwsError(403, "IncompleteSignatureException", "More than one Authorization header")
    access_key, scope_date, region, scope_service, signed, signature = _parse_authorization(auth_values[0])
    info["access_key"] = access_key
    info["region"] = region

    amz_date = headers.get("X-Amz-Date")
    if not amz_date:
        raise AwsError(403, "IncompleteSignatureException",
                       "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
                       "header. Authorization=" + auth_values[0])
    try:
        when = datetime.datetime.strptime(amz_date, SIGV4_TIME_FORMAT).replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        raise AwsError(403, "IncompleteSignatureException",
                       "Date must be in ISO-8601 'basic format'. Got '%s'. See "
                       "http://en.wikipedia.org/wiki/ISO_8601" % amz_date)

    if "host" not in signed:
        raise AwsError(403, "IncompleteSignatureException",
                       "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
    if "x-amz-date" not in signed:
        raise AwsError(403, "IncompleteSignatureException",
                       "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.")
    if headers.get("X-Amz-Security-Token") is not None and "x-amz-security-token" not in signed:
        raise AwsError(403, "IncompleteSignatureException",
                       "'X-Amz-Security-Token' is present but is not a 'SignedHeader' in the AWS "
                       "Authorization.")
    forbidden = sorted(set(signed) & FORBIDDEN_SIGNED_HEADERS)
    if forbidden:
        raise AwsError(403, "InvalidSignatureException",
                       "Header(s) %s must not be signed (this test server rejects them)." % ", ".join(forbidden))
    if scope_service != service:
        raise AwsError(403, "InvalidSignatureException",
                       "Credential should be scoped to correct service: '%s'. " % service)
    if scope_date != amz_date[:8]:
        raise AwsError(403, "InvalidSignatureException",
                       "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
                       "from HTTP: '%s' != '%s', from '%s'." % (scope_date, amz_date[:8], amz_date))

    record = state.lookup(access_key)
    if record is None:
        raise AwsError(403, "UnrecognizedClientException",
                       "The security token included in the request is invalid.")
    token = headers.get("X-Amz-Security-Token")
    if record["session_token"] is not None and (
            token is None or not hmac.compare_digest(token.encode("utf-8", "replace"),
                                                     record["session_token"].encode("utf-8"))):
        raise AwsError(403, "UnrecognizedClientException",
                       "The security token included in the request is invalid.")
    if record["expiration"] is not None and time.time() >= record["expiration"]:
        raise AwsError(403, "ExpiredTokenException", "The security token included in the request is expired")
    info["issued_by"] = record["issued_by"]

    now = datetime.datetime.now(datetime.timezone.utc)
    skew = (when - now).total_seconds()
    fmt = lambda t: t.strftime(SIGV4_TIME_FORMAT)
    if skew < -MAX_SKEW_SECONDS:
        raise AwsError(403, "InvalidSignatureException",
                       "Signature expired: %s is now earlier than %s (%s - 15 min.)"
                       % (amz_date, fmt(now - datetime.timedelta(seconds=MAX_SKEW_SECONDS)), fmt(now)))
    if skew > MAX_SKEW_SECONDS:
        raise AwsError(403, "InvalidSignatureException",
                       "Signature expired: %s is now later than %s (%s + 15 min.)"
                       % (amz_date, fmt(now + datetime.timedelta(seconds=MAX_SKEW_SECONDS)), fmt(now)))

    content_sha = headers.get("X-Amz-Content-SHA256")
    if content_sha is not None and content_sha != "UNSIGNED-PAYLOAD" and \
            content_sha != hashlib.sha256(body).hexdigest():
        raise AwsError(403, "InvalidSignatureException",
                       "The provided 'x-amz-content-sha256' header does not match what was computed.")

    # The request as botocore would have sent it: same method, URL and body, the signed headers only.
    target = handler.path
    if not target.startswith("/"):  # absolute-form
        parts = urlsplit(target)
        target = (parts.path or "/") + ("?" + parts.query if parts.query else "")
    path, _, query = target.partition("?")
    url = "%s://%s%s" % (handler.server.scheme, headers.get("Host", ""), path)
    query = _normalized_query(query)
    if query:
        url += "?" + query
    request = botocore.awsrequest.AWSRequest(method=handler.command, url=url, data=body)
    for name in signed:
        values = headers.get_all(name)
        if not values:
            raise AwsError(403, "InvalidSignatureException",
                           "Signed header '%s' is not present in the request." % name)
        for v in values:
            request.headers[name] = v
    request.context["timestamp"] = amz_date
    signer = botocore.auth.SigV4Auth(botocore.credentials.Credentials(access_key, record["secret"], token),
                                     service, region)
    canonical = signer.canonical_request(request)
    signed_list = canonical.split("\n")[-2]
    string_to_sign = signer.string_to_sign(request, canonical)
    expected = signer.signature(string_to_sign, request)
    if signed_list != ";".join(signed):
        raise AwsError(403, "InvalidSignatureException",
                       "SignedHeaders must be lower-case, sorted and unique: expected '%s', got '%s'."
                       % (signed_list, ";".join(signed)))
    if not hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii", "replace")):
        raise AwsError(403, "InvalidSignatureException",
                       SIGNATURE_MISMATCH + "\n\nThe Canonical String for this request should have been\n'"
                       + canonical + "'\n\nThe String-to-Sign should have been\n'" + string_to_sign + "'\n")
    return record


# ---------------------------------------------------------------------------------------------------
# HTTP


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-codeartifact/1"
    sys_version = ""
    timeout = 60

    reset_requested = False

    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *args):
        if self.server.state.verbose:
            line = WEB_IDENTITY_TOKEN_IN_QUERY_RE.sub(r"\1REDACTED", fmt % args)
            sys.stderr.write("[%s] %s - %s\n" % (self.server.name, self.address_string(), line))

    # -- plumbing -------------------------------------------------------------------------------

    def _read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks = []
            total = 0
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                total += size
                if total > MAX_BODY:
                    raise ValueError("body too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(chunks)
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        n = int(length)
        if n < 0 or n > MAX_BODY:
            raise ValueError("bad Content-Length")
        return self.rfile.read(n) if n else b""

    def _send(self, status, body=b"", content_type="application/json", headers=None, request_id=True):
        self.send_response(status)
        if request_id:
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        if content_type and body is not None:
            self.send_header("Content-Type", content_type)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def _send_interim(self, count):
        """COUNT interim responses (100 Continue, then 103 Early Hints) before the final one."""
        for i in range(count):
            self.send_response_only(100 if i == 0 else 103)
            if i:
                self.send_header("Link", "</style.css>; rel=preload")
            self.end_headers()
        self.wfile.flush()

    def _send_json(self, status, obj, headers=None):
        self._send(status, json.dumps(obj).encode("utf-8"), headers=headers)

    def _send_aws_error(self, err):
        headers = {"x-amzn-ErrorType": err.code + ERROR_TYPE_SUFFIX}
        headers.update(err.headers)
        self._send(err.status, json.dumps({"__type": err.code, "message": err.message}).encode("utf-8"),
                   headers=headers)

    def _reset(self):
        """Abortive close: RST instead of FIN, no response."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True
        self.reset_requested = True

    def _dispatch(self):
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self._send(400, b"bad request body", content_type="text/plain", headers={"Connection": "close"},
                       request_id=False)
            return
        target = self.path
        if not target.startswith("/"):  # absolute-form
            parts = urlsplit(target)
            target = (parts.path or "/") + ("?" + parts.query if parts.query else "")
        path, _, query = target.partition("?")
        params = parse_qs(query, keep_blank_values=True)
        if path in ("/__log", "/__credentials", "/__tls") or path.startswith(("/__test/", "/__credentials/")):
            try:
                self._control(path, params, body)
            except ValueError as e:  # a bad number in the query
                self._send(400, ("bad request: %s" % e).encode("utf-8"), content_type="text/plain",
                           request_id=False)
        elif path == "/" and self.command in ("GET", "POST") and (
                "Action" in params or self._content_type() == "application/x-www-form-urlencoded"):
            self._sts(path, params, body)
        else:
            self._api(path, params, body)

    def _content_type(self):
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _dispatch

    # -- control and test routes (unsigned) -----------------------------------------------------

    def _control(self, path, params, body):
        state = self.server.state
        one = lambda k, d=None: params.get(k, [d])[0]
        if path == "/__tls" and self.command == "GET":
            self._send_json(200, state.tls_snapshot())
        elif path == "/__log":
            if self.command == "DELETE":
                state.clear_log()
                self._send_json(200, {"cleared": True})
            else:
                self._send_json(200, state.log_snapshot(one("domain"), one("action")))
        elif path == "/__credentials" and self.command == "POST":
            try:
                req = json.loads(body.decode("utf-8"))
                ak, secret, token = req["access_key"], req["secret_key"], req.get("session_token")
                if not (isinstance(ak, str) and ak and isinstance(secret, str) and secret and
                        (token is None or isinstance(token, str) and token)):
                    raise ValueError("access_key and secret_key must be non-empty strings, session_token "
                                     "a non-empty string or absent")
            except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as e:
                self._send_json(400, {"error": "want {\"access_key\", \"secret_key\"[, \"session_token\"]}: "
                                               "%s" % e})
                return
            state.register(ak, secret, token)
            self._send_json(200, {"registered": ak})
        elif path == "/__credentials/issued" and self.command == "GET":
            self._send_json(200, state.issued_snapshot())
        # The package registry of tests/registry.py (nginx) asks here, through auth_request, whether a
        # request's token is one this endpoint issued and has not expired since.
        elif path == "/__test/token-check":
            if state.check_token(self.headers.get("X-Original-URI"), self.headers.get("Authorization")):
                self.send_response(204)
                self.end_headers()
            else:
                self._send(401, b"", content_type="text/plain", request_id=False,
                           headers={"WWW-Authenticate": 'Basic realm="codeartifact"'})
        elif path == "/__test/token-checks" and self.command == "GET":
            with state.lock:
                self._send_json(200, list(state.token_checks))
        elif path == "/__test/expire-tokens" and self.command == "POST":
            self._send_json(200, {"expired": state.expire_tokens()})
        elif path == "/__test/registry" and self.command == "POST":
            try:
                req = json.loads(body.decode("utf-8"))
                domain, base = req["domain"], req["base"]
            except (ValueError, KeyError, TypeError, UnicodeDecodeError) as e:
                self._send_json(400, {"error": "want {\"domain\", \"base\"}: %s" % e})
                return
            with state.lock:
                state.registry_base[domain] = base.rstrip("/")
            self._send_json(200, {"domain": domain, "base": base})
        elif path == "/__test/chunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for piece in (b"hello, ", b"chunked ", b"world"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.flush()
                time.sleep(0.02)
            self.wfile.write(b"0\r\n\r\n")
        elif path == "/__test/big":
            size = int(one("size", "0"))
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            block = b"a" * 65536
            left = size
            while left > 0:
                n = min(left, len(block))
                self.wfile.write(block[:n])
                left -= n
        elif path == "/__test/slow":
            time.sleep(int(one("ms", "0")) / 1000.0)
            self._send(200, b"ok", content_type="text/plain", request_id=False)
        elif path == "/__test/echo":
            self._send_json(200, {
                "method": self.command,
                "target": self.path,
                "headers": [[k, v] for k, v in self.headers.items()],
                "body": body.decode("utf-8", "replace"),
            })
        elif path == "/__test/status":
            code = int(one("code", "200"))
            if code < 200 or code in (204, 304):
                self.send_response(code)
                self.end_headers()
            else:
                self._send(code, b"status %d" % code, content_type="text/plain", request_id=False)
        elif path == "/__test/continue":
            self._send_interim(int(one("n", "1")))
            self._send(200, b"after interim", content_type="text/plain", request_id=False)
        elif path == "/__test/close-early":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"0123456789")
            self.wfile.flush()
            self.close_connection = True
        else:
            self._send(404, b"no such test route", content_type="text/plain", request_id=False)

    # -- the API --------------------------------------------------------------------------------

    def _new_entry(self, path, params, domain, service, action):
        entry = {
            "method": self.command,
            "path": path,
            "query": params,
            "domain": domain,
            "headers": {},
            "signature_ok": False,
            "error_code": None,
            "access_key": None,
            "session_token_present": self.headers.get("X-Amz-Security-Token") is not None,
            "token_issued": None,
            "time": time.time(),
            "listener": self.server.name,
            "fault": None,
            "region": None,
            "service": service,
            "action": action,
            "issued_by": None,
            # STS only (null on CodeArtifact entries):
            "role_arn": None,
            "role_session_name": None,
            "external_id": None,
            "duration_seconds": None,
            "serial_number": None,
            "token_code": None,
            "source_access_key": None,
            "issued_access_key": None,
            "web_identity_token_sha256": None,
        }
        for k, v in self.headers.items():
            k = k.lower()
            entry["headers"][k] = entry["headers"][k] + ", " + v if k in entry["headers"] else v
        return entry

    def _api(self, path, params, body):
        state = self.server.state
        domains = params.get("domain")
        domain = domains[0] if domains else None
        entry = self._new_entry(path, params, domain, SERVICE, API_ACTIONS.get((self.command, path)))
        state.add_log(entry)
        try:
            try:
                verify_signature(self, body, state, entry)
            except AwsError:
                raise
            except Exception as e:  # anything unexpected in a garbled request is the client's fault
                raise AwsError(403, "IncompleteSignatureException", "Could not parse the signature: %s" % e)
            state.update_log(entry, signature_ok=True)
            self._route(path, params, domain, entry)
        except AwsError as err:
            state.update_log(entry, error_code=err.code)
            self._send_aws_error(err)

    def _route(self, path, params, domain, entry):
        state = self.server.state
        one = lambda k: params.get(k, [None])[0]
        if self.command == "POST" and path == "/v1/authorization-token":
            route = "token"
        elif self.command == "GET" and path == "/v1/repository/endpoint":
            route = "endpoint"
        else:
            raise AwsError(404, "ResourceNotFoundException",
                           "No resource or operation for %s %s" % (self.command, path))

        fault = fault_of(domain)
        state.update_log(entry, fault=fault)
        n = state.count(domain) if domain else 0
        if fault == "throttle2" and n <= 2:
            raise AwsError(429, "ThrottlingException", "Rate exceeded", {"Retry-After": "0"})
        if fault == "retryafter" and n <= 1:
            raise AwsError(429, "TooManyRequestsException", "Too many requests", {"Retry-After": "1"})
        if fault == "error500" and n <= 1:
            raise AwsError(500, "InternalServerException", "An internal error occurred.")
        if fault == "unavailable":
            raise AwsError(503, "ServiceUnavailableException", "Service unavailable. Try again later.")
        if fault == "denied":
            raise AwsError(403, "AccessDeniedException",
                           "User: arn:aws:iam::%s:user/test is not authorized to perform: codeartifact:%s "
                           "on resource: arn:aws:codeartifact:%s:%s:domain/%s"
                           % (DEFAULT_OWNER, "GetAuthorizationToken" if route == "token"
                              else "GetRepositoryEndpoint", entry.get("region"),
                              one("domain-owner") or DEFAULT_OWNER, domain))
        if fault == "expired":
            raise AwsError(403, "ExpiredTokenException", "The security token included in the request is expired")
        if fault == "badsig":
            raise AwsError(403, "InvalidSignatureException", SIGNATURE_MISMATCH)
        if fault == "continue":
            self._send_interim(2)
        if fault == "reset" or (fault == "resetonce" and n <= 1):
            state.update_log(entry, error_code="ConnectionReset")
            self._reset()
            return
        if fault in ("deepjson", "deeperror"):
            state.update_log(entry, error_code="DeepJson")
            self._send(200 if fault == "deepjson" else 400, DEEP_JSON)
            return
        if fault == "html502":
            state.update_log(entry, error_code="BadGateway")
            self._send(502, HTML_502, content_type="text/html", request_id=False)
            return

        # Validation and the normal answer.
        if route == "token":
            if not domain:
                raise AwsError(400, "ValidationException", "1 validation error detected: Value null at "
                               "'domain' failed to satisfy constraint: Member must not be null")
            try:
                duration = int(one("duration") or 0)
            except ValueError:
                raise AwsError(400, "ValidationException", "duration must be a number of seconds")
            if duration < 0:
                raise AwsError(400, "ValidationException", "duration must not be negative")
            if duration == 0:
                duration = DEFAULT_DURATION
            expiration = round(time.time() + duration, 3)
            if fault == "bigbody":
                result = {"authorizationToken": "x" * BIG_BODY_SIZE, "expiration": expiration}
            elif fault in ("ctltoken", "niltoken"):  # control characters a token cannot have
                token = "abc\n::warning::INJECTED" if fault == "ctltoken" else "a\u0000b"
                result = {"authorizationToken": token, "expiration": expiration}
            else:
                token = state.next_token()
                state.update_log(entry, token_issued=token)
                result = {"authorizationToken": token, "expiration": expiration}
        else:
            missing = [k for k in ("domain", "repository", "format") if not one(k)]
            if missing:
                raise AwsError(400, "ValidationException", "%d validation error(s) detected: Value null at "
                               "'%s' failed to satisfy constraint: Member must not be null"
                               % (len(missing), "', '".join(missing)))
            endpoint = "https://%s-%s.d.codeartifact.%s.amazonaws.com/%s/%s/" % (
                domain, one("domain-owner") or DEFAULT_OWNER, entry.get("region"), one("format"),
                one("repository"))
            with state.lock:
                base = state.registry_base.get(domain)
            if base:
                endpoint = "%s/%s/%s/" % (base, one("format"), one("repository"))
            if fault == "bigbody":
                endpoint = "x" * BIG_BODY_SIZE
            result = {"repositoryEndpoint": endpoint}

        data = json.dumps(result).encode("utf-8")
        if fault == "slow":
            time.sleep(state.slow_seconds)
        if fault == "nonjson":
            self._send(200, b"this is not json")
        elif fault == "truncated":
            self.send_response(200)
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "200")
            self.end_headers()
            self.wfile.write(data[:40])
            self.wfile.flush()
            self.close_connection = True
        else:
            self._send(200, data)

    # -- STS ------------------------------------------------------------------------------------

    def _sts(self, path, query_params, body):
        state = self.server.state
        params = dict(query_params)
        if self._content_type() == "application/x-www-form-urlencoded" and body:
            try:
                params.update(parse_qs(body.decode("utf-8"), keep_blank_values=True))
            except UnicodeDecodeError:
                pass  # then the parameters are missing, and validation says so
        one = lambda k: params.get(k, [None])[0]
        action = one("Action")
        token = one("WebIdentityToken")
        duration_param = one("DurationSeconds")
        # The web identity token is a secret: the log has its SHA-256 only.
        logged_query = {k: ["REDACTED"] * len(v) if k == "WebIdentityToken" else v for k, v in query_params.items()}
        entry = self._new_entry(path, logged_query, None, STS_SERVICE, action)
        entry.update(role_arn=one("RoleArn"), role_session_name=one("RoleSessionName"),
                     external_id=one("ExternalId"), serial_number=one("SerialNumber"), token_code=one("TokenCode"),
                     duration_seconds=int(duration_param) if DIGITS_RE.fullmatch(duration_param or "")
                     else duration_param,
                     web_identity_token_sha256=hashlib.sha256(token.encode("utf-8")).hexdigest()
                     if token is not None and action == "AssumeRoleWithWebIdentity" else None)
        state.add_log(entry)
        request_id = str(uuid.uuid4())
        try:
            if action == "AssumeRoleWithWebIdentity":
                # Unsigned by design: an Authorization header, if any, is ignored.
                caller = None
                state.update_log(entry, signature_ok=None)
            else:
                try:
                    caller = verify_signature(self, body, state, entry, STS_SERVICE)
                except AwsError as err:  # in the words of a query-protocol service
                    raise AwsError(err.status, STS_AUTH_CODES.get(err.code, err.code), err.message, err.headers)
                except Exception as e:
                    raise AwsError(403, "IncompleteSignature", "Could not parse the signature: %s" % e)
                state.update_log(entry, signature_ok=True, source_access_key=caller["access_key"])
            xml = self._sts_action(action, one, caller, token, entry, request_id)
            self._send(200, xml.encode("utf-8"), content_type="text/xml", headers={"x-amzn-RequestId": request_id},
                       request_id=False)
        except AwsError as err:
            code = err.code
            state.update_log(entry, error_code=code)
            doc = ('<ErrorResponse xmlns="%s">\n  <Error>\n    <Type>%s</Type>\n    <Code>%s</Code>\n'
                   '    <Message>%s</Message>\n  </Error>\n  <RequestId>%s</RequestId>\n</ErrorResponse>\n'
                   % (STS_NS, "Receiver" if err.status >= 500 else "Sender", xml_escape(code),
                      xml_escape(err.message), request_id))
            self._send(err.status, doc.encode("utf-8"), content_type="text/xml",
                       headers=dict(err.headers, **{"x-amzn-RequestId": request_id}), request_id=False)

    def _sts_action(self, action, one, caller, token, entry, request_id):
        """Validates, applies the role's fault, issues credentials; returns the result's XML document."""
        state = self.server.state
        if not action:
            raise AwsError(400, "MissingAction", "Could not find operation: the request has no Action")
        version = one("Version")
        if version is None:
            raise AwsError(400, "MissingParameter", "The request must contain the parameter Version")
        if action not in STS_ACTIONS or version != STS_VERSION:
            raise AwsError(400, "InvalidAction", "Could not find operation %s for version %s" % (action, version))

        errors = []
        role_arn = one("RoleArn")
        session_name = one("RoleSessionName")
        external_id = one("ExternalId")
        duration_param = one("DurationSeconds")
        m = ROLE_ARN_RE.fullmatch(role_arn or "")
        if role_arn is None:
            errors.append("Value null at 'roleArn' failed to satisfy constraint: Member must not be null")
        elif not m:
            errors.append("Value '%s' at 'roleArn' failed to satisfy constraint: Member must be a role ARN "
                          "(arn:aws:iam::<12 digits>:role/<name>)" % role_arn)
        if session_name is None:
            errors.append("Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null")
        elif not SESSION_NAME_RE.fullmatch(session_name):
            errors.append("Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy "
                          "regular expression pattern: [\\w+=,.@-]* and have length 2..64" % session_name)
        if action == "AssumeRole" and external_id is not None and not EXTERNAL_ID_RE.fullmatch(external_id):
            errors.append("Value '%s' at 'externalId' failed to satisfy constraint: Member must satisfy regular "
                          "expression pattern: [\\w+=,.@:\\/-]* and have length 2..1224" % external_id)
        duration = STS_DEFAULT_DURATION
        if duration_param is not None:
            if DIGITS_RE.fullmatch(duration_param) and STS_MIN_DURATION <= int(duration_param) <= STS_MAX_DURATION:
                duration = int(duration_param)
            else:
                errors.append("Value '%s' at 'durationSeconds' failed to satisfy constraint: Member must have "
                              "value between %d and %d" % (duration_param, STS_MIN_DURATION, STS_MAX_DURATION))
        if errors:
            raise AwsError(400, "ValidationError", "%d validation error%s detected: %s"
                           % (len(errors), "" if len(errors) == 1 else "s", "; ".join(errors)))
        if caller is not None and caller["issued_by"] != STATIC and duration > STS_CHAINED_MAX_DURATION:
            raise AwsError(400, "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit "
                           "for roles assumed by role chaining.")

        claims = {}
        if action == "AssumeRoleWithWebIdentity":
            if not token:
                raise AwsError(400, "InvalidIdentityToken", "No web identity token was provided.")
            if not JWT_RE.fullmatch(token):
                raise AwsError(400, "InvalidIdentityToken", "The ID Token provided is not a valid JWT. "
                               "(You may see this error if you sent an Access Token)")
            if token == EXPIRED_WEB_IDENTITY_TOKEN:
                raise AwsError(400, "ExpiredTokenException", "Token expired: current date/time %s must be before "
                               "the expiration date/time 2020-01-01T00:00:00Z" % iso8601(time.time()))
            claims = jwt_claims(token)

        partition, account, _, role_name = m.groups()
        if role_name.startswith("throttle-") and state.count_role(role_arn) <= 1:
            raise AwsError(400, "Throttling", "Rate exceeded")
        if role_name.startswith("deny-"):
            if caller is None:
                raise AwsError(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
            raise AwsError(403, "AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on "
                           "resource: %s" % (caller["arn"], role_arn))

        role_id = "AROA" + base64.b32encode(hashlib.sha256(role_arn.encode("utf-8")).digest()).decode("ascii")[:17]
        assumed_arn = "arn:%s:sts::%s:assumed-role/%s/%s" % (partition, account, role_name, session_name)
        creds = state.issue(action, role_arn, assumed_arn, session_name, duration,
                            caller["access_key"] if caller else None)
        state.update_log(entry, issued_access_key=creds["access_key"])
        e = xml_escape
        credentials = ("<Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>%s</SecretAccessKey>"
                       "<SessionToken>%s</SessionToken><Expiration>%s</Expiration></Credentials>"
                       % (creds["access_key"], e(creds["secret"]), e(creds["session_token"]),
                          iso8601(creds["expiration"])))
        user = ("<AssumedRoleUser><AssumedRoleId>%s:%s</AssumedRoleId><Arn>%s</Arn></AssumedRoleUser>"
                % (role_id, e(session_name), e(assumed_arn)))
        if action == "AssumeRole":
            result = credentials + user + "<PackedPolicySize>0</PackedPolicySize>"
        else:
            issuer = str(claims.get("iss") or "https://oidc.test.example")
            provider = "arn:%s:iam::%s:oidc-provider/%s" % (partition, account, issuer.split("://", 1)[-1])
            aud = claims.get("aud") or "sts.amazonaws.com"
            if isinstance(aud, list):
                aud = aud[0] if aud else "sts.amazonaws.com"
            result = (credentials + "<SubjectFromWebIdentityToken>%s</SubjectFromWebIdentityToken>"
                      % e(str(claims.get("sub") or "test-subject")) + user
                      + "<PackedPolicySize>0</PackedPolicySize><Provider>%s</Provider><Audience>%s</Audience>"
                      % (e(provider), e(str(aud))))
        return ('<%sResponse xmlns="%s">\n  <%sResult>%s</%sResult>\n  <ResponseMetadata><RequestId>%s'
                '</RequestId></ResponseMetadata>\n</%sResponse>\n'
                % (action, STS_NS, action, result, action, request_id, action))


def xml_escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def jwt_claims(token):
    """The payload of a JWT as a dict, or {} if it does not decode (the signature is never checked)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode("utf-8"))
        return claims if isinstance(claims, dict) else {}
    except (ValueError, IndexError, UnicodeDecodeError):
        return {}


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address, name, scheme, ssl_ctx, state):
        self.name = name
        self.scheme = scheme
        self.ssl_ctx = ssl_ctx
        self.state = state
        super().__init__(address, Handler)

    def server_bind(self):
        # Skip HTTPServer.server_bind's getfqdn(), which may wait on DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name = self.server_address[0]
        self.server_port = self.server_address[1]

    def finish_request(self, request, client_address):
        conn = request
        if self.ssl_ctx is not None:
            request.settimeout(10)
            try:
                conn = self.ssl_ctx.wrap_socket(request, server_side=True)
            except (OSError, ValueError) as e:  # e.g. the client rejected our certificate
                self.state.count_handshake(self.name, str(e) or type(e).__name__)
                if self.state.verbose:
                    sys.stderr.write("[%s] TLS handshake failed: %s\n" % (self.name, e))
                return
            self.state.count_handshake(self.name)
        handler = None
        try:
            handler = self.RequestHandlerClass(conn, client_address, self)
        finally:
            if conn is not request:
                self._close_tls(conn, handler is not None and handler.reset_requested)
            elif handler is not None and handler.reset_requested:
                conn.close()  # SO_LINGER {1,0} is set: this sends RST

    @staticmethod
    def _close_tls(conn, abortive):
        try:
            if not abortive:
                try:
                    conn.settimeout(0)
                    conn.unwrap()  # sends close_notify; does not wait for the peer's
                except (OSError, ValueError):
                    pass
                try:
                    conn.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
        finally:
            conn.close()

    def handle_error(self, request, client_address):
        if self.state.verbose:
            super().handle_error(request, client_address)


class Server6(Server):
    address_family = socket.AF_INET6


def main():
    ap = common.parser(__doc__)
    ap.add_argument("--credentials", action="append", metavar="AK:SECRET",
                    help="an accepted access key and secret (repeatable); default: %s" % DEFAULT_CREDENTIALS[0])
    ap.add_argument("--slow-seconds", type=float, default=5.0, help="delay of slow-* domains (default 5)")
    ap.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = ap.parse_args()

    creds = {}
    for pair in args.credentials or DEFAULT_CREDENTIALS:
        ak, sep, secret = pair.partition(":")
        if not sep or not ak or not secret:
            ap.error("--credentials wants AK:SECRET, got %r" % pair)
        creds[ak] = secret

    d = common.begin(args)
    cert_errors = []

    def certificates():
        try:
            make_certificates(d)
        except Exception as e:  # re-raised below
            cert_errors.append(e)

    cert_thread = threading.Thread(target=certificates)
    cert_thread.start()
    global botocore
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
    cert_thread.join()
    if cert_errors:
        sys.stderr.write("codeartifact_server: %s\n" % cert_errors[0])
        return 1
    state = State(creds, args.slow_seconds, args.verbose)
    servers = {
        "main": Server(("127.0.0.1", 0), "main", "https", tls_context(d, "server"), state),
        "wrong_host": Server(("127.0.0.1", 0), "wrong_host", "https", tls_context(d, "wrong-host"), state),
        "untrusted": Server(("127.0.0.1", 0), "untrusted", "https", tls_context(d, "untrusted-server"), state),
        "expired": Server(("127.0.0.1", 0), "expired", "https", tls_context(d, "expired"), state),
        "self_signed": Server(("127.0.0.1", 0), "self_signed", "https", tls_context(d, "self-signed"), state),
        "tls11_only": Server(("127.0.0.1", 0), "tls11_only", "https", tls_context(d, "server", legacy_only=True),
                             state),
        "plain": Server(("127.0.0.1", 0), "plain", "http", None, state),
    }
    try:
        servers["main6"] = Server6(("::1", 0), "main6", "https", tls_context(d, "server"), state)
    except OSError:
        pass  # no IPv6 loopback here
    ports = ("main", "main6", "wrong_host", "untrusted", "expired", "self_signed", "tls11_only", "plain")
    return common.serve(args, "codeartifact_server", {
        "ports": {k: servers[k].server_address[1] for k in ports if k in servers},
        "ca": os.path.join(d, "ca.pem"),
        "untrusted_ca": os.path.join(d, "untrusted-ca.pem"),
        "python": sys.executable,
    }, servers.values())


if __name__ == "__main__":
    sys.exit(main())
