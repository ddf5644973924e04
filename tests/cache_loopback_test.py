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

# Different credentials never share an entry.
rc, out, err = run(["--domain", d], example_env(CODEARTIFACT_TOKEN_CACHE_DIR=cache_dir, AWS_SESSION_TOKEN="x",
                                                 AWS_ACCESS_KEY_ID="AKIDEXAMPLE"))
check("same key id, same entry (identity is the key id)", rc == 0 and token_calls(d) == 1, err)

# A duration change is another entry.
rc, out, err = run(["--domain", d, "--duration-seconds", "3600"], env)
check("another duration is another entry", rc == 0 and token_calls(d) == 2, err)

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
check("--no-cache makes a request", rc == 0 and token_calls(d) == 3 and json.loads(out)["from_cache"] == "false", err)
rc, out, err = run([], env, stdin=json.dumps({"domain": d, "cache": "false"}))
check("cache=false (Terraform) makes a request", rc == 0 and token_calls(d) == 4, err)

# Unsafe permissions are refused with a clear error (exit 6).
os.chmod(cache_dir, 0o777)
rc, out, err = run(["--domain", d], env)
check("a world-writable cache dir is refused", rc == 6 and cache_dir in err and out == "", err)
os.chmod(cache_dir, 0o700)

# --debug never shows the token.
rc, out, err = run(["--domain", d, "--debug"], env)
check("debug output says cache hit without the token", rc == 0 and "hit" in err and
      json.loads(out)["authorization_token"] not in err, err)

finish()
