"""Start-up and shut-down shared by the loopback test servers, and by what launches them (standard library only).

Server side: every server takes `--state-dir` and `--watch-pid` (`parser`), calls `begin` first (the state
directory; SIGTERM and SIGINT ask it to stop), and ends in `serve`: its listeners each serve on a thread,
STATE/<name>-ready.json is written atomically with the ports, and it returns once asked to stop or once the
watched process is gone, after shutting the listeners down and removing the ready file.

Launcher side (tests/tools/with-servers, tests/harness.py): `start` runs a server with its output in
STATE/<name>.out, `wait_ready` waits for the ready files, `stop` ends the servers.
"""

import argparse
import http.server
import json
import os
import signal
import ssl
import subprocess
import sys
import threading
import time
import warnings

_stop = threading.Event()
_started_as_child = False


# ---- server side ------------------------------------------------------------------------------------------

def parser(doc):
    """An argument parser with the options every server has; DOC's first line describes it."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--state-dir", required=True)
    ap.add_argument("--watch-pid", type=int, help="exit when this process is gone")
    return ap


def begin(args):
    """The state directory (absolute, created); from now on SIGTERM and SIGINT make `serve` return."""
    global _started_as_child
    _started_as_child = args.watch_pid is not None and os.getppid() == args.watch_pid
    signal.signal(signal.SIGTERM, lambda *_: _stop.set())
    signal.signal(signal.SIGINT, lambda *_: _stop.set())
    d = os.path.abspath(args.state_dir)
    os.makedirs(d, exist_ok=True)
    return d


def write_json_atomically(path, obj):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


class JsonLog:
    """Appends one JSON object a line to a file, from any thread."""

    def __init__(self, path, sort_keys=False):
        self.lock = threading.Lock()
        self.sort_keys = sort_keys
        self.f = open(path, "a", encoding="utf-8")

    def __call__(self, entry):
        line = json.dumps(entry, sort_keys=self.sort_keys) + "\n"
        with self.lock:
            self.f.write(line)
            self.f.flush()


def _watched_process_alive(pid):
    if _started_as_child and os.getppid() != pid:
        return False  # our parent died (it may linger as a zombie, which kill(pid, 0) still finds)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def serve(args, name, ready, servers=(), on_stop=None):
    """Serves each of SERVERS (socketserver instances) on its own thread, writes STATE/NAME-ready.json
    (READY plus "pid"), and waits for a stop signal or the end of the watched process; then shuts the servers
    down (and calls ON_STOP) and removes the ready file. Returns 0, the process's exit status."""
    for s in servers:
        threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
    ready_path = ready_file(os.path.abspath(args.state_dir), name)
    write_json_atomically(ready_path, dict(ready, pid=os.getpid()))

    while not _stop.wait(0.25):
        if args.watch_pid and not _watched_process_alive(args.watch_pid):
            break
    stoppers = [threading.Thread(target=s.shutdown) for s in servers]
    for t in stoppers:
        t.start()
    for t in stoppers:
        t.join(2)
    for s in servers:
        s.server_close()
    if on_stop:
        on_stop()
    try:
        os.unlink(ready_path)
    except OSError:
        pass
    return 0


class Handler(http.server.BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive, no access log on stderr (the servers keep JSON logs), and `_send`."""
    protocol_version = "HTTP/1.1"
    default_content_type = "text/plain"

    def log_message(self, *args):
        pass

    def _send(self, status, body, content_type=None, headers=()):
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type or self.default_content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def allow_legacy_tls(ctx):
    """Makes CTX offer TLS 1.0 and 1.1 only. OpenSSL 3 refuses them at security level 1 and up (their
    handshake signs with SHA-1), and Debian's openssl.cnf asks for level 2: level 0 lets them through."""
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    return ctx


# ---- launcher side ----------------------------------------------------------------------------------------

HERE = os.path.dirname(os.path.abspath(__file__))


def ready_file(state, name):
    return os.path.join(state, name + "-ready.json")


class NotReady(Exception):
    pass


def start(state, name, *args, python=None):
    """Starts tests/servers/NAME.py (with PYTHON, default this interpreter) for STATE, watching this process;
    its stdout and stderr go to STATE/NAME.out. Returns the Popen, with .name set."""
    out = open(os.path.join(state, name + ".out"), "ab")
    cmd = [python or sys.executable, os.path.join(HERE, name + ".py"), "--state-dir", state,
           "--watch-pid", str(os.getpid()), *args]
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    out.close()
    p.name = name
    return p


def wait_ready(state, processes, timeout=60.0):
    """{name: its ready file's object} once every one of PROCESSES has written its ready file; NotReady when
    one exits first or TIMEOUT seconds pass."""
    deadline = time.monotonic() + timeout
    ready = {}
    while True:
        for p in processes:
            if p.name in ready:
                continue
            path = ready_file(state, p.name)
            if os.path.exists(path):
                with open(path) as f:
                    ready[p.name] = json.load(f)
            elif p.poll() is not None:
                raise NotReady("%s.py exited (status %s) before it was ready" % (p.name, p.returncode))
        if len(ready) == len(processes):
            return ready
        if time.monotonic() > deadline:
            raise NotReady("%s not ready after %g s" % (", ".join(p.name + ".py" for p in processes
                                                                  if p.name not in ready), timeout))
        time.sleep(0.05)


def stop(processes, grace=5.0):
    """SIGTERM to each, then SIGKILL to those still there after GRACE seconds."""
    for p in processes:
        if p.poll() is None:
            p.terminate()
    deadline = time.monotonic() + grace
    for p in processes:
        try:
            p.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
