"""The GitHub Action (action.yml, action/*.js) as the runner runs it, against loopback servers.

A loopback HTTPS release server stands in for GitHub's download URL (CODEARTIFACT_TOKEN_RELEASE_URL): it
answers /releases/download/v<version>/<file> with a redirect, as GitHub does, to /objects/..., which
serves a release folder laid out as scripts/release writes dist/ (codeartifact-token-<version>-<platform>
[.exe] and SHA256SUMS), here made of the dev binary. `node action/main.js` and `node action/post.js` run
with the environment the runner gives a node20 action (RUNNER_*, GITHUB_OUTPUT/ENV/STATE/PATH, every
declared input as INPUT_* with its default, STATE_* in the post step), against the loopback CodeArtifact
endpoint; node trusts the test CA through NODE_EXTRA_CA_CERTS, as self-hosted runners do for theirs.
"""
import hashlib
import http.server
import json
import os
import platform
import re
import shutil
import ssl
import subprocess
import tempfile
import threading

import yaml

from harness import check, example_env, finish, read_runner_file, server_log, skip, unique

# LeakSanitizer cannot run under ptrace (the strace below) nor without /proc (the container's chroot): in
# the ASan+UBSan run, the other tests check leaks.
os.environ["ASAN_OPTIONS"] = (os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0").lstrip(":")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.environ["CAT_BINARY"]
NODE = shutil.which("node")
ACTION = yaml.safe_load(open(os.path.join(ROOT, "action.yml")))
CONTAINER = yaml.safe_load(open(os.path.join(ROOT, "container", "action.yml")))
VERSION = re.search(r"project\(\s*codeartifact-token\s+VERSION\s+(\S+)", open(os.path.join(ROOT, "CMakeLists.txt")).read()).group(1)
ARCH = {"x86_64": "X64", "aarch64": "ARM64"}.get(platform.machine(), platform.machine())
PLATFORM = {"X64": "linux-x86_64", "ARM64": "linux-arm64"}.get(ARCH, "")
ACTION_ONLY = {"version", "binary-path"}  # inputs the JS reads itself


# --- what the action declares ---------------------------------------------------------------------------
def binary_inputs():
    """The parameters the binary takes from INPUT_* in GitHub mode (protocol/params.cpp, not cli_only), as
    the action names them, plus the action-only booleans of protocol/github.cpp."""
    text = open(os.path.join(ROOT, "protocol", "params.cpp")).read()
    names = set()
    for entry in re.findall(r"\{\.name = \"(\w+)\"(.*?)\.help", text, re.S):
        if ".cli_only = true" not in entry[1]:
            names.add(entry[0].replace("_", "-"))
    names |= set(re.findall(r'name == "([a-z-]+)"', open(os.path.join(ROOT, "protocol", "github.cpp")).read()))
    return names


accepted = binary_inputs()
declared = set(ACTION["inputs"])
# role-arn is declared under its conventional name; select has no effect on the step's outputs; mask is
# dropped: the action always masks (action/lib.js keeps a mask input from the binary).
expected = (accepted - {"role-arn", "select", "mask"}) | {"role-to-assume"}
check("action.yml declares every input the binary takes in GitHub mode", expected <= declared,
      sorted(expected - declared))
check("action.yml declares nothing the binary or the action does not read",
      declared - ACTION_ONLY <= accepted | {"role-to-assume"}, sorted(declared - ACTION_ONLY - accepted))
check("every input has a description and a default or required: true",
      all(s.get("description") and ("default" in s or s.get("required")) for s in ACTION["inputs"].values()),
      [n for n, s in ACTION["inputs"].items() if not s.get("description")])
check("action.yml: a node20 action with a post step",
      ACTION["runs"] == {"using": "node20", "main": "action/main.js", "post": "action/post.js"}, ACTION["runs"])
check("container/action.yml: the same inputs less the action's own, the Dockerfile, GitHub mode",
      set(CONTAINER["inputs"]) == declared - ACTION_ONLY and CONTAINER["runs"]["image"] == "../Dockerfile" and
      CONTAINER["runs"]["args"] == ["--output", "github"] and os.path.exists(os.path.join(ROOT, "Dockerfile")),
      CONTAINER["runs"])
check("action/ uses Node built-ins only", not [f for f in os.listdir(os.path.join(ROOT, "action")) if
      re.search(r"require\(\"(?!\./)(?!(crypto|fs|http|https|net|os|path|tls|child_process)\")",
                open(os.path.join(ROOT, "action", f)).read())], os.listdir(os.path.join(ROOT, "action")))

if not NODE:
    skip("the action's steps", "node is not installed (scripts/setup installs it)")
    finish()
if not PLATFORM:
    skip("the action's steps", "no release platform for " + platform.machine())
    finish()


# --- the loopback release server -------------------------------------------------------------------------
def release_dir(files):
    """A release folder: FILES (name -> bytes) and their SHA256SUMS, under v<version>/."""
    d = tempfile.mkdtemp(prefix="cat-release-")
    v = os.path.join(d, "v" + VERSION)
    os.makedirs(v)
    sums = ""
    for name, data in files.items():
        open(os.path.join(v, name), "wb").write(data)
        sums += hashlib.sha256(data).hexdigest() + "  " + name + "\n"
    open(os.path.join(v, "SHA256SUMS"), "w").write(sums)
    return d


class Release(http.server.BaseHTTPRequestHandler):
    root = None
    log = []

    def do_GET(self):
        Release.log.append(self.path)
        if self.path.startswith("/releases/download/"):
            self.send_response(302)
            self.send_header("Location", "/objects/" + self.path[len("/releases/download/"):])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path = os.path.join(Release.root, self.path[len("/objects/"):]) if self.path.startswith("/objects/") else ""
        if ".." in self.path or not os.path.isfile(path):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = open(path, "rb").read()
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


certs = os.path.dirname(os.environ["CAT_TEST_CA"])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(os.path.join(certs, "server.pem"), os.path.join(certs, "server.key"))
httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Release)
httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
threading.Thread(target=httpd.serve_forever, daemon=True).start()
RELEASE_URL = f"https://127.0.0.1:{httpd.server_address[1]}/releases/download"
# The dev binary, stripped as scripts/release strips the real ones (a tenth of the bytes to serve).
RELEASED = os.path.join(tempfile.mkdtemp(prefix="cat-bin-"), "codeartifact-token")
if subprocess.run(["strip", "-o", RELEASED, BINARY], capture_output=True).returncode != 0:
    shutil.copy(BINARY, RELEASED)
