"""Every example in README.md, examples/jenkins/Jenkinsfile and `--help`, run exactly as printed, the way its
consumer runs it, against the loopback endpoint:

- shell lines (```sh blocks, `--help` EXAMPLES): `bash -e -x -c LINE`, as a CI step or Jenkins would;
- Jenkins (```groovy blocks and the Jenkinsfile): each `sh '...'` script in order under `sh -x -e` (what
  Jenkins runs), with the variables the credential bindings and `environment {}` set, in a workspace; the
  build log (stdout and stderr with xtrace) must never contain the token;
- Terraform (```hcl): `program` run with the query on stdin as the external data source encodes it;
- GitHub (```yaml): every `with:` key is an input of action.yml; the step is run in GitHub mode and the
  later `run:` script under `bash -e` with the step's outputs substituted.

The only changes made to a printed example: the endpoint and CA come from AWS_ENDPOINT_URL_CODEARTIFACT and
AWS_CA_BUNDLE (as every consumer passes the environment through), and the install block writes into a
temporary folder instead of /usr/local/bin.

Run by CTest as: tests/tools/with-servers python3 tests/readme_examples_test.py (CAT_BINARY set).
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile

import yaml

from harness import check, example_env, finish, server_log, skip

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN_DIR = tempfile.mkdtemp(prefix="cat-bin-")
os.symlink(os.environ["CAT_BINARY"], os.path.join(BIN_DIR, "codeartifact-token"))
README = open(os.path.join(ROOT, "README.md")).read()


def consumer_env(**extra):
    env = example_env(**extra)
    env["PATH"] = BIN_DIR + os.pathsep + env.get("PATH", "/usr/bin:/bin")
    return env


def blocks(text, lang):
    return re.findall(r"```" + lang + r"\n(.*?)```", text, re.S)


def issued_tokens():
    return [e.get("token_issued") for e in server_log() if e.get("token_issued")]


def leaked(text):
    return [t for t in issued_tokens() if t and t in text]


def npm_project(where):
    """A package with no dependencies and its lock file, so `npm ci` runs offline."""
    with open(os.path.join(where, "package.json"), "w") as f:
        json.dump({"name": "example", "version": "1.0.0", "private": True}, f)
    with open(os.path.join(where, "package-lock.json"), "w") as f:
        json.dump({"name": "example", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
                   "packages": {"": {"name": "example", "version": "1.0.0"}}}, f)


# --- shell lines: README ```sh blocks (the install block and the two repository scripts aside) ------------
sh_blocks = blocks(README, "sh")
check("README has shell examples", len(sh_blocks) >= 3, len(sh_blocks))
install, lines = None, []
for b in sh_blocks:
    if "sha256sum" in b:
        install = b
        continue
    for line in b.splitlines():
        line = line.strip()
        if line.startswith("codeartifact-token"):
            lines.append(line)
        elif line.startswith("scripts/"):
            # scripts/demo and scripts/test: .ci/run runs both as printed.
            check("README repository script is run by .ci/run: " + line.split()[0],
                  line.split()[0] in open(os.path.join(ROOT, ".ci/run")).read(), line)

help_text = subprocess.run([os.environ["CAT_BINARY"], "--help"], capture_output=True, text=True).stdout
examples = help_text.split("\nEXAMPLES\n", 1)[1].split("\n\n", 1)[0]
help_lines = [l.strip() for l in examples.splitlines() if l.startswith("    codeartifact-token")]
check("--help has shell examples", len(help_lines) >= 2, examples)
for line in lines + help_lines:
    home = tempfile.mkdtemp(prefix="cat-home-")
    env = consumer_env(HOME=home)
    p = subprocess.run(["bash", "-e", "-x", "-c", line], capture_output=True, text=True, env=env, cwd=home,
                       timeout=120)
    check("example runs: " + line, p.returncode == 0, p.stderr)
    check("example keeps the token out of the trace: " + line, leaked(p.stderr) == [], p.stderr)
    if "--configure npm" in line and "--dry-run" not in line:
        npmrc = os.path.join(home, ".npmrc")
        check("example wrote ~/.npmrc with a token: " + line,
              os.path.exists(npmrc) and "_authToken=" in open(npmrc).read(), os.listdir(home))

# The install block, with /usr/local/bin replaced by a temporary folder.
check("README has an install block", install is not None)
if install:
    dist = tempfile.mkdtemp(prefix="cat-dist-")
    name = re.search(r"install -m 0755 (\S+) ", install).group(1)
    shutil.copy(os.environ["CAT_BINARY"], os.path.join(dist, name))
    digest = hashlib.sha256(open(os.path.join(dist, name), "rb").read()).hexdigest()
    with open(os.path.join(dist, "SHA256SUMS"), "w") as f:
        f.write(f"{digest}  {name}\n{'0' * 64}  codeartifact-token-other-platform\n")
    prefix = tempfile.mkdtemp(prefix="cat-prefix-")
    script = install.replace("/usr/local/bin/", prefix + "/")
    p = subprocess.run(["bash", "-e", "-x", "-c", script], capture_output=True, text=True, cwd=dist)
    installed = os.path.join(prefix, "codeartifact-token")
    check("install block: checksum verified and installed", p.returncode == 0 and os.access(installed, os.X_OK),
          p.stderr)
    p = subprocess.run([installed, "--version"], capture_output=True, text=True)
    check("install block: the installed binary runs", p.returncode == 0 and p.stdout.startswith("codeartifact-token"),
          p.stdout)


# --- Jenkins ------------------------------------------------------------------------------------------
def run_jenkins(groovy, what):
    """Each sh step in order, as Jenkins runs them: `sh -xe`, the workspace as cwd and $WORKSPACE, the AWS
    keys bound by withCredentials and AWS_REGION from environment {}; returnStdout steps captured."""
    workspace = tempfile.mkdtemp(prefix="cat-ws-")
    npm_project(workspace)
    open(os.path.join(workspace, "requirements.txt"), "w").close()
    # The project's own build, which reads the token from its environment (build.gradle's System.getenv).
    with open(os.path.join(workspace, "gradlew"), "w") as f:
        f.write('#!/bin/sh\ntest -n "$CODEARTIFACT_AUTH_TOKEN"\n')
    os.chmod(os.path.join(workspace, "gradlew"), 0o755)
    env = consumer_env(WORKSPACE=workspace, HOME=tempfile.mkdtemp(prefix="cat-home-"))
    region = re.search(r"AWS_REGION = '([^']+)'", groovy)
    if region:
        env["AWS_REGION"] = region.group(1)
    log = ""
    steps = re.findall(r"(?:\bsh '([^']*)'|script: '([^']*)')", groovy)
    check(what + ": has sh steps", len(steps) >= 1, groovy[:200])
    post = groovy.split("post {", 1)[1] if "post {" in groovy else ""
    for plain, captured in steps:
        script = plain or captured
        is_post = plain and plain in post
        if is_post:
            files = [f for f in os.listdir(workspace) if f.startswith((".npmrc", "pip.conf"))]
        p = subprocess.run(["sh", "-x", "-e", "-c", script], capture_output=True, text=True, env=env, cwd=workspace,
                           timeout=300)
        log += p.stderr + ("" if captured else p.stdout)
        check(f"{what}: step runs: {script}", p.returncode == 0, p.stderr[-2000:])
        if captured:
            env["CODEARTIFACT_AUTH_TOKEN"] = p.stdout.strip()
            check(f"{what}: returnStdout is the token alone", p.stdout.strip() in issued_tokens(), p.stdout)
        if "--configure npm" in script:
            npmrc = open(os.path.join(workspace, ".npmrc")).read()
            check(f"{what}: $WORKSPACE/.npmrc has the registry and the token",
                  "registry=https://" in npmrc and "_authToken=" in npmrc, npmrc)
        if is_post:
            check(f"{what}: post removes the files", files and not any(
                f.startswith((".npmrc", "pip.conf")) for f in os.listdir(workspace)), (files, os.listdir(workspace)))
    check(what + ": the build log (xtrace) never shows the token", leaked(log) == [], leaked(log))


if not shutil.which("npm"):
    skip("jenkins", "npm is not installed")
else:
    for i, g in enumerate(blocks(README, "groovy")):
        if "pipeline {" in g:
            run_jenkins(g, f"README Jenkins pipeline {i}")
        else:
            # A script {} fragment: its returnStdout step, alone.
            run_jenkins(g, f"README Jenkins fragment {i}")
    run_jenkins(open(os.path.join(ROOT, "examples/jenkins/Jenkinsfile")).read(), "examples/jenkins/Jenkinsfile")


# --- Terraform ----------------------------------------------------------------------------------------
def terraform_block(hcl, what):
    program = json.loads(re.search(r"program = (\[.*?\])", hcl).group(1))
    query = dict(re.findall(r'(\w+)\s*=\s*"([^"]*)"', re.search(r"query\s*=\s*\{(.*?)\}", hcl, re.S).group(1)))
    s = json.dumps(query, separators=(",", ":"))
    s = s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")  # Go's encoder
    env = consumer_env(HOME=tempfile.mkdtemp(prefix="cat-home-"))
    p = subprocess.run(program, input=s, capture_output=True, text=True, env=env)
    result = json.loads(p.stdout) if p.returncode == 0 else {}
    check(what + ": exit 0 and an object of strings",
          p.returncode == 0 and all(isinstance(v, str) for v in result.values()), p.stderr)
    for key in re.findall(r"result\.(\w+)", hcl) + re.findall(r", \.(\w+)", hcl):
        check(f"{what}: result has {key}", key in result, sorted(result))


for i, hcl in enumerate(blocks(README, "hcl")):
    terraform_block(hcl, f"README Terraform {i}")
tf_help = re.search(r'(    data "external".*?\n    \})', examples, re.S)
check("--help has the Terraform example", tf_help is not None, examples)
if tf_help:
    terraform_block(tf_help.group(1), "--help Terraform")

# --- GitHub -------------------------------------------------------------------------------------------
def runner_file(path):
    """GITHUB_OUTPUT / GITHUB_ENV as the runner reads them: name<<DELIMITER heredocs and name=value lines."""
    text = open(path).read()
    values = {m[0]: m[2] for m in re.findall(r"^([\w-]+)<<(\S+)\n(.*?)\n\2$", text, re.M | re.S)}
    values.update(re.findall(r"^([\w-]+)=(.*)$", text, re.M))
    return values


action = yaml.safe_load(open(os.path.join(ROOT, "action.yml")))
for i, y in enumerate(blocks(README, "yaml")):
    doc = yaml.safe_load(y)
    check(f"README GitHub {i}: permissions id-token: write", doc.get("permissions", {}).get("id-token") == "write", doc)
    steps = doc["steps"]
    step = next(s for s in steps if s.get("id") == "codeartifact")
    unknown = [k for k in step["with"] if k not in action["inputs"]]
    check(f"README GitHub {i}: every with: key is an action input", unknown == [], unknown)
    inputs = {"INPUT_" + k.upper(): str(v) for k, v in step["with"].items() if k != "role-to-assume"}
    work = tempfile.mkdtemp(prefix="cat-gh-")
    out_file, env_file = os.path.join(work, "output"), os.path.join(work, "env")
    open(out_file, "w").close()
    open(env_file, "w").close()
    env = consumer_env(GITHUB_ACTIONS="true", GITHUB_OUTPUT=out_file, GITHUB_ENV=env_file, HOME=work, **inputs)
    p = subprocess.run(["codeartifact-token", "--output", "github"], capture_output=True, text=True, env=env)
    check(f"README GitHub {i}: the step succeeds", p.returncode == 0, p.stderr)
    outputs, exported = runner_file(out_file), runner_file(env_file)
    check(f"README GitHub {i}: CODEARTIFACT_REPOSITORY_ENDPOINT exported for later steps, as --output env prints it",
          exported.get("CODEARTIFACT_REPOSITORY_ENDPOINT") == outputs.get("repository-endpoint") != None, exported)
    run_step = next(s for s in steps if "run" in s)["run"]
    script = re.sub(r"\$\{\{ steps\.codeartifact\.outputs\.([\w-]+) \}\}", lambda m: outputs.get(m.group(1), ""),
                    run_step)
    npm_project(work)
    step_env = dict(env, **exported)
    p = subprocess.run(["bash", "-e", "-c", script], capture_output=True, text=True, env=step_env, cwd=work,
                       timeout=300)
    npmrc = open(os.path.join(work, ".npmrc")).read() if os.path.exists(os.path.join(work, ".npmrc")) else ""
    check(f"README GitHub {i}: the run step configures npm and npm ci succeeds",
          p.returncode == 0 and outputs.get("repository-endpoint", "?") in npmrc and
          exported.get("CODEARTIFACT_AUTH_TOKEN", "?") in npmrc, (p.stderr[-2000:], npmrc))
gh_help = re.search(r"(    - uses: .*?)(?:\n\n|\Z)", examples, re.S)
check("--help has the GitHub example with its with: inputs", gh_help is not None, examples)
if gh_help:
    step = yaml.safe_load("\n".join(l[4:] for l in gh_help.group(1).splitlines()))[0]
    check("--help GitHub: every with: key is an action input",
          [k for k in step["with"] if k not in action["inputs"]] == [], step)

finish()
