"""Every credential source end to end: the program resolves credentials through its chain, against
loopback peers (the CodeArtifact endpoint's STS emulation, the metadata server's container, IMDS and SSO
endpoints, the GitHub OIDC token server, real credential_process children), and the CodeArtifact request
must then be signed with the credentials the chain produced: the endpoint checks it with botocore and logs
which access key signed it. Each case gets its own HOME and environment.

Run by CTest as: tests/tools/with-servers python3 tests/credentials_chain_test.py (CAT_BINARY set).
"""
import base64
import hashlib
import json
import os
import signal
import subprocess
import tempfile
import time

from harness import (EXAMPLE_AK, EXAMPLE_SK, binary, check, finish, home_env, main_url, post_json, run,
                     server_log, skip, start_server, unique)

STATE = tempfile.mkdtemp(prefix="cat-chain-")


def jwt(sub="repo:org/repo:ref:refs/heads/main"):
    enc = lambda o: base64.urlsafe_b64encode(json.dumps(o).encode()).rstrip(b"=").decode()
    return enc({"alg": "RS256"}) + "." + enc({"sub": sub, "aud": "sts.amazonaws.com",
                                              "iss": "https://token.actions.githubusercontent.com"}) + ".sig"


OIDC_REQUEST_TOKEN = "oidc-request-token-" + os.urandom(6).hex()
GITHUB_JWT = jwt()
meta_port = start_server(STATE, "metadata_server")
oidc_port = start_server(STATE, "oidc_server", "--request-token", OIDC_REQUEST_TOKEN, "--jwt", GITHUB_JWT)
META = f"http://127.0.0.1:{meta_port}"
META_AK, META_SK, META_ST = "ASIAMETADATAEXAMPLE", "metadataSecretKeyEXAMPLE0123456789abcdef", "metadataSessionTokenEXAMPLE"
post_json("/__credentials", {"access_key": META_AK, "secret_key": META_SK, "session_token": META_ST})

SECRETS = [EXAMPLE_SK, META_SK, META_ST, OIDC_REQUEST_TOKEN, GITHUB_JWT, "sso-test-access-token",
           "container-test-token", "sso-test-refresh-token", "sso-test-client-secret", "expired-access-token"]


def fetch(env, *args):
    d = unique("chain")
    rc, out, err = run(["--domain", d, "--no-cache", "--debug", *args], env)
    log = [e for e in server_log(d)]
    return rc, out, err, log


def signer(log):
    """The access key that signed the CodeArtifact call, if the endpoint accepted the signature."""
    return log[-1]["access_key"] if log and log[-1].get("signature_ok") and log[-1].get("token_issued") else None


def no_secret(name, err):
    leaked = [s[:6] + "..." for s in SECRETS if s in err]
    check(name + ": no secret in --debug output", not leaked, leaked)


def sts_calls(action=None):
    return [e for e in server_log() if e.get("service") == "sts" and (action is None or e.get("action") == action)]


# --- static keys in the shared files ------------------------------------------------------------------
env = home_env(credentials=f"[default]\naws_access_key_id = {EXAMPLE_AK}\naws_secret_access_key = {EXAMPLE_SK}\n")
rc, out, err, log = fetch(env)
check("profile default from ~/.aws/credentials", rc == 0 and signer(log) == EXAMPLE_AK, err)
no_secret("profile default", err)

env = home_env(config=f"[profile ci]\nregion = eu-central-1\naws_access_key_id = {EXAMPLE_AK}\n"
                       f"aws_secret_access_key = {EXAMPLE_SK}\n")
env.pop("AWS_REGION")
rc, out, err, log = fetch(env, "--profile", "ci")
check("--profile ci from ~/.aws/config, region from the profile",
      rc == 0 and signer(log) == EXAMPLE_AK and log[-1].get("region") == "eu-central-1", (err, log[-1:]))
rc, out, err, log = fetch(dict(env, AWS_PROFILE="ci"))
check("AWS_PROFILE selects the profile", rc == 0 and signer(log) == EXAMPLE_AK, err)
rc, out, err, log = fetch(env, "--profile", "nope")
check("a named profile that does not exist is an error (exit 3)", rc == 3 and "no profile nope" in err, err)

