"""A small harness for the tests that run the built program against the loopback servers.

Each check prints `ok - name` or `not ok - name: detail` (`skip - name: why` for one that cannot run here);
`finish()` prints the closing `N passed, N failed[, N skipped]` line and exits non-zero on any failure.
Standard library only; `start_server` starts one of tests/servers/ for a test that needs its own.
"""
import json
import os
import shlex
import ssl
import subprocess
import sys
import tempfile
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "servers"))
import common  # noqa: E402  (tests/servers/common.py)

_passed = 0
_failed = 0
_skipped = 0

EXAMPLE_AK = "AKIDEXAMPLE"
EXAMPLE_SK = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


def check(name, cond, detail=""):
    global _passed, _failed
    if cond:
        _passed += 1
        print(f"ok - {name}")
    else:
        _failed += 1
        print(f"not ok - {name}: {detail}")
    sys.stdout.flush()
    return cond


def skip(name, why):
    global _skipped
    _skipped += 1
    print(f"skip - {name}: {why}")


def finish():
    print(f"{_passed} passed, {_failed} failed" + (f", {_skipped} skipped" if _skipped else ""))
    sys.exit(1 if _failed else 0)


def binary():
    return os.environ["CAT_BINARY"]


def launcher():
    """CAT_LAUNCHER's words, put before the program: an emulator such as qemu-aarch64-static or
    tests/tools/wine-run for a cross-built binary (tests/cross_e2e_test.py); empty for a native one."""
    return shlex.split(os.environ.get("CAT_LAUNCHER", ""))


def port(name):
    return os.environ[f"CAT_TEST_PORT_{name.upper()}"]


def main_url(host="127.0.0.1"):
    return f"https://{host}:{port('main')}"


def clean_env(**extra):
    """An environment with nothing of the caller's AWS, proxy or GitHub settings, and its own HOME."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "INPUT_", "GITHUB_", "ACTIONS_")) and k.lower() not in (
               "https_proxy", "http_proxy", "no_proxy")}
    home = tempfile.mkdtemp(prefix="cat-home-")
    env["HOME"] = home
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    for k, v in extra.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


def example_env(**extra):
    base = dict(AWS_ACCESS_KEY_ID=EXAMPLE_AK, AWS_SECRET_ACCESS_KEY=EXAMPLE_SK, AWS_REGION="us-west-2",
                AWS_CA_BUNDLE=os.environ["CAT_TEST_CA"], AWS_ENDPOINT_URL_CODEARTIFACT=main_url())
    base.update(extra)
    return clean_env(**base)


def home_env(config="", credentials="", files=None, **extra):
    """clean_env() for the loopback endpoint (CodeArtifact and STS) with ~/.aws/config, ~/.aws/credentials and
    FILES (path under HOME -> text) written in its HOME, and EXTRA variables."""
    env = clean_env(AWS_REGION="us-west-2", AWS_CA_BUNDLE=os.environ["CAT_TEST_CA"],
                    AWS_ENDPOINT_URL_CODEARTIFACT=main_url(), AWS_ENDPOINT_URL_STS=main_url(), **extra)
    aws = os.path.join(env["HOME"], ".aws")
    os.makedirs(aws, exist_ok=True)
    if config:
        open(os.path.join(aws, "config"), "w").write(config)
    if credentials:
        open(os.path.join(aws, "credentials"), "w").write(credentials)
    for path, text in (files or {}).items():
        full = os.path.join(env["HOME"], path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        open(full, "w").write(text)
    return env


def run(args, env, stdin=None, timeout=60):
    p = subprocess.run(launcher() + [binary()] + list(args), env=env, input=stdin, capture_output=True, text=True,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def _ssl_context():
    return ssl.create_default_context(cafile=os.environ["CAT_TEST_CA"])


def server_log(domain=None):
    url = main_url() + "/__log"
    if domain:
        url += "?domain=" + domain
    with urllib.request.urlopen(url, context=_ssl_context(), timeout=10) as r:
        return json.load(r)


def post_json(path, obj):
    req = urllib.request.Request(main_url() + path, data=json.dumps(obj).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, context=_ssl_context(), timeout=10) as r:
        return r.read()


def start_server(state, name, *args):
    """Starts tests/servers/NAME.py with ARGS in STATE (it exits with this process); its port once ready."""
    p = common.start(state, name, *args, python=os.environ.get("CAT_PYTHON"))
    try:
        return common.wait_ready(state, [p], 30)[name]["port"]
    except common.NotReady as e:
        raise SystemExit(str(e))


def unique(prefix):
    return f"{prefix}-{os.urandom(4).hex()}"
