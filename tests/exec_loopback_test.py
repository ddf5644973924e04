"""codeartifact-token exec, end to end: the real program against the loopback CodeArtifact endpoint, running
real commands (sh, python3, and npm and pip when installed) that report what they were given.

Run by CTest as: tests/tools/with-servers python3 tests/exec_loopback_test.py (CAT_BINARY set).
"""
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile

from harness import binary, check, example_env, finish, server_log, skip, unique

PY = sys.executable
cache_dir = os.path.join(tempfile.mkdtemp(prefix="cat-exec-cache-"), "cache")
env = example_env(CODEARTIFACT_TOKEN_CACHE_DIR=cache_dir)
work = tempfile.mkdtemp(prefix="cat-exec-")


def calls(domain, path):
    return len([e for e in server_log(domain) if e.get("path", "").startswith(path)])


def issued(domain):
    return [e["token_issued"] for e in server_log(domain) if e.get("token_issued")]


def cat_exec(options, command, e=None, **kw):
    return subprocess.run([binary(), "exec"] + options + ["--"] + command, env=e or env, capture_output=True,
                          text=True, timeout=120, **kw)


# What the command sees: its environment, its argv as the kernel holds it, its pid, its open descriptors and
# the signals it starts with ignored.
REPORT = r"""
import json, os, sys
fds = {}
for fd in os.listdir("/proc/self/fd"):
    try:
        fds[fd] = os.readlink("/proc/self/fd/" + fd)
    except OSError:
        pass
status = dict(l.split(":\t", 1) for l in open("/proc/self/status").read().splitlines() if ":\t" in l)
json.dump({"env": dict(os.environ), "cmdline": open("/proc/self/cmdline", "rb").read().decode(errors="replace"),
           "pid": os.getpid(), "fds": fds, "sigign": status.get("SigIgn", "").strip()}, open(sys.argv[1], "w"))
"""
report_py = os.path.join(work, "report.py")
with open(report_py, "w") as f:
    f.write(REPORT)