other = os.path.join(tempfile.mkdtemp(), "creds")
open(other, "w").write(f"[default]\naws_access_key_id = {EXAMPLE_AK}\naws_secret_access_key = {EXAMPLE_SK}\n")
env = home_env()
rc, out, err, log = fetch(env, "--profile-location", other)
check("--profile-location names the credentials file", rc == 0 and signer(log) == EXAMPLE_AK, err)
rc, out, err, log = fetch(dict(env, AWS_SHARED_CREDENTIALS_FILE=other))
check("AWS_SHARED_CREDENTIALS_FILE", rc == 0 and signer(log) == EXAMPLE_AK, err)

# --- roles --------------------------------------------------------------------------------------------
base = f"[profile base]\naws_access_key_id = {EXAMPLE_AK}\naws_secret_access_key = {EXAMPLE_SK}\n"
env = home_env(config=base +
                "[profile first]\nrole_arn = arn:aws:iam::111122223333:role/first\nsource_profile = base\n"
                "role_session_name = first-session\n"
                "[profile second]\nrole_arn = arn:aws:iam::111122223333:role/second\nsource_profile = first\n"
                "external_id = ext-123\nduration_seconds = 900\n")
before = len(sts_calls("AssumeRole"))
rc, out, err, log = fetch(env, "--profile", "second")
calls = sts_calls("AssumeRole")[before:]
check("role chain base -> first -> second: two AssumeRole calls", len(calls) == 2, calls)
if len(calls) == 2:
    check("... the first signed with the base keys", calls[0]["source_access_key"] == EXAMPLE_AK and
          calls[0]["role_session_name"] == "first-session", calls[0])
    check("... the second with the first role's credentials, external id and duration",
          calls[1]["source_access_key"] == calls[0]["issued_access_key"] and calls[1]["external_id"] == "ext-123"
          and str(calls[1]["duration_seconds"]) == "900", calls[1])
    check("... CodeArtifact signed with the second role's credentials",
          rc == 0 and signer(log) == calls[1]["issued_access_key"] and log[-1]["issued_by"] == "AssumeRole", log[-1:])
no_secret("role chain", err)

env = home_env(config="[profile a]\nrole_arn = arn:aws:iam::111122223333:role/a\nsource_profile = b\n"
                       "[profile b]\nrole_arn = arn:aws:iam::111122223333:role/b\nsource_profile = a\n")
rc, out, err, log = fetch(env, "--profile", "a")
check("a source_profile cycle is an error naming it", rc == 3 and "cycle" in err, err)

env = home_env(config="[profile x]\nrole_arn = arn:aws:iam::111122223333:role/x\nsource_profile = base\n"
                       "credential_source = Environment\n" + base)
rc, out, err, log = fetch(env, "--profile", "x")
check("source_profile and credential_source together are an error", rc == 3 and "not both" in err, err)

env = home_env(config="[profile envrole]\nrole_arn = arn:aws:iam::111122223333:role/from-env\n"
                       "credential_source = Environment\n")
env.update(AWS_ACCESS_KEY_ID=EXAMPLE_AK, AWS_SECRET_ACCESS_KEY=EXAMPLE_SK)
rc, out, err, log = fetch(env, "--profile", "envrole")
check("credential_source = Environment", rc == 0 and signer(log) and signer(log).startswith("ASIA"), err)

env = home_env(config="[profile denied]\nrole_arn = arn:aws:iam::111122223333:role/deny-me\nsource_profile = base\n" + base)
rc, out, err, log = fetch(env, "--profile", "denied")
check("AssumeRole AccessDenied: exit 4 with the STS code and request id", rc == 4 and "AccessDenied" in err
      and "request id" in err and log == [], err)

# --role-arn with keys from the environment: AssumeRole from them.
env = home_env()
env.update(AWS_ACCESS_KEY_ID=EXAMPLE_AK, AWS_SECRET_ACCESS_KEY=EXAMPLE_SK)
before = len(sts_calls("AssumeRole"))
rc, out, err, log = fetch(env, "--role-arn", "arn:aws:iam::111122223333:role/flag-role")
calls = sts_calls("AssumeRole")[before:]
check("--role-arn with env keys: AssumeRole, then CodeArtifact with the role", rc == 0 and len(calls) == 1 and
      calls[0]["role_arn"].endswith("role/flag-role") and signer(log) == calls[0]["issued_access_key"], (err, calls))

