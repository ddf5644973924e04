#!/usr/bin/env python3
"""A loopback AWS Sign-In token endpoint (CreateOAuth2Token) over HTTPS, for the login_session tests.

POST /v1/token (rest-json, unsigned) with {"clientId", "grantType": "refresh_token", "refreshToken"} and a
DPoP header: the proof must be an ES256 JWT (RFC 9449) with typ "dpop+jwt" and the public key as a P-256
JWK in its header, signed by that key (checked with python3-cryptography), with htm "POST", htu this
request's own URL (https://127.0.0.1:PORT/v1/token, or under a fault prefix), an iat within 5 minutes of now
and a jti it has not seen before. With the refresh token it accepts (--refresh-token, or one it issued) it
answers {"accessToken": {"accessKeyId", "secretAccessKey", "sessionToken"}, "tokenType": "aws_sigv4",
"expiresIn": 900, "refreshToken": a new one}, the credentials given by --access-key/--secret-key/
--session-token. Otherwise 401 AccessDeniedException {"error": "TOKEN_EXPIRED", "message"} (x-amzn-ErrorType),
as Sign-In refuses an expired refresh token; a bad proof is 400 ValidationException {"error":
"INVALID_REQUEST"}. Under /denied/ every request is 403 AccessDeniedException INSUFFICIENT_PERMISSIONS.

Its certificate is signed by the test CA that codeartifact_server.py made (--ca-dir: ca.pem and ca.key
there). Writes STATE/signin_server-ready.json {"port": N} and logs each request as a JSON line to
STATE/signin.log: path, status, error, the proof's claims and whether its signature held (never a token).
"""

import base64
import http.server
import json
import os
import secrets
import ssl
import subprocess
import sys
import threading
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

import common

NAME = "signin_server"


