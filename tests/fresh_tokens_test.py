"""Keeping the token fresh, with the real tools (issue 15 items 1, 2, 3, 5, 8): nginx serves a tiny package
per tool over HTTPS (tests/registry.py) and refuses every request without a token the loopback CodeArtifact
endpoint issued and has not expired. npm, pnpm, Yarn (berry), pip, Maven and cargo install through it in
each mode they have: `exec` (the token in the environment), a config that holds a variable reference and no
token (--no-token-in-file), the credential helper (cargo's provider, pip's keyring link); each time, the
tokens are then expired, and the next install gets a new one with nothing done by hand. --unconfigure puts
each file back byte for byte. Nothing leaves 127.0.0.1.

A missing tool fails the test with the package that installs it (scripts/setup installs them all).
Run by CTest as: tests/tools/with-servers tests/tools/python-with-botocore tests/fresh_tokens_test.py
(CAT_BINARY set). It passes inside `unshare -n` with only the loopback interface up.
"""
import atexit
import glob
import json
import os
import shutil
import sys
import tempfile
import time

from harness import binary, check, example_env, finish, server_log, unique
from registry import PACKAGES, Registry, java_truststore, run, tool_env, which

OWNER = "111122223333"
DOMAIN = unique("fresh")  # its repository endpoints are the registry's URLs (https://127.0.0.1:PORT/...)
PYDOMAIN = unique("freshpy")  # CodeArtifact host names (the keyring knows them), resolved to the registry
HOST = f"{PYDOMAIN}-{OWNER}.d.codeartifact.us-west-2.amazonaws.com"
common = ["--domain", DOMAIN, "--domain-owner", OWNER, "--repository", "repo"]
pycommon = ["--domain", PYDOMAIN, "--domain-owner", OWNER, "--repository", "repo"]
token_only = ["--domain", DOMAIN, "--domain-owner", OWNER]  # exec with the token alone: CODEARTIFACT_AUTH_TOKEN
work = tempfile.mkdtemp(prefix="cat-fresh-")
started = time.monotonic()

python = sys.executable
tools = {name: which(name) for name in ("npm", "pnpm", "yarn", "mvn", "cargo")}
if run([python, "-m", "pip", "--version"], os.environ).returncode == 0:
    tools["pip"] = python
if tools["yarn"] and run([tools["yarn"], "--version"], os.environ).stdout.startswith("1."):
    tools["yarn"] = None  # Yarn classic reads .yarnrc, not .yarnrc.yml: this test is for berry
missing = [f"{name} (install {PACKAGES[name]})" for name in ("npm", "pnpm", "yarn", "mvn", "cargo", "pip")
           if not tools.get(name)]
check("every package manager of this test is installed", not missing, "missing: " + ", ".join(missing))

registry = Registry(hosts=[HOST])
atexit.register(registry.close)
registry.serve_domain(DOMAIN)
truststore = java_truststore(os.environ["CAT_TEST_CA"], work) if tools.get("mvn") else None


def issued():
    return [e["token_issued"] for e in server_log() if e.get("token_issued")]


def ours(args, env, timeout=180):
    return run([binary()] + args, env, timeout=timeout)


def new_env():
    """A HOME of its own, the loopback CodeArtifact endpoint, and each client trusting the test CA."""
    env = tool_env(example_env())
    ca = os.environ["CAT_TEST_CA"]
    # (npm: a global npmrc may name the system's bundle as cafile, which NODE_EXTRA_CA_CERTS does not extend)
    env.update(NODE_EXTRA_CA_CERTS=ca, NPM_CONFIG_CAFILE=ca, PIP_CERT=ca, CARGO_HTTP_CAINFO=ca,
               NPM_CONFIG_UPDATE_NOTIFIER="false")
    if truststore:
        # Java reads user.home from the password database, not HOME (--configure maven's note says so).
        env["MAVEN_OPTS"] = (f"-Duser.home={env['HOME']} -Djavax.net.ssl.trustStore={truststore} "
                             "-Djavax.net.ssl.trustStoreType=PKCS12 -Djavax.net.ssl.trustStorePassword=changeit")
    return env


