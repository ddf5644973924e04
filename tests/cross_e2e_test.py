"""The cross-built program end to end over real sockets: the linux-arm64 binary under qemu-aarch64-static,
the windows-x64 .exe under wine64. One run of each main flow, against the loopback CodeArtifact endpoint
(HTTPS with the test CA, every signature checked by botocore):

  a token (JSON), the Terraform protocol (JSON on stdin), GitHub mode (GITHUB_OUTPUT / GITHUB_ENV files),
  the cache with two concurrent runs (one request), credential_process (no shell), --configure npm, and
  the no-credentials error (exit 3, nothing on stdout).

    CAT_BINARY=build/linux-arm64/plugin/codeartifact-token CAT_LAUNCHER=qemu-aarch64-static \\
      tests/tools/with-servers python3 tests/cross_e2e_test.py
    CAT_BINARY=build/windows-x64/plugin/codeartifact-token.exe CAT_LAUNCHER=tests/tools/wine-run \\
      tests/tools/with-servers python3 tests/cross_e2e_test.py

A binary whose name ends in .exe is a Windows one: every path it is given (CA bundle, config, cache,
GitHub files, USERPROFILE) is written as Z:\\... (wine's drive for /), paths it prints are mapped back, and
CRLF line ends in what it prints are accepted where Windows tools would write them.
"""
import json
import os
import subprocess
import tempfile

from harness import (EXAMPLE_AK, EXAMPLE_SK, binary, check, clean_env, finish, launcher, main_url, read_runner_file,
                     server_log, unique)

WINDOWS = binary().lower().endswith(".exe")


def native(path):
    """PATH as the program sees it: Z:\\... under wine (Z: is /), unchanged on Linux."""
    return "Z:" + path.replace("/", "\\") if WINDOWS else path


def host(path):
    """A path the program printed, as this script opens it."""
    if WINDOWS and path[1:3] in (":\\", ":/"):
        if path[0].upper() != "Z":
            raise ValueError(f"not on wine's Z: drive: {path}")
        return path[2:].replace("\\", "/")
    return path


def target_env(**extra):
    """clean_env() for the loopback endpoint, with a home of its own (HOME, and USERPROFILE on Windows)."""
    env = clean_env(AWS_REGION="us-west-2", AWS_CA_BUNDLE=native(os.environ["CAT_TEST_CA"]),
                    AWS_ENDPOINT_URL_CODEARTIFACT=main_url(), **extra)
    env["CODEARTIFACT_TOKEN_CACHE_DIR"] = native(os.path.join(env["HOME"], "cache"))
    if WINDOWS:
        env["USERPROFILE"] = native(env["HOME"])
    return env


def keys_env(**extra):
    return target_env(AWS_ACCESS_KEY_ID=EXAMPLE_AK, AWS_SECRET_ACCESS_KEY=EXAMPLE_SK, **extra)


def text(data):
    """Bytes the program wrote, as text; CRLF is accepted from a Windows binary (and counted)."""
    s = data.decode("utf-8", "replace")
    return s.replace("\r\n", "\n") if WINDOWS else s


def start(args, env, stdin=None):
    return subprocess.Popen(launcher() + [binary()] + list(args), env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE), stdin


def wait(started, timeout=300):
    p, stdin = started
    out, err = p.communicate(stdin.encode() if stdin is not None else None, timeout=timeout)
    return p.returncode, text(out), text(err)


def run(args, env, stdin=None):
    return wait(start(args, env, stdin))


def issued(domain):
    return [e.get("token_issued") for e in server_log(domain) if e.get("path") == "/v1/authorization-token"]


def signed_ok(domain):
    log = [e for e in server_log(domain) if e.get("path") == "/v1/authorization-token"]
    return len(log) == 1 and bool(log[0].get("signature_ok")), log


# --- a token, JSON output ----------------------------------------------------------------------------
d = unique("cross")
rc, out, err = run(["--domain", d, "--domain-owner", "111122223333", "--output", "json"], keys_env())
doc = json.loads(out) if rc == 0 else {}
ok, log = signed_ok(d)
check("token: exit 0", rc == 0, err)
check("token: one request, signature checked by botocore", ok, log)
check("token: the token the endpoint issued", doc.get("authorization_token") in issued(d) and
      doc.get("from_cache") == "false", doc)
