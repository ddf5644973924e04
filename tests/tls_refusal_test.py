"""TLS refusals end to end: the program against loopback listeners whose certificate is for another host,
from an untrusted CA, expired, self-signed, or that only speak TLS 1.0/1.1. Each must be refused at the
handshake with exit 5 and one stderr line naming the handshake and OpenSSL's verify reason, after exactly
one handshake (the server counts them: a refusal is never retried), and no option may turn verification
off. Also: a CA bundle that is missing or not PEM is a configuration error (exit 6) naming the path.

The listeners themselves are checked first with Python's ssl, so that a refusal proves our client and not
a broken fixture.

Run by CTest as: tests/tools/with-servers python3 tests/tls_refusal_test.py (CAT_BINARY set).
"""
import atexit
import json
import os
import re
import shutil
import socket
import ssl
import tempfile
import threading
import time
import urllib.request

from harness import (check, example_env, finish, main_url, port, run, server_log, unique)
from common import allow_legacy_tls  # tests/servers/common.py (harness puts it on the path)

CA = os.environ["CAT_TEST_CA"]
STATE = os.environ["CAT_TEST_STATE"]


def tls_counts():
    ctx = ssl.create_default_context(cafile=CA)
    with urllib.request.urlopen(main_url() + "/__tls", context=ctx, timeout=10) as r:
        return json.load(r)


def handshakes(listener):
    c = tls_counts().get(listener, {})
    return c.get("handshakes_ok", 0), c.get("handshakes_failed", 0)


def wait_handshakes(listener, failed_at_least, timeout=3.0):
    """The server notices a failed handshake a moment after the client has gone: wait for it."""
    deadline = time.time() + timeout
    while True:
        ok, failed = handshakes(listener)
        if failed >= failed_at_least or time.time() > deadline:
            return ok, failed
        time.sleep(0.05)


