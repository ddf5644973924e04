"""--configure TOOL end to end: the token and repository endpoint from the loopback endpoint, then the
tool's own configuration written (or printed), read back by the tool itself where it is installed.

Run by CTest as: tests/tools/with-servers python3 tests/configure_loopback_test.py (CAT_BINARY set).
"""
import json
import os
import shutil
import stat
import subprocess

from harness import check, example_env, finish, run, server_log, unique

env = example_env()
home = env["HOME"]
d = unique("conf")

# Unknown tool: a usage error before any network call.
rc, out, err = run(["--domain", d, "--repository", "npm-store", "--configure", "rpm"], env)
check("unknown tool: exit 2, nothing sent", rc == 2 and server_log(d) == [] and "npm" in err, err)
rc, out, err = run(["--domain", d, "--configure", "npm"], env)
check("configure without repository: exit 2", rc == 2 and "repository" in err, err)

# Dry run: the exact configuration, token redacted; nothing written.
rc, out, err = run(["--domain", d, "--repository", "npm-store", "--configure", "npm", "--dry-run"], env)
token = [e["token_issued"] for e in server_log(d) if e.get("token_issued")]
check("dry run prints the configuration", rc == 0 and "registry=https://" in out and "/npm/npm-store/" in out, out)
check("dry run redacts the token", token and token[-1] not in out and "****" in out, out)
check("dry run writes nothing", not os.path.exists(os.path.join(home, ".npmrc")), os.listdir(home))
rc, out, err = run(["--domain", d, "--repository", "npm-store", "--configure", "npm", "--dry-run", "--show-token"], env)
check("--show-token shows it", rc == 0 and "_authToken=eyJ" in out, out)

# Write, keeping foreign entries.
npmrc = os.path.join(home, ".npmrc")
with open(npmrc, "w") as f:
    f.write("# mine\nfund=false\n")
rc, out, err = run(["--domain", d, "--repository", "npm-store", "--configure", "npm"], env)
text = open(npmrc).read()
check("npm: configured", rc == 0 and out.startswith("configured npm: " + npmrc), (out, err))
check("npm: foreign entries kept", text.startswith("# mine\nfund=false\n") and "_authToken=" in text, text)
check("npm: file is 0600", stat.S_IMODE(os.stat(npmrc).st_mode) == 0o600, oct(os.stat(npmrc).st_mode))
rc, out, err = run(["--domain", d, "--repository", "npm-store", "--configure", "npm"], env)
check("npm: a second run (token from the cache) changes nothing", rc == 0 and out.startswith("unchanged") and
      open(npmrc).read() == text, out)
if shutil.which("npm"):
    reg = subprocess.run(["npm", "config", "get", "registry"], capture_output=True, text=True, env=env)
    check("npm reads back the registry", reg.stdout.strip().endswith("/npm/npm-store/"), reg.stdout + reg.stderr)

# pip, read back by pip.
pip = shutil.which("pip") or shutil.which("pip3")
rc, out, err = run(["--domain", d, "--repository", "pypi-store", "--configure", "pip"], env)
check("pip: configured", rc == 0 and "configured pip" in out, (out, err))
if pip:
    listed = subprocess.run([pip, "config", "list"], capture_output=True, text=True, env=env).stdout
    check("pip reads back index-url with aws:TOKEN@", "index-url='https://aws:eyJ" in listed and "/pypi/pypi-store/simple/" in listed, listed)

# --output env: export lines instead of files.
rc, out, err = run(["--domain", d, "--repository", "crates", "--configure", "cargo", "--output", "env"], env)
check("cargo --output env: export lines", rc == 0 and "export CARGO_REGISTRIES_" in out and "_TOKEN='Bearer eyJ" in out, out)
check("cargo --output env: no files", not os.path.exists(os.path.join(home, ".cargo")), os.listdir(home))

finish()
