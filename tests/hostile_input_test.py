"""Hostile input through the real binary (issue 12, items 2, 8, 9 and 10): deep JSON from every source,
control characters and huge values in what errors quote, inputs without end (a device, a FIFO), and an
authorization token with control characters. None may crash the program, hang it, or reach the terminal
raw: each gives its documented exit code and one printable line of bounded length on stderr.

Run by CTest as: tests/tools/with-servers python3 tests/hostile_input_test.py (CAT_BINARY set).
"""
import hashlib
import json
import os
import subprocess
import tempfile
import time

from harness import (EXAMPLE_AK, EXAMPLE_SK, binary, check, example_env, finish, home_env, run, start_server,
                     unique)

STATE = tempfile.mkdtemp(prefix="cat-hostile-")
DEEP = "[" * 200_000


def run_bytes(args, env, stdin=subprocess.DEVNULL, timeout=20):
    """The program with STDIN (bytes or a file); (rc, stdout, stderr) as bytes. A hang fails the test."""
    data = stdin if isinstance(stdin, bytes) else None
    p = subprocess.run([binary()] + list(args), env=env, input=data,
                       stdin=None if data is not None else stdin, capture_output=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def one_printable_line(err, limit=1200):
    """stderr is one line of printable ASCII or UTF-8 text, at most LIMIT bytes."""
    if isinstance(err, str):
        err = err.encode()
    if not err.endswith(b"\n") or err.count(b"\n") != 1 or len(err) > limit:
        return False
    text = err[:-1].decode("utf-8", errors="strict")
    return all(c.isprintable() for c in text)


# --- item 2: deep JSON ----------------------------------------------------------------------------------
rc, out, err = run([], example_env(), stdin="[" * 80_000)
check("deep Terraform stdin: usage error (exit 2), one line", rc == 2 and one_printable_line(err)
      and "nested" in err, (rc, err[:300]))

rc, out, err = run(["--domain", unique("deepjson")], example_env())
check("deep CodeArtifact response: unreadable response (exit 5), one line",
      rc == 5 and "unreadable response" in err and one_printable_line(err), (rc, err[:300]))

rc, out, err = run(["--domain", unique("deeperror")], example_env())
check("deep CodeArtifact error body: an API error (exit 4), one line", rc == 4 and one_printable_line(err),
      (rc, err[:300]))

meta = f"http://127.0.0.1:{start_server(STATE, 'metadata_server')}"
env = home_env(AWS_CONTAINER_CREDENTIALS_FULL_URI=f"{meta}/deep/container/creds",
               AWS_CONTAINER_AUTHORIZATION_TOKEN="container-test-token")
rc, out, err = run(["--domain", unique("chain"), "--no-cache"], env)
check("deep container credentials response: credentials error (exit 3), one line",
      rc == 3 and one_printable_line(err), (rc, err[:300]))

deep_file = os.path.join(STATE, "deep.json")
open(deep_file, "w").write(DEEP)
env = home_env(config=f"[default]\ncredential_process = cat {deep_file}\n")
rc, out, err = run(["--domain", unique("chain"), "--no-cache"], env)
check("deep credential_process output: credentials error (exit 3)", rc == 3 and "not a JSON object" in err,
      (rc, err[:300]))

sso_config = ("[default]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = R\n"
              "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n")
env = home_env(config=sso_config, files={f".aws/sso/cache/{hashlib.sha1(b'corp').hexdigest()}.json": DEEP})
rc, out, err = run(["--domain", unique("chain"), "--no-cache"], env)
check("deep SSO cache file: credentials error (exit 3), one line", rc == 3 and one_printable_line(err),
      (rc, err[:300]))

# A source_profile chain 5,000 deep: bounded, not a stack overflow.
chain = "".join(f"[profile p{i}]\nrole_arn = arn:aws:iam::111122223333:role/r\nsource_profile = p{i + 1}\n"
                for i in range(5000))
env = home_env(config=chain + f"[profile p5000]\naws_access_key_id = {EXAMPLE_AK}\n"
                              f"aws_secret_access_key = {EXAMPLE_SK}\n")
rc, out, err = run(["--domain", unique("chain"), "--no-cache", "--profile", "p0"], env)
check("source_profile chain 5,000 deep: credentials error (exit 3), one line",
      rc == 3 and "source_profile chain is longer than 64" in err and one_printable_line(err), (rc, err[:300]))

# --- item 8: what errors quote is printable and bounded -------------------------------------------------
rc, out, err = run_bytes(["--domain", "bad\x1b[31mred\x07bell"], example_env())
check("ESC and BEL in a flag value are escaped", rc == 2 and b"\x1b" not in err and b"\x07" not in err
      and b"\\x1b" in err and one_printable_line(err), err[:300])

rc, out, err = run_bytes([], example_env(), stdin=json.dumps({"domain": "a\x00b\x1bc\u0085d"}).encode())
check("NUL, ESC and a C1 control in a Terraform value are escaped", rc == 2 and b"\x00" not in err
      and b"\x1b" not in err and b"\xc2\x85" not in err and one_printable_line(err), err[:300])

rc, out, err = run_bytes([], example_env(), stdin=json.dumps({"domain": "x" * 1_000_000}).encode())
check("a 1 MB value: exit 2, one line of bounded length", rc == 2 and one_printable_line(err), (rc, len(err)))

rc, out, err = run_bytes(["--domain", "y" * 120_000], example_env())
check("a 120 KB flag value: exit 2, one line of bounded length", rc == 2 and one_printable_line(err),
      (rc, len(err)))

# --- item 9: inputs without end -------------------------------------------------------------------------
t0 = time.time()
with open("/dev/zero", "rb") as zero:
    rc, out, err = run_bytes([], example_env(), stdin=zero)
check("/dev/zero on the Terraform stdin: exit 2 at once, one line",
      rc == 2 and time.time() - t0 < 10 and one_printable_line(err), (rc, err[:300]))

rc, out, err = run_bytes([], example_env(), stdin=b'{"domain":"' + unique("tf").encode() + b'"}\x00{"x":1}')
check("data after a NUL on the Terraform stdin is an error", rc == 2 and b"NUL" in err, (rc, err[:300]))

rc, out, err = run_bytes(["--domain", unique("cfg")], home_env(AWS_CONFIG_FILE="/dev/zero"), timeout=15)
check("AWS_CONFIG_FILE=/dev/zero: an error, no hang", rc != 0 and one_printable_line(err), (rc, err[:300]))

fifo = os.path.join(STATE, "fifo")
os.mkfifo(fifo)
rc, out, err = run_bytes(["--domain", unique("cfg")], home_env(AWS_CONFIG_FILE=fifo), timeout=15)
check("AWS_CONFIG_FILE a FIFO: an error, no hang", rc != 0 and one_printable_line(err), (rc, err[:300]))

env = home_env(AWS_WEB_IDENTITY_TOKEN_FILE=fifo, AWS_ROLE_ARN="arn:aws:iam::111122223333:role/r")
rc, out, err = run_bytes(["--domain", unique("wif"), "--no-cache"], env, timeout=15)
check("a web identity token file that is a FIFO: credentials error (exit 3), no hang",
      rc == 3 and one_printable_line(err), (rc, err[:300]))

# --- item 10: a token with control characters is never printed ------------------------------------------
for fault in ("ctltoken", "niltoken"):
    for mode in ("text", "env", "json"):
        rc, out, err = run_bytes(["--domain", unique(fault), "--output", mode, "--no-cache"], example_env())
        check(f"{fault} in {mode} mode: unreadable response (exit 5), nothing printed",
              rc == 5 and out == b"" and b"INJECTED" not in err and b"unreadable response" in err
              and one_printable_line(err), (rc, out[:100], err[:300]))

finish()
