"""login_session (`aws login`) end to end: the program reads the cache `aws login` wrote, uses its
credentials while they are valid, refreshes them at a loopback AWS Sign-In endpoint (tests/servers/
signin_server.py, HTTPS with the test CA, which checks the DPoP proof's ES256 signature and claims) when
they are about to expire, and writes the cache back; the CodeArtifact endpoint checks that the request was
signed with the credentials expected. Then the clear errors: no cache, a refused refresh, a malformed cache.

Run by CTest as: tests/tools/with-servers python3 tests/login_session_test.py (CAT_BINARY set).
"""
import datetime
import hashlib
import json
import os
import stat
import subprocess
import sys
import tempfile

from harness import check, finish, home_env, main_url, post_json, run, server_log, start_server, unique

STATE = tempfile.mkdtemp(prefix="cat-login-")
SESSION = "arn:aws:sts::111122223333:assumed-role/Admin/console-user"
CACHE_NAME = hashlib.sha256(SESSION.encode()).hexdigest() + ".json"
REFRESH_TOKEN = "signin-refresh-token-" + os.urandom(6).hex()
CACHED_AK, CACHED_SK, CACHED_ST = "ASIACACHEDLOGINEXAMPLE", "cachedLoginSecretEXAMPLE0123456789abcdef", "cachedLoginSessionEXAMPLE"
NEW_AK, NEW_SK, NEW_ST = "ASIASIGNINEXAMPLE", "signinSecretKeyEXAMPLE0123456789abcdef", "signinSessionTokenEXAMPLE"
ID_TOKEN = "eyJhbGciOiJFUzM4NCJ9.eyJzdWIiOiJleGFtcGxlIn0.c2ln"

port = start_server(STATE, "signin_server", "--ca-dir", os.environ["CAT_TEST_STATE"], "--refresh-token", REFRESH_TOKEN,
                    "--access-key", NEW_AK, "--secret-key", NEW_SK, "--session-token", NEW_ST)
SIGNIN = f"https://127.0.0.1:{port}"
for ak, sk, st in ((CACHED_AK, CACHED_SK, CACHED_ST), (NEW_AK, NEW_SK, NEW_ST)):
    post_json("/__credentials", {"access_key": ak, "secret_key": sk, "session_token": st})

# A P-256 key as `aws login` keeps it (SEC1 PEM), made by the openssl tool.
DPOP_KEY = subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout"], check=True,
                          capture_output=True, text=True).stdout
SECRETS = [CACHED_SK, CACHED_ST, NEW_SK, NEW_ST, REFRESH_TOKEN, "signin-refresh-", DPOP_KEY.splitlines()[1][:20]]


def iso(delta):
    t = datetime.datetime.now(datetime.timezone.utc) + delta
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def cache(expires_at, refresh_token=REFRESH_TOKEN, drop=()):
    token = {"accessToken": {"accessKeyId": CACHED_AK, "secretAccessKey": CACHED_SK, "sessionToken": CACHED_ST,
                             "accountId": "111122223333", "expiresAt": expires_at},
             "tokenType": "aws_sigv4", "refreshToken": refresh_token, "idToken": ID_TOKEN,
             "clientId": "arn:aws:signin:::devtools/same-device", "dpopKey": DPOP_KEY}
    for key in drop:
        token.pop(key)
    return json.dumps(token)


def login_env(cache_text=None, endpoint=SIGNIN, config_extra=""):
    files = {".aws/login/cache/" + CACHE_NAME: cache_text} if cache_text is not None else {}
    env = home_env(config=f"[profile console]\nlogin_session = {SESSION}\nregion = us-west-2\n{config_extra}",
                   files=files, AWS_PROFILE="console")
    if endpoint:
        env["AWS_ENDPOINT_URL_SIGNIN"] = endpoint
    return env


def cache_path(env):
    return os.path.join(env["HOME"], ".aws", "login", "cache", CACHE_NAME)


def fetch(env, *args):
    d = unique("login")
    rc, out, err = run(["--domain", d, "--no-cache", "--debug", *args], env)
    return rc, out, err, server_log(d)


def signer(log):
    return log[-1]["access_key"] if log and log[-1].get("signature_ok") and log[-1].get("token_issued") else None


def signin_log():
    path = os.path.join(STATE, "signin.log")
    return [json.loads(line) for line in open(path)] if os.path.exists(path) else []


def no_secret(name, err):
    leaked = [s[:6] + "..." for s in SECRETS if s in err]
    check(name + ": no secret in --debug output", not leaked, leaked)


# --- valid cached credentials: used as they are, no refresh ----------------------------------------------
before = len(signin_log())
env = login_env(cache(iso(datetime.timedelta(minutes=14))))
rc, out, err, log = fetch(env)
check("valid cached login credentials sign the request", rc == 0 and signer(log) == CACHED_AK, (rc, err[-2000:]))
check("valid cached login credentials: no Sign-In call", len(signin_log()) == before, signin_log()[before:])
no_secret("valid cache", err)

