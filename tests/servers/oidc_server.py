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

Writes STATE/oidc-ready.json ({"port": N, "pid": P}) when it listens and logs every request as a JSON
line to STATE/oidc.log: method, path, query (name -> list of values), bearer_ok, status. Tokens are never
logged.
"""

import argparse
import http.server
import json
import os
import signal
import sys
import threading
import urllib.parse

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


class JsonLog:
    def __init__(self, path):
        self.lock = threading.Lock()
        self.f = open(path, "a", encoding="utf-8")

    def __call__(self, entry):
        with self.lock:
            self.f.write(json.dumps(entry) + "\n")
            self.f.flush()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "oidc-test-server"

    def log_message(self, *args):  # the JSON log is enough
        pass

    def _send(self, status, body, content_type="application/json", headers=()):
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

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
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--state-dir", required=True)
    ap.add_argument("--request-token", required=True, help="the bearer token to expect")
    ap.add_argument("--jwt", required=True, help="the ID token to hand out")
    ap.add_argument("--watch-pid", type=int, help="exit when this process is gone")
    args = ap.parse_args()

    d = os.path.abspath(args.state_dir)
    os.makedirs(d, exist_ok=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    server = Server(args.request_token, args.jwt, JsonLog(os.path.join(d, "oidc.log")))
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()

    ready = os.path.join(d, "oidc-ready.json")
    tmp = "%s.tmp.%d" % (ready, os.getpid())
    with open(tmp, "w") as f:
        json.dump({"port": server.server_address[1], "pid": os.getpid()}, f)
        f.write("\n")
    os.replace(tmp, ready)

    while not stop.wait(0.25):
        if args.watch_pid:
            try:
                os.kill(args.watch_pid, 0)
            except ProcessLookupError:
                break
            except PermissionError:
                pass
    server.shutdown()
    server.server_close()
    try:
        os.unlink(ready)
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