# --- web identity -------------------------------------------------------------------------------------
token_file = os.path.join(tempfile.mkdtemp(), "token")
open(token_file, "w").write(jwt("system:serviceaccount:ci:builder") + "\n")
SECRETS.append(open(token_file).read().strip())
env = home_env()
env.update(AWS_WEB_IDENTITY_TOKEN_FILE=token_file, AWS_ROLE_ARN="arn:aws:iam::111122223333:role/irsa",
           AWS_ROLE_SESSION_NAME="irsa-session")
before = len(sts_calls("AssumeRoleWithWebIdentity"))
rc, out, err, log = fetch(env)
calls = sts_calls("AssumeRoleWithWebIdentity")[before:]
check("web identity from env (IRSA): AssumeRoleWithWebIdentity, unsigned", len(calls) == 1 and
      calls[0]["role_session_name"] == "irsa-session" and
      calls[0]["web_identity_token_sha256"] == hashlib.sha256(SECRETS[-1].encode()).hexdigest(), calls)
check("... CodeArtifact signed with its credentials", rc == 0 and calls and signer(log) == calls[0]["issued_access_key"], err)
no_secret("web identity", err)

env = home_env(config=f"[profile wi]\nrole_arn = arn:aws:iam::111122223333:role/wi\nweb_identity_token_file = {token_file}\n")
rc, out, err, log = fetch(env, "--profile", "wi")
check("web_identity_token_file in a profile", rc == 0 and signer(log) and signer(log).startswith("ASIA"), err)

# --- GitHub Actions OIDC ------------------------------------------------------------------------------
env = home_env()
env.update(ACTIONS_ID_TOKEN_REQUEST_URL=f"http://127.0.0.1:{oidc_port}/token?api-version=2.0",
           ACTIONS_ID_TOKEN_REQUEST_TOKEN=OIDC_REQUEST_TOKEN, GITHUB_ACTIONS="true")
before = len(sts_calls("AssumeRoleWithWebIdentity"))
rc, out, err, log = fetch(env, "--role-arn", "arn:aws:iam::111122223333:role/github")
calls = sts_calls("AssumeRoleWithWebIdentity")[before:]
check("GitHub OIDC: token from the runner's endpoint, then AssumeRoleWithWebIdentity",
      len(calls) == 1 and calls[0]["web_identity_token_sha256"] == hashlib.sha256(GITHUB_JWT.encode()).hexdigest()
      and calls[0]["role_session_name"] == "GitHubActions", calls)
check("... CodeArtifact signed with the role", rc == 0 and calls and signer(log) == calls[0]["issued_access_key"], err)
no_secret("GitHub OIDC", err)
oidc_log = [json.loads(l) for l in open(os.path.join(STATE, "oidc.log"))]
check("... the OIDC request had the bearer token and audience sts.amazonaws.com",
      oidc_log and oidc_log[-1].get("bearer_ok") and "sts.amazonaws.com" in json.dumps(oidc_log[-1]), oidc_log[-1:])

# --- credential_process -------------------------------------------------------------------------------
bin_dir = tempfile.mkdtemp()
good = os.path.join(bin_dir, "creds helper")
open(good, "w").write("#!/bin/sh\necho \"helper ran with $1\" >&2\n"
                      f"printf '%s' '{{\"Version\": 1, \"AccessKeyId\": \"{EXAMPLE_AK}\", \"SecretAccessKey\": \"{EXAMPLE_SK}\"}}'\n")
bad = os.path.join(bin_dir, "failing")
open(bad, "w").write("#!/bin/sh\necho 'helper: the vault is sealed' >&2\nexit 7\n")
for f in (good, bad):
    os.chmod(f, 0o700)
env = home_env(config=f"[profile proc]\ncredential_process = \"{good}\" --arg 'two words'\n"
                       f"[profile badproc]\ncredential_process = {bad}\n")
rc, out, err, log = fetch(env, "--profile", "proc")
check("credential_process: run without a shell, its stderr not passed through on success",
      rc == 0 and signer(log) == EXAMPLE_AK and "helper ran with" not in err and "bytes to stderr" in err, err)
no_secret("credential_process", err)
rc, out, err, log = fetch(env, "--profile", "badproc")
check("credential_process failure quotes the command and status, and its last stderr line",
      rc == 3 and f'credential_process "{bad}" exited with status 7' in err and "vault is sealed" in err, err)


