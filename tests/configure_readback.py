"""--configure read back by the real tools: configure_tool writes each tool's files into a fresh HOME, then
the installed package manager says what it read, and (npm, pip, cargo) sends a request to a loopback
server that records the credentials it got. No network: every URL is on 127.0.0.1.

A tool that is not installed, or whose check needs something missing here, is skipped with the reason.
Prints `ok - ...`, `not ok - ...`, `skip - ...` and a closing `N passed, N failed, N skipped` (harness.py).
Run by CTest as: python3 tests/configure_readback.py path/to/configure_tool
"""
import base64
import http.server
import json
import os
import pwd
import shutil
import subprocess
import sys
import threading

from harness import check, finish, skip
from registry import run, tool_env, which

TOOL = sys.argv[1]
TOKEN = "eyJ2ZXIiOjEsImlzdSI6MTcwMDAwMDAwMH0.readback-token_1"


# --- the loopback server: answers 404 (or a sparse index's config.json) and records each request ---------
class Recorder(http.server.BaseHTTPRequestHandler):
    requests = []

    def do_GET(self):
        Recorder.requests.append((self.path, self.headers.get("Authorization")))
        if self.path.endswith("/config.json"):
            body = json.dumps({"dl": f"http://127.0.0.1:{PORT}/dl", "api": f"http://127.0.0.1:{PORT}/api",
                               "auth-required": True}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
        else:
            body = b'{"error": "not found"}'
            self.send_response(404)
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
PORT = server.server_address[1]
threading.Thread(target=server.serve_forever, daemon=True).start()


def endpoint(fmt):
    return f"http://127.0.0.1:{PORT}/{fmt}/my-repo/"


homes = []


def fresh_env():
    """The caller's environment without any package-manager setting, with its own HOME."""
    env = tool_env()
    homes.append(env["HOME"])
    return env


def configure(env, tool, fmt, **extra):
    spec = {"tool": tool, "repository_endpoint": endpoint(fmt), "token": TOKEN, "domain": "my-domain",
            "domain_owner": "111122223333", "repository": "my-repo", **extra}
    p = subprocess.run([TOOL, json.dumps(spec)], env=env, capture_output=True, text=True)
    check(f"{tool}: configure_tool wrote the files", p.returncode == 0, p.stderr)
    return p.stdout.split()


def env_form(env, tool, fmt, **extra):
    """The variables of --output env, added to env."""
    spec = {"tool": tool, "repository_endpoint": endpoint(fmt), "token": TOKEN, "domain": "my-domain",
            "repository": "my-repo", "env": True, **extra}
    p = subprocess.run([TOOL, json.dumps(spec)], env=env, capture_output=True, text=True)
    check(f"{tool}: configure_tool printed the variables", p.returncode == 0 and p.stdout, p.stderr)
    env.update(line.split("=", 1) for line in p.stdout.splitlines())
    return env


def auth_seen(prefix):
    return [a for (path, a) in Recorder.requests if path.startswith(prefix)]


# --- npm ------------------------------------------------------------------------------------------------
npm = which("npm")
if not npm:
    skip("npm", "npm is not installed")
else:
    env = fresh_env()
    files = configure(env, "npm", "npm")
    check("npm: wrote ~/.npmrc", files == [os.path.join(env["HOME"], ".npmrc")], files)
    p = run([npm, "config", "get", "registry"], env)
    check("npm: config get registry", p.stdout.strip() == endpoint("npm"), p.stdout + p.stderr)
    p = run([npm, "config", "list"], env)
    check("npm: config list shows the token key as protected",
          f"//127.0.0.1:{PORT}/npm/my-repo/:_authToken = (protected)" in p.stdout, p.stdout + p.stderr)
    Recorder.requests.clear()
    run([npm, "view", "left-pad", "--fetch-retries=0", "--no-audit", "--prefer-online"], env, cwd=env["HOME"])
    seen = auth_seen("/npm/my-repo/")
    check("npm: sent Bearer TOKEN to the registry", f"Bearer {TOKEN}" in seen, Recorder.requests)

    env = fresh_env()
    configure(env, "npm", "npm", namespace="@corp")
    p = run([npm, "config", "get", "@corp:registry"], env)
    check("npm: a scope's registry", p.stdout.strip() == endpoint("npm"), p.stdout + p.stderr)
    p = run([npm, "config", "get", "registry"], env)
    check("npm: the default registry is left alone", p.stdout.strip() != endpoint("npm"), p.stdout)

    env = env_form(fresh_env(), "npm", "npm")
    p = run([npm, "config", "get", "registry"], env)
    check("npm: NPM_CONFIG_REGISTRY alone", p.stdout.strip() == endpoint("npm"), p.stdout + p.stderr)

pnpm = which("pnpm")
if not pnpm:
    skip("pnpm", "pnpm is not installed (it reads the same ~/.npmrc as npm, checked above)")
else:
    env = fresh_env()
    configure(env, "pnpm", "npm")
    p = run([pnpm, "config", "get", "registry"], env)
    check("pnpm: config get registry", p.stdout.strip() == endpoint("npm"), p.stdout + p.stderr)

# --- pip ------------------------------------------------------------------------------------------------
pip = [sys.executable, "-m", "pip"]
if run(pip + ["--version"], os.environ).returncode != 0:
    skip("pip", "pip is not installed for " + sys.executable)
else:
    env = fresh_env()
    files = configure(env, "pip", "pypi")
    check("pip: wrote ~/.config/pip/pip.conf", files == [os.path.join(env["HOME"], ".config/pip/pip.conf")], files)
    p = run(pip + ["config", "list"], env)
    want = f"global.index-url='http://aws:{TOKEN}@127.0.0.1:{PORT}/pypi/my-repo/simple/'"
    check("pip: config list", want in p.stdout.splitlines(), p.stdout + p.stderr)
    Recorder.requests.clear()
    run(pip + ["download", "--no-deps", "--no-cache-dir", "--retries", "0", "-d", env["HOME"] + "/dl",
               "cat-readback-nothing"], env)
    basic = "Basic " + base64.b64encode(f"aws:{TOKEN}".encode()).decode()
    check("pip: sent aws:TOKEN (Basic) to the index", basic in auth_seen("/pypi/my-repo/simple/"), Recorder.requests)

    env = fresh_env()
    os.makedirs(env["HOME"] + "/.config/pip")
    with open(env["HOME"] + "/.config/pip/pip.conf", "w") as f:
        f.write("[global]\nextra-index-url = https://example.invalid/simple/\n")
    configure(env, "pip", "pypi", extra_index=True)
    p = run(pip + ["config", "list"], env)
    want = (f"global.extra-index-url='https://example.invalid/simple/ "
            f"http://aws:{TOKEN}@127.0.0.1:{PORT}/pypi/my-repo/simple/'")
    check("pip: extra index beside the existing one", want in p.stdout.splitlines(), p.stdout + p.stderr)

    env = env_form(fresh_env(), "pip", "pypi")
    Recorder.requests.clear()
    run(pip + ["download", "--no-deps", "--no-cache-dir", "--retries", "0", "-d", env["HOME"] + "/dl",
               "cat-readback-nothing"], env)
    check("pip: PIP_INDEX_URL alone sends aws:TOKEN", basic in auth_seen("/pypi/my-repo/simple/"), Recorder.requests)

def write_crate(path, package):
    """A library crate at PATH whose Cargo.toml is [package] version and edition, then PACKAGE; PATH."""
    os.makedirs(path + "/src")
    with open(path + "/Cargo.toml", "w") as f:
        f.write('[package]\nversion = "0.1.0"\nedition = "2021"\n' + package)
    with open(path + "/src/lib.rs", "w") as f:
        f.write("")
    return path


# --- cargo ----------------------------------------------------------------------------------------------
cargo = which("cargo")
if not cargo or run([cargo, "--version"], fresh_env()).returncode != 0:
    skip("cargo", "cargo is not installed (or has no toolchain)")
else:
    env = fresh_env()
    env["CARGO_HOME"] = env["HOME"] + "/.cargo"
    files = configure(env, "cargo", "cargo")
    check("cargo: wrote config.toml and credentials.toml",
          sorted(files) == sorted([env["CARGO_HOME"] + "/config.toml", env["CARGO_HOME"] + "/credentials.toml"]), files)
    # `cargo config get` is unstable: RUSTC_BOOTSTRAP=1 lets a stable cargo run it.
    genv = dict(env, RUSTC_BOOTSTRAP="1")
    p = run([cargo, "-Zunstable-options", "config", "get", "--format", "json-value", "registries.my-domain-my-repo.index"], genv)
    check("cargo: config get registries.NAME.index", p.stdout.strip() == json.dumps("sparse+" + endpoint("cargo")),
          p.stdout + p.stderr)
    p = run([cargo, "-Zunstable-options", "config", "get", "--format", "json-value", "source.crates-io.replace-with"], genv)
    check("cargo: crates.io is replaced by our registry", p.stdout.strip() == '"my-domain-my-repo"', p.stdout + p.stderr)
    p = run([cargo, "-Zunstable-options", "config", "get", "--format", "json-value", "registry.default"], genv)
    check("cargo: our registry is the default (cargo publish)", p.stdout.strip() == '"my-domain-my-repo"',
          p.stdout + p.stderr)
    # A project that depends on a crate of the registry: resolving it asks the sparse index, with the token.
    proj = write_crate(env["HOME"] + "/proj", 'name = "probe"\n\n[dependencies]\n'
                       'cat-readback-nothing = { version = "1", registry = "my-domain-my-repo" }\n')
    Recorder.requests.clear()
    p = run([cargo, "generate-lockfile"], dict(env, CARGO_NET_RETRY="0", CARGO_HTTP_TIMEOUT="20"), cwd=proj)
    seen = auth_seen("/cargo/my-repo/")
    check("cargo: sent Bearer TOKEN to the sparse index", f"Bearer {TOKEN}" in seen,
          f"{Recorder.requests} {p.stderr[-600:]}")

    # cargo publish without --registry goes to our registry (registry.default), not to the replaced crates.io.
    pub = write_crate(env["HOME"] + "/pub", 'name = "cat-probe"\ndescription = "probe"\nlicense = "MIT"\n')
    Recorder.requests.clear()
    p = run([cargo, "publish", "--dry-run", "--allow-dirty"], dict(env, CARGO_NET_RETRY="0", CARGO_HTTP_TIMEOUT="20"),
            cwd=pub, timeout=300)
    check("cargo: cargo publish (dry run) goes to our registry with the token",
          p.returncode == 0 and "Uploading cat-probe" in p.stderr and f"Bearer {TOKEN}" in auth_seen("/cargo/my-repo/"),
          f"{Recorder.requests} {p.stderr[-600:]}")

    # The same with the variables of --output env instead of files.
    env = fresh_env()
    env["CARGO_HOME"] = env["HOME"] + "/.cargo"
    env_form(env, "cargo", "cargo", extra_index=True)
    shutil.copytree(proj, env["HOME"] + "/proj")
    Recorder.requests.clear()
    p = run([cargo, "generate-lockfile"], dict(env, CARGO_NET_RETRY="0", CARGO_HTTP_TIMEOUT="20"),
            cwd=env["HOME"] + "/proj")
    check("cargo: the variables alone send Bearer TOKEN", f"Bearer {TOKEN}" in auth_seen("/cargo/my-repo/"),
          f"{Recorder.requests} {p.stderr[-600:]}")

# --- maven ----------------------------------------------------------------------------------------------
mvn = which("mvn")
if not mvn:
    skip("maven", "mvn is not installed")
else:
    for extra in (False, True):
        env = fresh_env()
        label = "maven (extra index)" if extra else "maven"
        files = configure(env, "maven", "maven", extra_index=extra)
        settings = env["HOME"] + "/.m2/settings.xml"
        check(f"{label}: wrote ~/.m2/settings.xml", files == [settings], files)
        proj = env["HOME"] + "/proj"
        os.makedirs(proj)
        with open(proj + "/pom.xml", "w") as f:
            f.write('<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
                    '<groupId>g</groupId><artifactId>a</artifactId><version>1</version>'
                    '<packaging>pom</packaging></project>\n')
        # help:effective-settings would need the plugin in the local repository (no network here): instead
        # Maven builds its effective settings from the file and reports any problem in it.
        p = run([mvn, "-B", "-o", "-X", "-s", settings, f"-Dmaven.repo.local={env['HOME']}/repo", "validate"],
                env, cwd=proj, timeout=240)
        out = p.stdout + p.stderr
        check(f"{label}: mvn -o validate reads the settings without a problem",
              p.returncode == 0 and "problems were encountered while building the effective settings" not in out
              and f"Reading user settings from {settings}" in out, out[-1500:])
        if not extra:
            # Java's user.home is the account's home (the password database), not HOME: without -s, Maven
            # reads that home's ~/.m2 unless told -Duser.home (what --configure maven's note says).
            account_home = pwd.getpwuid(os.getuid()).pw_dir
            p = run([mvn, "-B", "-o", "-X", f"-Dmaven.repo.local={env['HOME']}/repo", "validate"], env, cwd=proj,
                    timeout=240)
            check("maven: without -s, Maven reads the account's home, not HOME",
                  f"Reading user settings from {account_home}/.m2/settings.xml" in p.stdout + p.stderr,
                  (p.stdout + p.stderr)[-800:])
            p = run([mvn, "-B", "-o", "-X", f"-Dmaven.repo.local={env['HOME']}/repo", "validate"],
                    dict(env, MAVEN_OPTS=f"-Duser.home={env['HOME']}"), cwd=proj, timeout=240)
            check("maven: MAVEN_OPTS=-Duser.home=$HOME makes it read ours",
                  f"Reading user settings from {settings}" in p.stdout + p.stderr, (p.stdout + p.stderr)[-800:])

for tool in ("yarn", "uv", "twine", "poetry", "gradle", "dotnet", "swift", "bundle"):
    if not which(tool):
        skip(tool, f"{tool} is not installed here; its files are covered by the golden tests")

server.shutdown()
for home in homes:
    shutil.rmtree(home, ignore_errors=True)
finish()
