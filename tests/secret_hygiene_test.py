"""Secret hygiene end to end: every output mode and every credential source the loopback peers can drive,
with --debug and known secret values, and then:

- no secret key, session token, web identity / OIDC token, container token, SSO token, IMDS token or
  CodeArtifact authorization token appears on stderr (nor in the ::error line of GitHub mode);
- the authorization token reaches stdout only in the modes that print it: json, text, env, terraform,
  --configure --output env and --configure --dry-run --show-token; in GitHub mode only as the single
  ::add-mask:: line; never with --configure (written), --configure --dry-run or --dry-run;
- AWS secrets never reach stdout or any file the program writes; the token only the files meant to hold it
  (a cache entry, GITHUB_OUTPUT / GITHUB_ENV, the configured file), each 0600 (the cache folder 0700),
  and nothing is left in TMPDIR;
- a credential_process child gets no secret in argv (its own argv and /proc/self/cmdline) and the very
  environment the program got, nothing added; under strace (when it can trace), no program is ever
  executed with the token or a secret in argv or environment other than those the test gave it.

STS-issued secrets are never shown by the endpoint: /__credentials/issued gives their SHA-256, and every
40- and 200-character window of what the program printed or wrote is hashed against them.

Run by CTest as: tests/tools/with-servers python3 tests/secret_hygiene_test.py (CAT_BINARY set).
"""
import atexit
import base64
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import urllib.request

import harness
from harness import (EXAMPLE_SK, binary, check, finish, main_url, post_json, run,
                     server_log, start_server, unique, _ssl_context)

WORK = tempfile.mkdtemp(prefix="cat-hygiene-")
atexit.register(shutil.rmtree, WORK, True)
PY = os.environ.get("CAT_PYTHON", sys.executable)
CA = os.environ["CAT_TEST_CA"]


def rnd(n=12):
    return base64.b32encode(os.urandom(n)).decode().rstrip("=")


# --- the known secrets -------------------------------------------------------------------------------
SECRETS = {}  # name -> value: never on stderr, never on stdout, never in a file the program writes


def secret(name, value):
    SECRETS[name] = value
    return value


def keys(tag, with_token=True):
    """Registers new credentials with the endpoint and returns (ak, secret, token or None)."""
    ak = "AKIDHYG" + tag.upper() + rnd(4)
    sk = secret(f"{tag} secret key", f"{tag}Secret/{rnd()}+{rnd()}")
    st = secret(f"{tag} session token", f"{tag}SessionToken/{rnd(30)}==") if with_token else None
    post_json("/__credentials", {"access_key": ak, "secret_key": sk, **({"session_token": st} if st else {})})
    return ak, sk, st


ENV_AK, ENV_SK, ENV_ST = keys("env")
FLAG_AK, FLAG_SK, FLAG_ST = keys("flag")
PROF_AK, PROF_SK, PROF_ST = keys("profile")
PROC_AK, PROC_SK, PROC_ST = keys("process")
secret("example secret key", EXAMPLE_SK)
META_AK = "ASIAHYGMETA" + rnd(4)
META_SK = secret("metadata secret key", "metaSecret/" + rnd())
META_ST = secret("metadata session token", "metaSessionToken+" + rnd(30))
post_json("/__credentials", {"access_key": META_AK, "secret_key": META_SK, "session_token": META_ST})
CONTAINER_TOKEN = secret("container token", "containerToken-" + rnd())
SSO_TOKEN = secret("SSO token", "ssoAccessToken-" + rnd())
OIDC_REQUEST_TOKEN = secret("OIDC request token", "oidcRequestToken-" + rnd())


def jwt(sub):
    enc = lambda o: base64.urlsafe_b64encode(json.dumps(o).encode()).rstrip(b"=").decode()
    return (enc({"alg": "RS256", "kid": rnd(4)}) + "." + enc({"sub": sub, "aud": "sts.amazonaws.com",
            "iss": "https://token.actions.githubusercontent.com", "jti": rnd()}) + "." + rnd(20))


GITHUB_JWT = secret("GitHub OIDC JWT", jwt("repo:org/repo:ref:refs/heads/main"))
WEB_IDENTITY_JWT = secret("web identity token", jwt("system:serviceaccount:ci:builder"))
IMDS_TOKEN_RE = re.compile(r"imds-[A-Za-z0-9_-]{16,}")  # the metadata server's IMDSv2 session tokens


