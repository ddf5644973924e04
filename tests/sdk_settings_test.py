"""botocore's client settings that change the requests, end to end against the loopback endpoint: the retry
modes (AWS_RETRY_MODE / retry_mode: the attempts each makes against injected faults), AWS_DEFAULTS_MODE /
defaults_mode, and the application id in the User-Agent (AWS_SDK_UA_APP_ID / sdk_ua_app_id) as the server
sees it. What each mode retries and how long it waits is in aws_caller_test.cpp (fake clock and transport).

Run by CTest as: tests/tools/with-servers tests/tools/python-with-botocore tests/sdk_settings_test.py.
"""
import tempfile

from harness import (EXAMPLE_AK, EXAMPLE_SK, check, example_env, finish, home_env, run, server_log, start_server,
                     unique)


def attempts(domain):
    return len([e for e in server_log(domain) if e.get("path") == "/v1/authorization-token"])


def fetch(domain, env, *extra):
    return run(["--domain", domain, "--no-cache", *extra], env)


# --- retry modes: the attempts against a peer that always answers 503 ----------------------------------
d = unique("unavailable")
rc, out, err = fetch(d, example_env())
check("standard (our default, the AWS CLI v2's): 3 attempts", rc == 4 and attempts(d) == 3, (rc, err))

d = unique("unavailable")
rc, out, err = fetch(d, example_env(AWS_RETRY_MODE="legacy"))
check("AWS_RETRY_MODE=legacy: botocore's 5 attempts", rc == 4 and attempts(d) == 5 and "after 5 attempts" in err,
      (rc, err))

env = home_env(config=f"[default]\nretry_mode = legacy\nmax_attempts = 2\n"
                      f"aws_access_key_id = {EXAMPLE_AK}\naws_secret_access_key = {EXAMPLE_SK}\n")
d = unique("unavailable")
rc, out, err = fetch(d, env)
check("retry_mode = legacy in the profile, max_attempts still bounds it", rc == 4 and attempts(d) == 2, (rc, err))

d = unique("throttle2")
rc, out, err = fetch(d, example_env(AWS_RETRY_MODE="adaptive"), "--debug")
check("AWS_RETRY_MODE=adaptive: throttled twice, then the token (3 attempts)", rc == 0 and attempts(d) == 3,
      (rc, err[-600:]))

d = unique("unavailable")
rc, out, err = fetch(d, example_env(AWS_RETRY_MODE="exponential"))
check("an unknown retry mode: one line naming it, nothing sent",
      rc == 6 and err.count("\n") == 1 and "AWS_RETRY_MODE \"exponential\"" in err and attempts(d) == 0, err)

# --- AWS_DEFAULTS_MODE ---------------------------------------------------------------------------------
for mode in ("standard", "in-region", "cross-region", "mobile", "auto", "LEGACY"):
    d = unique("defaults")
    rc, out, err = fetch(d, example_env(AWS_DEFAULTS_MODE=mode))
    check(f"AWS_DEFAULTS_MODE={mode}: a token", rc == 0 and attempts(d) == 1, (rc, err))
d = unique("unavailable")
rc, out, err = fetch(d, example_env(AWS_DEFAULTS_MODE="in-region"))
check("defaults mode in-region: standard retries (3 attempts)", rc == 4 and attempts(d) == 3, (rc, err))
env = home_env(config=f"[default]\ndefaults_mode = fastest\n"
                      f"aws_access_key_id = {EXAMPLE_AK}\naws_secret_access_key = {EXAMPLE_SK}\n")
d = unique("defaults")
rc, out, err = fetch(d, env)
check("an unknown defaults_mode: one line naming it, nothing sent",
      rc == 6 and err.count("\n") == 1 and "defaults_mode \"fastest\"" in err and attempts(d) == 0, err)

# auto without AWS_EXECUTION_ENV: the instance's region (the loopback IMDS says eu-west-3) decides.
meta = f"http://127.0.0.1:{start_server(tempfile.mkdtemp(prefix='cat-sdk-'), 'metadata_server')}"
for region, expected in (("eu-west-3", "in-region"), ("us-west-2", "cross-region")):
    env = example_env(AWS_DEFAULTS_MODE="auto", AWS_REGION=region, AWS_EC2_METADATA_SERVICE_ENDPOINT=meta)
    env.pop("AWS_EC2_METADATA_DISABLED")
    d = unique("defaults")
    rc, out, err = fetch(d, env, "--debug")
    check(f"AWS_DEFAULTS_MODE=auto, the call in {region}, the instance in eu-west-3: {expected}",
          rc == 0 and f"defaults mode auto: {expected}" in err, err[-600:])
d = unique("defaults")
rc, out, err = fetch(d, example_env(AWS_DEFAULTS_MODE="auto"), "--debug")
check("AWS_DEFAULTS_MODE=auto, instance metadata off: standard", rc == 0 and "defaults mode auto: standard" in err,
      err[-600:])

# --- the application id in the User-Agent ----------------------------------------------------------------
d = unique("uaapp")
rc, out, err = fetch(d, example_env(AWS_SDK_UA_APP_ID="infra-pipeline"))
ua = server_log(d)[-1]["headers"].get("user-agent", "") if rc == 0 else ""
check("AWS_SDK_UA_APP_ID: the server sees app/<id> at the end of the User-Agent",
      ua.startswith("codeartifact-token/") and ua.endswith(" app/infra-pipeline"), ua)

role = unique("ua-role")
env = home_env(config=f"[profile r]\nrole_arn = arn:aws:iam::111122223333:role/{role}\nsource_profile = base\n"
                      f"sdk_ua_app_id = team tools #1\n"
                      f"[profile base]\naws_access_key_id = {EXAMPLE_AK}\naws_secret_access_key = {EXAMPLE_SK}\n")
d = unique("uaapp")
rc, out, err = fetch(d, env, "--profile", "r")
ua = server_log(d)[-1]["headers"].get("user-agent", "") if rc == 0 else ""
sts = [e for e in server_log() if e.get("service") == "sts" and (e.get("role_arn") or "").endswith("/" + role)]
check("sdk_ua_app_id in the profile, characters outside botocore's set replaced by '-' ('#' kept, as botocore)",
      ua.endswith(" app/team-tools-#1"), ua)
check("the STS call carries it too", sts and sts[-1]["headers"].get("user-agent", "").endswith(" app/team-tools-#1"),
      sts[-1]["headers"] if sts else None)

finish()