# --- within 5 minutes of expiry, and expired: refreshed with a DPoP proof, cache written back --------------
for name, delta in (("expiring in 4 minutes", datetime.timedelta(minutes=4)),
                    ("expired", datetime.timedelta(hours=-3))):
    env = login_env(cache(iso(delta)))
    before = len(signin_log())
    rc, out, err, log = fetch(env)
    calls = signin_log()[before:]
    check(f"{name}: refreshed credentials sign the request", rc == 0 and signer(log) == NEW_AK, (rc, err[-2000:]))
    check(f"{name}: one CreateOAuth2Token call with a valid DPoP proof",
          len(calls) == 1 and calls[0]["status"] == 200 and calls[0]["proof_ok"]
          and calls[0]["claims"]["htu"] == SIGNIN + "/v1/token", calls)
    no_secret(name, err)
    path = cache_path(env)
    written = json.load(open(path))
    mode = stat.S_IMODE(os.stat(path).st_mode)
    at = written["accessToken"]
    expires = datetime.datetime.strptime(at["expiresAt"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    left = (expires - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
    check(f"{name}: the cache file is rewritten in place, 0600, with botocore's fields",
          mode == 0o600 and at["accessKeyId"] == NEW_AK and at["secretAccessKey"] == NEW_SK
          and at["sessionToken"] == NEW_ST and at["accountId"] == "111122223333" and 800 < left <= 900
          and written["refreshToken"].startswith("signin-refresh-") and written["refreshToken"] != REFRESH_TOKEN
          and written["idToken"] == ID_TOKEN and written["dpopKey"] == DPOP_KEY
          and written["clientId"] == "arn:aws:signin:::devtools/same-device" and written["tokenType"] == "aws_sigv4"
          and list(written)[0] == "accessToken"
          and os.listdir(os.path.dirname(path)) == [CACHE_NAME], (oct(mode), written.keys(), left))

    before = len(signin_log())
    rc, out, err, log = fetch(env)
    check(f"{name}: the next run uses the written cache without a refresh",
          rc == 0 and signer(log) == NEW_AK and len(signin_log()) == before, (rc, err[-1000:]))

# Two refreshes make two proofs with different jti (the server refuses a replayed one).
ids = [e["claims"]["jti"] for e in signin_log() if e.get("proof_ok")]
check("every proof has its own jti", len(ids) == len(set(ids)) and len(ids) >= 2, ids)

# The services section of the profile names the endpoint too (no AWS_ENDPOINT_URL_SIGNIN).
env = login_env(cache(iso(datetime.timedelta(hours=-1))), endpoint=None,
                config_extra="services = loopback\n[services loopback]\nsignin =\n  endpoint_url = " + SIGNIN + "\n")
rc, out, err, log = fetch(env)
check("the profile's services section sets the Sign-In endpoint", rc == 0 and signer(log) == NEW_AK, err[-1500:])

# The cache file a symlink (read through, never replaced): the refreshed credentials serve the run, and a
# warning on stderr (without --debug) names the file; nothing secret in it.
env = login_env(cache(iso(datetime.timedelta(hours=-1))))
real = os.path.join(env["HOME"], "login-cache-elsewhere.json")
os.rename(cache_path(env), real)
os.symlink(real, cache_path(env))
d = unique("login")
rc, out, err = run(["--domain", d, "--no-cache"], env)
check("a cache that cannot be written back: the refreshed credentials sign the request",
      rc == 0 and signer(server_log(d)) == NEW_AK, (rc, err[-1500:]))
check("a cache that cannot be written back: one warning line naming the file",
      err.count("codeartifact-token: warning: the refreshed login credentials could not be written back to "
                + cache_path(env)) == 1 and err.count("\n") == 1, err)
no_secret("a cache that cannot be written back", err)

# --- the clear errors ------------------------------------------------------------------------------------
env = login_env(None)
rc, out, err, log = fetch(env)
check("no cache file: exit 3, run aws login --profile console",
      rc == 3 and out == "" and "run `aws login --profile console`" in err and "no cached credentials" in err, (rc, err))

env = login_env(cache(iso(datetime.timedelta(hours=-1)), refresh_token="a-revoked-refresh-token"))
rc, out, err, log = fetch(env)
check("a refused refresh: exit 3 with the service's error (AccessDeniedException, TOKEN_EXPIRED)",
      rc == 3 and out == "" and "AccessDeniedException" in err and "TOKEN_EXPIRED" in err
      and "run `aws login --profile console`" in err and "a-revoked" not in err, (rc, err))
check("a refused refresh leaves the cache as it was",
      json.load(open(cache_path(env)))["refreshToken"] == "a-revoked-refresh-token")

env = login_env(cache(iso(datetime.timedelta(hours=-1))), endpoint=SIGNIN + "/denied")
rc, out, err, log = fetch(env)
check("missing signin:CreateOAuth2Token permission: INSUFFICIENT_PERMISSIONS",
      rc == 3 and "INSUFFICIENT_PERMISSIONS" in err, (rc, err))

for field in ("dpopKey", "refreshToken", "clientId"):
    env = login_env(cache(iso(datetime.timedelta(hours=1)), drop=(field,)))
    rc, out, err, log = fetch(env)
    check(f"a cache without {field}: exit 3 naming the field",
          rc == 3 and out == "" and f"has no {field}" in err and "aws login --profile console" in err, (rc, err))
    no_secret(f"no {field}", err)

env = login_env(cache(iso(datetime.timedelta(hours=-1))).replace("BEGIN EC PRIVATE KEY", "BEGIN EC PRIVATE KEX"))
rc, out, err, log = fetch(env)
check("an unreadable DPoP key: exit 3 naming dpopKey, not quoting it",
      rc == 3 and "dpopKey" in err and DPOP_KEY.splitlines()[1][:20] not in err, (rc, err))

env = login_env("{not json")
rc, out, err, log = fetch(env)
check("a cache that is not JSON: exit 3", rc == 3 and "is invalid (it is not a JSON object)" in err, (rc, err))

finish()