META = "http://127.0.0.1:%d" % start_server(WORK, "metadata_server", "--access-key", META_AK, "--secret-key",
                                            META_SK, "--session-token", META_ST, "--container-token",
                                            CONTAINER_TOKEN, "--sso-token", SSO_TOKEN)
OIDC = "http://127.0.0.1:%d" % start_server(WORK, "oidc_server", "--request-token", OIDC_REQUEST_TOKEN, "--jwt",
                                            GITHUB_JWT)


def issued_hashes():
    ctx = _ssl_context()
    with urllib.request.urlopen(main_url() + "/__credentials/issued", context=ctx, timeout=10) as r:
        issued = json.load(r)
    return ({e["secret_key_sha256"] for e in issued}, {e["session_token_sha256"] for e in issued})


def all_tokens():
    return {e["token_issued"] for e in server_log() if e.get("token_issued")}


def window_hit(data, width, hashes):
    """True when some WIDTH-byte window of DATA has its SHA-256 (hex) in HASHES."""
    return any(hashlib.sha256(data[i:i + width]).hexdigest() in hashes for i in range(0, len(data) - width + 1))


def leaks(text, tokens=True):
    """The names of the secrets in TEXT: the known ones, STS-issued ones (by hash), IMDS tokens and, with
    tokens, any CodeArtifact token the endpoint issued."""
    found = [name for name, value in SECRETS.items() if value in text]
    sk_hashes, st_hashes = issued_hashes()
    for width, hashes, what in ((40, sk_hashes, "STS-issued secret key"), (200, st_hashes, "STS-issued session token")):
        if window_hit(text.encode(), width, hashes):
            found.append(what)
    if "IQoJb3JpZ2luX2Vj" in text:  # how the STS emulation's session tokens start
        found.append("STS-issued session token (prefix)")
    if IMDS_TOKEN_RE.search(text):
        found.append("IMDS token")
    if tokens:
        found += ["authorization token " + t[:8] + "..." for t in all_tokens() if t in text]
    return found


# The detectors themselves.
fake = "A" * 7 + rnd(25)[:33]
check("self-test: a known secret is found in text", leaks("x " + ENV_SK + " y") == ["env secret key"], leaks(ENV_SK))
check("self-test: a 40-character secret is found by its hash anywhere in the text",
      window_hit(("head " + fake + " tail").encode(), 40, {hashlib.sha256(fake.encode()).hexdigest()}) and
      not window_hit(("head " + fake[:-1] + " tail").encode(), 40, {hashlib.sha256(fake.encode()).hexdigest()}))
check("self-test: an IMDS token is recognised", leaks("token imds-" + rnd(20)) == ["IMDS token"])


# --- running one case --------------------------------------------------------------------------------
def snapshot(root):
    files = {}
    for d, _, names in os.walk(root):
        for n in names:
            p = os.path.join(d, n)
            try:
                with open(p, "rb") as f:
                    files[p] = f.read()
            except OSError:
                pass
    return files


def home_env(config="", credentials="", files=None, **extra):
    env = harness.home_env(config, credentials, files, **extra)
    env["TMPDIR"] = tempfile.mkdtemp(prefix="tmp-", dir=WORK)
    return env


def env_keys(**extra):
    return home_env(**dict(dict(AWS_ACCESS_KEY_ID=ENV_AK, AWS_SECRET_ACCESS_KEY=ENV_SK, AWS_SESSION_TOKEN=ENV_ST),
                           **extra))