BINARY_BYTES = open(RELEASED, "rb").read()
FILE = f"codeartifact-token-{VERSION}-{PLATFORM}"
GOOD = release_dir({FILE: BINARY_BYTES})


# --- the runner ------------------------------------------------------------------------------------------
class Runner:
    """One job on one runner: its temp, tool cache and HOME; each step gets fresh file-command files."""

    def __init__(self, tool_cache=None, **env):
        self.temp = tempfile.mkdtemp(prefix="cat-runner-")
        self.tool_cache = tool_cache or os.path.join(self.temp, "_tool")
        runner_env = dict(RUNNER_OS="Linux", RUNNER_ARCH=ARCH, RUNNER_TOOL_CACHE=self.tool_cache,
                          RUNNER_TEMP=os.path.join(self.temp, "_temp"), GITHUB_ACTIONS="true",
                          GITHUB_ACTION_REPOSITORY="codeartifact-token/codeartifact-token",
                          NODE_EXTRA_CA_CERTS=os.environ["CAT_TEST_CA"], CODEARTIFACT_TOKEN_RELEASE_URL=RELEASE_URL)
        runner_env.update(env)
        self.base = example_env(**runner_env)
        os.makedirs(self.base["RUNNER_TEMP"], exist_ok=True)
        self.home = self.base["HOME"]
        self.state = {}

    def step(self, script, inputs=None, env=None, wrap=()):
        """Runs node SCRIPT as the runner runs an action step; returns (process, outputs, env, state, path)."""
        files = {k: os.path.join(self.temp, "_temp", f"{k.lower()}_{unique('f')}") for k in
                 ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_STATE", "GITHUB_PATH")}
        for f in files.values():
            open(f, "w").close()
        step_env = dict(self.base, **files)
        for name, spec in ACTION["inputs"].items():  # every declared input, its default when not given
            step_env["INPUT_" + name.replace(" ", "_").upper()] = str((inputs or {}).get(name, spec.get("default", "")))
        for name, value in (inputs or {}).items():
            step_env["INPUT_" + name.upper()] = str(value)
        for name, value in self.state.items():
            step_env["STATE_" + name] = value
        step_env.update(env or {})
        p = subprocess.run(list(wrap) + [NODE, os.path.join(ROOT, "action", script)], capture_output=True, text=True,
                           env=step_env, timeout=120)
        state = read_runner_file(files["GITHUB_STATE"])
        if script == "main.js":
            self.state = state
        return (p, read_runner_file(files["GITHUB_OUTPUT"]), read_runner_file(files["GITHUB_ENV"]), state,
                open(files["GITHUB_PATH"]).read())


def issued(domain):
    return [e.get("token_issued") for e in server_log(domain)]


def masked_once(p, token):
    """::add-mask::TOKEN comes before any other appearance, and the token appears nowhere else."""
    lines = p.stdout.split("\n")
    return (token != "" and ("::add-mask::" + token) in lines and p.stdout.count(token) == 1 and
            token not in p.stderr)


# --- first run: download, verify, cache, run -------------------------------------------------------------
Release.root = GOOD
runner = Runner()
d = unique("act")
before = len(Release.log)
p, out, exported, state, path_add = runner.step("main.js", {"domain": d, "repository": "npm-store", "format": "npm"})
token = out.get("authorization-token", "")
check("main: exit 0", p.returncode == 0, p.stdout + p.stderr)
check("main: the release's SHA256SUMS and binary fetched through GitHub's redirect",
      Release.log[before:] == [f"/releases/download/v{VERSION}/SHA256SUMS", f"/objects/v{VERSION}/SHA256SUMS",
                               f"/releases/download/v{VERSION}/{FILE}", f"/objects/v{VERSION}/{FILE}"],
      Release.log[before:])
check("main: the outputs", set(out) == {"authorization-token", "expiration", "repository-endpoint", "binary"}, out)
check("main: the token the endpoint issued", token in issued(d), token)
check("main: ::add-mask:: before the token appears, and nowhere else", masked_once(p, token), p.stdout)
check("main: GITHUB_ENV has the token and the repository endpoint (as --output env prints them)",
      exported.get("CODEARTIFACT_AUTH_TOKEN") == token and
      exported.get("CODEARTIFACT_REPOSITORY_ENDPOINT") == out.get("repository-endpoint") and
      out.get("repository-endpoint", "").endswith("/npm/npm-store/"), exported)
cached = os.path.join(runner.tool_cache, "codeartifact-token", VERSION, ARCH.lower())
check("main: installed in RUNNER_TOOL_CACHE/codeartifact-token/<version>/<arch>, marked complete",
      os.path.isfile(os.path.join(cached, "codeartifact-token")) and os.path.exists(cached + ".complete") and
      os.access(os.path.join(cached, "codeartifact-token"), os.X_OK) and
      out.get("binary") == os.path.join(cached, "codeartifact-token"), os.listdir(runner.tool_cache))
check("main: the binary's folder added to PATH for later steps", path_add == cached + "\n", path_add)
check("main: the checksum is reported", hashlib.sha256(BINARY_BYTES).hexdigest() in p.stdout, p.stdout)

# --- second run: the tool cache, no download -------------------------------------------------------------
before = len(Release.log)
d2 = unique("act")
p, out, exported, _, _ = runner.step("main.js", {"domain": d2})
check("again: exit 0 from the tool cache, nothing downloaded",
      p.returncode == 0 and Release.log[before:] == [] and "from the tool cache" in p.stdout, (p.stdout, Release.log[before:]))
check("again: outputs without repository", set(out) == {"authorization-token", "expiration", "binary"} and
      out["authorization-token"] in issued(d2) and "CODEARTIFACT_REPOSITORY_ENDPOINT" not in exported, out)

# A cached binary whose bytes changed is not run: the release is fetched and checked again.
open(os.path.join(cached, "codeartifact-token"), "ab").write(b"\0")
before = len(Release.log)
p, out, _, _, _ = runner.step("main.js", {"domain": unique("act")})
check("a changed cached binary is replaced from the release",
      p.returncode == 0 and len(Release.log) - before == 4 and
      open(os.path.join(cached, "codeartifact-token"), "rb").read() == BINARY_BYTES, (p.stdout, Release.log[before:]))

# mask: false never reaches the binary: the token is masked all the same.
p, out, _, _, _ = runner.step("main.js", {"domain": unique("act")}, env={"INPUT_MASK": "false"})
check("mask: false is ignored: the token is masked", p.returncode == 0 and masked_once(p, out.get("authorization-token", "")),
      p.stdout)

p, out, exported, _, _ = runner.step("main.js", {"domain": unique("act"), "export-env": "false"})
check("export-env false: outputs only, GITHUB_ENV untouched",
      p.returncode == 0 and out.get("authorization-token") and exported == {}, (p.stdout, exported))

# The binary's own errors come through as its ::error:: annotation and exit code.
p, out, _, _, _ = runner.step("main.js", {"domain": unique("act")}, env={"INPUT_DOMIAN": "x"})
check("an unknown input: the binary's error with a suggestion, exit 2",
      p.returncode == 2 and "::error" in p.stdout and "did you mean domain" in p.stderr and out.get("binary"), p.stdout + p.stderr)

# --- refused downloads -----------------------------------------------------------------------------------
Release.root = release_dir({FILE: b"#!/bin/sh\necho this must not run\n"})
sums = os.path.join(Release.root, "v" + VERSION, "SHA256SUMS")
open(sums, "w").write(hashlib.sha256(b"something else").hexdigest() + "  " + FILE + "\n")
bad = Runner()
p, out, _, _, _ = bad.step("main.js", {"domain": unique("act")})
check("checksum mismatch: refused with a clear error, exit 1",
      p.returncode == 1 and re.search(r"::error::codeartifact-token: checksum mismatch for " + re.escape(FILE) +
                                      r": SHA256SUMS says [0-9a-f]{64}, the download is [0-9a-f]{64}", p.stdout), p.stdout)
check("checksum mismatch: nothing installed, nothing run, no outputs",
      not os.path.exists(os.path.join(bad.tool_cache, "codeartifact-token")) and out == {}, (out, p.stdout))
open(sums, "w").write(hashlib.sha256(b"x").hexdigest() + "  codeartifact-token-0.0.0-other\n")
p, _, _, _, _ = bad.step("main.js", {"domain": unique("act")})
check("SHA256SUMS without the file: refused", p.returncode == 1 and "has no line for " + FILE in p.stdout, p.stdout)
p, _, _, _, _ = bad.step("main.js", {"domain": unique("act"), "version": "9.9.9"})
check("a version that was never released: the URL and the HTTP status",
      p.returncode == 1 and "/v9.9.9/SHA256SUMS: HTTP 404" in p.stdout, p.stdout)
p, _, _, _, _ = bad.step("main.js", {"domain": unique("act")}, env={"NODE_EXTRA_CA_CERTS": ""})
check("an untrusted release server: refused", p.returncode == 1 and "::error::" in p.stdout and
      not os.path.exists(os.path.join(bad.tool_cache, "codeartifact-token")), p.stdout)
p, _, _, _, _ = bad.step("main.js", {"domain": unique("act")}, env={"RUNNER_OS": "macOS", "RUNNER_ARCH": "ARM64"})
check("macOS: a clear error until a binary exists",
      p.returncode == 1 and "no macOS binary" in p.stdout and "binary-path" in p.stdout, p.stdout)

# The platform each runner gets (lib.js on its own: RUNNER_OS/RUNNER_ARCH as the runner spells them).
probe = "const l=require('./action/lib.js');try{const p=l.platform();console.log(l.releaseFile('1.2.3',p))}catch(e){console.log('error')}"
names = {}
for os_, arch in (("Linux", "X64"), ("Linux", "ARM64"), ("Windows", "X64"), ("Windows", "ARM64"), ("Linux", "ARM"),
                  ("Windows", "X86")):
    names[os_ + "/" + arch] = subprocess.run([NODE, "-e", probe], capture_output=True, text=True, cwd=ROOT,
                                             env=dict(os.environ, RUNNER_OS=os_, RUNNER_ARCH=arch)).stdout.strip()
check("release names per runner (as scripts/release names them)", names == {
    "Linux/X64": "codeartifact-token-1.2.3-linux-x86_64", "Linux/ARM64": "codeartifact-token-1.2.3-linux-arm64",
    "Windows/X64": "codeartifact-token-1.2.3-windows-x86_64.exe",
    "Windows/ARM64": "codeartifact-token-1.2.3-windows-x86_64.exe", "Linux/ARM": "error", "Windows/X86": "error"}, names)

# --- through an HTTPS proxy ------------------------------------------------------------------------------
Release.root = GOOD
proxied = Runner(HTTPS_PROXY="http://127.0.0.1:" + os.environ["CAT_TEST_PROXY_OPEN"], NO_PROXY="")
trace = os.path.join(proxied.temp, "connect.trace")
strace = ("strace", "-f", "-e", "trace=connect", "-o", trace) if shutil.which("strace") else ()
p, out, _, _, _ = proxied.step("main.js", {"domain": unique("act")}, wrap=strace)
proxy_log = [json.loads(line) for line in open(os.path.join(os.environ["CAT_TEST_STATE"], "proxy.log"))]
release_port = str(httpd.server_address[1])
check("HTTPS_PROXY: the release comes through the proxy's CONNECT tunnel",
      p.returncode == 0 and out.get("authorization-token") and
      any(e["target"] == "127.0.0.1:" + release_port and e["status"] == 200 for e in proxy_log), p.stdout + p.stderr)
if strace:
    direct = [line for line in open(trace) if f"sin_port=htons({release_port})" in line]
    check("HTTPS_PROXY: no direct connection to the release server (strace)", direct == [], direct)
else:
    skip("HTTPS_PROXY: no direct connection to the release server", "strace is not installed")
refused = Runner(HTTPS_PROXY="http://127.0.0.1:" + os.environ["CAT_TEST_PROXY_REFUSE"])
p, _, _, _, _ = refused.step("main.js", {"domain": unique("act")})
check("a proxy that refuses: the error names it", p.returncode == 1 and "refused CONNECT" in p.stdout, p.stdout)

# --- binary-path: no download at all ---------------------------------------------------------------------
offline = Runner(CODEARTIFACT_TOKEN_RELEASE_URL="https://127.0.0.1:1/nowhere")
p, out, _, _, _ = offline.step("main.js", {"domain": unique("act"), "binary-path": BINARY})
check("binary-path: runs that binary, downloads nothing",
      p.returncode == 0 and out.get("binary") == BINARY and out.get("authorization-token") and
      not os.path.exists(offline.tool_cache), p.stdout + p.stderr)

# --- configure: later steps use the repository; the post step removes it ---------------------------------
job = Runner()
d = unique("act")
p, out, exported, state, _ = job.step("main.js", {"domain": d, "domain-owner": "111122223333", "configure": "npm",
                                                 "repository": "npm-store"})
npmrc = os.path.join(job.home, ".npmrc")
text = open(npmrc).read() if os.path.exists(npmrc) else ""
token = out.get("authorization-token", "")
check("configure: exit 0, the outputs too", p.returncode == 0 and token in issued(d) and
      out.get("repository-endpoint", "").endswith("/npm/npm-store/"), p.stdout + p.stderr)
check("configure: the runner's ~/.npmrc points at the repository with the token",
      token and token in text and "registry=" + out.get("repository-endpoint", "") in text, text)
check("configure: masked first, the file named", masked_once(p, token) and "configured npm: " + npmrc in p.stdout,
      p.stdout)
saved = json.loads(state.get("inputs", "{}"))
check("configure: the post step's state: the binary and the inputs, no secret",
      saved.get("configure") == "npm" and saved.get("repository") == "npm-store" and saved.get("domain") == d and
      state.get("binary") == out.get("binary") and "secret-key" not in saved, state)
if shutil.which("npm"):
    later = dict(job.base, **exported)
    reg = subprocess.run(["npm", "config", "get", "registry"], capture_output=True, text=True, env=later, cwd=job.temp)
    check("configure: a later step's npm uses the repository", reg.stdout.strip() == out.get("repository-endpoint"),
          reg.stdout + reg.stderr)
else:
    skip("configure: a later step's npm uses the repository", "npm is not installed")

has_unconfigure = "--unconfigure" in subprocess.run([BINARY, "--help"], capture_output=True, text=True).stdout
p, _, _, _, _ = job.step("post.js", {"secret-key": "not-needed"})
after = open(npmrc).read() if os.path.exists(npmrc) else ""
if has_unconfigure:
    check("post: --unconfigure npm (INPUT_UNCONFIGURE, the saved inputs) removes the token",
          p.returncode == 0 and "unconfigured npm: " + npmrc in p.stdout and token and token not in after,
          (p.stdout, after))
else:
    skip("post: --unconfigure npm removes what configure wrote", "this binary has no --unconfigure yet (p-helpers)")
    check("post without --unconfigure: a warning, exit 0, the file left alone",
          p.returncode == 0 and "::warning::codeartifact-token: this binary has no --unconfigure" in p.stdout and
          after == text, p.stdout)
check("post: nothing to do without configure", Runner().step("post.js")[0].stdout == "")

# --- the container path: the runner's Docker action mounts, reproduced ---------------------------------
# container/action.yml runs the binary in a container whose HOME is /github/home (the runner's
# RUNNER_TEMP/_github_home), with the workspace at /github/workspace and the file commands under
# /github/file_commands (actions/runner, ContainerActionHandler). Here: a mount namespace, a root of its own
# with those four bind mounts (and /usr, /etc, /dev for the dynamically linked dev binary), chroot, and the
# environment translated as the runner translates it. Then the host's later steps look at what survived.
CONTAINER_SCRIPT = r"""
set -e
root=$1; shift
mount -t tmpfs tmpfs "$root"
mkdir -p "$root/usr" "$root/etc" "$root/dev" "$root/tmp" "$root/github/home" "$root/github/workspace" \
         "$root/github/file_commands" "$root/github/workflow"
ln -s usr/bin "$root/bin"; ln -s usr/lib "$root/lib"; ln -s usr/lib64 "$root/lib64"
for d in usr etc; do mount --bind "/$d" "$root/$d"; done
mount --rbind /dev "$root/dev"
mount --bind "$TEMP_HOME" "$root/github/home"
mount --bind "$WORKSPACE" "$root/github/workspace"
mount --bind "$FILE_COMMANDS" "$root/github/file_commands"
mount --bind "$WORKFLOW" "$root/github/workflow"
cp "$IMAGE_BINARY" "$root/codeartifact-token"
cp "$IMAGE_CA" "$root/ca.pem"
# docker run -w /github/workspace (chroot itself starts in /); no sh in between: dash drops INPUT_CONFIG-FILE
exec chroot "$root" /usr/bin/env -C /github/workspace /codeartifact-token "$@"
"""


def container_step(job, inputs):
    """One run of container/action.yml's entrypoint as the runner runs it; (process, outputs, env)."""
    files = {"output": f"set_output_{unique('c')}", "env": f"set_env_{unique('c')}"}
    for f in files.values():
        open(os.path.join(job["file_commands"], f), "w").close()
    env = example_env(HOME="/github/home", GITHUB_WORKSPACE="/github/workspace", GITHUB_ACTIONS="true",
                      GITHUB_OUTPUT="/github/file_commands/" + files["output"],
                      GITHUB_ENV="/github/file_commands/" + files["env"], AWS_CA_BUNDLE="/ca.pem",
                      RUNNER_TEMP=job["temp"], TEMP_HOME=job["home"], WORKSPACE=job["workspace"],
                      FILE_COMMANDS=job["file_commands"], WORKFLOW=job["workflow"], IMAGE_BINARY=RELEASED,
                      IMAGE_CA=os.environ["CAT_TEST_CA"])
    for name, spec in CONTAINER["inputs"].items():
        env["INPUT_" + name.upper()] = str(inputs.get(name, spec.get("default", "")))
    root = tempfile.mkdtemp(prefix="cat-container-root-")
    p = subprocess.run(["unshare", "--mount", "--propagation", "private", "bash", "-c", CONTAINER_SCRIPT, "bash", root] +
                       CONTAINER["runs"]["args"], capture_output=True, text=True, env=env, timeout=120)
    return (p, read_runner_file(os.path.join(job["file_commands"], files["output"])),
            read_runner_file(os.path.join(job["file_commands"], files["env"])))


can_mount = os.geteuid() == 0 and shutil.which("unshare") and subprocess.run(
    ["unshare", "--mount", "true"], capture_output=True).returncode == 0
# A sanitizer build (the ASan+UBSan run) cannot work in the chroot: LeakSanitizer needs /proc.
sanitized = os.sep + "asan-ubsan" + os.sep in BINARY
if not can_mount or sanitized:
    skip("container path: the runner's mounts reproduced",
         "not with a sanitizer build (no /proc in the chroot)" if sanitized else "needs root and unshare --mount")
else:
    temp = tempfile.mkdtemp(prefix="cat-runner-")
    job = {"temp": os.path.join(temp, "_temp")}
    for k, sub in (("home", "_github_home"), ("file_commands", "_runner_file_commands"), ("workflow", "_github_workflow")):
        job[k] = os.path.join(job["temp"], sub)
        os.makedirs(job[k])
    job["workspace"] = os.path.join(temp, "repo", "repo")
    os.makedirs(job["workspace"])
    host_home = tempfile.mkdtemp(prefix="cat-host-home-")
    d = unique("ctr")
    p, out, exported = container_step(job, {"domain": d, "repository": "npm-store", "configure": "npm"})
    token = out.get("authorization-token", "")
    check("container: exit 0, outputs and GITHUB_ENV through /github/file_commands",
          p.returncode == 0 and token in issued(d) and exported.get("CODEARTIFACT_AUTH_TOKEN") == token and
          exported.get("CODEARTIFACT_REPOSITORY_ENDPOINT") == out.get("repository-endpoint"), p.stdout + p.stderr)
    check("container: masked first", masked_once(p, token), p.stdout)
    home_npmrc = os.path.join(job["home"], ".npmrc")
    check("container: configure npm writes /github/home/.npmrc = RUNNER_TEMP/_github_home/.npmrc "
          "(later container steps mount it as their HOME)",
          os.path.exists(home_npmrc) and token in open(home_npmrc).read(), os.listdir(job["home"]))
    check("container: the host HOME of later run steps gets nothing",
          not os.path.exists(os.path.join(host_home, ".npmrc")), os.listdir(host_home))
    d = unique("ctr")
    p, out, exported = container_step(job, {"domain": d, "repository": "npm-store", "configure": "npm",
                                            "config-file": ".npmrc"})
    ws_npmrc = os.path.join(job["workspace"], ".npmrc")
    check("container: config-file .npmrc lands in the workspace (/github/workspace = GITHUB_WORKSPACE)",
          p.returncode == 0 and os.path.exists(ws_npmrc) and out.get("authorization-token", "-") in open(ws_npmrc).read(),
          p.stdout + p.stderr)
    if shutil.which("npm"):
        later = example_env(HOME=host_home, **exported)
        reg = subprocess.run(["npm", "config", "get", "registry"], capture_output=True, text=True, env=later,
                             cwd=job["workspace"])
        check("container: a later host step's npm in the workspace uses the repository",
              reg.stdout.strip() == out.get("repository-endpoint"), reg.stdout + reg.stderr)
        reg = subprocess.run(["npm", "config", "get", "registry"], capture_output=True, text=True, env=later,
                             cwd=host_home)
        check("container: outside the workspace the host's npm is not configured (HOME did not survive)",
              reg.stdout.strip() != out.get("repository-endpoint"), reg.stdout)
    else:
        skip("container: later host steps' npm", "npm is not installed")

# --- Windows: the exe fetched for a Windows runner, then run under wine ----------------------------------
exe = os.environ.get("CAT_WINDOWS_BINARY") or next(
    (os.path.join(ROOT, "build", b, "plugin", "codeartifact-token.exe") for b in sorted(os.listdir(os.path.join(ROOT, "build")))
     if os.path.isfile(os.path.join(ROOT, "build", b, "plugin", "codeartifact-token.exe"))), None) \
    if os.path.isdir(os.path.join(ROOT, "build")) else os.environ.get("CAT_WINDOWS_BINARY")
wine = shutil.which("wine64") or shutil.which("wine") or (
    "/usr/lib/wine/wine64" if os.path.exists("/usr/lib/wine/wine64") else None)
if not exe or not wine:
    skip("windows: the .exe fetched for RUNNER_OS=Windows and run under wine",
         "no Windows build (the mingw preset of p-cross/p-win) or no wine64" if not exe else "no wine64")
else:
    win_file = f"codeartifact-token-{VERSION}-windows-x86_64.exe"
    Release.root = release_dir({FILE: BINARY_BYTES, win_file: open(exe, "rb").read()})
    win = Runner(RUNNER_OS="Windows", RUNNER_ARCH="X64")
    # The JS part (download, checksum, tool cache) runs here in node; the exe it installs runs under wine,
    # with the inputs as the runner passes them.
    probe = "require('./action/lib.js').installBinary().then(b=>console.log(b),e=>{console.log('error '+e.message)})"
    env = dict(win.base, INPUT_VERSION="")
    got = subprocess.run([NODE, "-e", probe], capture_output=True, text=True, cwd=ROOT, env=env).stdout.strip().split("\n")[-1]
    check("windows: the .exe verified and installed in the tool cache",
          got.endswith(os.path.join("x64", "codeartifact-token.exe")) and open(got, "rb").read() == open(exe, "rb").read(), got)
    files = {k: os.path.join(win.temp, k) for k in ("out", "env")}
    for f in files.values():
        open(f, "w").close()
    d = unique("win")
    wenv = dict(win.base, WINEDEBUG="-all", GITHUB_OUTPUT=files["out"], GITHUB_ENV=files["env"], INPUT_DOMAIN=d)
    r = subprocess.run([wine, got, "--output", "github"], capture_output=True, text=True, env=wenv, timeout=300)
    wout = read_runner_file(files["out"])
    check("windows: the .exe under wine writes the outputs, masked",
          r.returncode == 0 and wout.get("authorization-token") in issued(d) and
          "::add-mask::" + wout.get("authorization-token", "-") in r.stdout, r.stdout + r.stderr)

finish()