def python_handshake(listener, cafile=CA, legacy=False, host="127.0.0.1"):
    """Python's own verdict on a listener: (version, None) or (None, 'verify code/message or error')."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile)
    if legacy:
        allow_legacy_tls(ctx)
    try:
        with socket.create_connection(("127.0.0.1", int(port(listener))), timeout=10) as s:
            with ctx.wrap_socket(s, server_hostname=host) as t:
                return t.version(), None
    except ssl.SSLCertVerificationError as e:
        return None, f"{e.verify_code} {e.verify_message}"
    except (ssl.SSLError, OSError) as e:
        return None, str(e)


# --- the fixtures are what they claim ----------------------------------------------------------------
v, e = python_handshake("main")
check("fixture: main verifies against the test CA", v in ("TLSv1.2", "TLSv1.3"), e)
v, e = python_handshake("expired")
check("fixture: expired is from the test CA and expired (verify code 10)", e and e.startswith("10 "), (v, e))
v, e = python_handshake("self_signed")
check("fixture: self_signed is self-signed (verify code 18)", e and e.startswith("18 "), (v, e))
v, e = python_handshake("self_signed", cafile=os.path.join(STATE, "self-signed.pem"))
check("fixture: self_signed verifies when it is the trust anchor", v is not None, e)
v, e = python_handshake("untrusted")
check("fixture: untrusted is from another CA (verify code 20)", e and e.startswith("20 "), (v, e))
v, e = python_handshake("wrong_host")
check("fixture: wrong_host is for another name (verify code 64, IP mismatch)", e and e.startswith("64 "), (v, e))
v, e = python_handshake("tls11_only", legacy=True)
check("fixture: tls11_only completes a TLS 1.1 handshake (client at SECLEVEL=0)", v == "TLSv1.1", e)
v, e = python_handshake("tls11_only")
check("fixture: tls11_only refuses a TLS 1.2+ client", v is None, v)

# --- each refusal ------------------------------------------------------------------------------------
ENV = example_env()
ONE_LINE = re.compile(r"^codeartifact-token: GetAuthorizationToken: handshake failed: (.+) \(127\.0\.0\.1:\d+\)\n$")


def refused(name, listener, reason, *extra, host="127.0.0.1", attempts="3"):
    """Runs the program against LISTENER; the refusal must be one handshake, exit 5, one line with REASON."""
    before_ok, before_failed = handshakes(listener)
    d = unique("tls")
    rc, out, err = run(["--domain", d, "--no-cache", "--endpoint-url", f"https://{host}:{port(listener)}",
                        "--max-attempts", attempts, *extra], ENV)
    after_ok, after_failed = wait_handshakes(listener, before_failed + 1)
    check(f"{name}: exit 5, nothing on stdout", rc == 5 and out == "", (rc, out, err))
    m = ONE_LINE.match(err.replace(f"({host}:", "(127.0.0.1:"))
    check(f"{name}: one line naming the handshake", m is not None, err)
    check(f"{name}: the reason is given: {reason}", re.search(reason, err) is not None, err)
    # Not retried, so no backoff wait either (no timed assertion: the count is the proof).
    check(f"{name}: not retried (one handshake at the server, no 'after N attempts')",
          after_failed - before_failed == 1 and after_ok == before_ok and "attempts" not in err,
          (before_failed, after_failed, err))
    check(f"{name}: no request reached the API", server_log(d) == [], server_log(d))
    return err


refused("certificate for another host", "wrong_host", r"certificate verify failed: IP address mismatch")
refused("certificate for another host (by name)", "wrong_host", r"certificate verify failed: hostname mismatch",
        host="localhost")
refused("untrusted CA", "untrusted", r"certificate verify failed: unable to get local issuer certificate")
refused("expired certificate", "expired", r"certificate verify failed: certificate has expired")
refused("expired certificate, --max-attempts 5", "expired", r"certificate has expired", attempts="5")
refused("self-signed certificate", "self_signed", r"certificate verify failed: self[- ]signed certificate")
refused("TLS 1.1-only server", "tls11_only", r"protocol version|unsupported protocol")

# Trusting the self-signed certificate on purpose (--ca-bundle) is the one way to talk to it.
rc, out, err = run(["--domain", unique("tls"), "--no-cache", "--endpoint-url",
                    f"https://127.0.0.1:{port('self_signed')}", "--ca-bundle", os.path.join(STATE, "self-signed.pem")],
                   ENV)
check("self-signed certificate trusted with --ca-bundle: exit 0", rc == 0 and out.startswith("{"), err)

# Through a CONNECT proxy the handshake with the origin is refused the same way.
rc, out, err = run(["--domain", unique("tls"), "--no-cache", "--endpoint-url", f"https://127.0.0.1:{port('expired')}"],
                   example_env(HTTPS_PROXY=f"http://127.0.0.1:{os.environ['CAT_TEST_PROXY_OPEN']}"))
check("expired certificate through a CONNECT proxy: exit 5 at the handshake",
      rc == 5 and "handshake failed: certificate verify failed: certificate has expired" in err, err)

# The test CA is not trusted by default: the system store is used when no bundle is given.
rc, out, err = run(["--domain", unique("tls"), "--no-cache", "--max-attempts", "1"], example_env(AWS_CA_BUNDLE=None))
check("without a CA bundle the test CA is not trusted", rc == 5 and "unable to get local issuer certificate" in err, err)

# STS endpoints get the same verification (a role via source_profile; STS on the expired listener).
env = example_env(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None,
                  AWS_ENDPOINT_URL_STS=f"https://127.0.0.1:{port('expired')}")
os.makedirs(os.path.join(env["HOME"], ".aws"))
with open(os.path.join(env["HOME"], ".aws", "config"), "w") as f:
    f.write("[profile r]\nrole_arn = arn:aws:iam::111122223333:role/r\nsource_profile = base\n"
            "[profile base]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n")
before = handshakes("expired")[1]
rc, out, err = run(["--domain", unique("tls"), "--no-cache", "--profile", "r"], env)
after = wait_handshakes("expired", before + 1)[1]
check("STS on an expired certificate: refused once, the reason named",
      rc in (3, 5) and "handshake failed: certificate verify failed: certificate has expired" in err and
      after - before == 1 and err.count("\n") == 1, (rc, err, after - before))

# A peer that accepts and never answers the handshake is a timeout, not a refusal: that is retried.
silent = socket.socket()
silent.bind(("127.0.0.1", 0))
silent.listen(16)
accepted = []


def accept_forever():
    while True:
        c, _ = silent.accept()
        accepted.append(c)


threading.Thread(target=accept_forever, daemon=True).start()
rc, out, err = run(["--domain", unique("tls"), "--no-cache", "--connect-timeout", "1", "--endpoint-url",
                    f"https://127.0.0.1:{silent.getsockname()[1]}"], ENV)
check("silent peer at the handshake: timed out, retried (3 connections), exit 5",
      rc == 5 and "handshake timed out after 1000 ms" in err and "(after 3 attempts)" in err and len(accepted) == 3,
      (rc, err, len(accepted)))

# --- no way to turn verification off -----------------------------------------------------------------
rc, help_text, _ = run(["--help"], ENV)
check("--help: exit 0", rc == 0 and "--ca-bundle" in help_text, help_text[:200])
flags = set(re.findall(r"--[a-z][a-z0-9-]*", help_text))
suspicious = sorted(f for f in flags if re.search(r"insecure|verify|no-ssl|ssl|tls|skip|unsafe|trust-all|allow", f))
check("--help: no flag that disables verification (insecure, no-verify, ...)", suspicious == [], suspicious)
check("--help: no text offering to skip verification",
      re.search(r"insecure|no[- ]verify|skip[- ]verif|disable[sd]? (certificate|tls|ssl|verif)", help_text, re.I) is None,
      re.findall(r".*(?:insecure|verify).*", help_text, re.I))
for flag in ("--insecure", "--no-verify", "--no-verify-ssl", "--verify=false", "-k"):
    rc, out, err = run(["--domain", unique("tls"), "--no-cache", flag, "--endpoint-url",
                        f"https://127.0.0.1:{port('untrusted')}"], ENV)
    check(f"{flag} is not an option (exit 2)", rc == 2 and out == "", (rc, err))
for key, value in (("verify", "false"), ("VerifySsl", "false"), ("Insecure", "true"), ("NoVerifySsl", "true")):
    q = json.dumps({"Domain": unique("tls"), "EndpointUrl": f"https://127.0.0.1:{port('untrusted')}", key: value})
    rc, out, err = run([], ENV, stdin=q)
    check(f"Terraform input {key} is not accepted (exit 2)", rc == 2 and out == "", (rc, err))
# Variables other tools honour to weaken TLS change nothing here.
rc, out, err = run(["--domain", unique("tls"), "--no-cache", "--endpoint-url", f"https://127.0.0.1:{port('untrusted')}"],
                   example_env(AWS_CA_BUNDLE=CA, PYTHONHTTPSVERIFY="0", NODE_TLS_REJECT_UNAUTHORIZED="0",
                               GIT_SSL_NO_VERIFY="1", CURL_INSECURE="1", AWS_NO_VERIFY_SSL="true",
                               SSL_CERT_FILE=os.environ["CAT_TEST_UNTRUSTED_CA"]))
check("no environment variable turns verification off", rc == 5 and "certificate verify failed" in err, err)

# --- CA bundle problems: configuration errors naming the path ----------------------------------------
work = tempfile.mkdtemp(prefix="cat-tls-")
atexit.register(shutil.rmtree, work, True)


def bundle_error(name, path, *, flag=True):
    before = tls_counts()
    args = ["--domain", unique("tls"), "--no-cache"] + (["--ca-bundle", path] if flag else [])
    rc, out, err = run(args, example_env(AWS_CA_BUNDLE=None if flag else path))
    check(f"{name}: exit 6, one line naming the CA bundle and its path",
          rc == 6 and out == "" and "CA bundle" in err and path in err and err.count("\n") == 1, (rc, err))
    after = tls_counts()
    # Each tls_counts() is itself one good handshake on main: exactly one more, and nothing else.
    before.setdefault("main", {"handshakes_ok": 0})["handshakes_ok"] += 1
    check(f"{name}: no connection made", after == before, (before, after))
    return err


missing = os.path.join(work, "no-such-dir", "ca.pem")
bundle_error("--ca-bundle missing file", missing)
bundle_error("AWS_CA_BUNDLE missing file", missing, flag=False)
garbage = os.path.join(work, "garbage.pem")
with open(garbage, "w") as f:
    f.write("this is not a certificate\n")
err = bundle_error("--ca-bundle garbage", garbage)
check("--ca-bundle garbage: the reason is given", "no certificate" in err, err)
empty = os.path.join(work, "empty.pem")
open(empty, "w").close()
bundle_error("--ca-bundle empty file", empty)
broken = os.path.join(work, "broken.pem")
with open(broken, "w") as f:
    f.write("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
bundle_error("--ca-bundle a PEM block that is not a certificate", broken)
# The wrong CA in the bundle: a handshake refusal, not a configuration error.
rc, out, err = run(["--domain", unique("tls"), "--no-cache", "--ca-bundle", os.environ["CAT_TEST_UNTRUSTED_CA"]],
                   example_env(AWS_CA_BUNDLE=None))
check("--ca-bundle with another CA: refused at the handshake (exit 5)",
      rc == 5 and "unable to get local issuer certificate" in err, err)

finish()
