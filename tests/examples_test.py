"""Runs what each example runs, as its consumer would, against the loopback endpoint, and reads the result
with the consumer's rules:

- examples/terraform/main.tf: the external data source's query on stdin (encoded as Terraform's Go
  encoder does), the result read as a JSON object of strings only; failure = non-zero exit, stderr.
- examples/github/workflow.yml + action.yml: the runner's INPUT_* variables (defaults included), runs.args,
  GITHUB_OUTPUT/GITHUB_ENV files read with the runner's heredoc rules, then the workflow's own npm step.
- examples/jenkins/Jenkinsfile: see tests/readme_examples_test.py (every sh step under sh -xe).

The examples talk to AWS; here the endpoint and CA come from AWS_ENDPOINT_URL_CODEARTIFACT and
AWS_CA_BUNDLE, which every consumer passes through to the program's environment.
"""
import json
import os
import re
import shutil
import stat
import subprocess
import tempfile

import yaml

from harness import check, example_env, finish, read_runner_file, run, server_log, skip, unique

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN_DIR = tempfile.mkdtemp(prefix="cat-bin-")
os.symlink(os.environ["CAT_BINARY"], os.path.join(BIN_DIR, "codeartifact-token"))


def consumer_env(**extra):
    env = example_env(**extra)
    env["PATH"] = BIN_DIR + os.pathsep + env.get("PATH", "/usr/bin:/bin")
    return env


def go_json(obj):
    """encoding/json's output: HTML-safe escaping of <, > and &."""
    s = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    return s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# --- Terraform ----------------------------------------------------------------------------------------
tf = open(os.path.join(ROOT, "examples/terraform/main.tf")).read()
defaults = dict(re.findall(r'variable "(\w+)" \{[^}]*?default\s*=\s*"([^"]*)"', tf, re.S))
block = re.search(r'data "external" "codeartifact" \{.*?query = \{(.*?)\n  \}', tf, re.S).group(1)
program = json.loads(re.search(r"program = (\[.*?\])", tf).group(1))
query = {}
for key, value in re.findall(r"^\s*(\w+)\s*=\s*(.+?)\s*$", block, re.M):
    query[key] = defaults[value[4:]] if value.startswith("var.") else json.loads(value)
query["domain"] = unique("tf")  # a fresh domain, so the server log shows this run alone
check("terraform: program is codeartifact-token", program == ["codeartifact-token"], program)

p = subprocess.run(program, input=go_json(query), capture_output=True, text=True, env=consumer_env(GITHUB_ACTIONS="true"))
result = json.loads(p.stdout) if p.returncode == 0 else None
check("terraform: exit 0", p.returncode == 0, p.stderr)
check("terraform: result is an object of strings only",
      isinstance(result, dict) and all(isinstance(v, str) for v in result.values()), p.stdout)
check("terraform: the keys main.tf reads", result and {"repository_endpoint", "authorization_token", "expiration"}
      <= set(result), result)
log = server_log(query["domain"])
check("terraform: the token the endpoint issued", result and result["authorization_token"] in
      [e.get("token_issued") for e in log], log)
check("terraform: stderr empty", p.stderr == "", p.stderr)
check("terraform protocol kept inside a GitHub workflow (GITHUB_ACTIONS=true)", p.returncode == 0 and
      not p.stdout.startswith("::"), p.stdout)

bad = dict(query, duration_seconds="60")
p = subprocess.run(program, input=go_json(bad), capture_output=True, text=True, env=consumer_env())
check("terraform: failure is a non-zero exit, one stderr line, empty stdout",
      p.returncode != 0 and p.stdout == "" and p.stderr.count("\n") == 1 and "duration_seconds" in p.stderr, p.stderr)
p = subprocess.run(program, input=go_json(dict(query, domain="a<b&c")), capture_output=True, text=True,
                   env=consumer_env())
check("terraform: Go-escaped input decoded", p.returncode == 2 and 'domain "a<b&c"' in p.stderr, p.stderr)

# --- GitHub Actions -----------------------------------------------------------------------------------
# action/main.js with the runner's INPUT_* variables and file commands; binary-path stands in for the
# release download (the action's own steps, download, checksum, tool cache, post: tests/action_test.py).
action = yaml.safe_load(open(os.path.join(ROOT, "action.yml")))
workflow = yaml.safe_load(open(os.path.join(ROOT, "examples/github/workflow.yml")))
job = workflow["jobs"]["publish"]
steps = job["steps"]
step = next(s for s in steps if s.get("id") == "codeartifact")
check("github: the workflow may request an OIDC token", workflow["permissions"].get("id-token") == "write",
      workflow["permissions"])