def case(name, args, env, *, stdin=None, rc=0, stdout_token="printed", token_files=(), debug=True,
         watch=(), fetches=True, credential_files=()):
    """Runs one case and checks everything above. stdout_token: 'printed' (the token is the output),
    'mask' (exactly once, as the ::add-mask:: line), 'none'. token_files: files besides cache entries that
    are meant to hold the token (and must then be 0600 if the program created them). watch: more folders
    whose files the program may write. credential_files: files the program may rewrite with AWS secrets
    (a refreshed `aws login` cache), which must then be 0600 and hold no CodeArtifact token."""
    roots = [env["HOME"], env["TMPDIR"], *watch]
    before = {r: snapshot(r) for r in roots}
    d = unique("hyg")
    github = "github" in args  # the domain comes from INPUT_DOMAIN, as the action passes it
    argv = list(args) + (["--domain", d] if stdin is None and not github else [])
    if stdin is not None:
        stdin = stdin.replace("@DOMAIN@", d)
    if "INPUT_DOMAIN" in env:
        env = dict(env, INPUT_DOMAIN=d)
    if debug and stdin is None:
        argv.append("--debug")
    p = subprocess.run([binary()] + argv, env=env, input=stdin, capture_output=True, text=True, timeout=120)
    out, err = p.stdout, p.stderr
    tokens = [e["token_issued"] for e in server_log(d) if e.get("token_issued")]
    check(f"{name}: exit {rc}", p.returncode == rc, (p.returncode, err))
    if rc == 0 and fetches:
        check(f"{name}: a token was issued", len(tokens) >= 1, server_log(d))
    leaked = leaks(err)
    check(f"{name}: nothing secret on stderr", not leaked, (leaked, err))
    leaked = leaks(out, tokens=False)
    check(f"{name}: no AWS secret on stdout", not leaked, (leaked, out))
    token = tokens[-1] if tokens else None
    others = [t for t in all_tokens() if t != token and t in out]
    check(f"{name}: no other token on stdout", not others, others)
    if token:
        if stdout_token == "printed":
            check(f"{name}: the token is printed", token in out, out)
        elif stdout_token == "mask":
            lines = [line for line in out.splitlines() if token in line]
            check(f"{name}: the token only as the ::add-mask:: line", lines == ["::add-mask::" + token], out)
        else:
            check(f"{name}: the token is not on stdout", token not in out, out)

    # Files: what changed, who holds what, and modes.
    cache_dir = os.path.join(env["HOME"], ".cache", "codeartifact-token")

    def shown(path, root):  # a cache entry's name is a hash: shown by its kind only
        rel = os.path.relpath(path, root)
        return "cache " + path.rsplit(".", 1)[-1] if os.path.dirname(path) == cache_dir else rel

    for r in roots:
        after = snapshot(r)
        for path, data in after.items():
            if before[r].get(path) == data:
                continue
            text = data.decode("utf-8", "replace")
            if path in credential_files:
                mode = stat.S_IMODE(os.stat(path).st_mode)
                check(f"{name}: {shown(path, r)} is 0600 and holds no token",
                      mode == 0o600 and not any(t in text for t in all_tokens()), oct(mode))
                continue
            leaked = leaks(text, tokens=False)
            check(f"{name}: no AWS secret in the written file {shown(path, r)}", not leaked, leaked)
            holders = [t for t in all_tokens() if t in text]
            if holders:
                meant = path in token_files or (os.path.dirname(path) == cache_dir and path.endswith(".json"))
                check(f"{name}: the token only in files meant for it ({shown(path, r)})", meant, path)
                if path not in before[r]:
                    mode = stat.S_IMODE(os.stat(path).st_mode)
                    check(f"{name}: {shown(path, r)} holds the token and is 0600", mode == 0o600, oct(mode))
    if os.path.isdir(cache_dir):
        mode = stat.S_IMODE(os.stat(cache_dir).st_mode)
        check(f"{name}: the cache folder is 0700", mode == 0o700, oct(mode))
        for n in os.listdir(cache_dir):
            m = stat.S_IMODE(os.stat(os.path.join(cache_dir, n)).st_mode)
            check(f"{name}: cache {n.rsplit('.', 1)[-1]} file is 0600", m == 0o600, (n, oct(m)))
    check(f"{name}: nothing left in TMPDIR", os.listdir(env["TMPDIR"]) == [], os.listdir(env["TMPDIR"]))
    return p.returncode, out, err, token


# --- output modes (credentials from the environment, with a session token) ----------------------------
case("json", [], env_keys())
case("text", ["--output", "text"], env_keys())
case("env", ["--output", "env"], env_keys())
case("select Expiration", ["--select", "Expiration", "--output", "text"], env_keys(), stdout_token="none")
case("cmdlet syntax", ["-Select", "*"], env_keys())
case("cmdlet syntax, -Select ^DomainOwner", ["-DomainOwner", "111122223333", "-Select", "^DomainOwner"], env_keys(),
     stdout_token="none")
