#!/usr/bin/env python3
"""moto's server (the third-party AWS emulator) on 127.0.0.1, for the IMDS test against a peer we did not write.

moto emulates the instance metadata service (/latest/api/token, /latest/meta-data/iam/security-credentials/
and the role "default-role" with AccessKeyId "test-key"). This runs moto's own ThreadedMotoServer on an
ephemeral port, writes STATE/moto_imds_server-ready.json {"port": N} atomically, and exits when
--watch-pid is gone or on SIGTERM. Needs a Python with moto installed.
"""

import argparse
import json
import os
import signal
import sys
import threading

NAME = "moto_imds_server"


def write_json_atomically(path, obj):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        json.dump(obj, f)
        f.write("\n")
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--state-dir", required=True)
    ap.add_argument("--watch-pid", type=int, help="exit when this process is gone")
    args = ap.parse_args()

    from moto.server import ThreadedMotoServer

    d = os.path.abspath(args.state_dir)
    os.makedirs(d, exist_ok=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    port = server.get_host_and_port()[1]
    ready_path = os.path.join(d, NAME + "-ready.json")
    write_json_atomically(ready_path, {"port": port, "pid": os.getpid()})

    while not stop.wait(0.25):
        if args.watch_pid:
            try:
                os.kill(args.watch_pid, 0)
            except ProcessLookupError:
                break
            except PermissionError:
                pass
    server.stop()
    try:
        os.unlink(ready_path)
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
