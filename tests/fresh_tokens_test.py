"""Keeping the token fresh, with the real tools (issue 15 items 2, 3, 5, 8): a loopback registry that refuses
every request without a token the loopback CodeArtifact endpoint issued (and not revoked), serving a tiny
package per tool that this test builds itself; then npm installs through an .npmrc that holds only
${CODEARTIFACT_AUTH_TOKEN}, cargo fetches through the credential provider and pip installs through the
keyring link, and a token that expires is replaced without anything done by hand; --unconfigure restores
the files byte for byte. Nothing leaves 127.0.0.1.

The registry is Python (standard library) rather than nginx: the check that matters is "a token the
CodeArtifact endpoint issued and has not revoked", which needs the endpoint's log; nginx would only forward
that question to a Python endpoint (auth_request). It speaks plain HTTP: TLS to registries is the tools'
own code, and ours is tested against the HTTPS endpoint everywhere else.

Run by CTest as: tests/tools/with-servers python3 tests/fresh_tokens_test.py (CAT_BINARY set).
"""
import base64
import glob
import hashlib
import http.server
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import zipfile

from harness import binary, check, example_env, finish, server_log, skip, unique

DOMAIN = unique("fresh")
OWNER = "111122223333"
HOST = f"{DOMAIN}-{OWNER}.d.codeartifact.us-west-2.amazonaws.com"
revoked = set()
work = tempfile.mkdtemp(prefix="cat-fresh-")


def issued():
    return [e["token_issued"] for e in server_log(DOMAIN) if e.get("token_issued")]


# --- the packages ---------------------------------------------------------------------------------------
def npm_tarball():
    d = os.path.join(work, "npm-src")
    os.makedirs(d)
    with open(os.path.join(d, "package.json"), "w") as f:
        json.dump({"name": "probe-pkg", "version": "0.1.0", "main": "index.js"}, f)
    with open(os.path.join(d, "index.js"), "w") as f:
        f.write("module.exports = 42;\n")
    npm = shutil.which("npm")
    if not npm:
        return None
    p = subprocess.run([npm, "pack", "--silent"], cwd=d, capture_output=True, text=True)
    path = os.path.join(d, "probe-pkg-0.1.0.tgz")
    return open(path, "rb").read() if p.returncode == 0 and os.path.exists(path) else None