def report(options, e=None):
    out = os.path.join(work, unique("report") + ".json")
    p = subprocess.Popen([binary(), "exec"] + options + ["--", "sh", "-c",
                                                         'grep SigIgn /proc/$$/status > "$2.sh"; exec "$0" "$@"',
                                                         PY, report_py, out],
                         env=e or env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stdout, stderr = p.communicate(timeout=120)
    data = json.load(open(out)) if os.path.exists(out) else {}
    data["sh_sigign"] = open(out + ".sh").read().split(":", 1)[-1].strip() if os.path.exists(out + ".sh") else ""
    return p, stdout, stderr, data


# 1. The token in the environment, nothing on our stdout, the command in our place (same pid), no token in
# its argv, none of our descriptors left open, SIGPIPE at its default.
d = unique("exec")
p, out, err, seen = report(["--domain", d, "--debug"])
tokens = issued(d)
check("exec: exit 0", p.returncode == 0, err)
check("exec: one GetAuthorizationToken", len(tokens) == 1, tokens)
token = tokens[0] if tokens else "<none>"
check("exec: the command sees CODEARTIFACT_AUTH_TOKEN", seen.get("env", {}).get("CODEARTIFACT_AUTH_TOKEN") == token,
      sorted(seen.get("env", {})))
check("exec: ... and CODEARTIFACT_AUTH_TOKEN_EXPIRATION",
      seen.get("env", {}).get("CODEARTIFACT_AUTH_TOKEN_EXPIRATION", "").endswith("Z"), seen.get("env"))
check("exec: the rest of our environment passes on", seen.get("env", {}).get("HOME") == env["HOME"], seen.get("env"))
check("exec: nothing of ours on stdout", out == "", out)
check("exec: the token is not in the command's argv", token not in seen.get("cmdline", token), seen.get("cmdline"))
check("exec: the token is not on stderr (--debug)", token not in err and "token" in err, err)
check("exec: the command runs in our place (our pid)", seen.get("pid") == p.pid, (seen.get("pid"), p.pid))
leaked = {fd: t for fd, t in seen.get("fds", {}).items()
          if int(fd) > 2 and ("socket:" in t or cache_dir in t or t.endswith(".lock"))}
check("exec: no socket, cache file or lock of ours stays open in the command", not leaked and seen.get("fds"),
      seen.get("fds"))
check("exec: SIGPIPE is not ignored in the command (after --debug wrote to stderr)",
      seen.get("sh_sigign") != "" and int(seen["sh_sigign"], 16) & (1 << (signal.SIGPIPE - 1)) == 0,
      seen.get("sh_sigign"))

# 2. Served from the cache the second time; an expired entry is replaced without the user doing anything.
p, out, err, seen = report(["--domain", d])
check("exec: the second run is served from the cache",
      p.returncode == 0 and len(issued(d)) == 1 and seen.get("env", {}).get("CODEARTIFACT_AUTH_TOKEN") == token, err)
entries = [os.path.join(cache_dir, f) for f in os.listdir(cache_dir) if f.endswith(".json")]
expired = 0
for path in entries:
    entry = json.load(open(path))
    if entry.get("authorization_token") == token:
        entry["issued_at"], entry["expiration"] = 1_600_000_000, 1_600_003_600  # September 2020
        with open(path, "w") as f:
            json.dump(entry, f)
        expired += 1
check("exec: the cache entry found and made stale", expired == 1, entries)
p, out, err, seen = report(["--domain", d])
tokens = issued(d)
check("exec: a stale cached token is replaced by a new one",
      p.returncode == 0 and len(tokens) == 2 and seen.get("env", {}).get("CODEARTIFACT_AUTH_TOKEN") == tokens[-1] and
      tokens[-1] != token, (tokens, err))

# 3. Exit codes and signals pass through; errors before the command are ours.
p = cat_exec(["--domain", d], ["sh", "-c", "exit 42"])
check("exec: the exit code passes through", p.returncode == 42 and p.stdout == "" and p.stderr == "", p.stderr)
p = cat_exec(["--domain", d], ["sh", "-c", "kill -TERM $$"])
check("exec: a command ended by SIGTERM ends us by SIGTERM", p.returncode == -signal.SIGTERM, p.returncode)
p = cat_exec(["--domain", d], ["sh", "-c", "printf '%s|' \"$@\"", "sh", "two words", "$HOME", "*", "--help"])
check("exec: arguments reach the command verbatim, --help after -- included",
      p.returncode == 0 and p.stdout == "two words|$HOME|*|--help|", p.stdout + p.stderr)
p = cat_exec(["--domain", d], ["cat-no-such-command-" + unique("x")])
check("exec: a command not found exits 127 with one line",
      p.returncode == 127 and p.stderr.count("\n") == 1 and "No such file" in p.stderr and p.stdout == "", p.stderr)
plain = os.path.join(work, "not-executable")
with open(plain, "w") as f:
    f.write("echo no\n")
os.chmod(plain, 0o644)
p = cat_exec(["--domain", d], [plain])
check("exec: a command that may not run exits 126", p.returncode == 126 and "Permission denied" in p.stderr, p.stderr)
p = cat_exec(["--domain", d], [work])
check("exec: a directory exits 126", p.returncode == 126, p.stderr)
noshebang = os.path.join(work, "no-shebang")
with open(noshebang, "w") as f:
    f.write("exit 7\n")
os.chmod(noshebang, 0o755)
p = cat_exec(["--domain", d], [noshebang])
check("exec: a script without #! runs with /bin/sh (as execvp)", p.returncode == 7, p.stderr)
p = cat_exec(["--domain", "denied-" + d], ["sh", "-c", "echo ran"])
check("exec: an API error is ours (exit 4), the command does not run",
      p.returncode == 4 and p.stdout == "" and p.stderr.count("\n") == 1, p.stderr)
p = subprocess.run([binary(), "exec", "--domain", d, "sh"], env=env, capture_output=True, text=True, timeout=60)
check("exec without --: usage, exit 2", p.returncode == 2 and "after --" in p.stderr, p.stderr)
p = cat_exec(["--domain", d, "--output", "env"], ["true"])
check("exec with --output: usage, exit 2", p.returncode == 2 and "output" in p.stderr, p.stderr)

# 4. SIGINT and SIGTERM sent to us reach the command (it is us).
TRAP = ("import signal, sys\n"
        "signal.signal(signal.SIGINT, lambda *a: (print('got SIGINT', flush=True), sys.exit(3)))\n"
        "print('ready', flush=True)\n"
        "signal.pause()\n")
p = subprocess.Popen([binary(), "exec", "--domain", d, "--", PY, "-c", TRAP], env=env, stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE, text=True)
ready = p.stdout.readline()
p.send_signal(signal.SIGINT)
rest, err = p.communicate(timeout=60)
check("exec: SIGINT reaches the command, which handles it", ready == "ready\n" and rest == "got SIGINT\n" and
      p.returncode == 3, (ready, rest, err, p.returncode))

# 5. Several repositories, tools' variables: one token, one endpoint call per repository and format.
d2 = unique("multi")
p, out, err, seen = report(["--domain", d2, "--configure", "npm:npm-store", "--configure", "pip:pypi-store",
                            "--configure", "uv:pypi-store"])
e = seen.get("env", {})
check("exec --configure npm:A pip:B uv:B: exit 0", p.returncode == 0, err)
check("exec --configure: one GetAuthorizationToken", calls(d2, "/v1/authorization-token") == 1, server_log(d2))
check("exec --configure: one GetRepositoryEndpoint per repository and format",
      calls(d2, "/v1/repository/endpoint") == 2, server_log(d2))
check("exec --configure: npm's variables", e.get("NPM_CONFIG_REGISTRY", "").endswith("/npm/npm-store/"), e)
check("exec --configure: pip's variables", "/pypi/pypi-store/simple/" in e.get("PIP_INDEX_URL", "") and
      e.get("CODEARTIFACT_AUTH_TOKEN", "") and e["CODEARTIFACT_AUTH_TOKEN"] in e.get("PIP_INDEX_URL", "")
      .replace("%2F", "/").replace("%2B", "+").replace("%3D", "="), e.get("PIP_INDEX_URL"))
check("exec --configure: uv's variables", e.get("UV_INDEX_" + d2.upper().replace("-", "_") + "_PYPI_STORE_PASSWORD") ==
      e.get("CODEARTIFACT_AUTH_TOKEN"), sorted(e))
check("exec --configure: the per-repository endpoint variables",
      e.get("CODEARTIFACT_REPOSITORY_ENDPOINT_NPM_NPM_STORE", "").endswith("/npm/npm-store/") and
      e.get("CODEARTIFACT_REPOSITORY_ENDPOINT_PYPI_PYPI_STORE", "").endswith("/pypi/pypi-store/"), sorted(e))
check("exec --configure: no token in argv", e.get("CODEARTIFACT_AUTH_TOKEN", "x") not in seen.get("cmdline", ""),
      seen.get("cmdline"))

# 6. --dry-run: what would run, the token as ****; nothing runs.
marker = os.path.join(work, "ran")
p = cat_exec(["--domain", d2, "--configure", "pip:pypi-store", "--dry-run"], ["sh", "-c", f"touch {marker}"])
tok = issued(d2)[-1]
check("exec --dry-run: the command and its variables, token redacted",
      p.returncode == 0 and p.stdout.startswith("# would run: 'sh' '-c'") and "CODEARTIFACT_AUTH_TOKEN=****" in
      p.stdout and "PIP_INDEX_URL=https://aws:****@" in p.stdout and tok not in p.stdout, p.stdout + p.stderr)
check("exec --dry-run: the command does not run", not os.path.exists(marker), marker)

# 7. The same in one Terraform-style run: several repositories, per-repository keys.
p = subprocess.run([binary(), "--domain", d2, "--configure", "npm:npm-store,pip:pypi-store", "--output", "env"],
                   env=env, capture_output=True, text=True, timeout=60)
check("--output env with two repositories: each tool's variables",
      p.returncode == 0 and "export NPM_CONFIG_REGISTRY=" in p.stdout and "export PIP_INDEX_URL=" in p.stdout,
      p.stdout + p.stderr)
p = subprocess.run([binary()], env=env, input=json.dumps({"domain": d2, "configure": "npm:npm-store,pip:pypi-store"}),
                   capture_output=True, text=True, timeout=60)
check("terraform configure=npm:A,pip:B writes both tools' files",
      p.returncode == 0 and "configured npm" in p.stdout and "configured pip" in p.stdout, p.stdout + p.stderr)
p = subprocess.run([binary(), "--domain", d2, "--repository", "npm-store", "--format", "npm"], env=env,
                   capture_output=True, text=True, timeout=60)
check("one repository keeps repository_endpoint", p.returncode == 0 and
      json.loads(p.stdout).get("repository_endpoint", "").endswith("/npm/npm-store/"), p.stdout + p.stderr)

# 8. Maven: Java's user.home is the account's home, not HOME; --configure maven says which file Maven reads.
account_home = pwd.getpwuid(os.getuid()).pw_dir
p = subprocess.run([binary(), "--domain", d2, "--configure", "maven:maven-store"], env=env, capture_output=True,
                   text=True, timeout=60)
if account_home.rstrip("/") != env["HOME"].rstrip("/"):
    check("configure maven with HOME unlike the account's home: a note names the file Maven reads",
          p.returncode == 0 and f"Maven reads {account_home.rstrip('/')}/.m2/settings.xml" in p.stderr and
          os.path.exists(os.path.join(env["HOME"], ".m2/settings.xml")), p.stderr)
else:
    skip("maven user.home note", "HOME is the account's home here")

# 9. Real clients under exec read the variables (when installed).
npm = shutil.which("npm")
if npm:
    p = cat_exec(["--domain", d2, "--configure", "npm:npm-store"], [npm, "config", "get", "registry"])
    check("exec: real npm reads the registry from the environment",
          p.returncode == 0 and p.stdout.strip().endswith("/npm/npm-store/"), p.stdout + p.stderr)
else:
    skip("exec: real npm", "npm is not installed")
pip_ok = subprocess.run([PY, "-m", "pip", "--version"], capture_output=True).returncode == 0
if pip_ok:
    p = cat_exec(["--domain", d2, "--configure", "pip:pypi-store"], [PY, "-m", "pip", "config", "list"])
    tok = issued(d2)[-1] if issued(d2) else "<none>"
    check("exec: real pip reads the index URL with the token from the environment",
          p.returncode == 0 and "index-url" in p.stdout and "/pypi/pypi-store/simple/" in p.stdout, p.stdout + p.stderr)
else:
    skip("exec: real pip", "pip is not installed for " + PY)

finish()
