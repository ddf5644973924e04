"""The token cache, end to end: real processes against the loopback endpoint.

Run by CTest as: tests/tools/with-servers python3 tests/cache_loopback_test.py (CAT_BINARY set).
"""
import concurrent.futures
import json
import os
import stat
import subprocess
import tempfile

from harness import binary, check, example_env, finish, run, server_log, unique


def token_calls(domain):
    return len([e for e in server_log(domain) if e.get("path") == "/v1/authorization-token"])


cache_dir = os.path.join(tempfile.mkdtemp(prefix="cat-cache-"), "cache")
env = example_env(CODEARTIFACT_TOKEN_CACHE_DIR=cache_dir)

# 50 processes at once, same key: one API call, every process gets the same token.
d = unique("herd")
args = [binary(), "--domain", d, "--output", "json"]


def one(_):
    p = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
    results = list(pool.map(one, range(50)))
codes = [r[0] for r in results]
tokens = {json.loads(r[1])["authorization_token"] for r in results if r[0] == 0}
check("50 concurrent processes all succeed", codes == [0] * 50, [r[2] for r in results if r[0]][:3])
check("50 concurrent processes make exactly one request", token_calls(d) == 1, token_calls(d))
check("... and all get the same token", len(tokens) == 1, len(tokens))
check("49 of them report from_cache", sum(json.loads(r[1])["from_cache"] == "true" for r in results if r[0] == 0) == 49,
      [json.loads(r[1])["from_cache"] for r in results if r[0] == 0].count("true"))

# A second run makes no request.
rc, out, err = run(["--domain", d], env)
check("second run served from the cache", rc == 0 and json.loads(out)["from_cache"] == "true" and token_calls(d) == 1, err)

# Terraform's output keeps its shape (no from_cache key).
rc, out, err = run([], env, stdin=json.dumps({"domain": d}))
check("terraform output unchanged by the cache", rc == 0 and "from_cache" not in json.loads(out) and token_calls(d) == 1, out)

# Files: directory 0700, entries 0600, names reveal nothing.
mode = stat.S_IMODE(os.stat(cache_dir).st_mode)
entries = [f for f in os.listdir(cache_dir) if f.endswith(".json")]
check("cache dir is 0700", mode == 0o700, oct(mode))
check("entries are 0600", entries and all(stat.S_IMODE(os.stat(os.path.join(cache_dir, f)).st_mode) == 0o600
                                          for f in entries), entries)
check("file names reveal nothing", all(d not in f and "AKID" not in f for f in os.listdir(cache_dir)), os.listdir(cache_dir))

# Different credentials never share an entry: the key holds a digest of the key id, secret and session token.
rc, out, err = run(["--domain", d], example_env(CODEARTIFACT_TOKEN_CACHE_DIR=cache_dir, AWS_SESSION_TOKEN="x",
                                                 AWS_ACCESS_KEY_ID="AKIDEXAMPLE"))
check("same key id with a session token, another entry", rc == 0 and token_calls(d) == 2, err)
rc, out, err = run(["--domain", d], example_env(CODEARTIFACT_TOKEN_CACHE_DIR=cache_dir,
                                                 AWS_SECRET_ACCESS_KEY="wrong/secret/for/the/same/key/id"))
check("same key id with a wrong secret: a miss, not the cached token", token_calls(d) == 3, err)

# A duration change is another entry.
rc, out, err = run(["--domain", d, "--duration-seconds", "3600"], env)
check("another duration is another entry", rc == 0 and token_calls(d) == 4, err)

# An entry within the refresh margin is refreshed: a 900 s token with a margin of 1000 s.
d2 = unique("margin")
run(["--domain", d2, "--duration-seconds", "900"], env)
rc, out, err = run(["--domain", d2, "--duration-seconds", "900", "--refresh-margin", "1000"], env)
check("an expiring entry is refreshed", rc == 0 and token_calls(d2) == 2 and json.loads(out)["from_cache"] == "false", err)
rc, out, err = run(["--domain", d2, "--duration-seconds", "900"], env)
check("... and the fresh one is served", rc == 0 and token_calls(d2) == 2, err)

# A corrupt entry is ignored and replaced.
before = set(os.listdir(cache_dir))
d3 = unique("corrupt")
run(["--domain", d3], env)
new = [f for f in set(os.listdir(cache_dir)) - before if f.endswith(".json")]
for f in new:
    with open(os.path.join(cache_dir, f), "w") as fh:
        fh.write('{"format":"codeartifact-token-cache/1","authorization_token":')
