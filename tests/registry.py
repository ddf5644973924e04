"""What the tests of the real package managers share: running a tool, an environment without the caller's
package-manager settings, and (for tests/fresh_tokens_test.py) a loopback package registry.

The registry is Debian's nginx (nginx-light) over HTTPS, its certificate signed by the test CA of
tests/servers/codeartifact_server.py. Every request must carry a token the loopback CodeArtifact endpoint
issued and has not expired since: nginx's auth_request asks that endpoint (/__test/token-check), since the
tokens a credential helper fetches in the middle of an install are known to the endpoint alone. It serves,
from files the test builds here (nothing from the internet), one tiny package per format: npm (npm, pnpm,
Yarn), a wheel (pip), a crate behind a sparse index (cargo) and a jar with its POM (Maven).
"""
import base64
import ctypes
import hashlib
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
import zipfile

# What installs each tool: a Debian package, or an npm package (scripts/setup installs them all).
PACKAGES = {"nginx": "Debian's nginx-light", "npm": "Debian's nodejs (or npm)",
            "pnpm": "npm's pnpm: npm install -g pnpm@12.4.2",
            "yarn": "npm's @yarnpkg/cli-dist (Yarn berry): npm install -g @yarnpkg/cli-dist@4.18.1",
            "mvn": "Debian's maven", "keytool": "Debian's default-jdk-headless", "cargo": "rustup's cargo",
            "pip": "Debian's python3-pip"}


def run(cmd, env, cwd=None, timeout=120):
    """CMD's CompletedProcess (text); exit 124 when it ran out of time."""
    try:
        return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        return subprocess.CompletedProcess(cmd, 124, e.stdout or "", f"timed out: {e.stderr or ''}")


