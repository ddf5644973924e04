"""Get-CAAuthorizationToken's command line through the loopback CodeArtifact endpoint (every signature
checked by botocore): every parameter and alias, the output shapes of -Select, the refused .NET
parameters, unknown parameters; then examples/powershell/codeartifact-login.ps1 run line by line.

pwsh is not installed here, so the script's `$var = codeartifact-token ...` lines are read the way
PowerShell reads them for a native program: backtick continuations joined, arguments split on blanks,
'single quotes' literal, "double quotes" and bare $Name expanded from the script's own `$Name = "..."`
assignments; the program is run with that argv, and a `| ConvertFrom-Json` at the end parses stdout as
JSON. Each such line must be the line of the comment above it with the cmdlet's name changed.

Run by CTest as: tests/tools/with-servers python3 tests/cmdlet_loopback_test.py (CAT_BINARY set).
"""
import json
import os
import re

from harness import (EXAMPLE_AK, EXAMPLE_SK, check, clean_env, example_env, finish, main_url, post_json, run,
                     server_log, unique)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def loopback_env(**extra):
    """The endpoint and CA, no credentials."""
    return clean_env(AWS_REGION="us-west-2", AWS_CA_BUNDLE=os.environ["CAT_TEST_CA"],
                     AWS_ENDPOINT_URL_CODEARTIFACT=main_url(), **extra)


def one_request(domain):
    log = [e for e in server_log(domain) if e.get("path") == "/v1/authorization-token"]
    return log[0] if len(log) == 1 else {}


# --- the default output: the response as a JSON object with the response's own property names -------------
d = unique("cmdlet")
rc, out, err = run(["-Domain", d, "-DomainOwner", "111122223333"], example_env())
doc = json.loads(out) if rc == 0 else {}
entry = one_request(d)
check("default: exit 0", rc == 0, err)
check("default: the response's properties only", list(doc) == ["AuthorizationToken", "Expiration"], out)
check("default: the token the endpoint issued", entry and doc.get("AuthorizationToken") == entry["token_issued"], doc)
check("default: Expiration is ISO 8601 UTC", RFC3339.match(doc.get("Expiration", "")), doc)
check("default: signed and checked by botocore", entry.get("signature_ok"), entry)
check("default: owner sent", entry.get("query", {}).get("domain-owner") == ["111122223333"], entry)

rc, out2, err = run(["-Domain", d, "-DomainOwner", "111122223333", "-Select", "*"], example_env())
check("-Select '*' is the default", rc == 0 and list(json.loads(out2)) == ["AuthorizationToken", "Expiration"], out2)

# --- -Select: a property or a parameter alone ----------------------------------------------------------------
rc, out, err = run(["-Domain", unique("sel"), "-Select", "AuthorizationToken"], example_env())
check("-Select AuthorizationToken: the token alone", rc == 0 and out.startswith("eyJ") and out.count("\n") == 1
      and not out.startswith("{"), out)
rc, out, err = run(["-Domain", unique("sel"), "-Select", "Expiration"], example_env())
check("-Select Expiration: the time alone", rc == 0 and RFC3339.match(out.strip()), out)
for select, args, want in [("^Domain", ["-Domain", "echo-me"], "echo-me"),
                           ("^DomainOwner", ["-Domain", unique("o"), "-DomainOwner", "111122223333"], "111122223333"),
                           ("^DurationSecond", ["-Domain", unique("o"), "-DurationSeconds", "900"], "900"),
                           ("^RegionToCall", ["-Domain", unique("o"), "-Region", "us-west-2"], "us-west-2")]:
    rc, out, err = run(args + ["-Select", select], example_env())
    check(f"-Select {select}: the parameter's value", rc == 0 and out == want + "\n", (out, err))
rc, out, err = run(["-Domain", unique("s"), "-SK", EXAMPLE_SK, "-AK", EXAMPLE_AK, "-Select", "^SecretKey"],
                   loopback_env())
check("-Select ^SecretKey: refused, nothing on stdout", rc == 2 and out == "" and EXAMPLE_SK not in err, (rc, err))