def helper(name, body):
    path = os.path.join(bin_dir, name)
    open(path, "w").write("#!/bin/sh\n" + body)
    os.chmod(path, 0o700)
    return path


def gone(pid, seconds=5):
    """True once PID is dead (no such process, or a zombie)."""
    end = time.time() + seconds
    while time.time() < end:
        try:
            state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state == "Z":
            return True
        time.sleep(0.02)
    return False


def read_pids(path, seconds=10):
    end = time.time() + seconds
    while time.time() < end:
        if os.path.exists(path):
            pids = open(path).read().split()
            if len(pids) == 2:
                return [int(p) for p in pids]
        time.sleep(0.02)
    return []


# A helper that hangs (with a child of its own): killed with its child after the limit, exit 3 naming it.
pids = os.path.join(bin_dir, "hang.pids")
hang = helper("hang", f"sleep 60 &\nprintf '%s %s ' $$ $! > '{pids}.tmp'\nmv '{pids}.tmp' '{pids}'\nwait\n")
env = home_env(config=f"[profile hang]\ncredential_process = {hang}\n",
               CODEARTIFACT_TOKEN_CREDENTIAL_PROCESS_TIMEOUT="1")
t0 = time.time()
d = unique("chain")
# A session of its own: no controlling terminal, where the helper would share our process group.
r = subprocess.run([binary(), "--domain", d, "--no-cache", "--profile", "hang"], env=env, capture_output=True,
                   text=True, timeout=60, start_new_session=True)
rc, err, log = r.returncode, r.stderr, server_log(d)
hung = read_pids(pids)
check("credential_process that hangs: exit 3 after the 1 s limit, naming it and the setting",
      rc == 3 and "did not finish within 1000 ms" in err and "CODEARTIFACT_TOKEN_CREDENTIAL_PROCESS_TIMEOUT" in err
      and time.time() - t0 < 30 and not log, (rc, err))
check("... the helper and what it started are gone", len(hung) == 2 and all(gone(p) for p in hung), hung)

# SIGTERM to us while the helper hangs: the helper (and its child) go too, and we end by SIGTERM.
os.remove(pids)
env = home_env(config=f"[profile hang]\ncredential_process = {hang}\n")
p = subprocess.Popen([binary(), "--domain", unique("chain"), "--no-cache", "--profile", "hang"], env=env,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
hung = read_pids(pids)
p.send_signal(signal.SIGTERM)
rc = p.wait(timeout=30)
check("SIGTERM while credential_process hangs: we end by SIGTERM", rc == -signal.SIGTERM, rc)
check("... and the helper and what it started are gone", len(hung) == 2 and all(gone(q) for q in hung), hung)

# Credentials that have already expired: refused, as botocore.
expired_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
old = helper("expired", f"printf '%s' '{{\"Version\": 1, \"AccessKeyId\": \"{EXAMPLE_AK}\", "
                        f"\"SecretAccessKey\": \"{EXAMPLE_SK}\", \"SessionToken\": \"tok\", "
                        f"\"Expiration\": \"{expired_at}\"}}'\n")
env = home_env(config=f"[profile old]\ncredential_process = {old}\n")
rc, out, err, log = fetch(env, "--profile", "old")
check("credential_process with a past Expiration: exit 3, no request", rc == 3 and "expired at " + expired_at in err
      and not log, (rc, err))

# Fifty lines on its stderr and a failure: one line of ours.
noisy = helper("noisy", "i=0; while [ $i -lt 50 ]; do echo \"noise $i\" >&2; i=$((i+1)); done\nexit 2\n")
env = home_env(config=f"[profile noisy]\ncredential_process = {noisy}\n")
rc, out, err = run(["--domain", unique("chain"), "--no-cache", "--profile", "noisy"], env)
check("credential_process writing 50 lines to stderr: one line of ours", rc == 3 and err.count("\n") == 1
      and "noise 49" in err and "noise 48" not in err, err)

# --- SSO ----------------------------------------------------------------------------------------------
future = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
past = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
sso_config = ("[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = MetadataTestRole\n"
              "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n")
cache_name = hashlib.sha1(b"corp").hexdigest() + ".json"
env = home_env(config=sso_config, files={f".aws/sso/cache/{cache_name}": json.dumps(
    {"accessToken": "sso-test-access-token", "expiresAt": future, "region": "us-east-1"})})
env["AWS_ENDPOINT_URL_SSO"] = META
rc, out, err, log = fetch(env, "--profile", "dev")
check("SSO: the cached token exchanged at the portal for role credentials", rc == 0 and signer(log) == META_AK, err)
no_secret("SSO", err)
env = home_env(config=sso_config, files={f".aws/sso/cache/{cache_name}": json.dumps(
    {"accessToken": "sso-test-access-token", "expiresAt": past})})
env["AWS_ENDPOINT_URL_SSO"] = META
rc, out, err, log = fetch(env, "--profile", "dev")
check("SSO: an expired token says to log in", rc == 3 and "aws sso login" in err, err)

# SSO session refresh through SSO OIDC CreateToken (the metadata server's POST /token), as botocore's
# SSOTokenProvider: the expired token is replaced, the cache file rewritten, and botocore reads it back.
registration = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 30 * 86400))