def read(path):
    return open(path).read() if os.path.exists(path) else None


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def expire(env):
    """Every token so far expires: the registry refuses them, and the program's cache sees them at their end."""
    registry.expire_tokens()
    now = int(time.time())
    for path in glob.glob(os.path.join(env["HOME"], ".cache/codeartifact-token/*.json")):
        entry = json.load(open(path))
        entry["issued_at"], entry["expiration"] = now - 100, now + 1
        with open(path, "w") as f:
            json.dump(entry, f)


def served(prefix, since):
    """Whether the registry let a request under PREFIX through, with a token, after check number SINCE."""
    return any(c["current"] and c["token"] and c["uri"].startswith(prefix) for c in registry.checks()[since:])


# How each client sends the token, as CodeArtifact takes it: npm, pnpm, Yarn and cargo as a bearer token,
# pip and Maven as the password of user aws.
SCHEMES = {"npm": "bearer", "cargo": "bearer", "pypi": "basic", "maven": "basic"}


def holds_no_token(text):
    return text is not None and not any(t in text for t in issued())


def installs(label, prefix, install, env, installed, fresh_start):
    """INSTALL (a function of a run number, returning a CompletedProcess) succeeds and the registry served it,
    the token sent as CodeArtifact takes it from this client (SCHEMES); then the tokens expire, FRESH_START(n)
    clears what the client kept, and the next install succeeds too, with a token issued after the expiry."""
    since = len(registry.checks())
    p = install(1)
    schemes = {c["scheme"] for c in registry.checks()[since:] if c["current"] and c["uri"].startswith(prefix)}
    check(f"{label}: installs", p.returncode == 0 and installed(1) and served(prefix, since),
          (p.stdout + p.stderr)[-1500:])
    want = SCHEMES[prefix.split("/")[1]]
    check(f"{label}: the token went as {want}", schemes == {want}, schemes)
    expire(env)
    old = set(issued())
    fresh_start(2)
    since = len(registry.checks())
    p = install(2)
    tokens = [c["token"] for c in registry.checks()[since:] if c["current"] and c["uri"].startswith(prefix)]
    check(f"{label}: an expired token is replaced without the user",
          p.returncode == 0 and installed(2) and tokens and not set(tokens) & old, (p.stdout + p.stderr)[-1500:])


def project(env, name, files):
    d = os.path.join(env["HOME"], name)
    for rel, text in files.items():
        write(os.path.join(d, rel), text)
    return d


# --- npm and pnpm: ~/.npmrc with ${CODEARTIFACT_AUTH_TOKEN}, run under exec ------------------------------
PACKAGE_JSON = '{"name": "probe-app", "version": "1.0.0", "dependencies": {"probe-pkg": "0.1.0"}}\n'
for tool in ("npm", "pnpm"):
    exe = tools.get(tool)
    if not exe:
        continue
    env = new_env()
    npmrc = os.path.join(env["HOME"], ".npmrc")
    before = "# mine\nfund=false\n"
    write(npmrc, before)
    p = ours(common + ["--configure", tool, "--no-token-in-file"], env)
    text = read(npmrc)
    check(f"{tool} --no-token-in-file: the registry and ${{CODEARTIFACT_AUTH_TOKEN}}, no token in the file",
          p.returncode == 0 and f"registry={registry.base}/npm/repo/" in text
          and ":_authToken=${CODEARTIFACT_AUTH_TOKEN}" in text and holds_no_token(text), p.stderr + str(text))

    def install_cmd(n, tool=tool, exe=exe, env=env):
        if tool == "npm":
            return [exe, "install", "--no-audit", "--no-fund", "--fetch-retries=0", "--prefer-online",
                    "--cache", os.path.join(env["HOME"], f"cache-{n}")]
        return [exe, "install", "--store-dir", os.path.join(env["HOME"], f"store-{n}"), "--no-frozen-lockfile",
                "--config.fetch-retries=0", "--reporter=append-only"]

    proj = {n: project(env, f"proj-{n}", {"package.json": PACKAGE_JSON}) for n in (0, 1, 2)}
    p = run(install_cmd(0), env, cwd=proj[0])
    check(f"{tool}: without the variable the registry refuses", p.returncode != 0, (p.stdout + p.stderr)[-800:])
    installs(f"{tool} under exec", "/npm/repo/",
             lambda n: run([binary(), "exec"] + token_only + ["--"] + install_cmd(n), env, cwd=proj[n]),
             env, lambda n: os.path.exists(os.path.join(proj[n], "node_modules/probe-pkg/index.js")),
             lambda n: None)