check("token: nothing on stderr", err == "", err)

# --- the Terraform external protocol -----------------------------------------------------------------
d = unique("cross-tf")
query = json.dumps({"Domain": d, "DomainOwner": "111122223333", "Region": "us-west-2"})
rc, out, err = run([], keys_env(), stdin=query)
doc = json.loads(out) if rc == 0 else {}
check("terraform: a flat object of strings with the issued token",
      rc == 0 and all(isinstance(v, str) for v in doc.values()) and doc.get("authorization_token") in issued(d),
      (out, err))

# --- GitHub mode: the runner's files ------------------------------------------------------------------
work = tempfile.mkdtemp(prefix="cat-cross-gh-")
out_file, env_file = os.path.join(work, "output"), os.path.join(work, "env")
for f in (out_file, env_file):
    open(f, "w").close()
d = unique("cross-gh")
env = keys_env(GITHUB_ACTIONS="true", GITHUB_OUTPUT=native(out_file), GITHUB_ENV=native(env_file),
               INPUT_DOMAIN=d)
rc, out, err = run(["--output", "github"], env)


outputs, exported = read_runner_file(out_file), read_runner_file(env_file)
token = outputs.get("authorization-token", "")
check("github: exit 0, outputs written", rc == 0 and token in issued(d) and "expiration" in outputs,
      (rc, err, outputs))
check("github: the token masked first, then nowhere else", out.split("\n")[0] == "::add-mask::" + token and
      out.count(token) == 1 and token not in err, out)
check("github: CODEARTIFACT_AUTH_TOKEN exported", exported.get("CODEARTIFACT_AUTH_TOKEN") == token, exported)

# --- the cache: two runs at once make one request -----------------------------------------------------
d = unique("cross-cache")
env = keys_env()
runs = [start(["--domain", d, "--output", "json"], env) for _ in range(2)]
results = [wait(r) for r in runs]
docs = [json.loads(r[1]) for r in results if r[0] == 0]
check("cache: both concurrent runs succeed", [r[0] for r in results] == [0, 0], [r[2] for r in results])
check("cache: one request, one token for both", len(issued(d)) == 1 and
      len({x["authorization_token"] for x in docs}) == 1, (issued(d), docs))
check("cache: one of them from the cache", sorted(x["from_cache"] for x in docs) == ["false", "true"], docs)
cache_dir = host(env["CODEARTIFACT_TOKEN_CACHE_DIR"])
rc, out, err = run(["--domain", d, "--output", "json"], env)
check("cache: a third run reads it", rc == 0 and json.loads(out)["from_cache"] == "true" and
      len(issued(d)) == 1 and os.listdir(cache_dir), (out, err))

# --- credential_process: a plain program, started without a shell -------------------------------------
# On Windows in a folder with a space, so that the command line needs quotes.
creds = os.path.join(tempfile.mkdtemp(prefix="cat cross proc-" if WINDOWS else "cat-cross-proc-"), "creds.json")
with open(creds, "w") as f:
    json.dump({"Version": 1, "AccessKeyId": EXAMPLE_AK, "SecretAccessKey": EXAMPLE_SK}, f)
if WINDOWS:
    # A program of our own (tests/win_child.cpp) by its Windows path, backslashes and all: split as botocore
    # splits there, started without cmd.exe.
    helper = f'{native(os.environ["CAT_WIN_CHILD"])} cat "{native(creds)}"'
else:
    helper = f"/bin/cat {creds}"
config = os.path.join(os.path.dirname(creds), "config")
with open(config, "w") as f:
    f.write(f"[profile proc]\ncredential_process = {helper}\n")
d = unique("cross-proc")
rc, out, err = run(["--domain", d, "--profile", "proc", "--output", "json"],
                   target_env(AWS_CONFIG_FILE=native(config)))