check("github: the action is a node20 action with a post step",
      action["runs"]["using"] == "node20" and action["runs"]["post"] == "action/post.js", action["runs"])
check("github: the example uses a release tag", re.fullmatch(r"codeartifact-token/codeartifact-token@v\d+\.\d+\.\d+",
                                                            step["uses"]) is not None, step["uses"])
check("github: every input of the example is declared", set(step["with"]) <= set(action["inputs"]), step["with"])
with_ = dict(step["with"])
# The example assumes a role with GitHub's OIDC token; here the keys come from the environment instead.
with_.pop("role-to-assume", None)
with_["domain"] = unique("gh")
with_["binary-path"] = os.environ["CAT_BINARY"]
inputs = {}
for name, spec in action["inputs"].items():
    value = with_.get(name, spec.get("default", ""))
    inputs["INPUT_" + name.replace(" ", "_").upper()] = str(value)  # hyphens kept, as the runner does
check("github: runner names keep hyphens", "INPUT_DOMAIN-OWNER" in inputs, inputs)
work = tempfile.mkdtemp(prefix="cat-gh-")
files = {k: os.path.join(work, k.lower()) for k in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_STATE", "GITHUB_PATH")}
for f in files.values():
    open(f, "w").close()
env = consumer_env(GITHUB_ACTIONS="true", RUNNER_TEMP=work, **files, **job.get("env", {}))
env.update(inputs)
node = shutil.which("node")
p = subprocess.run([node or "node", os.path.join(ROOT, action["runs"]["main"])], capture_output=True, text=True,
                   env=env) if node else None
check("github: exit 0", p is not None and p.returncode == 0, p and p.stderr + p.stdout)



outputs = read_runner_file(files["GITHUB_OUTPUT"])
exported = read_runner_file(files["GITHUB_ENV"])
token = outputs.get("authorization-token", "")
check("github: outputs", set(outputs) == {"authorization-token", "expiration", "repository-endpoint", "binary"}, outputs)
check("github: token issued by the endpoint", token in [e.get("token_issued") for e in server_log(with_["domain"])], token)
check("github: ::add-mask:: before the token's only appearance in the log",
      p is not None and ("::add-mask::" + token) in p.stdout.split("\n") and p.stdout.count(token) == 1 and
      token not in p.stderr, p and p.stdout)
check("github: CODEARTIFACT_AUTH_TOKEN and CODEARTIFACT_REPOSITORY_ENDPOINT exported",
      exported.get("CODEARTIFACT_AUTH_TOKEN") == token and
      exported.get("CODEARTIFACT_REPOSITORY_ENDPOINT") == outputs.get("repository-endpoint"), exported)

# The workflow's next step, as the runner runs it (bash -e, shell: bash), with the runner's HOME and the
# variables GITHUB_ENV exported; the step's ${{ }} expressions replaced by the outputs.
check_step = next(s for s in steps if s.get("name") == "Check the registry")
script = re.sub(r"\$\{\{ steps\.codeartifact\.outputs\.([\w-]+) \}\}", lambda m: outputs.get(m.group(1), ""),
                check_step["run"])
check("github: the step's expressions are all outputs", "${{" not in script, script)
step_env = dict(env, **exported)
if shutil.which("npm"):
    p2 = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], capture_output=True,
                        text=True, env=step_env, cwd=work, timeout=120)
    check("github: after configure: npm, the outputs and GITHUB_ENV agree", p2.returncode == 0 and
          "npm-store: " + outputs.get("repository-endpoint", "-") in p2.stdout, (p2.stdout, p2.stderr))
    check("github: the token is in no step's log", token not in p2.stdout + p2.stderr, p2.stdout)
else:
    skip("github: the workflow's npm step", "npm is not installed")

# --- Jenkins ------------------------------------------------------------------------------------------
# examples/jenkins/Jenkinsfile is run step by step under `sh -xe` by tests/readme_examples_test.py.
work = tempfile.mkdtemp(prefix="cat-jenkins-")

# The env file itself: sh-sourceable, and 0600 under the umask the example sets.
p = subprocess.run(["sh", "-c", "umask 077; codeartifact-token --domain " + unique("envf") +
                    " --output env > f.env && . ./f.env && printf %s \"$CODEARTIFACT_AUTH_TOKEN\""],
                   capture_output=True, text=True, env=consumer_env(), cwd=work)
mode = stat.S_IMODE(os.stat(os.path.join(work, "f.env")).st_mode)
check("jenkins: env file sources in sh and is 0600", p.returncode == 0 and p.stdout.startswith("eyJ") and mode == 0o600,
      (p.stdout, oct(mode)))

finish()