case("terraform (stdin)", [], env_keys(), stdin=json.dumps({"Domain": "@DOMAIN@", "DomainOwner": "111122223333"}))
case("terraform (stdin, secrets in the query)", [], home_env(), stdin=json.dumps(
    {"Domain": "@DOMAIN@", "AccessKey": FLAG_AK, "SecretKey": FLAG_SK, "SessionToken": FLAG_ST}))

gh = tempfile.mkdtemp(prefix="gh-", dir=WORK)
gh_env = env_keys(GITHUB_ACTIONS="true", GITHUB_OUTPUT=os.path.join(gh, "output"), GITHUB_ENV=os.path.join(gh, "env"),
                  INPUT_DOMAIN="x", **{"INPUT_DOMAIN-OWNER": "111122223333", "INPUT_EXPORT-ENV": "true",
                                       "INPUT_MASK": "true"})
case("github (GITHUB_OUTPUT and GITHUB_ENV created by us)", ["--output", "github"], gh_env, stdout_token="mask",
     token_files=(gh_env["GITHUB_OUTPUT"], gh_env["GITHUB_ENV"]), watch=(gh,))
check("github: GITHUB_OUTPUT and GITHUB_ENV were written",
      os.path.exists(gh_env["GITHUB_OUTPUT"]) and os.path.exists(gh_env["GITHUB_ENV"]), os.listdir(gh))
gh2 = tempfile.mkdtemp(prefix="gh-", dir=WORK)
gh2_env = dict(gh_env, GITHUB_OUTPUT=os.path.join(gh2, "output"), GITHUB_ENV=os.path.join(gh2, "env"))
for f in (gh2_env["GITHUB_OUTPUT"], gh2_env["GITHUB_ENV"]):
    open(f, "w").write("EARLIER=value\n")
    os.chmod(f, 0o644)
case("github (the runner's files, appended)", ["--output", "github"], gh2_env, stdout_token="mask",
     token_files=(gh2_env["GITHUB_OUTPUT"], gh2_env["GITHUB_ENV"]), watch=(gh2,))
check("github: the runner's files keep their mode and earlier lines",
      stat.S_IMODE(os.stat(gh2_env["GITHUB_OUTPUT"]).st_mode) == 0o644 and
      open(gh2_env["GITHUB_ENV"]).read().startswith("EARLIER=value\n"), open(gh2_env["GITHUB_ENV"]).read()[:40])
gh3 = tempfile.mkdtemp(prefix="gh-", dir=WORK)
gh3_env = dict(gh_env, GITHUB_OUTPUT=os.path.join(gh3, "output"), GITHUB_ENV=os.path.join(gh3, "env"),
               **{"INPUT_MASK": "false", "INPUT_EXPORT-ENV": "false"})
case("github (mask false, export-env false)", ["--output", "github"], gh3_env, stdout_token="none",
     token_files=(gh3_env["GITHUB_OUTPUT"],), watch=(gh3,))
check("github: export-env false writes no GITHUB_ENV", not os.path.exists(gh3_env["GITHUB_ENV"]), os.listdir(gh3))
rc, out, err, _ = case("github error (unknown input)", ["--output", "github"],
                       dict(gh_env, **{"INPUT_DOMIAN": "x"}), rc=2, stdout_token="none", watch=(gh,))
check("github error: the ::error line carries no secret", "::error" in out and not leaks(out), out)

env = env_keys()
npmrc = os.path.join(env["HOME"], ".npmrc")
case("--configure npm", ["--repository", "npm-store", "--configure", "npm"], env, stdout_token="none",
     token_files=(npmrc,))
check("--configure npm: .npmrc written, 0600", os.path.exists(npmrc) and
      stat.S_IMODE(os.stat(npmrc).st_mode) == 0o600, os.listdir(env["HOME"]))
env = env_keys()
case("--configure npm --dry-run", ["--repository", "npm-store", "--configure", "npm", "--dry-run"], env,
     stdout_token="none")
check("--configure npm --dry-run: nothing written", not os.path.exists(os.path.join(env["HOME"], ".npmrc")),
      os.listdir(env["HOME"]))
case("--configure npm --dry-run --show-token", ["--repository", "npm-store", "--configure", "npm", "--dry-run",
                                                "--show-token"], env_keys())
