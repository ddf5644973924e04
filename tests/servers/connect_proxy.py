#!/usr/bin/env python3
"""An HTTP CONNECT proxy on 127.0.0.1 for the loopback tests (standard library only).

Three listeners: "open" (no auth), "auth" (Basic proxyuser / p@ss:word) and "refuse" (403 to every
CONNECT). Tunnels only to loopback targets. Every request is logged as a JSON line to STATE/proxy.log.
See README.md beside this file.
"""

import base64
import binascii
import os
import selectors
import socket
import socketserver
import struct
import sys
import time

import common

PROXY_USER = "proxyuser"
PROXY_PASSWORD = "p@ss:word"
ALLOWED_HOSTS = {"127.0.0.1", "localhost", "::1"}
MAX_HEAD = 64 * 1024
IDLE_TIMEOUT = 120


def parse_authority(target):
    """'host:port' or '[v6]:port' -> (host, port), or None."""
    if target.startswith("["):
        host, sep, rest = target[1:].partition("]")
        if not sep or not rest.startswith(":"):
            return None
        port = rest[1:]
    else:
        host, sep, port = target.rpartition(":")
        if not sep or ":" in host:
            return None
    try:
        port = int(port)
    except ValueError:
        return None
    if not host or not 0 < port < 65536:
        return None
    return host, port


def check_basic(value):
    """(present, ok) for a Proxy-Authorization header value (or None)."""
    if value is None:
        return False, False
    scheme, _, cred = value.strip().partition(" ")
    if scheme.lower() != "basic":
        return True, False
    try:
        decoded = base64.b64decode(cred.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return True, False
    user, sep, password = decoded.partition(":")
    return True, bool(sep) and user == PROXY_USER and password == PROXY_PASSWORD


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        sock = self.request
        sock.settimeout(30)
        try:
            head, rest = self._read_head(sock)
        except OSError:
            return
        if head is None:
            return
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split()
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers.setdefault(name.strip().lower(), value.strip())
        entry = {
            "time": time.time(),
            "listener": self.server.key,
            "method": parts[0] if parts else "",
            "target": parts[1] if len(parts) > 1 else "",
            "auth_present": False,
            "auth_ok": False,
            "status": None,
        }
        entry["auth_present"], entry["auth_ok"] = check_basic(headers.get("proxy-authorization"))

        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            return self._refuse(sock, entry, 400, "Bad Request")
        if parts[0].upper() != "CONNECT":
            return self._refuse(sock, entry, 405, "Method Not Allowed", {"Allow": "CONNECT"})
        authority = parse_authority(parts[1])
        if authority is None:
            return self._refuse(sock, entry, 400, "Bad Request")
        if self.server.key == "refuse":
            return self._refuse(sock, entry, 403, "Forbidden")
        if self.server.key == "auth" and not entry["auth_ok"]:
            return self._refuse(sock, entry, 407, "Proxy Authentication Required",
                                {"Proxy-Authenticate": 'Basic realm="test"'})
        host, port = authority
        if host.lower() not in ALLOWED_HOSTS:
            return self._refuse(sock, entry, 403, "Forbidden")
        try:
            upstream = socket.create_connection((host, port), timeout=5)
        except OSError:
            return self._refuse(sock, entry, 502, "Bad Gateway")
        entry["status"] = 200
        self.server.log(entry)
        try:
            sock.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            if rest:
                upstream.sendall(rest)
            self._relay(sock, upstream)
        except OSError:
            pass
        finally:
            upstream.close()

    @staticmethod
    def _read_head(sock):
        buf = b""
        while b"\r\n\r\n" not in buf:
            if len(buf) > MAX_HEAD:
                return None, b""
            data = sock.recv(65536)
            if not data:
                return None, b""
            buf += data
        head, _, rest = buf.partition(b"\r\n\r\n")
        return head, rest

    def _refuse(self, sock, entry, status, reason, headers=None):
        entry["status"] = status
        self.server.log(entry)
        body = ("%d %s\n" % (status, reason)).encode("ascii")
        lines = ["HTTP/1.1 %d %s" % (status, reason), "Content-Type: text/plain",
                 "Content-Length: %d" % len(body), "Connection: close"]
        for k, v in (headers or {}).items():
            lines.append("%s: %s" % (k, v))
        try:
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
            # Half-close, then drain what the client already sent so that closing does not turn into an RST
            # that could destroy the response before the client reads it.
            sock.shutdown(socket.SHUT_WR)
            sock.settimeout(1)
            deadline = time.time() + 1
            while time.time() < deadline and sock.recv(65536):
                pass
        except OSError:
            pass

    @staticmethod
    def _relay(a, b):
        """Copies bytes both ways until both sides have closed; an RST from one side is passed on."""
        a.settimeout(None)
        b.settimeout(None)
        peer = {a: b, b: a}
        sel = selectors.DefaultSelector()
        sel.register(a, selectors.EVENT_READ)
        sel.register(b, selectors.EVENT_READ)
        open_reads = 2
        try:
            while open_reads:
                events = sel.select(IDLE_TIMEOUT)
                if not events:
                    return
                for key, _ in events:
                    src = key.fileobj
                    dst = peer[src]
                    try:
                        data = src.recv(65536)
                    except ConnectionResetError:
                        # Pass the reset on: an abortive close of the other side sends RST, not FIN.
                        try:
                            dst.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                        except OSError:
                            pass
                        dst.close()
                        return
                    if data:
                        dst.sendall(data)
                    else:
                        sel.unregister(src)
                        open_reads -= 1
                        try:
                            dst.shutdown(socket.SHUT_WR)
                        except OSError:
                            pass
        finally:
            sel.close()


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, key, logger):
        self.key = key
        self.log = logger
        super().__init__(("127.0.0.1", 0), Handler)

    def handle_error(self, request, client_address):
        pass


def main():
    args = common.parser(__doc__).parse_args()
    d = common.begin(args)
    logger = common.JsonLog(os.path.join(d, "proxy.log"))
    servers = {key: Server(key, logger) for key in ("open", "auth", "refuse")}
    return common.serve(args, "connect_proxy", {"ports": {k: s.server_address[1] for k, s in servers.items()}},
                        servers.values())


if __name__ == "__main__":
    sys.exit(main())