# --- Yarn (berry): ~/.yarnrc.yml with ${CODEARTIFACT_AUTH_TOKEN}, run under exec ------------------------
if tools.get("yarn"):
    env = new_env()
    env.update(YARN_ENABLE_IMMUTABLE_INSTALLS="false", YARN_ENABLE_TELEMETRY="false", YARN_NODE_LINKER="node-modules",
               YARN_ENABLE_GLOBAL_CACHE="false", YARN_HTTP_RETRY="0")
    yarnrc = os.path.join(env["HOME"], ".yarnrc.yml")
    before = "# mine\nenableProgressBars: false\n"
    write(yarnrc, before)
    p = ours(common + ["--configure", "yarn", "--no-token-in-file"], env)
    text = read(yarnrc)
    check("yarn --no-token-in-file: the registry and ${CODEARTIFACT_AUTH_TOKEN}, no token in the file",
          p.returncode == 0 and f'npmRegistryServer: "{registry.base}/npm/repo/"' in text
          and 'npmAuthToken: "${CODEARTIFACT_AUTH_TOKEN}"' in text and holds_no_token(text), p.stderr + str(text))
    proj = {n: project(env, f"yproj-{n}", {"package.json": PACKAGE_JSON, "yarn.lock": ""}) for n in (0, 1, 2)}
    p = run([tools["yarn"], "install"], env, cwd=proj[0])
    check("yarn: without the variable the registry refuses", p.returncode != 0, (p.stdout + p.stderr)[-800:])
    installs("yarn under exec", "/npm/repo/",
             lambda n: run([binary(), "exec"] + token_only + ["--", tools["yarn"], "install"], env, cwd=proj[n]),
             env, lambda n: os.path.exists(os.path.join(proj[n], "node_modules/probe-pkg/index.js")),
             lambda n: shutil.rmtree(os.path.join(env["HOME"], ".yarn/berry"), ignore_errors=True))  # metadata cache

# --- Maven: settings.xml with ${env.CODEARTIFACT_AUTH_TOKEN}, run under exec ----------------------------
# A build extension is resolved when the project is read, before any plugin: `validate` of a pom project
# needs no plugin, so Maven fetches only the probe's POM and jar, and the plexus-utils it adds to them.
POM = ('<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
       '<groupId>g</groupId><artifactId>a</artifactId><version>1</version><packaging>pom</packaging>'
       '<build><extensions><extension><groupId>probe</groupId><artifactId>probe-ext</artifactId>'
       '<version>0.1.0</version></extension></extensions></build></project>\n')
if tools.get("mvn"):
    env = new_env()
    settings = os.path.join(env["HOME"], ".m2/settings.xml")
    p = ours(common + ["--configure", "maven", "--no-token-in-file"], env)
    text = read(settings)
    check("maven --no-token-in-file: the mirror and ${env.CODEARTIFACT_AUTH_TOKEN}, no token in the file",
          p.returncode == 0 and f"<url>{registry.base}/maven/repo/</url>" in str(text)
          and "<password>${env.CODEARTIFACT_AUTH_TOKEN}</password>" in str(text) and holds_no_token(text),
          p.stderr + str(text))
    proj = project(env, "mproj", {"pom.xml": POM})

    def mvn(n):
        return [tools["mvn"], "-B", "-q", f"-Dmaven.repo.local={env['HOME']}/m2-{n}", "validate"]

    def jar(n):
        return os.path.exists(f"{env['HOME']}/m2-{n}/probe/probe-ext/0.1.0/probe-ext-0.1.0.jar")

    p = run(mvn(0), env, cwd=proj, timeout=240)
    check("maven: without the variable the registry refuses", p.returncode != 0 and not jar(0), p.stdout[-800:])
    installs("maven under exec", "/maven/repo/",
             lambda n: run([binary(), "exec"] + token_only + ["--"] + mvn(n), env, cwd=proj, timeout=240), env, jar,
             lambda n: None)

