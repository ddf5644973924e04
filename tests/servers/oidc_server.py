#!/usr/bin/env python3
"""A GitHub Actions OIDC token endpoint on 127.0.0.1 for the loopback tests (standard library only).

GET /token?...&audience=A answers {"count": 1, "value": JWT} when the request carries
"Authorization: Bearer REQUEST_TOKEN" (401 otherwise) and exactly one audience (400 otherwise), as
ACTIONS_ID_TOKEN_REQUEST_URL does in a job with `permissions: id-token: write`. Other paths, for the
error paths of the client:

  GET  /token-not-json    200 with a body that is not JSON
  GET  /token-no-value    200 with {"count": 0}
  GET  /token-500-once    500 the first time (per server), then as /token
  POST /sts-error/        403 with an STS <ErrorResponse> (AccessDenied), as an STS endpoint would

Writes STATE/oidc_server-ready.json ({"port": N, "pid": P}) when it listens and logs every request as a JSON
line to STATE/oidc.log: method, path, query (name -> list of values), bearer_ok, status. Tokens are never
logged.
"""

import http.server
import json
import os
import sys
import threading
import urllib.parse

import common

STS_ERROR = (
    '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n'
    "  <Error>\n"
    "    <Type>Sender</Type>\n"
    "    <Code>AccessDenied</Code>\n"
    "    <Message>Not authorized to perform sts:AssumeRoleWithWebIdentity &amp; friends</Message>\n"
    "  </Error>\n"
    "  <RequestId>oidc-server-sts-error-1</RequestId>\n"
    "</ErrorResponse>\n"
)


class Handler(common.Handler):
    server_version = "oidc-test-server"
    default_content_type = "application/json"

    def _log(self, path, query, bearer_ok, status):
        self.server.log({"method": self.command, "path": path, "query": query, "bearer_ok": bearer_ok,
                         "status": status})

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        bearer_ok = self.headers.get("Authorization") == "Bearer " + self.server.request_token
        path = url.path
        if path == "/token-500-once":
            with self.server.lock:
                first = path not in self.server.seen
                self.server.seen.add(path)
            if first:
                self._log(path, query, bearer_ok, 500)
                return self._send(500, '{"message": "try again"}')
            path = "/token"
        if path not in ("/token", "/token-not-json", "/token-no-value"):
            status, body = 404, '{"message": "Not Found"}'
        elif not bearer_ok:
            status, body = 401, '{"message": "Bad credentials"}'
        elif len(query.get("audience", [])) != 1:
            status, body = 400, '{"message": "exactly one audience is required"}'
        elif path == "/token-not-json":
            status, body = 200, "<html>a captive portal</html>"
        elif path == "/token-no-value":
            status, body = 200, '{"count": 0}'
        else:
            status, body = 200, json.dumps({"count": 1, "value": self.server.jwt})
        self._log(url.path, query, bearer_ok, status)
        self._send(status, body)

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        if url.path == "/sts-error/":
            self._log(url.path, {}, False, 403)
            return self._send(403, STS_ERROR, "text/xml", [("x-amzn-RequestId", "oidc-server-sts-error-1")])
        self._log(url.path, {}, False, 404)
        self._send(404, '{"message": "Not Found"}')


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, request_token, jwt, log):
        self.request_token = request_token
        self.jwt = jwt
        self.log = log
        self.lock = threading.Lock()
        self.seen = set()
        super().__init__(("127.0.0.1", 0), Handler)

    def handle_error(self, request, client_address):
        pass


def main():
    ap = common.parser(__doc__)
    ap.add_argument("--request-token", required=True, help="the bearer token to expect")
    ap.add_argument("--jwt", required=True, help="the ID token to hand out")
    args = ap.parse_args()
    d = common.begin(args)
    server = Server(args.request_token, args.jwt, common.JsonLog(os.path.join(d, "oidc.log")))
    return common.serve(args, "oidc_server", {"port": server.server_address[1]}, [server])


if __name__ == "__main__":
    sys.exit(main())