def refreshable(refresh_token="sso-test-refresh-token", **extra):
    token = {"startUrl": "https://corp.awsapps.com/start", "region": "us-east-1",
             "accessToken": "expired-access-token", "expiresAt": past, "clientId": "sso-test-client-id",
             "clientSecret": "sso-test-client-secret", "registrationExpiresAt": registration}
    if refresh_token:
        token["refreshToken"] = refresh_token
    token.update(extra)
    env = home_env(config=sso_config, files={f".aws/sso/cache/{cache_name}": json.dumps(token)})
    env["AWS_ENDPOINT_URL_SSO"] = META
    env["AWS_ENDPOINT_URL_SSO_OIDC"] = META
    return env


env = refreshable()
cache_file = os.path.join(env["HOME"], ".aws", "sso", "cache", cache_name)
before = [e for e in (json.loads(l) for l in open(os.path.join(STATE, "metadata_server.log"))) if e["route"] == "/token"]
rc, out, err, log = fetch(env, "--profile", "dev")
after = [e for e in (json.loads(l) for l in open(os.path.join(STATE, "metadata_server.log"))) if e["route"] == "/token"]
check("SSO: an expired session token refreshed with CreateToken, then role credentials",
      rc == 0 and signer(log) == META_AK and len(after) == len(before) + 1, err)
no_secret("SSO refresh", err)
written = json.load(open(cache_file))
check("SSO: the cache file rewritten with botocore's fields, 0600",
      written.get("accessToken") == "sso-test-access-token" and written.get("refreshToken", "").startswith("refresh-")
      and written.get("clientId") == "sso-test-client-id" and written.get("registrationExpiresAt") == registration
      and written.get("startUrl") == "https://corp.awsapps.com/start" and written.get("region") == "us-east-1"
      and os.stat(cache_file).st_mode & 0o777 == 0o600, (written.keys(), oct(os.stat(cache_file).st_mode)))
loader = subprocess.run(
    [os.path.join(os.path.dirname(os.path.abspath(__file__)), "tools", "python-with-botocore"), "-c",
     "import json, sys, datetime\n"
     "from botocore.utils import JSONFileCache, SSOTokenLoader\n"
     "from dateutil.parser import parse\n"
     "token = SSOTokenLoader(cache=JSONFileCache(sys.argv[1]))('https://corp.awsapps.com/start', session_name='corp')\n"
     "left = (parse(token['expiresAt']) - datetime.datetime.now(datetime.timezone.utc)).total_seconds()\n"
     "print(json.dumps({'same': token['accessToken'] == 'sso-test-access-token', 'left': left}))\n",
     os.path.dirname(cache_file)], capture_output=True, text=True)
loaded = json.loads(loader.stdout or "{}")
check("SSO: botocore's SSOTokenLoader reads the rewritten cache file", loader.returncode == 0 and loaded.get("same")
      and 7 * 3600 < loaded.get("left", 0) <= 8 * 3600, (loader.returncode, loader.stderr[-500:], loaded))
rc, out, err, log = fetch(env, "--profile", "dev")
check("SSO: the refreshed token serves the next run without a refresh", rc == 0 and signer(log) == META_AK and len(
    [e for e in (json.loads(l) for l in open(os.path.join(STATE, "metadata_server.log"))) if e["route"] == "/token"])
    == len(after), err)

rc, out, err, log = fetch(refreshable(refresh_token=None), "--profile", "dev")
check("SSO: an expired session without a refresh token: the clear error", rc == 3 and
      "the SSO session corp has expired" in err and "aws sso login --sso-session corp" in err and not log, err)