# --- cargo: the credential provider, and exec ----------------------------------------------------------
CARGO_TOML = ('[package]\nname = "probe"\nversion = "0.1.0"\nedition = "2021"\n\n'
              '[dependencies]\nprobe-crate = "0.1"\n')
if tools.get("cargo"):
    for mode in ("--credential-helper", "--no-token-in-file"):
        env = new_env()
        env.update(CARGO_HOME=os.path.join(env["HOME"], ".cargo"), CARGO_NET_RETRY="0", CARGO_HTTP_TIMEOUT="30")
        config = os.path.join(env["CARGO_HOME"], "config.toml")
        before = "# mine\n[term]\nverbose = false\n"
        write(config, before)
        p = ours(common + ["--configure", "cargo", mode], env)
        text = read(config)
        check(f"cargo {mode}: crates.io replaced by the registry, no credentials.toml, no token",
              p.returncode == 0 and f'index = "sparse+{registry.base}/cargo/repo/"' in text
              and 'replace-with = "' in text and holds_no_token(text)
              and not os.path.exists(os.path.join(env["CARGO_HOME"], "credentials.toml")), p.stderr + str(text))
        proj = project(env, "cproj", {"Cargo.toml": CARGO_TOML, "src/lib.rs": ""})
        cache = os.path.join(env["CARGO_HOME"], "registry")
        if mode == "--credential-helper":
            check("cargo --credential-helper: the provider is the program", "credential-provider = [" in text, text)
            installs("cargo through the credential provider", "/cargo/repo/",
                     lambda n: run([tools["cargo"], "fetch"], env, cwd=proj, timeout=240), env,
                     lambda n: bool(glob.glob(cache + "/cache/*/probe-crate-0.1.0.crate")),
                     lambda n: shutil.rmtree(cache, ignore_errors=True))
        else:
            p = run([tools["cargo"], "fetch"], env, cwd=proj, timeout=240)
            check("cargo: without exec the registry refuses", p.returncode != 0, p.stderr[-800:])
            installs("cargo under exec", "/cargo/repo/",
                     lambda n: run([binary(), "exec"] + common + ["--configure", "cargo", "--", tools["cargo"], "fetch"],
                                   env, cwd=proj, timeout=240), env,
                     lambda n: bool(glob.glob(cache + "/cache/*/probe-crate-0.1.0.crate")),
                     lambda n: shutil.rmtree(cache, ignore_errors=True))