def tool_env(base=None):
    """BASE (default: this process's environment) without any package-manager setting or proxy, with its own
    HOME (a new temporary folder) and the caller's rustup toolchains."""
    env = {k: v for k, v in (os.environ if base is None else base).items()
           if not k.upper().startswith(("PIP_", "NPM_CONFIG_", "CARGO_", "XDG_CONFIG_HOME", "UV_", "POETRY_",
                                        "YARN_", "PNPM_", "MAVEN_"))
           and k.lower() not in ("http_proxy", "https_proxy", "no_proxy", "all_proxy")
           # requests (pip's) takes these over pip's own --cert / PIP_CERT
           and k not in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")}
    env["HOME"] = tempfile.mkdtemp(prefix="cat-tool-home-")
    env["RUSTUP_HOME"] = os.environ.get("RUSTUP_HOME", os.path.expanduser("~/.rustup"))
    return env


def which(name):
    """The tool's path: PATH, or rustup's ~/.cargo/bin for cargo."""
    found = shutil.which(name)
    if not found and name == "cargo" and os.access(os.path.expanduser("~/.cargo/bin/cargo"), os.X_OK):
        found = os.path.expanduser("~/.cargo/bin/cargo")
    return found


# --- the packages ---------------------------------------------------------------------------------------
def _tar_gz(files, prefix):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(prefix + name)
            info.size, info.mode, info.mtime = len(data), 0o644, 1700000000
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def npm_tarball():
    return _tar_gz({"package.json": json.dumps({"name": "probe-pkg", "version": "0.1.0", "main": "index.js"}),
                    "index.js": "module.exports = 42;\n"}, "package/")


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
    return _tar_gz({"Cargo.toml": '[package]\nname = "probe-crate"\nversion = "0.1.0"\nedition = "2021"\n',
                    "src/lib.rs": "pub const VALUE: u32 = 42;\n"}, "probe-crate-0.1.0/")


def jar():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
        z.writestr("probe/VALUE.txt", "42\n")
    return buf.getvalue()


def pom(group, artifact, version):
    return ('<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
            f'<groupId>{group}</groupId><artifactId>{artifact}</artifactId><version>{version}</version></project>\n')


def _write(root, path, data):
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def build_site(root, base, repo="repo"):
    """The registry's files under ROOT, for URLs under BASE (https://127.0.0.1:PORT): what each client asks
    for at BASE/<format>/REPO/... (the repository endpoints GetRepositoryEndpoint answers)."""
    tgz = npm_tarball()
    npm = f"npm/{repo}/probe-pkg"
    _write(root, f"{npm}/-/probe-pkg-0.1.0.tgz", tgz)
    _write(root, f"{npm}/index.json", json.dumps({
        "name": "probe-pkg", "dist-tags": {"latest": "0.1.0"},
        # Yarn 4 holds back versions it cannot date, or published too recently (npmMinimalAgeGate).
        "time": {"created": "2020-01-01T00:00:00.000Z", "modified": "2020-01-01T00:00:00.000Z",
                 "0.1.0": "2020-01-01T00:00:00.000Z"},
        "versions": {"0.1.0": {"name": "probe-pkg", "version": "0.1.0", "main": "index.js", "dist": {
            "tarball": f"{base}/{npm}/-/probe-pkg-0.1.0.tgz", "shasum": hashlib.sha1(tgz).hexdigest(),
            "integrity": "sha512-" + base64.b64encode(hashlib.sha512(tgz).digest()).decode()}}}}))
    whl, name = wheel(), "probe_pkg-0.1.0-py3-none-any.whl"
    _write(root, f"pypi/{repo}/simple/probe-pkg/{name}", whl)
    _write(root, f"pypi/{repo}/simple/probe-pkg/index.html",
           f'<html><body><a href="{name}#sha256={hashlib.sha256(whl).hexdigest()}">{name}</a></body></html>\n')
    data = crate()
    _write(root, f"cargo/{repo}/config.json", json.dumps({"dl": f"{base}/cargo/{repo}/dl", "auth-required": True}))
    _write(root, f"cargo/{repo}/pr/ob/probe-crate", json.dumps({
        "name": "probe-crate", "vers": "0.1.0", "deps": [], "cksum": hashlib.sha256(data).hexdigest(),
        "features": {}, "yanked": False}) + "\n")
    _write(root, f"cargo/{repo}/dl/probe-crate/0.1.0/download", data)
    # The probe, a build extension; Maven adds plexus-utils 1.1 to an extension that does not depend on
    # it, so a stand-in for that is served too.
    for group, artifact, version in (("probe", "probe-ext", "0.1.0"), ("org.codehaus.plexus", "plexus-utils", "1.1")):
        for ext, body in (("pom", pom(group, artifact, version).encode()), ("jar", jar())):
            path = f"maven/{repo}/{group.replace('.', '/')}/{artifact}/{version}/{artifact}-{version}.{ext}"
            _write(root, path, body)
            _write(root, path + ".sha1", hashlib.sha1(body).hexdigest())


# --- the registry ---------------------------------------------------------------------------------------
NGINX_CONF = """\
{user}worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 256; }}
http {{
  access_log {d}/access.log;
  client_body_temp_path {d}/tmp/body;
  proxy_temp_path {d}/tmp/proxy;
  fastcgi_temp_path {d}/tmp/fastcgi;
  uwsgi_temp_path {d}/tmp/uwsgi;
  scgi_temp_path {d}/tmp/scgi;
  types {{ application/json json; text/html html; text/xml pom; }}
  default_type application/octet-stream;
  server {{
    listen 127.0.0.1:{port} ssl;
    ssl_certificate {d}/registry.pem;
    ssl_certificate_key {d}/registry.key;
    root {d}/www;
    location / {{
      auth_request /__auth;
      # A packument (npm) or a simple index page (pip) lives where its name is also a folder.
      try_files $uri/index.json $uri/index.html $uri =404;
    }}
    location = /__auth {{
      internal;
      proxy_pass http://127.0.0.1:{auth_port}/__test/token-check;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URI $request_uri;
    }}
  }}
}}
"""


def _die_with_parent():
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Registry:
    """nginx on 127.0.0.1 (HTTPS, the test CA) in front of the files of build_site, asking the loopback
    CodeArtifact endpoint (tests/tools/with-servers) about each request's token. `hosts`: more names for
    its certificate (CodeArtifact host names that a client resolves to 127.0.0.1)."""

    def __init__(self, hosts=()):
        self.nginx = which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
        if not self.nginx:
            raise SystemExit(f"nginx is not installed: install {PACKAGES['nginx']} (scripts/setup does)")
        self.dir = tempfile.mkdtemp(prefix="cat-registry-")
        self.ca = os.environ["CAT_TEST_CA"]
        self.endpoint = f"http://127.0.0.1:{os.environ['CAT_TEST_PORT_PLAIN']}"
        for sub in ("www", "tmp"):
            os.makedirs(os.path.join(self.dir, sub))
        names = ",".join(["IP:127.0.0.1", "DNS:localhost"] + [f"DNS:{h}" for h in hosts])
        ca_dir = os.path.dirname(self.ca)
        p = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                            "-nodes", "-keyout", os.path.join(self.dir, "registry.key"),
                            "-out", os.path.join(self.dir, "registry.pem"), "-subj", "/CN=localhost", "-days", "1",
                            "-CA", self.ca, "-CAkey", os.path.join(ca_dir, "ca.key"),
                            "-addext", f"subjectAltName={names}", "-addext", "basicConstraints=critical,CA:FALSE",
                            "-addext", "extendedKeyUsage=serverAuth"], capture_output=True, text=True)
        if p.returncode != 0:
            raise SystemExit("registry: openssl could not make the certificate: " + p.stderr)
        self.proc = None
        for _ in range(5):  # a port another process takes between our probe and nginx's bind: try another
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                self.port = s.getsockname()[1]
            self.base = f"https://127.0.0.1:{self.port}"
            if self._start():
                break
        else:
            raise SystemExit("registry: nginx did not start: " + self.error_log())
        build_site(os.path.join(self.dir, "www"), self.base)

    def _start(self):
        user = "user root;\n" if os.geteuid() == 0 else ""  # workers that can read our 0700 folder
        with open(os.path.join(self.dir, "nginx.conf"), "w") as f:
            f.write(NGINX_CONF.format(user=user, d=self.dir, port=self.port,
                                      auth_port=os.environ["CAT_TEST_PORT_PLAIN"]))
        self.proc = subprocess.Popen([self.nginx, "-p", self.dir, "-c", os.path.join(self.dir, "nginx.conf"),
                                      "-e", os.path.join(self.dir, "error.log"), "-g", "daemon off;"],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     preexec_fn=_die_with_parent)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return True
            except OSError:
                time.sleep(0.05)
        self.stop()
        return False

    def error_log(self):
        path = os.path.join(self.dir, "error.log")
        return open(path).read()[-2000:] if os.path.exists(path) else ""

    def _control(self, path, body=None):
        req = urllib.request.Request(self.endpoint + path, data=None if body is None else json.dumps(body).encode(),
                                     method="GET" if body is None else "POST")
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.load(r)

    def serve_domain(self, domain):
        """GetRepositoryEndpoint answers this registry's URLs for DOMAIN's repositories from now on."""
        self._control("/__test/registry", {"domain": domain, "base": self.base})

    def expire_tokens(self):
        """Every token issued so far is refused from now on, as an expired one is."""
        return self._control("/__test/expire-tokens", {})["expired"]

    def checks(self, prefix=""):
        """The token-checks of requests under PREFIX (a path): [{"uri", "token", "current"}], oldest first."""
        return [c for c in self._control("/__test/token-checks") if (c["uri"] or "").startswith(prefix)]

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful: workers finish, then the master exits
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def java_truststore(ca, folder):
    """A PKCS#12 trust store holding the test CA, for Maven (javax.net.ssl.trustStore); its path."""
    path = os.path.join(folder, "truststore.p12")
    keytool = which("keytool")
    if not keytool:
        raise SystemExit(f"keytool is not installed: install {PACKAGES['keytool']} (scripts/setup does)")
    p = subprocess.run([keytool, "-importcert", "-noprompt", "-alias", "cat-test-ca", "-file", ca, "-keystore", path,
                        "-storetype", "PKCS12", "-storepass", "changeit"], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("keytool failed: " + p.stdout + p.stderr)
    return path