rc, out, err, log = fetch(refreshable(refresh_token="revoked-refresh-token"), "--profile", "dev")
check("SSO: a refused refresh (InvalidGrantException): the clear error", rc == 3 and "could not be refreshed" in err
      and "InvalidGrantException" in err and "aws sso login --sso-session corp" in err and not log, err)
no_secret("SSO refused refresh", err)

# --- botocore's other spellings and keys ----------------------------------------------------------------
env = home_env(AWS_ACCESS_KEY_ID=META_AK, AWS_SECRET_ACCESS_KEY=META_SK, AWS_SECURITY_TOKEN=META_ST)
rc, out, err, log = fetch(env)
check("environment: AWS_SECURITY_TOKEN is the session token when AWS_SESSION_TOKEN is unset",
      rc == 0 and signer(log) == META_AK, err)
env = home_env(config="[profile mfa]\nrole_arn = arn:aws:iam::111122223333:role/mfa\nsource_profile = mfa\n"
                      f"aws_access_key_id = {EXAMPLE_AK}\naws_secret_access_key = {EXAMPLE_SK}\n"
                      "mfa_serial = arn:aws:iam::111122223333:mfa/user\n")
# Without a terminal to ask for the code (a new session has none; tests/mfa_prompt_test.py has one).
d = unique("chain")
p = subprocess.run([binary(), "--domain", d, "--no-cache", "--profile", "mfa"], env=env, stdin=subprocess.DEVNULL,
                   capture_output=True, text=True, timeout=60, start_new_session=True)
check("mfa_serial: one clear line, no AssumeRole without the code",
      p.returncode == 3 and "mfa_serial" in p.stderr and "no terminal" in p.stderr and not server_log(d), p.stderr)

# --- the boto 2 files: AWS_CREDENTIAL_FILE, BOTO_CONFIG, ~/.boto (after the profile, before the container)
EC2_AK, EC2_SK = "AKIAEC2FILEEXAMPLE01", "ec2CredentialFileSecretEXAMPLE0123456789"
BOTO_AK, BOTO_SK = "AKIABOTOCONFIGEXAMPL", "botoConfigSecretEXAMPLE0123456789abcdefg"
for ak, sk in ((EC2_AK, EC2_SK), (BOTO_AK, BOTO_SK)):
    post_json("/__credentials", {"access_key": ak, "secret_key": sk})
SECRETS += [EC2_SK, BOTO_SK]
EC2_FILE = f"# the EC2 API tools' file\nAWSAccessKeyId = {EC2_AK}\nAWSSecretKey={EC2_SK}\n"
BOTO_FILE = f"[Boto]\nhttps_validate_certificates = True\n[Credentials]\naws_access_key_id = {BOTO_AK}\n" \
            f"aws_secret_access_key = {BOTO_SK}\n"


def botocore_key(env):
    """The access key botocore's own default chain finds in `env` (None: none)."""
    code = ("import botocore.session\nc = botocore.session.Session().get_credentials()\n"
            "print(c.access_key if c else '')")
    p = subprocess.run([os.environ.get("CAT_PYTHON", "python3"), "-c", code], env=env, capture_output=True,
                       text=True, timeout=60)
    return p.stdout.strip() or None


def boto_case(name, env, expected):
    rc, out, err, log = fetch(env)
    check(f"boto 2 files: {name}", rc == 0 and signer(log) == expected, (rc, err[-400:]))
    check(f"boto 2 files: {name}: botocore agrees", botocore_key(env) == expected, botocore_key(env))
    no_secret(name, err)


env = home_env(files={"ec2-creds.txt": EC2_FILE})
env["AWS_CREDENTIAL_FILE"] = "~/ec2-creds.txt"
boto_case("AWS_CREDENTIAL_FILE (AWSAccessKeyId/AWSSecretKey lines, ~ expanded)", env, EC2_AK)
env = home_env(credentials=f"[default]\naws_access_key_id = {EXAMPLE_AK}\naws_secret_access_key = {EXAMPLE_SK}\n",
               files={"ec2-creds.txt": EC2_FILE})