def unb64(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def check_proof(proof, url, seen):
    """The proof's claims, and why it is refused (None when it holds)."""
    try:
        head, body, sig = proof.split(".")
        header, claims = json.loads(unb64(head)), json.loads(unb64(body))
    except (ValueError, AttributeError):
        return {}, "not a JWT"
    if header.get("typ") != "dpop+jwt" or header.get("alg") != "ES256":
        return claims, "typ/alg"
    jwk = header.get("jwk") or {}
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256" or set(jwk) != {"kty", "crv", "x", "y"}:
        return claims, "jwk"
    try:
        key = ec.EllipticCurvePublicNumbers(int.from_bytes(unb64(jwk["x"]), "big"), int.from_bytes(unb64(jwk["y"]), "big"),
                                            ec.SECP256R1()).public_key()
        raw = unb64(sig)
        if len(raw) != 64:
            return claims, "signature length"
        key.verify(encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")),
                   (head + "." + body).encode(), ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return claims, "signature"
    if claims.get("htm") != "POST":
        return claims, "htm"
    if claims.get("htu") != url:
        return claims, "htu"
    iat = claims.get("iat")
    if not isinstance(iat, int) or abs(iat - time.time()) > 300:
        return claims, "iat"
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        return claims, "jti"
    with seen["lock"]:
        if jti in seen["ids"]:
            return claims, "jti replayed"
        seen["ids"].add(jti)
    return claims, None


class Handler(common.Handler):
    server_version = "signin-test-server"
    default_content_type = "application/json"

    def _error(self, status, code, error, message):
        self._send(status, json.dumps({"error": error, "message": message}), headers=[("x-amzn-ErrorType", code)])

    def do_POST(self):
        st = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        entry = {"path": self.path}
        prefix = "/denied" if self.path.startswith("/denied/") else ""
        if self.path != prefix + "/v1/token":
            entry["status"] = 404
            st["log"](entry)
            return self._send(404, '{"message": "Not Found"}')
        url = "https://127.0.0.1:%d%s" % (self.server.server_address[1], self.path)
        claims, bad = check_proof(self.headers.get("DPoP", ""), url, st)
        entry.update(claims={k: claims.get(k) for k in ("htm", "htu", "iat", "jti")} if claims else {},
                     proof_ok=bad is None, proof_error=bad)
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if bad is not None or not isinstance(body, dict) or body.get("grantType") != "refresh_token" or \
                body.get("clientId") != st["client_id"]:
            entry.update(status=400, error="INVALID_REQUEST")
            st["log"](entry)
            return self._error(400, "ValidationException", "INVALID_REQUEST", "invalid request: %s" % (bad or "body"))
        if prefix == "/denied":
            entry.update(status=403, error="INSUFFICIENT_PERMISSIONS")
            st["log"](entry)
            return self._error(403, "AccessDeniedException", "INSUFFICIENT_PERMISSIONS", "not allowed")
        with st["lock"]:
            ok = body.get("refreshToken") in st["refresh_tokens"]
            new = "signin-refresh-" + secrets.token_urlsafe(16)
            if ok:
                st["refresh_tokens"].add(new)
        if not ok:
            entry.update(status=401, error="TOKEN_EXPIRED")
            st["log"](entry)
            return self._error(401, "AccessDeniedException", "TOKEN_EXPIRED", "The refresh token has expired")
        entry.update(status=200)
        st["log"](entry)
        self._send(200, json.dumps({"accessToken": st["credentials"], "tokenType": "aws_sigv4", "expiresIn": 900,
                                    "refreshToken": new}))


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state, ctx):
        self.state = state
        super().__init__(("127.0.0.1", 0), Handler)
        self.socket = ctx.wrap_socket(self.socket, server_side=True)

    def handle_error(self, request, client_address):
        pass


def certificate(d, ca_dir):
    """A server certificate for 127.0.0.1 signed by the test CA in CA_DIR."""
    conf = os.path.join(d, "signin-openssl.cnf")
    with open(conf, "w") as f:
        f.write("[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = localhost\n[leaf]\n"
                "basicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\n"
                "extendedKeyUsage = serverAuth\nsubjectAltName = IP:127.0.0.1,DNS:localhost\n")
    env = dict(os.environ)
    env.pop("OPENSSL_CONF", None)
    subprocess.run(["openssl", "req", "-config", conf, "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", os.path.join(d, "signin.key"),
                    "-out", os.path.join(d, "signin.pem"), "-days", "2", "-CA", os.path.join(ca_dir, "ca.pem"),
                    "-CAkey", os.path.join(ca_dir, "ca.key"), "-extensions", "leaf", "-sha256"],
                   check=True, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(os.path.join(d, "signin.pem"), os.path.join(d, "signin.key"))
    return ctx


def main():
    ap = common.parser(__doc__)
    ap.add_argument("--ca-dir", required=True, help="where the test CA's ca.pem and ca.key are")
    ap.add_argument("--client-id", default="arn:aws:signin:::devtools/same-device")
    ap.add_argument("--refresh-token", required=True, help="the refresh token it accepts")
    ap.add_argument("--access-key", default="ASIASIGNINEXAMPLE")
    ap.add_argument("--secret-key", default="signinSecretKeyEXAMPLE0123456789abcdef")
    ap.add_argument("--session-token", default="signinSessionTokenEXAMPLE")
    args = ap.parse_args()
    d = common.begin(args)
    state = {"lock": threading.Lock(), "ids": set(), "refresh_tokens": {args.refresh_token},
             "client_id": args.client_id, "log": common.JsonLog(os.path.join(d, "signin.log")),
             "credentials": {"accessKeyId": args.access_key, "secretAccessKey": args.secret_key,
                             "sessionToken": args.session_token}}
    server = Server(state, certificate(d, os.path.abspath(args.ca_dir)))
    return common.serve(args, NAME, {"port": server.server_address[1]}, [server])


if __name__ == "__main__":
    sys.exit(main())
