"""The messages a new user meets first (issue 17): each names the next step. End to end, over loopback.

Run by CTest as: tests/tools/with-servers python3 tests/messages_test.py (CAT_BINARY set).
"""
import json
import os

from harness import EXAMPLE_AK, check, clean_env, example_env, finish, port, run, unique


def one_line(err):
    return err.count("\n") == 1


# No credentials: the fix for where we run comes first, then what each source said.
base = clean_env(AWS_REGION="us-west-2")
rc, out, err = run(["--domain", "dm"], base)
check("no credentials (workstation): aws configure / aws sso login first, then the sources",
      rc == 3 and out == "" and one_line(err) and
      err.startswith("codeartifact-token: no AWS credentials found: run aws configure") and "(tried: explicit:" in err,
      err)
rc, out, err = run(["--domain", "dm"], dict(base, GITHUB_ACTIONS="true"))
check("no credentials (GitHub Actions): role-to-assume and id-token: write",
      rc == 3 and "role-to-assume" in err and "id-token: write" in err, err)
rc, out, err = run(["--domain", "dm"], dict(base, JENKINS_URL="https://ci.example/"))
check("no credentials (Jenkins): withCredentials or withAWS", rc == 3 and "withCredentials" in err, err)

# A profile that is not there lists the ones that are; AWS_PROFILE naming one is an error even with keys.
home = base["HOME"]
os.makedirs(os.path.join(home, ".aws"))
with open(os.path.join(home, ".aws", "config"), "w") as f:
    f.write("[default]\nregion = us-west-2\n[profile ci]\nregion = us-east-1\n")
rc, out, err = run(["--domain", "dm", "--profile", "cj"], base)
check("missing --profile: lists the profiles there", rc == 3 and "no profile cj" in err and
      "the profiles there: ci, default" in err, err)
rc, out, err = run(["--domain", "dm"], example_env(AWS_PROFILE="nope"))
check("AWS_PROFILE naming a missing profile is an error even with keys in the environment (as the AWS CLI)",
      rc == 3 and err.startswith("codeartifact-token: AWS_PROFILE: no profile nope"), err)

# Enumerated values get "did you mean" too; a URL given as the repository says what to give instead.
rc, out, err = run(["--domain", "dm", "--repository", "npm-store", "--configure", "yran"], example_env())
check("--configure yran: did you mean yarn", rc == 2 and "did you mean yarn?" in err, err)
rc, out, err = run(["--domain", "dm", "--repository", "mvn-store", "--configure", "mvn", "--dry-run"], example_env())
check("--configure mvn is maven", rc == 0 and "<settings" in out, (out, err))
rc, out, err = run(["--domain", "dm", "--repository", "py", "--format", "pip"], example_env())
check("--format pip: did you mean pypi", rc == 2 and "did you mean pypi?" in err, err)
url = "https://dm-111122223333.d.codeartifact.us-west-2.amazonaws.com/npm/npm-store/"
rc, out, err = run(["--domain", "dm", "--repository", url, "--format", "npm"], example_env())
check("a URL as --repository: the name, not the URL, and which name",
      rc == 2 and "give the repository's name, not its URL" in err and "did you mean npm-store" in err, err)

# GitHub mode without a domain points at the step's inputs.
gh = example_env(GITHUB_ACTIONS="true", INPUT_REGION="us-west-2")
rc, out, err = run(["--output", "github"], gh)
check("GitHub mode without a domain: with: domain:", rc == 2 and "with: domain:" in err and
      out.startswith("::error"), (out, err))

# AWS refusing the credentials: the error names where they came from and the key id.
d = unique("denied")
rc, out, err = run(["--domain", d, "--no-cache"], example_env())
check("403: names the credential source and the access key id",
      rc == 4 and "signed with credentials from env" in err and EXAMPLE_AK in err and one_line(err), err)

# An untrusted certificate says how to trust a private CA.
rc, out, err = run(["--domain", unique("tls"), "--no-cache", "--endpoint-url",
                    f"https://127.0.0.1:{port('untrusted')}"], example_env())
check("untrusted CA: mentions --ca-bundle and AWS_CA_BUNDLE",
      rc == 5 and "--ca-bundle" in err and "AWS_CA_BUNDLE" in err and one_line(err), err)

finish()