# --- mixing syntaxes: --output wins; without it, any -Parameter gives the cmdlet's shape -------------------------
rc, out, err = run(["--domain", unique("mix"), "-DomainOwner", "111122223333"], example_env())
check("mixed: cmdlet shape", rc == 0 and list(json.loads(out)) == ["AuthorizationToken", "Expiration"], out)
rc, out, err = run(["-Domain", unique("mix"), "--output", "json"], example_env())
check("mixed with --output json: the json shape", rc == 0 and "authorization_token" in json.loads(out), out)
rc, out, err = run(["--domain", unique("kebab")], example_env())
check("kebab only: the json shape as before", rc == 0 and "authorization_token" in json.loads(out), out)

# --- every parameter and alias, in any case, also as -Parameter:value -------------------------------------------
for alias in ["Domain", "domain", "DOMAIN"]:
    d = unique("dom")
    rc, out, err = run([f"-{alias}", d], example_env())
    check(f"-{alias}", rc == 0 and one_request(d).get("domain") == d, err)
d = unique("colon")
rc, out, err = run([f"-Domain:{d}", "-DomainOwner:111122223333"], example_env())
check("-Domain:value", rc == 0 and one_request(d).get("query", {}).get("domain-owner") == ["111122223333"], err)
d = unique("prefix")
rc, out, err = run(["-Dom", d], example_env())
check("-Dom: ambiguous (Domain, DomainOwner)", rc == 2 and "ambiguous" in err and "-DomainOwner" in err, err)
rc, out, err = run(["-DomainO", "111122223333", "-Domain", d], example_env())
check("-DomainO: a unique prefix of DomainOwner", rc == 0 and one_request(d).get("query", {}).get("domain-owner") ==
      ["111122223333"], err)

for alias in ["DurationSecond", "DurationSeconds", "durationseconds"]:
    d = unique("dur")
    rc, out, err = run(["-Domain", d, f"-{alias}", "1800"], example_env())
    check(f"-{alias}", rc == 0 and one_request(d).get("query", {}).get("duration") == ["1800"], err)

for alias in ["Region", "RegionToCall", "regiontocall"]:
    d = unique("reg")
    rc, out, err = run(["-Domain", d, f"-{alias}", "eu-west-1"], example_env(AWS_REGION=None))
    check(f"-{alias}", rc == 0 and one_request(d).get("region") == "eu-west-1", (err, one_request(d)))

rc, out, err = run(["-Domain", unique("ep"), "-EndpointUrl", main_url(), "-Select", "AuthorizationToken"],
                   example_env(AWS_ENDPOINT_URL_CODEARTIFACT=None))
check("-EndpointUrl", rc == 0 and out.startswith("eyJ"), err)

# Credentials on the command line: -AccessKey/-AK, -SecretKey/-SK/-SecretAccessKey, -SessionToken/-ST.
session_ak, session_sk, session_token = "ASIACMDLETTEST", "cmdlet/secret+key", "cmdlet-session-token"
post_json("/__credentials", {"access_key": session_ak, "secret_key": session_sk, "session_token": session_token})
for ak, sk, st in [("AccessKey", "SecretKey", "SessionToken"), ("AK", "SK", "ST"), ("ak", "SecretAccessKey", "st")]:
    d = unique("keys")
    rc, out, err = run(["-Domain", d, f"-{ak}", session_ak, f"-{sk}", session_sk, f"-{st}", session_token],
                       loopback_env())
    e = one_request(d)
    check(f"-{ak} -{sk} -{st}: signed with them", rc == 0 and e.get("signature_ok") and e.get("access_key") ==
          session_ak and e.get("session_token_present"), (err, e))
    check(f"-{sk}: the warning names no secret", session_sk not in err and session_token not in err, err)

# Profiles: -ProfileName/-StoredCredentials/-AWSProfileName, -ProfileLocation/-AWSProfilesLocation/-ProfilesLocation.
env = loopback_env()
creds = os.path.join(env["HOME"], "elsewhere", "creds")
os.makedirs(os.path.dirname(creds))
with open(creds, "w") as f:
    f.write(f"[build]\naws_access_key_id = {EXAMPLE_AK}\naws_secret_access_key = {EXAMPLE_SK}\n")