case("--configure npm --output env", ["--repository", "npm-store", "--configure", "npm", "--output", "env"], env_keys())
conf_dir = tempfile.mkdtemp(prefix="conf-", dir=WORK)
other = os.path.join(conf_dir, "new folder", "npmrc")
case("--configure npm --config-file (new folder)", ["--repository", "npm-store", "--configure", "npm",
                                                    "--config-file", other], env_keys(), stdout_token="none",
     token_files=(other,), watch=(conf_dir,))
rc, out, err, _ = case("--dry-run (the signed request)", ["--dry-run"], env_keys(), stdout_token="none",
                       fetches=False)
check("--dry-run: the session token is redacted, the request shown",
      "x-amz-security-token: <redacted>" in out and "authorization: AWS4-HMAC-SHA256" in out, out)
case("--no-cache", ["--no-cache"], env_keys())

# --- credential sources ------------------------------------------------------------------------------
case("explicit flags", ["--access-key", FLAG_AK, "--secret-key", FLAG_SK, "--session-token", FLAG_ST], home_env())
case("explicit -AK -SK -ST", ["-AK", FLAG_AK, "-SK", FLAG_SK, "-ST", FLAG_ST], home_env())
case("environment", [], env_keys())
case("profile static keys (~/.aws/credentials)", [], home_env(credentials=(
    f"[default]\naws_access_key_id = {PROF_AK}\naws_secret_access_key = {PROF_SK}\naws_session_token = {PROF_ST}\n")))
case("role via source_profile (STS AssumeRole)", ["--profile", "role"], home_env(config=(
    "[profile role]\nrole_arn = arn:aws:iam::111122223333:role/hygiene\nsource_profile = base\n"
    f"[profile base]\naws_access_key_id = {PROF_AK}\naws_secret_access_key = {PROF_SK}\n"
    f"aws_session_token = {PROF_ST}\n")))
case("role chain (two AssumeRole)", ["--profile", "second"], home_env(config=(
    "[profile second]\nrole_arn = arn:aws:iam::111122223333:role/second\nsource_profile = first\n"
    "[profile first]\nrole_arn = arn:aws:iam::111122223333:role/first\nsource_profile = base\n"
    f"[profile base]\naws_access_key_id = {PROF_AK}\naws_secret_access_key = {PROF_SK}\n"
    f"aws_session_token = {PROF_ST}\n")))
token_file = os.path.join(WORK, "web-identity-token")
open(token_file, "w").write(WEB_IDENTITY_JWT + "\n")
case("web identity token file (STS AssumeRoleWithWebIdentity)", [], home_env(
    AWS_WEB_IDENTITY_TOKEN_FILE=token_file, AWS_ROLE_ARN="arn:aws:iam::111122223333:role/irsa"))
case("GitHub Actions OIDC", ["--role-arn", "arn:aws:iam::111122223333:role/github"], home_env(
    ACTIONS_ID_TOKEN_REQUEST_URL=f"{OIDC}/token?api-version=2.0", ACTIONS_ID_TOKEN_REQUEST_TOKEN=OIDC_REQUEST_TOKEN,
    GITHUB_ACTIONS="true"))
case("container credentials", [], home_env(AWS_CONTAINER_CREDENTIALS_FULL_URI=f"{META}/container/creds",
                                           AWS_CONTAINER_AUTHORIZATION_TOKEN=CONTAINER_TOKEN))
token_path = os.path.join(WORK, "container-token")
open(token_path, "w").write(CONTAINER_TOKEN)
case("container credentials (token file)", [], home_env(AWS_CONTAINER_CREDENTIALS_FULL_URI=f"{META}/container/creds",
                                                        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=token_path))
future = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
sso_cache = f".aws/sso/cache/{hashlib.sha1(b'corp').hexdigest()}.json"
case("SSO", ["--profile", "dev"], home_env(
    config="[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = MetadataTestRole\n"
           "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
    files={sso_cache: json.dumps({"accessToken": SSO_TOKEN, "expiresAt": future, "region": "us-east-1"})},
    AWS_ENDPOINT_URL_SSO=META))
# aws login: the cached credentials, then a refresh through the loopback Sign-In endpoint (a DPoP proof).
LOGIN_SESSION = "arn:aws:sts::111122223333:assumed-role/Admin/hygiene"
LOGIN_AK, LOGIN_SK, LOGIN_ST = keys("login")
SIGNIN_AK, SIGNIN_SK, SIGNIN_ST = keys("signin")
LOGIN_REFRESH = secret("login refresh token", "loginRefresh-" + rnd())
DPOP_KEY = subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout"], check=True,
                          capture_output=True, text=True).stdout