ok, log = signed_ok(d)
check("credential_process: exit 0, request signed with its keys", rc == 0 and ok and
      log[0].get("access_key") == EXAMPLE_AK, (err, log))
check("credential_process: no secret on stderr", EXAMPLE_SK not in err, err)

# --- --configure npm -----------------------------------------------------------------------------------
d = unique("cross-npm")
env = keys_env()
# wine sets USERPROFILE itself (its prefix's C:\users\<name>), whatever the environment says: the file is
# named on Windows, and the default (%USERPROFILE%\.npmrc) is checked in tests/core_platform_test.cpp.
npm_args = ["--config-file", native(os.path.join(env["HOME"], ".npmrc"))] if WINDOWS else []
rc, out, err = run(["--domain", d, "--repository", "npm-store", "--configure", "npm"] + npm_args, env)
path = out.split("configured npm: ", 1)[1].split()[0] if "configured npm: " in out else ""
body = open(host(path), newline="").read() if path and os.path.exists(host(path)) else ""
check("configure npm: exit 0, the file it names", rc == 0 and body != "", (out, err))
check("configure npm: registry and token for the repository",
      "/npm/npm-store/" in body and "_authToken=" in body and any(t and t in body for t in issued(d)), body)
check("configure npm: in the home given", host(path).startswith(env["HOME"]), path)
if not WINDOWS:
    check("configure npm: file is 0600", os.stat(path).st_mode & 0o777 == 0o600, oct(os.stat(path).st_mode))

# --- no credentials: exit 3, nothing on stdout ---------------------------------------------------------
rc, out, err = run(["--domain", unique("cross-none")], target_env())
check("no credentials: exit 3, nothing on stdout, stderr names credentials", rc == 3 and out == "" and
      err.count("\n") >= 1 and "credential" in err.lower(), (rc, out, err))

# --- Windows: through HTTPS_PROXY, and trusting the Windows certificate store ----------------------------
if WINDOWS:
    def proxy_log():
        try:
            with open(os.path.join(os.environ["CAT_TEST_STATE"], "proxy.log")) as f:
                return [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []

    before = len(proxy_log())
    d = unique("cross-proxy")
    rc, out, err = run(["--domain", d, "--output", "json"],
                       keys_env(HTTPS_PROXY=f"http://127.0.0.1:{os.environ['CAT_TEST_PROXY_OPEN']}"))
    check("HTTPS_PROXY: a token through the CONNECT proxy", rc == 0 and len(issued(d)) == 1 and
          len(proxy_log()) == before + 1, (err, proxy_log()[before:]))

    # No CA bundle: the Windows ROOT store decides. The test CA is not in it, then it is (added to the
    # current user's ROOT store in wine's registry by win_child add-root), then it is taken out again.
    import ssl
    der = os.path.join(tempfile.mkdtemp(prefix="cat-cross-store-"), "ca.der")
    with open(der, "wb") as f:
        f.write(ssl.PEM_cert_to_DER_cert(open(os.environ["CAT_TEST_CA"]).read()))
    store_env = keys_env()
    del store_env["AWS_CA_BUNDLE"]
    rc, out, err = run(["--domain", unique("cross-store-no"), "--output", "json"], store_env)
    check("Windows store: the test CA is not trusted before it is installed", rc == 5 and out == "" and
          "certificate verify failed" in err, (rc, err))
    child = launcher() + [os.environ["CAT_WIN_CHILD"]]
    added = subprocess.run(child + ["add-root", native(der)], capture_output=True)
    try:
        check("Windows store: the test CA installed into wine's ROOT store", added.returncode == 0, added)
        d = unique("cross-store")
        rc, out, err = run(["--domain", d, "--output", "json"], store_env)
        check("Windows store: a token with the CA from the ROOT store (no bundle)", rc == 0 and
              json.loads(out).get("authorization_token") in issued(d), (rc, err))
    finally:
        removed = subprocess.run(child + ["remove-root", native(der)], capture_output=True)
        check("Windows store: the test CA removed again", removed.returncode == 0, removed)

finish()