# --- pip: the keyring link, and exec -------------------------------------------------------------------
if tools.get("pip"):
    # pip connects to the CodeArtifact host name on port 443: this Python sends it to the registry instead.
    site = os.path.join(work, "site")
    write(os.path.join(site, "sitecustomize.py"),
          "import socket\n_real = socket.getaddrinfo\n"
          "def _loop(host, port, *a, **k):\n"
          f"    if str(host).endswith('.amazonaws.com'):\n        host, port = '127.0.0.1', {registry.port}\n"
          "    return _real(host, port, *a, **k)\n"
          "socket.getaddrinfo = _loop\n")

    def pip_install(env, n):
        return [python, "-m", "pip", "install", "--no-deps", "--no-cache-dir", "--retries", "0",
                "--disable-pip-version-check", "--target", os.path.join(env["HOME"], f"t{n}"), "probe-pkg"]

    def pip_installed(env):
        return lambda n: os.path.exists(os.path.join(env["HOME"], f"t{n}/probe_pkg/__init__.py"))

    env = new_env()
    conf = os.path.join(env["HOME"], ".config/pip/pip.conf")
    before = "# mine\n[global]\ntimeout = 30\n"
    write(conf, before)
    p = ours(pycommon + ["--configure", "pip", "--credential-helper"], env)
    text = read(conf)
    link = os.path.join(env["HOME"], ".local/share/codeartifact-token/bin/keyring")
    check("pip --credential-helper: index-url without a password, keyring-provider, the link",
          p.returncode == 0 and f"index-url = https://aws@{HOST}/pypi/repo/simple/" in text
          and "keyring-provider = subprocess" in text and os.path.realpath(link) == os.path.realpath(binary())
          and holds_no_token(text), p.stdout + p.stderr + str(text))
    penv = dict(env, PYTHONPATH=site, PATH=os.path.dirname(link) + ":" + env["PATH"])
    p = run(pip_install(penv, 0), dict(penv, PATH=env["PATH"]))
    check("pip: without the keyring link the registry refuses", p.returncode != 0, p.stderr[-800:])
    installs("pip through the keyring link", "/pypi/repo/", lambda n: run(pip_install(penv, n), penv), env,
             pip_installed(penv), lambda n: None)

    # pip cannot expand a variable in pip.conf: --no-token-in-file says so and writes nothing; exec
    # --configure pip hands pip the URL with the token instead (PIP_INDEX_URL).
    env = new_env()
    conf = os.path.join(env["HOME"], ".config/pip/pip.conf")
    p = ours(pycommon + ["--configure", "pip", "--no-token-in-file"], env)
    check("pip --no-token-in-file: refused, pointing to --credential-helper and exec, nothing written",
          p.returncode != 0 and "--credential-helper" in p.stderr and "exec --configure pip" in p.stderr
          and not os.path.exists(conf), p.stderr + str(read(conf)))
    penv = dict(env, PYTHONPATH=site)
    p = run(pip_install(penv, 0), penv)
    check("pip: without exec the registry refuses", p.returncode != 0, p.stderr[-800:])
    installs("pip under exec --configure pip", "/pypi/repo/",
             lambda n: run([binary(), "exec"] + pycommon + ["--configure", "pip", "--"] + pip_install(penv, n), penv),
             env, pip_installed(penv), lambda n: None)

    p = run([binary(), "keyring", "get", "https://pypi.org/simple/", "aws"], penv)
    check("keyring: another host is not ours (exit 1, nothing printed)", p.returncode == 1 and p.stdout == "",
          p.stdout + p.stderr)
    # A keyring of the user's later on PATH still answers what is not ours.
    other = os.path.join(work, "other-bin")
    write(os.path.join(other, "keyring"),
          '#!/bin/sh\n[ "$2" = "https://example.invalid/simple/" ] && echo user-secret && exit 0\nexit 1\n')
    os.chmod(os.path.join(other, "keyring"), 0o755)
    denv = dict(penv, PATH=os.path.dirname(link) + ":" + other + ":" + env["PATH"])
    p = run([link, "get", "https://example.invalid/simple/", "alice"], denv)
    check("keyring: the user's own keyring still answers other URLs", p.returncode == 0 and p.stdout == "user-secret\n",
          p.stdout + p.stderr)

# --- --unconfigure puts each file back, foreign entries before and after ours ------------------------------
# On PYDOMAIN, whose repository endpoints are CodeArtifact's own host names, as --unconfigure computes them
# without a call. Each tool in each mode its --configure has, with the same options to --unconfigure.
FOREIGN = {"npm": (".npmrc", "# mine\nfund=false\n"), "pnpm": (".npmrc", "; mine\nsave-exact=true\n"),
           "yarn": (".yarnrc.yml", "# mine\nenableProgressBars: false\n"),
           "maven": (".m2/settings.xml", "<settings>\n  <offline>false</offline>\n</settings>\n"),
           "pip": (".config/pip/pip.conf", "# mine\n[global]\ntimeout = 30\n"),
           "uv": (".config/uv/uv.toml", "# mine\nnative-tls = true\n"),
           "twine": (".pypirc", "# mine\n[pypi]\nusername = __token__\n"),
           "poetry": (".config/pypoetry/config.toml", "# mine\n[virtualenvs]\nin-project = true\n"),
           "gradle": (".gradle/gradle.properties", "# mine\norg.gradle.daemon=false\n"),
           "cargo": (".cargo/config.toml", "# mine\n[term]\nverbose = false\n")}
