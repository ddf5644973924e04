#!/usr/bin/env python3
"""A loopback HTTP server that plays the credential endpoints of the metadata tests (standard library only).

One plain-HTTP listener on 127.0.0.1 (and one on [::1] when the machine has it: "port6") serves:

  container credentials  GET /container/creds                  Authorization: <--container-token>
  IMDSv2                 PUT /latest/api/token                  X-aws-ec2-metadata-token-ttl-seconds: 1..21600
                         GET /latest/meta-data/iam/security-credentials/[<role>]
                         GET /latest/meta-data/placement/region X-aws-ec2-metadata-token: <a token it issued>
  SSO portal             GET /federation/credentials?role_name=R&account_id=A
                                                                x-amz-sso_bearer_token: <--sso-token>
  SSO OIDC CreateToken   POST /token  {"clientId", "clientSecret", "grantType": "refresh_token", "refreshToken"}
                         (rest-json, unsigned): with --sso-client-id, --sso-client-secret and --sso-refresh-token
                         (or a refresh token it issued) it answers {"accessToken": <--sso-token>, "tokenType",
                         "expiresIn": 28800, "refreshToken": a new one}; otherwise 400 InvalidGrantException
                         ({"error": "invalid_grant", ...}, x-amzn-ErrorType) or InvalidClientException

Every route also answers under a fault prefix, so a test chooses a misbehaviour through the URL it
configures (e.g. AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:PORT/no-role):

  /no-role/...       IMDS: the role listing is 404 (an instance without a role)
  /v1-only/...       IMDS: the token PUT is 403; GETs without a token are served (IMDSv1)
  /token-404/...     IMDS: the same with 404 for the PUT
  /token-405/...     IMDS: the same with 405 for the PUT
  /token-silent/...  IMDS: the PUT is accepted but not answered for 3 s (a hop limit of 1); GETs as IMDSv1
  /no-rotate/...     SSO OIDC: the answer carries no new refreshToken
  /garbage/...       IMDS and container: 200 with a body that is not JSON
  /error-code/...    IMDS: the role's JSON has Code "AssumeRoleUnauthorizedAccess"
  /fail-500/...      container: HTTP 500 with a JSON message
  /deep/...          container: 200 with 200,000 nested `[` (a parser that recurses overflows its stack)

The credentials it hands out are fixed by flags (defaults ASIAMETADATAEXAMPLE / ...), so tests can check
them. Writes STATE/metadata_server-ready.json {"port": N} atomically when it listens, and logs every
request as a JSON line (method, path, query, headers) to STATE/metadata_server.log.
"""

import datetime
import json
import os
import secrets
import socket
import sys
import threading
import time
import urllib.parse
from http.server import ThreadingHTTPServer

import common

NAME = "metadata_server"
FAULTS = ("no-role", "v1-only", "token-404", "token-405", "token-silent", "garbage", "error-code", "fail-500", "deep",
          "no-rotate")
# IMDS faults that refuse (status) or ignore (None) the token PUT and serve IMDSv1.
V1_FAULTS = {"v1-only": 403, "token-404": 404, "token-405": 405, "token-silent": None}


class State:
    def __init__(self, args, log_path):
        self.args = args
        self.log = common.JsonLog(log_path, sort_keys=True)
        self.lock = threading.Lock()
        self.imds_tokens = {}  # token -> expiry (monotonic)
        self.refresh_tokens = {args.sso_refresh_token}  # the SSO OIDC refresh tokens it accepts

    def issue_token(self, ttl):
        token = "imds-" + secrets.token_urlsafe(24)
        with self.lock:
            self.imds_tokens[token] = time.monotonic() + ttl
        return token

    def token_ok(self, token):
        with self.lock:
            expiry = self.imds_tokens.get(token)
        return expiry is not None and time.monotonic() < expiry


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


