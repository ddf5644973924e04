#!/usr/bin/env python3
"""moto's server (the third-party AWS emulator) on 127.0.0.1, for the tests against a peer we did not write.

moto fakes STS (and every other service) and the instance metadata service (/latest/api/token,
/latest/meta-data/iam/security-credentials/ and the role "default-role" with AccessKeyId "test-key"). This
runs moto's own ThreadedMotoServer on an ephemeral port and writes STATE/moto_server-ready.json
{"port": N}. Needs a Python with moto installed (pip install 'moto[server]').
"""

import sys

import common


def main():
    args = common.parser(__doc__).parse_args()
    common.begin(args)
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    return common.serve(args, "moto_server", {"port": server.get_host_and_port()[1]}, on_stop=server.stop)


if __name__ == "__main__":
    sys.exit(main())