def wheel():
    buf = io.BytesIO()
    files = {"probe_pkg/__init__.py": "VALUE = 42\n",
             "probe_pkg-0.1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: probe-pkg\nVersion: 0.1.0\n",
             "probe_pkg-0.1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                                                "Tag: py3-none-any\n"}
    record = ""
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
            digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
            record += f"{name},sha256={digest},{len(text)}\n"
        record += "probe_pkg-0.1.0.dist-info/RECORD,,\n"
        z.writestr("probe_pkg-0.1.0.dist-info/RECORD", record)
    return buf.getvalue()


def crate():
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for name, text in {"Cargo.toml": '[package]\nname = "probe-crate"\nversion = "0.1.0"\nedition = "2021"\n',
                           "src/lib.rs": "pub const VALUE: u32 = 42;\n"}.items():
            data = text.encode()
            info = tarfile.TarInfo("probe-crate-0.1.0/" + name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


NPM_TGZ = npm_tarball()
WHEEL = wheel()
CRATE = crate()


# --- the registry ---------------------------------------------------------------------------------------
class Registry(http.server.BaseHTTPRequestHandler):
    seen = []  # (path, the token it carried or None)

    def token(self):
        value = self.headers.get("Authorization") or ""
        if value.startswith("Bearer "):
            return value[7:]
        if value.startswith("Basic "):
            user, _, password = base64.b64decode(value[6:]).decode().partition(":")
            return password if user == "aws" else None
        return None

    def do_GET(self):
        token = self.token()
        Registry.seen.append((self.path, token))
        if token is None or token in revoked or token not in issued():
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="codeartifact"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body, kind = self.answer()
        if body is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def answer(self):
        base = f"http://127.0.0.1:{PORT}"
        p = self.path
        if p == "/npm/repo/probe-pkg" and NPM_TGZ:
            sha512 = base64.b64encode(hashlib.sha512(NPM_TGZ).digest()).decode()
            doc = {"name": "probe-pkg", "dist-tags": {"latest": "0.1.0"},
                   "versions": {"0.1.0": {"name": "probe-pkg", "version": "0.1.0",
                                          "dist": {"tarball": f"{base}/npm/repo/probe-pkg/-/probe-pkg-0.1.0.tgz",
                                                   "shasum": hashlib.sha1(NPM_TGZ).hexdigest(),
                                                   "integrity": "sha512-" + sha512}}}}
            return json.dumps(doc).encode(), "application/json"
        if p == "/npm/repo/probe-pkg/-/probe-pkg-0.1.0.tgz":
            return NPM_TGZ, "application/octet-stream"
        if p.rstrip("/") == "/pypi/repo/simple/probe-pkg":
            sha = hashlib.sha256(WHEEL).hexdigest()
            html = (f'<html><body><a href="/pypi/repo/files/probe_pkg-0.1.0-py3-none-any.whl#sha256={sha}">'
                    "probe_pkg-0.1.0-py3-none-any.whl</a></body></html>")
            return html.encode(), "text/html"
        if p == "/pypi/repo/files/probe_pkg-0.1.0-py3-none-any.whl":
            return WHEEL, "application/octet-stream"
        if p == "/cargo/repo/config.json":
            return json.dumps({"dl": f"{base}/cargo/repo/dl", "auth-required": True}).encode(), "application/json"
        if p == "/cargo/repo/pr/ob/probe-crate":
            entry = {"name": "probe-crate", "vers": "0.1.0", "deps": [], "cksum": hashlib.sha256(CRATE).hexdigest(),
                     "features": {}, "yanked": False}
            return (json.dumps(entry) + "\n").encode(), "text/plain"
        if p == "/cargo/repo/dl/probe-crate/0.1.0/download":
            return CRATE, "application/octet-stream"
        return None, None

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Registry)
PORT = server.server_address[1]
threading.Thread(target=server.serve_forever, daemon=True).start()


def tokens_seen(prefix):
    return [t for (p, t) in Registry.seen if p.startswith(prefix) and t]


def run(cmd, env, cwd=None, timeout=180):
    try:
        return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        return subprocess.CompletedProcess(cmd, 124, e.stdout or "", f"timed out: {e.stderr or ''}")


def ours(args, env):
    return run([binary()] + args, env)


def expire_cache(env):
    """Every cached token of this HOME is about to expire, and the registry no longer takes them."""
    revoked.update(issued())
    now = int(time.time())
    for path in glob.glob(os.path.join(env["HOME"], ".cache/codeartifact-token/*.json")):
        entry = json.load(open(path))
        entry["issued_at"], entry["expiration"] = now - 100, now + 1
        with open(path, "w") as f:
            json.dump(entry, f)


def new_env():
    env = example_env()
    env["PATH"] = os.environ["PATH"]
    env["RUSTUP_HOME"] = os.environ.get("RUSTUP_HOME", os.path.expanduser("~/.rustup"))
    return env


common = ["--domain", DOMAIN, "--domain-owner", OWNER]

# --- npm: an .npmrc with ${CODEARTIFACT_AUTH_TOKEN}, the token from --output env ------------------------
npm = shutil.which("npm")
if not npm or not NPM_TGZ:
    skip("npm", "npm is not installed (or npm pack failed)")
else:
    env = new_env()
    npmrc = os.path.join(env["HOME"], ".npmrc")
    registry = f"http://127.0.0.1:{PORT}/npm/repo/"
    # The program writes the reference for the CodeArtifact host; the same line for the loopback registry.
    p = ours(common + ["--repository", "repo", "--configure", "npm", "--no-token-in-file"], env)
    text = open(npmrc).read() if os.path.exists(npmrc) else ""
    check("npm --no-token-in-file: configured", p.returncode == 0, p.stderr)
    check("npm --no-token-in-file: the file refers to the variable and holds no token",
          ":_authToken=${CODEARTIFACT_AUTH_TOKEN}" in text and not any(t in text for t in issued()), text)
    with open(npmrc, "a") as f:
        f.write(f"registry={registry}\n//127.0.0.1:{PORT}/npm/repo/:_authToken=${{CODEARTIFACT_AUTH_TOKEN}}\n")
    proj = os.path.join(env["HOME"], "proj")
    os.makedirs(proj)
    with open(os.path.join(proj, "package.json"), "w") as f:
        f.write('{"name": "probe-app", "version": "1.0.0"}\n')
    npm_args = [npm, "install", "probe-pkg", "--no-audit", "--no-fund", "--fetch-retries=0", "--prefer-online",
                "--cache", os.path.join(env["HOME"], "npm-cache")]
    p = run(npm_args, env, cwd=proj)
    check("npm: without the variable the registry refuses", p.returncode != 0, p.stdout + p.stderr[-800:])
    out = ours(common + ["--output", "env"], env).stdout
    token_env = dict(env)
    for line in out.splitlines():
        k, _, v = line.removeprefix("export ").partition("=")
        token_env[k] = v.strip("'")
    p = run(npm_args, token_env, cwd=proj)
    check("npm: installs with CODEARTIFACT_AUTH_TOKEN from --output env",
          p.returncode == 0 and os.path.exists(os.path.join(proj, "node_modules/probe-pkg/index.js")),
          p.stdout + p.stderr[-800:])

for tool in ("pnpm", "yarn"):
    if not shutil.which(tool):
        skip(tool, f"{tool} is not installed here (npm install -g {tool} adds it); .npmrc and .yarnrc.yml are golden-tested")
if shutil.which("mvn"):
    skip("maven install", "not yet: Maven reads ${env.CODEARTIFACT_AUTH_TOKEN} (golden test), no install here")

# --- cargo: the credential provider --------------------------------------------------------------------
cargo = shutil.which("cargo") or os.path.expanduser("~/.cargo/bin/cargo")
if not os.path.exists(cargo) or run([cargo, "--version"], new_env()).returncode != 0:
    skip("cargo", "cargo is not installed")
else:
    env = new_env()
    env["CARGO_HOME"] = os.path.join(env["HOME"], ".cargo")
    p = ours(common + ["--repository", "repo", "--configure", "cargo", "--credential-helper", "--extra-index"], env)
    config = os.path.join(env["CARGO_HOME"], "config.toml")
    text = open(config).read() if os.path.exists(config) else ""
    check("cargo --credential-helper: configured, no credentials.toml",
          p.returncode == 0 and "credential-provider = [" in text and "--cargo-plugin" not in text
          and not os.path.exists(os.path.join(env["CARGO_HOME"], "credentials.toml")), p.stdout + p.stderr + text)
    # The same provider for the loopback registry (its index URL is ours, the provider is the program's).
    provider = text[text.index("credential-provider = "):].splitlines()[0]
    with open(config, "a") as f:
        f.write(f'\n[registries.loop]\nindex = "sparse+http://127.0.0.1:{PORT}/cargo/repo/"\n{provider}\n')
    proj = os.path.join(env["HOME"], "proj")
    os.makedirs(os.path.join(proj, "src"))
    with open(os.path.join(proj, "Cargo.toml"), "w") as f:
        f.write('[package]\nname = "probe"\nversion = "0.1.0"\nedition = "2021"\n\n'
                '[dependencies]\nprobe-crate = { version = "0.1", registry = "loop" }\n')
    open(os.path.join(proj, "src/lib.rs"), "w").close()
    cenv = dict(env, CARGO_NET_RETRY="0", CARGO_HTTP_TIMEOUT="30")
    p = run([cargo, "fetch"], cenv, cwd=proj)
    first = tokens_seen("/cargo/repo/")
    check("cargo: fetches through the credential provider", p.returncode == 0 and first and first[-1] in issued(),
          p.stderr[-1200:])
    expire_cache(env)
    shutil.rmtree(os.path.join(env["CARGO_HOME"], "registry"), ignore_errors=True)
    p = run([cargo, "fetch"], cenv, cwd=proj)
    after = tokens_seen("/cargo/repo/")
    check("cargo: an expired token is replaced without the user", p.returncode == 0 and after[-1] not in revoked,
          p.stderr[-1200:])
    before = text
    p = ours(common + ["--repository", "repo", "--unconfigure", "cargo"], env)
    text = open(config).read()
    check("cargo --unconfigure: only our registry goes",
          p.returncode == 0 and "[registries.loop]" in text and f"[registries.{DOMAIN}-repo]" not in text, text)

# --- pip: the keyring link ------------------------------------------------------------------------------
python = subprocess.run(["python3", "-c", "import sys; print(sys.executable)"], capture_output=True,
                        text=True).stdout.strip()
if not python or run([python, "-m", "pip", "--version"], os.environ).returncode != 0:
    skip("pip", "pip is not installed")
else:
    env = new_env()
    p = ours(common + ["--repository", "repo", "--configure", "pip", "--credential-helper"], env)
    conf = os.path.join(env["HOME"], ".config/pip/pip.conf")
    text = open(conf).read() if os.path.exists(conf) else ""
    link = os.path.join(env["HOME"], ".local/share/codeartifact-token/bin/keyring")
    check("pip --credential-helper: index-url without a password, keyring-provider, the link",
          p.returncode == 0 and f"index-url = https://aws@{HOST}/pypi/repo/simple/" in text
          and "keyring-provider = subprocess" in text and os.path.realpath(link) == os.path.realpath(binary()),
          p.stdout + p.stderr + text)
    # The CodeArtifact host name, on the loopback registry: this Python resolves it to 127.0.0.1.
    site = os.path.join(work, "site")
    os.makedirs(site)
    with open(os.path.join(site, "sitecustomize.py"), "w") as f:
        f.write("import socket\n_real = socket.getaddrinfo\n"
                "def _loop(host, *a, **k):\n"
                "    return _real('127.0.0.1' if str(host).endswith('.amazonaws.com') else host, *a, **k)\n"
                "socket.getaddrinfo = _loop\n")
    penv = dict(env, PYTHONPATH=site, PATH=os.path.dirname(link) + ":" + env["PATH"])
    with open(conf, "w") as f:
        f.write(text.replace(f"https://aws@{HOST}/", f"http://aws@{HOST}:{PORT}/"))
    pip_args = [python, "-m", "pip", "install", "--no-deps", "--no-cache-dir", "--retries", "0",
                "--trusted-host", HOST, "--target", os.path.join(env["HOME"], "t"), "probe-pkg"]
    p = run(pip_args, penv)
    first = tokens_seen("/pypi/repo/")
    check("pip: installs through the keyring link",
          p.returncode == 0 and os.path.exists(os.path.join(env["HOME"], "t/probe_pkg/__init__.py")),
          p.stdout[-800:] + p.stderr[-800:])
    expire_cache(env)
    shutil.rmtree(os.path.join(env["HOME"], "t"))
    p = run(pip_args, penv)
    after = tokens_seen("/pypi/repo/")
    check("pip: an expired token is replaced without the user",
          p.returncode == 0 and after and after[-1] not in revoked, p.stderr[-800:])
    p = run([binary(), "keyring", "get", "https://pypi.org/simple/", "aws"], penv)
    check("keyring: another host is not ours (exit 1, nothing printed)", p.returncode == 1 and p.stdout == "",
          p.stdout + p.stderr)
    # A keyring of the user's later on PATH still answers what is not ours.
    other = os.path.join(work, "other-bin")
    os.makedirs(other)
    with open(os.path.join(other, "keyring"), "w") as f:
        f.write('#!/bin/sh\n[ "$2" = "https://example.invalid/simple/" ] && echo user-secret && exit 0\nexit 1\n')
    os.chmod(os.path.join(other, "keyring"), 0o755)
    denv = dict(penv, PATH=os.path.dirname(link) + ":" + other + ":" + env["PATH"])
    p = run([link, "get", "https://example.invalid/simple/", "alice"], denv)
    check("keyring: the user's own keyring still answers other URLs", p.returncode == 0 and p.stdout == "user-secret\n",
          p.stdout + p.stderr)

# --- --unconfigure restores the file byte for byte, foreign entries before and after ours --------------
env = new_env()
npmrc = os.path.join(env["HOME"], ".npmrc")
with open(npmrc, "w") as f:
    f.write("# mine\nfund=false\n")
ours(common + ["--repository", "repo", "--configure", "npm"], env)
with open(npmrc, "a") as f:
    f.write("save-exact=true\n")
configured = open(npmrc).read()
log_before = len(server_log(DOMAIN))
p = ours(common + ["--repository", "repo", "--unconfigure", "npm"], dict(env, AWS_ACCESS_KEY_ID="", AWS_SECRET_ACCESS_KEY=""))
check("npm --unconfigure: restores the file", p.returncode == 0 and
      open(npmrc).read() == "# mine\nfund=false\nsave-exact=true\n", (configured, open(npmrc).read(), p.stderr))
check("--unconfigure needs no credentials and calls nothing", len(server_log(DOMAIN)) == log_before, p.stderr)

server.shutdown()
shutil.rmtree(work, ignore_errors=True)
finish()