env["AWS_CREDENTIAL_FILE"] = os.path.join(env["HOME"], "ec2-creds.txt")
boto_case("the shared credentials file comes first", env, EXAMPLE_AK)
env = home_env(files={"ec2-creds.txt": EC2_FILE, "boto.cfg": BOTO_FILE})
env.update(AWS_CREDENTIAL_FILE=os.path.join(env["HOME"], "ec2-creds.txt"),
           BOTO_CONFIG=os.path.join(env["HOME"], "boto.cfg"))
boto_case("AWS_CREDENTIAL_FILE comes before BOTO_CONFIG", env, EC2_AK)
env = home_env(files={"boto.cfg": BOTO_FILE, "ec2-creds.txt": "AWSSecretKey=only-a-secret\n"})
env.update(AWS_CREDENTIAL_FILE=os.path.join(env["HOME"], "ec2-creds.txt"),
           BOTO_CONFIG=os.path.join(env["HOME"], "boto.cfg"))
boto_case("BOTO_CONFIG's [Credentials] (an AWS_CREDENTIAL_FILE without AWSAccessKeyId is passed over)", env,
          BOTO_AK)
env = home_env(files={".boto": BOTO_FILE})
env.update(AWS_CONTAINER_CREDENTIALS_FULL_URI=f"{META}/container/creds",
           AWS_CONTAINER_AUTHORIZATION_TOKEN="container-test-token")
boto_case("~/.boto, before the container endpoint", env, BOTO_AK)
env = home_env(files={".boto": BOTO_FILE})
env["BOTO_CONFIG"] = os.path.join(env["HOME"], "absent.cfg")
rc, out, err, log = fetch(env)
check("boto 2 files: BOTO_CONFIG replaces ~/.boto, even when absent",
      rc == 3 and "boto config" in err and botocore_key(env) is None, err)
# BOTO_CONFIG=/dev/null, a folder, an unreadable file or "" (even with a ~/.boto) turns the boto files off:
# the chain goes on to the container endpoint, as botocore's (its BotoProvider passes over what is not a
# readable regular file). The null device is an empty file for every file variable.
def with_container(env, **extra):
    env.update(AWS_CONTAINER_CREDENTIALS_FULL_URI=f"{META}/container/creds",
               AWS_CONTAINER_AUTHORIZATION_TOKEN="container-test-token", **extra)
    return env


env = home_env(files={".boto": BOTO_FILE, "boto.d/x": ""})
boto_case("BOTO_CONFIG=/dev/null: the boto files off, the container next", with_container(env, BOTO_CONFIG="/dev/null"),
          META_AK)
env = home_env(files={".boto": BOTO_FILE, "boto.d/x": ""})
boto_case("BOTO_CONFIG a folder: passed over", with_container(env, BOTO_CONFIG=os.path.join(env["HOME"], "boto.d")),
          META_AK)
env = home_env(files={".boto": BOTO_FILE})
boto_case("BOTO_CONFIG=\"\": no boto file, not ~/.boto", with_container(env, BOTO_CONFIG=""), META_AK)
if os.geteuid() != 0:
    env = home_env(files={".boto": BOTO_FILE, "locked.cfg": BOTO_FILE})
    os.chmod(os.path.join(env["HOME"], "locked.cfg"), 0)
    boto_case("BOTO_CONFIG unreadable: passed over",
              with_container(env, BOTO_CONFIG=os.path.join(env["HOME"], "locked.cfg")), META_AK)
else:
    skip("boto 2 files: BOTO_CONFIG unreadable", "root reads any file")
env = home_env(files={".boto": BOTO_FILE})
boto_case("AWS_CREDENTIAL_FILE=/dev/null: nothing in it, ~/.boto next", with_container(env, AWS_CREDENTIAL_FILE="/dev/null"),
          BOTO_AK)