for name in ["ProfileName", "StoredCredentials", "AWSProfileName"]:
    for location in ["ProfileLocation", "AWSProfilesLocation", "ProfilesLocation"]:
        d = unique("prof")
        rc, out, err = run(["-Domain", d, f"-{name}", "build", f"-{location}", creds], env)
        check(f"-{name} -{location}", rc == 0 and one_request(d).get("access_key") == EXAMPLE_AK, err)
rc, out, err = run(["-Domain", unique("prof"), "-ProfileName", "missing", "-ProfileLocation", creds], env)
check("-ProfileName of a missing profile: an error", rc != 0 and out == "", err)

# --- refusals: .NET objects and PowerShell's common parameters; unknown parameters -------------------------------
for param, hint in [("Credential", "-ProfileName"), ("NetworkCredential", "credential_process"),
                    ("ClientConfig", "--endpoint-url"), ("ErrorAction", "$LASTEXITCODE")]:
    d = unique("refuse")
    rc, out, err = run(["-Domain", d, f"-{param}", "$cred"], example_env())
    check(f"-{param}: refused with exit 2", rc == 2 and out == "" and err.count("\n") == 1 and hint in err, (rc, err))
    check(f"-{param}: nothing sent", server_log(d) == [], d)
rc, out, err = run(["-Domain", unique("u"), "-Foo", "x"], example_env())
check("-Foo: unknown, exit 2", rc == 2 and out == "" and "unknown parameter -Foo" in err, err)
rc, out, err = run(["-Domian", unique("u")], example_env())
check("-Domian: did you mean -Domain", rc == 2 and "did you mean -Domain?" in err, err)
rc, out, err = run(["-Domain", unique("u"), "-RegionToCal", "us-west-2", "-Selct", "x"], example_env())
check("-Selct: did you mean -Select", rc == 2 and "did you mean -Select?" in err, err)


# --- examples/powershell/codeartifact-login.ps1, line by line --------------------------------------------------
def ps_split(line, variables):
    """PowerShell's argument splitting for a native program (what this script uses of it)."""
    args = []
    for m in re.finditer(r"'([^']*)'|\"((?:[^\"`]|`.)*)\"|(\S+)", line):
        single, double, bare = m.groups()
        if single is not None:
            args.append(single)
        else:
            text = double if double is not None else bare
            args.append(re.sub(r"\$(\w+)", lambda v: variables[v.group(1)], text))
    return args


script_path = os.path.join(ROOT, "examples/powershell/codeartifact-login.ps1")
script = open(script_path).read().replace("`\n", " ")  # backtick continuations
lines = script.splitlines()
variables = dict(re.findall(r'^\$(\w+) = "([^"$]*)"$', script, re.M))
variables["Domain"] = unique("ps1")  # a fresh domain, so the server log shows this script alone
results, calls = {}, 0
for i, line in enumerate(lines):
    m = re.match(r"^\$(\w+) = codeartifact-token (.*?)( \| ConvertFrom-Json)?$", re.sub(r"\s+", " ", line.strip()))
    if not m:
        continue
    calls += 1
    before = re.sub(r"\s+", " ", lines[i - 1].lstrip("# ").strip())
    after = m.group(0)[:len(m.group(0)) - len(m.group(3) or "")]
    check(f"ps1 line {i + 1}: the cmdlet's line with the name changed (and | ConvertFrom-Json for '*')",
          before == after.replace("codeartifact-token", "Get-CAAuthorizationToken"), (before, after))
    var, args, to_json = m.group(1), ps_split(m.group(2), variables), m.group(3)
    rc, out, err = run(args, example_env())
    check(f"ps1 ${var}: exit 0", rc == 0, err)
    results[var] = json.loads(out) if to_json and rc == 0 else out.rstrip("\n")
check("ps1: four calls", calls == 4, calls)
issued = [e["token_issued"] for e in server_log(variables["Domain"])]
check("ps1 $token: an issued token", results.get("token") in issued, results.get("token"))
check("ps1 $response: AuthorizationToken and Expiration", isinstance(results.get("response"), dict) and
      results["response"].get("AuthorizationToken") in issued and
      RFC3339.match(results["response"].get("Expiration", "")), results.get("response"))
check("ps1 $expires: an ISO 8601 time", RFC3339.match(results.get("expires", "")), results.get("expires"))
check("ps1 $owner: the owner echoed", results.get("owner") == variables["DomainOwner"], results.get("owner"))

finish()