rc, out, err = run(["--domain", d3, "--debug"], env)
check("a corrupt entry is ignored and replaced", rc == 0 and token_calls(d3) == 2 and "ignored" in err, err)
rc, out, err = run(["--domain", d3], env)
check("... by a good one", rc == 0 and token_calls(d3) == 2, err)

# --no-cache and cache=false neither read nor write.
rc, out, err = run(["--domain", d, "--no-cache"], env)
check("--no-cache makes a request", rc == 0 and token_calls(d) == 5 and json.loads(out)["from_cache"] == "false", err)
rc, out, err = run([], env, stdin=json.dumps({"domain": d, "cache": "false"}))
check("cache=false (Terraform) makes a request", rc == 0 and token_calls(d) == 6, err)

# Unsafe permissions: the directory is never used, one warning line, the token all the same; a
# --cache-dir the user named must work (exit 6).
os.chmod(cache_dir, 0o777)
before = token_calls(d)
rc, out, err = run(["--domain", d], env)
check("a world-writable cache dir is not used: one warning, token fetched",
      rc == 0 and cache_dir in err and "warning" in err and err.count("\n") == 1 and token_calls(d) == before + 1,
      err)
rc, out, err = run(["--domain", d, "--cache-dir", cache_dir], env)
check("a world-writable --cache-dir is refused", rc == 6 and cache_dir in err and out == "", err)
os.chmod(cache_dir, 0o700)

# Issue 12 item 5: a HOME that cannot hold the cache (absent, read-only, "/" for a container user)
# degrades to an uncached fetch. As root (which can write anywhere) the runs drop to uid 65534.
as_nobody = ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"] if os.getuid() == 0 else []
ca_copy = os.path.join(tempfile.mkdtemp(prefix="cat-ca-"), "ca.pem")  # readable by uid 65534 too
with open(os.environ["CAT_TEST_CA"]) as src, open(ca_copy, "w") as dst:
    dst.write(src.read())
os.chmod(os.path.dirname(ca_copy), 0o755)
os.chmod(ca_copy, 0o644)
ro = tempfile.mkdtemp(prefix="cat-ro-home-")
os.chmod(ro, 0o555)
for home in ["/nonexistent", "/", ro]:
    e = example_env(HOME=home, AWS_CA_BUNDLE=ca_copy)
    e.pop("CODEARTIFACT_TOKEN_CACHE_DIR", None)
    e.pop("XDG_CACHE_HOME", None)
    for debug in [[], ["--debug"]]:
        before = token_calls(d)
        p = subprocess.run(as_nobody + [binary(), "--domain", d] + debug, env=e, capture_output=True, text=True,
                           timeout=60)
        if debug:
            check(f"HOME={home}: --debug says the cache is not used",
                  p.returncode == 0 and "fetching without the cache" in p.stderr, p.stderr)
        else:
            check(f"HOME={home} unusable for the cache: token fetched, nothing on stderr",
                  p.returncode == 0 and p.stderr == "" and token_calls(d) == before + 1, p.stderr)

# Issue 12 item 3: stdout that cannot be written fails the run, and in GitHub mode the files get nothing.
gh = tempfile.mkdtemp(prefix="cat-gh-")
gh_env = example_env(CODEARTIFACT_TOKEN_CACHE_DIR=cache_dir, GITHUB_OUTPUT=os.path.join(gh, "output"),
                     GITHUB_ENV=os.path.join(gh, "env"))
for mode in ["text", "json", "env", "github"]:
    with open("/dev/full", "w") as full:
        p = subprocess.run([binary(), "--domain", d, "--output", mode], env=gh_env, stdout=full, stderr=subprocess.PIPE,
                           text=True, timeout=60)
    check(f"--output {mode} >/dev/full: exit 1, one line", p.returncode == 1 and p.stderr.count("\n") == 1, p.stderr)
    p = subprocess.run([binary(), "--domain", d, "--output", mode], env=gh_env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True, timeout=60, pass_fds=(), close_fds=True,
                       preexec_fn=lambda: os.close(1))
    check(f"--output {mode} >&-: exit 1, one line", p.returncode == 1 and p.stderr.count("\n") == 1, p.stderr)
with open("/dev/full", "w") as full:
    p = subprocess.run([binary()], env=gh_env, input=json.dumps({"domain": d}), stdout=full, stderr=subprocess.PIPE,
                       text=True, timeout=60)
check("terraform >/dev/full: exit 1", p.returncode == 1 and p.stderr.count("\n") == 1, p.stderr)
check("GitHub files untouched when stdout failed", not os.path.exists(os.path.join(gh, "output")) and
      not os.path.exists(os.path.join(gh, "env")), os.listdir(gh))

finish()