secret("DPoP private key", DPOP_KEY.splitlines()[1])
SIGNIN = "https://127.0.0.1:%d" % start_server(WORK, "signin_server", "--ca-dir", os.environ["CAT_TEST_STATE"],
                                               "--refresh-token", LOGIN_REFRESH, "--access-key", SIGNIN_AK,
                                               "--secret-key", SIGNIN_SK, "--session-token", SIGNIN_ST)
login_cache = f".aws/login/cache/{hashlib.sha256(LOGIN_SESSION.encode()).hexdigest()}.json"
for label, expires in (("valid", future), ("refreshed", "2020-01-01T00:00:00Z")):
    login_env = home_env(config=f"[profile console]\nlogin_session = {LOGIN_SESSION}\n", AWS_ENDPOINT_URL_SIGNIN=SIGNIN,
                         files={login_cache: json.dumps({
                             "accessToken": {"accessKeyId": LOGIN_AK, "secretAccessKey": LOGIN_SK,
                                             "sessionToken": LOGIN_ST, "accountId": "111122223333",
                                             "expiresAt": expires},
                             "refreshToken": LOGIN_REFRESH, "clientId": "arn:aws:signin:::devtools/same-device",
                             "dpopKey": DPOP_KEY})})
    case(f"login_session ({label})", ["--profile", "console"], login_env,
         credential_files=(os.path.join(login_env["HOME"], login_cache),))
imds_env = home_env(AWS_EC2_METADATA_SERVICE_ENDPOINT=META)
imds_env.pop("AWS_EC2_METADATA_DISABLED")
case("instance metadata (IMDSv2)", [], imds_env)

# credential_process: a helper that records what it was given.
helper_dir = os.path.join(WORK, "helper dir")
os.makedirs(helper_dir)
helper = os.path.join(helper_dir, "creds-helper")
record = os.path.join(WORK, "helper-record.json")
with open(helper, "w") as f:
    f.write(f"""#!{PY}
import json, os, sys
with open("/proc/self/cmdline", "rb") as f:
    cmdline = [a.decode("utf-8", "replace") for a in f.read().split(b"\\0") if a]
with open("/proc/%d/cmdline" % os.getppid(), "rb") as f:
    parent = [a.decode("utf-8", "replace") for a in f.read().split(b"\\0") if a]
with open(sys.argv[1], "w") as f:
    json.dump({{"argv": sys.argv, "cmdline": cmdline, "parent_cmdline": parent, "env": dict(os.environ)}}, f)
print(json.dumps({{"Version": 1, "AccessKeyId": "{PROC_AK}", "SecretAccessKey": "{PROC_SK}",
                  "SessionToken": "{PROC_ST}"}}))
""")
os.chmod(helper, 0o700)
proc_config = (f"[profile proc]\ncredential_process = \"{helper}\" \"{record}\" --flag\n"
               "[profile proc-role]\nrole_arn = arn:aws:iam::111122223333:role/from-process\nsource_profile = proc\n")
proc_env = home_env(config=proc_config)
case("credential_process", ["--profile", "proc"], proc_env)
rec = json.load(open(record)) if os.path.exists(record) else {}
check("credential_process: the helper ran with its configured arguments",
      rec.get("argv", [None])[1:] == [record, "--flag"], rec.get("argv"))
for what in ("argv", "cmdline", "parent_cmdline"):
    text = "\0".join(rec.get(what, []))
    check(f"credential_process: no secret in the helper's {what}", rec and not leaks(text), leaks(text))
child_env = rec.get("env", {})
added = {k: v for k, v in child_env.items() if proc_env.get(k) != v}
check("credential_process: the helper's environment is the program's, nothing added or changed",
      rec and not added and set(child_env) == set(proc_env), (added, set(proc_env) - set(child_env)))
check("credential_process: no secret in the helper's environment", rec and not leaks(json.dumps(child_env)),
      leaks(json.dumps(child_env)))