env = home_env(credentials=f"[default]\naws_access_key_id = {EXAMPLE_AK}\naws_secret_access_key = {EXAMPLE_SK}\n")
boto_case("AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE =/dev/null: empty files",
          with_container(env, AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null"), META_AK)
env = home_env()
env["AWS_CREDENTIAL_FILE"] = os.path.join(env["HOME"], "absent.txt")
rc, out, err, log = fetch(env)
check("boto 2 files: an AWS_CREDENTIAL_FILE that is not there is an error naming it",
      rc == 3 and "AWS_CREDENTIAL_FILE" in err and "absent.txt" in err and not log, err)
env = home_env(files={".boto": f"[Credentials]\naws_access_key_id = {BOTO_AK}\n"})
rc, out, err, log = fetch(env)
check("boto 2 files: a key without its secret is an error",
      rc == 3 and "aws_secret_access_key" in err and ".boto" in err and not log, err)

# --- container and instance metadata ------------------------------------------------------------------
env = home_env()
env.update(AWS_CONTAINER_CREDENTIALS_FULL_URI=f"{META}/container/creds",
           AWS_CONTAINER_AUTHORIZATION_TOKEN="container-test-token")
rc, out, err, log = fetch(env)
check("container credentials endpoint (EKS Pod Identity style)", rc == 0 and signer(log) == META_AK, err)
no_secret("container", err)

env = home_env()
env.pop("AWS_EC2_METADATA_DISABLED")
env.pop("AWS_REGION")
env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = META
rc, out, err, log = fetch(env)
check("instance metadata (IMDSv2), region from the instance", rc == 0 and signer(log) == META_AK and
      log[-1].get("region") == "eu-west-3", (err, log[-1:]))

env = home_env()
env.pop("AWS_EC2_METADATA_DISABLED")
env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = META + "/v1-only"
rc, out, err, log = fetch(env)
check("instance metadata: the token refused (403), IMDSv1 as botocore", rc == 0 and signer(log) == META_AK
      and "falling back to IMDSv1" in err, err)
rc, out, err, log = fetch(dict(env, AWS_EC2_METADATA_V1_DISABLED="true"))
check("instance metadata: AWS_EC2_METADATA_V1_DISABLED=true refuses the fallback", rc == 3
      and "IMDSv1 is disabled by AWS_EC2_METADATA_V1_DISABLED" in err and not log, err)
env2 = home_env(config="[default]\nec2_metadata_v1_disabled = true\n")
env2.pop("AWS_EC2_METADATA_DISABLED")
env2["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = META + "/v1-only"
rc, out, err, log = fetch(env2)
check("instance metadata: the profile's ec2_metadata_v1_disabled refuses the fallback", rc == 3
      and "IMDSv1 is disabled by profile ec2_metadata_v1_disabled" in err and not log, err)

env2 = home_env(config=f"[default]\nec2_metadata_service_endpoint = {META}/token-405\n"
                       "metadata_service_num_attempts = 2\nmetadata_service_timeout = 2\n")
env2.pop("AWS_EC2_METADATA_DISABLED")
rc, out, err, log = fetch(env2)
check("instance metadata: the profile's ec2_metadata_service_endpoint, num_attempts and timeout",
      rc == 0 and signer(log) == META_AK and "IMDSv1" in err, err)

env = home_env(config="[profile imds]\nrole_arn = arn:aws:iam::111122223333:role/from-imds\n"
                       "credential_source = Ec2InstanceMetadata\n")
env.pop("AWS_EC2_METADATA_DISABLED")
env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = META
rc, out, err, log = fetch(env, "--profile", "imds")
check("credential_source = Ec2InstanceMetadata", rc == 0 and signer(log) and signer(log).startswith("ASIA"), err)

# --- nothing anywhere ---------------------------------------------------------------------------------
env = home_env()
env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:9"
env.pop("AWS_EC2_METADATA_DISABLED")
rc, out, err, log = fetch(env)
check("no credentials anywhere: exit 3, every source named with its reason",
      rc == 3 and all(s in err for s in ("explicit", "env:", "profile default", "web identity", "container", "imds")),
      err)

# --- configuration from the profile -------------------------------------------------------------------
env = home_env(config=f"[profile svc]\nservices = local\nregion = ap-southeast-2\n"
                       f"aws_access_key_id = {EXAMPLE_AK}\naws_secret_access_key = {EXAMPLE_SK}\n"
                       f"ca_bundle = {os.environ['CAT_TEST_CA']}\nmax_attempts = 2\n"
                       f"[services local]\ncodeartifact =\n  endpoint_url = {main_url()}\n")
for k in ("AWS_REGION", "AWS_CA_BUNDLE", "AWS_ENDPOINT_URL_CODEARTIFACT"):
    env.pop(k)
d = unique("unavailable")
rc, out, err = run(["--domain", d, "--profile", "svc", "--no-cache"], env)
log = server_log(d)
check("endpoint from the profile's services section, ca_bundle and max_attempts from the profile",
      rc == 4 and len(log) == 2 and log[0].get("region") == "ap-southeast-2", (err, len(log)))

finish()