MODES = {"npm": ["--no-token-in-file"], "pnpm": [], "yarn": ["--no-token-in-file"], "maven": ["--no-token-in-file"],
         "pip": ["--credential-helper"], "uv": ["--credential-helper"], "gradle": ["--no-token-in-file"],
         "cargo": ["--credential-helper", "--no-token-in-file"]}
for tool, (rel, before) in FOREIGN.items():
    for mode in [[]] + [[m] for m in MODES.get(tool, [])]:
        label = " ".join([tool] + mode)
        env = new_env()
        env["CARGO_HOME"] = os.path.join(env["HOME"], ".cargo")
        path = os.path.join(env["HOME"], rel)
        write(path, before)
        p = ours(pycommon + ["--configure", tool] + mode, env)
        check(f"{label}: --configure changed {rel}", p.returncode == 0 and read(path) != before,
              p.stderr + str(read(path)))
        log_before = len(server_log(PYDOMAIN))
        p = ours(pycommon + ["--unconfigure", tool] + mode, dict(env, AWS_ACCESS_KEY_ID="", AWS_SECRET_ACCESS_KEY=""))
        after = read(path)
        check(f"{label} --unconfigure: the file is as it was, with no credentials and no call",
              p.returncode == 0 and after == before and len(server_log(PYDOMAIN)) == log_before,
              f"{p.stderr}\nbefore: {before!r}\nafter: {after!r}")

# A list of twine's index servers the user wrote keeps all but ours; a registries.json that is not an object
# is refused and left alone; a symlinked ~/.npmrc (a dotfiles repository) is left empty, the link kept; a
# read-only file is refused in one line; AWS_DEFAULTS_MODE=auto asks instance metadata nothing.
unenv = dict(new_env(), AWS_ACCESS_KEY_ID="", AWS_SECRET_ACCESS_KEY="")
pypirc = os.path.join(unenv["HOME"], ".pypirc")
write(pypirc, "[distutils]\nindex-servers = pypi private\n\n[private]\nrepository = https://p.example/\n")
before = read(pypirc)
p = ours(pycommon + ["--configure", "twine"], new_env() | {"HOME": unenv["HOME"]})
p2 = ours(pycommon + ["--unconfigure", "twine"], unenv)
check("twine --unconfigure: the user's index-servers list is as it was", p.returncode == 0 and p2.returncode == 0
      and read(pypirc) == before, p.stderr + p2.stderr + str(read(pypirc)))
registries = os.path.join(unenv["HOME"], ".swiftpm/configuration/registries.json")
write(registries, "[]\n")
p = ours(pycommon + ["--unconfigure", "swift"], unenv)
check("swift --unconfigure: a registries.json that is not an object is refused (exit 6) and left alone",
      p.returncode == 6 and "not a JSON object" in p.stderr and read(registries) == "[]\n", p.stderr)
dotfile = os.path.join(unenv["HOME"], "dotfiles/npmrc")
write(dotfile, "")
npmrc = os.path.join(unenv["HOME"], ".npmrc")
os.symlink(dotfile, npmrc)
p = ours(pycommon + ["--configure", "npm"], new_env() | {"HOME": unenv["HOME"]})
os.chmod(dotfile, 0o400)
p2 = ours(pycommon + ["--unconfigure", "npm"], unenv)
check("npm --unconfigure: a read-only file is refused in one line", p.returncode == 0 and p2.returncode == 6
      and p2.stderr.count("\n") == 1 and "read-only" in p2.stderr and read(dotfile), p.stderr + p2.stderr)
os.chmod(dotfile, 0o600)
auto = dict(unenv, AWS_DEFAULTS_MODE="auto", AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:1")
auto.pop("AWS_EC2_METADATA_DISABLED", None)
p = ours(pycommon + ["--unconfigure", "npm", "--debug"], auto)
check("npm --unconfigure: a linked file is left empty, the link kept; no instance-metadata request",
      p.returncode == 0 and os.path.islink(npmrc) and read(dotfile) == "" and "defaults mode" not in p.stderr
      and "imds" not in p.stderr and "(removed" not in p.stdout, p.stdout + p.stderr)

shutil.rmtree(work, ignore_errors=True)
print(f"# fresh_tokens_test: {time.monotonic() - started:.1f} s")
finish()