os.remove(record)
proc_env = home_env(config=proc_config)
case("credential_process as a role's source", ["--profile", "proc-role"], proc_env)
rec = json.load(open(record)) if os.path.exists(record) else {}
check("credential_process as a role's source: nothing secret in the helper's argv or environment",
      rec and not leaks(json.dumps(rec)) and not {k for k, v in rec["env"].items() if proc_env.get(k) != v},
      leaks(json.dumps(rec)))

# --- errors: the message of a failure never carries a secret -----------------------------------------
case("wrong secret key (InvalidSignatureException quotes the canonical request)", ["--no-cache"],
     env_keys(AWS_SECRET_ACCESS_KEY="wrong/" + ENV_SK), rc=4, stdout_token="none")
case("STS AccessDenied", ["--profile", "deny"], home_env(config=(
    "[profile deny]\nrole_arn = arn:aws:iam::111122223333:role/deny-me\nsource_profile = base\n"
    f"[profile base]\naws_access_key_id = {PROF_AK}\naws_secret_access_key = {PROF_SK}\n"
    f"aws_session_token = {PROF_ST}\n")), rc=4, stdout_token="none")
case("GitHub OIDC with the wrong request token", ["--role-arn", "arn:aws:iam::111122223333:role/github"], home_env(
    ACTIONS_ID_TOKEN_REQUEST_URL=f"{OIDC}/token?api-version=2.0",
    ACTIONS_ID_TOKEN_REQUEST_TOKEN=secret("wrong OIDC request token", "wrongRequestToken-" + rnd()),
    GITHUB_ACTIONS="true"), rc=3, stdout_token="none")
case("container endpoint refusing the token", [], home_env(
    AWS_CONTAINER_CREDENTIALS_FULL_URI=f"{META}/container/creds",
    AWS_CONTAINER_AUTHORIZATION_TOKEN=secret("wrong container token", "wrongContainerToken-" + rnd())),
     rc=3, stdout_token="none")
d = unique("unavailable")
rc, out, err = run(["--domain", d, "--debug", "--max-attempts", "2", "--no-cache"], env_keys())
check("503 always: exit 4, nothing secret on stderr", rc == 4 and not leaks(err), (rc, leaks(err)))

# --- no program is executed with a secret (strace -f, when it can trace here) -------------------------
strace = shutil.which("strace")
traceable = strace and subprocess.run([strace, "-o", os.devnull, "true"], capture_output=True).returncode == 0
if not traceable:
    print("ok - execve trace # skip: strace is missing or cannot trace here")
else:
    def traced(name, args, env, expected_programs):
        log = os.path.join(WORK, "strace-" + rnd(4))
        d = unique("hyg")
        # LeakSanitizer cannot run under ptrace: in the ASan+UBSan run, leave leak checks to the other tests.
        env = dict(env, ASAN_OPTIONS=(env.get("ASAN_OPTIONS", "") + ":detect_leaks=0").lstrip(":"))
        p = subprocess.run([strace, "-f", "-v", "-s", "1000000", "-e", "trace=execve", "-o", log, binary(),
                            "--domain", d, "--debug", *args], env=env, capture_output=True, text=True, timeout=120)
        calls = [line for line in open(log) if 'execve("' in line and "= -1 " not in line]
        programs = [re.search(r'execve\("([^"]*)"', line).group(1) for line in calls]
        check(f"strace {name}: exit 0", p.returncode == 0, p.stderr)
        check(f"strace {name}: programs executed", programs == expected_programs, programs)
        given = {v for v in env.values()} | set(args)
        for line, prog in zip(calls[1:], programs[1:]):  # the first is the program itself, as the test ran it
            found = [x for x in leaks(line) if not any(SECRETS.get(x, "\0") == g for g in given)]
            check(f"strace {name}: {os.path.basename(prog)} got no secret or token in argv or environment",
                  not found, found)
        first = calls[0] if calls else ""
        check(f"strace {name}: no token in the program's own execve", not [t for t in all_tokens() if t in first])

    traced("github mode", ["--output", "github"], dict(gh_env, GITHUB_OUTPUT=os.path.join(gh, "o2"),
                                                       GITHUB_ENV=os.path.join(gh, "e2")), [binary()])
    traced("--configure npm", ["--repository", "npm-store", "--configure", "npm"], env_keys(), [binary()])
    traced("credential_process", ["--profile", "proc"], home_env(config=proc_config), [binary(), helper])

finish()