class Handler(common.Handler):
    server_version = "metadata-test-server"

    @property
    def state(self):
        return self.server.state

    def _json(self, status, obj, headers=()):
        self._send(status, json.dumps(obj), "application/json", headers)

    def _credentials(self):
        a = self.state.args
        now = datetime.datetime.now(datetime.timezone.utc)
        return {
            "AccessKeyId": a.access_key,
            "SecretAccessKey": a.secret_key,
            "Token": a.session_token,
            "Expiration": iso(now + datetime.timedelta(hours=6)),
        }

    def _route(self):
        parsed = urllib.parse.urlsplit(self.path)
        path = parsed.path
        fault = ""
        for f in FAULTS:
            if path.startswith("/" + f + "/"):
                fault = f
                path = path[len(f) + 1:]
                break
        query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
        return fault, path, query

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        fault, path, query = self._route()
        self.state.log({
            "method": self.command,
            "path": self.path,
            "route": path,
            "fault": fault,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body_bytes": len(body),
        })
        if path.startswith("/container/"):
            return self._container(fault, path)
        if path.startswith("/latest/"):
            return self._imds(fault, path)
        if path == "/federation/credentials":
            return self._sso(query)
        if path == "/token":
            return self._oidc(fault, body)
        self._send(404, "no such route\n")

    do_GET = _handle
    do_PUT = _handle
    do_POST = _handle

    # -- container ---------------------------------------------------------------------------------

    def _container(self, fault, path):
        if path != "/container/creds" or self.command != "GET":
            return self._json(404, {"message": "no such container route"})
        if self.headers.get("Authorization") != self.state.args.container_token:
            return self._json(401, {"message": "missing or wrong Authorization header"})
        if fault == "garbage":
            return self._send(200, "<html>this is not JSON</html>", "text/html")
        if fault == "deep":
            return self._send(200, "[" * 200_000)
        if fault == "fail-500":
            return self._json(500, {"message": "the agent is having a bad day"})
        creds = self._credentials()
        creds["RoleArn"] = self.state.args.role_arn
        self._json(200, creds)

    # -- IMDSv2 ------------------------------------------------------------------------------------

    def _imds(self, fault, path):
        a = self.state.args
        if path == "/latest/api/token":
            if self.command != "PUT":
                return self._send(405, "method not allowed\n")
            if fault in V1_FAULTS:
                if V1_FAULTS[fault] is None:
                    time.sleep(3)  # longer than the client's AWS_METADATA_SERVICE_TIMEOUT=1
                    self.close_connection = True
                    return None
                return self._send(V1_FAULTS[fault], "refused\n")
            ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds", "")
            if not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
                return self._send(400, "missing or invalid X-aws-ec2-metadata-token-ttl-seconds\n")
            token = self.state.issue_token(int(ttl))
            return self._send(200, token, headers=[("X-aws-ec2-metadata-token-ttl-seconds", ttl)])
        if self.command != "GET":
            return self._send(405, "method not allowed\n")
        v1 = fault in V1_FAULTS and "X-aws-ec2-metadata-token" not in self.headers
        if not v1 and not self.state.token_ok(self.headers.get("X-aws-ec2-metadata-token", "")):
            return self._send(401, "unauthorized\n")
        prefix = "/latest/meta-data/iam/security-credentials/"
        if path == prefix:
            if fault == "no-role":
                return self._send(404, "not found\n")
            return self._send(200, a.role + "\n")
        if path.startswith(prefix):
            if path[len(prefix):] != a.role or fault == "no-role":
                return self._send(404, "not found\n")
            if fault == "garbage":
                return self._send(200, "<html>this is not JSON</html>", "text/html")
            now = datetime.datetime.now(datetime.timezone.utc)
            if fault == "error-code":
                return self._json(200, {"Code": "AssumeRoleUnauthorizedAccess",
                                        "Message": "EC2 cannot assume the role " + a.role,
                                        "LastUpdated": iso(now)})
            creds = {"Code": "Success", "LastUpdated": iso(now), "Type": "AWS-HMAC"}
            creds.update(self._credentials())
            return self._json(200, creds)
        if path == "/latest/meta-data/placement/region":
            return self._send(200, a.region)
        self._send(404, "not found\n")

    # -- SSO portal --------------------------------------------------------------------------------

    def _sso(self, query):
        a = self.state.args
        if self.command != "GET":
            return self._json(405, {"message": "method not allowed"})
        if self.headers.get("x-amz-sso_bearer_token") != a.sso_token:
            return self._json(401, {"message": "Session token not found or invalid"},
                              headers=[("x-amzn-ErrorType", "UnauthorizedException:http://internal.amazon.com/"),
                                       ("x-amzn-RequestId", "sso-req-401")])
        role = query.get("role_name", [""])[0]
        account = query.get("account_id", [""])[0]
        if not role or not account:
            return self._json(400, {"message": "role_name and account_id are required"},
                              headers=[("x-amzn-ErrorType", "InvalidRequestException")])
        if role != a.sso_role or account != a.sso_account:
            return self._json(403, {"message": "No access"},
                              headers=[("x-amzn-ErrorType", "ForbiddenException"),
                                       ("x-amzn-RequestId", "sso-req-403")])
        expiration = int((time.time() + 3600) * 1000)
        self._json(200, {"roleCredentials": {
            "accessKeyId": a.access_key,
            "secretAccessKey": a.secret_key,
            "sessionToken": a.session_token,
            "expiration": expiration,
        }})


    # -- SSO OIDC CreateToken ----------------------------------------------------------------------

    def _oidc(self, fault, body):
        a = self.state.args
        if self.command != "POST":
            return self._json(405, {"message": "method not allowed"})

        def error(status, code, error, description):
            self._json(status, {"error": error, "error_description": description},
                       headers=[("x-amzn-ErrorType", code), ("x-amzn-RequestId", "oidc-req-" + error)])

        try:
            req = json.loads(body)
        except ValueError:
            return error(400, "InvalidRequestException", "invalid_request", "the body is not JSON")
        if not isinstance(req, dict) or req.get("grantType") != "refresh_token":
            return error(400, "UnsupportedGrantTypeException", "unsupported_grant_type", "refresh_token only")
        if req.get("clientId") != a.sso_client_id or req.get("clientSecret") != a.sso_client_secret:
            return error(401, "InvalidClientException", "invalid_client", "unknown client")
        with self.state.lock:
            known = req.get("refreshToken") in self.state.refresh_tokens
            rotated = "refresh-" + secrets.token_urlsafe(16)
            self.state.refresh_tokens.add(rotated)
        if not known:
            return error(400, "InvalidGrantException", "invalid_grant", "the refresh token is invalid or expired")
        answer = {"accessToken": a.sso_token, "tokenType": "Bearer", "expiresIn": 28800}
        if fault != "no-rotate":
            answer["refreshToken"] = rotated
        self._json(200, answer)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, state):
        super().__init__(address, Handler)
        self.state = state


class Server6(Server):
    address_family = socket.AF_INET6


def main():
    ap = common.parser(__doc__)
    ap.add_argument("--container-token", default="container-test-token",
                    help="the Authorization value /container/creds requires")
    ap.add_argument("--sso-token", default="sso-test-access-token",
                    help="the x-amz-sso_bearer_token value the SSO portal requires")
    ap.add_argument("--sso-client-id", default="sso-test-client-id")
    ap.add_argument("--sso-client-secret", default="sso-test-client-secret")
    ap.add_argument("--sso-refresh-token", default="sso-test-refresh-token",
                    help="the refresh token CreateToken accepts (besides those it issued)")
    ap.add_argument("--sso-account", default="111122223333")
    ap.add_argument("--sso-role", default="MetadataTestRole")
    ap.add_argument("--role", default="metadata-test-role", help="the IMDS instance role")
    ap.add_argument("--role-arn", default="arn:aws:iam::111122223333:role/metadata-test-role")
    ap.add_argument("--region", default="eu-west-3", help="what placement/region answers")
    ap.add_argument("--access-key", default="ASIAMETADATAEXAMPLE")
    ap.add_argument("--secret-key", default="metadataSecretKeyEXAMPLE0123456789abcdef")
    ap.add_argument("--session-token", default="metadataSessionTokenEXAMPLE")
    args = ap.parse_args()
    d = common.begin(args)
    state = State(args, os.path.join(d, NAME + ".log"))
    server = Server(("127.0.0.1", 0), state)
    servers, ready = [server], {"port": server.server_address[1]}
    try:  # the same routes on [::1] when the machine has IPv6 loopback ("port6"), for the IPv6 endpoint mode
        server6 = Server6(("::1", 0), state)
        servers.append(server6)
        ready["port6"] = server6.server_address[1]
    except OSError:
        pass
    return common.serve(args, NAME, ready, servers)


if __name__ == "__main__":
    sys.exit(main())
