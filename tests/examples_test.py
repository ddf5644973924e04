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

from harness import check, example_env, finish, run, server_log, unique

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
action = yaml.safe_load(open(os.path.join(ROOT, "action.yml")))
workflow = yaml.safe_load(open(os.path.join(ROOT, "examples/github/workflow.yml")))
steps = workflow["jobs"]["publish"]["steps"]
step = next(s for s in steps if s.get("id") == "codeartifact")
check("github: action runs in a container with explicit GitHub mode",
      action["runs"]["using"] == "docker" and action["runs"]["args"] == ["--output", "github"], action["runs"])
with_ = dict(step["with"])
# The example assumes a role with GitHub's OIDC token; here the keys come from the environment instead.
with_.pop("role-to-assume", None)
with_["domain"] = unique("gh")
inputs = {}
for name, spec in action["inputs"].items():
    value = with_.get(name, spec.get("default", ""))
    inputs["INPUT_" + name.replace(" ", "_").upper()] = str(value)  # hyphens kept, as the runner does
check("github: runner names keep hyphens", "INPUT_DOMAIN-OWNER" in inputs, inputs)
work = tempfile.mkdtemp(prefix="cat-gh-")
out_file, env_file = os.path.join(work, "output"), os.path.join(work, "env")
open(out_file, "w").close()
open(env_file, "w").close()
env = consumer_env(GITHUB_ACTIONS="true", GITHUB_OUTPUT=out_file, GITHUB_ENV=env_file,
                   **workflow["jobs"]["publish"].get("env", {}))
env.update(inputs)
p = subprocess.run(["codeartifact-token"] + action["runs"]["args"], capture_output=True, text=True, env=env)
check("github: exit 0", p.returncode == 0, p.stderr + p.stdout)


def read_runner_file(path):
    """The runner's rules for GITHUB_OUTPUT / GITHUB_ENV: name=value lines, or name<<DELIM heredocs."""
    values, lines, i = {}, open(path).read().split("\n"), 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            j = lines.index(delim, i + 1)
            values[name] = "\n".join(lines[i + 1:j])
            i = j + 1
        elif "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
            i += 1
        else:
            i += 1
    return values


outputs = read_runner_file(out_file)
exported = read_runner_file(env_file)
token = outputs.get("authorization-token", "")
check("github: outputs", set(outputs) == {"authorization-token", "expiration", "repository-endpoint"}, outputs)
check("github: token issued by the endpoint", token in [e.get("token_issued") for e in server_log(with_["domain"])], token)
first = p.stdout.split("\n")[0]
check("github: ::add-mask:: is the first line of stdout", first == "::add-mask::" + token, p.stdout)
check("github: the token appears nowhere else in stdout or stderr",
      p.stdout.count(token) == 1 and token not in p.stderr, p.stdout)
check("github: CODEARTIFACT_AUTH_TOKEN exported", exported.get("CODEARTIFACT_AUTH_TOKEN") == token, exported)

# The workflow's next step, as the runner would run it (bash -e), with its own npm in a fresh HOME.
npm_step = next(s for s in steps if s.get("name") == "Configure npm")
script = npm_step["run"].replace("${{ steps.codeartifact.outputs.repository-endpoint }}",
                                 outputs.get("repository-endpoint", ""))
home = env["HOME"]
step_env = dict(env, CODEARTIFACT_AUTH_TOKEN=exported.get("CODEARTIFACT_AUTH_TOKEN", ""))
if shutil.which("npm"):
    p2 = subprocess.run(["bash", "-e", "-c", script], capture_output=True, text=True, env=step_env, timeout=120)
    reg = subprocess.run(["npm", "config", "get", "registry"], capture_output=True, text=True, env=step_env)
    npmrc = open(os.path.join(home, ".npmrc")).read() if os.path.exists(os.path.join(home, ".npmrc")) else ""
    check("github: the workflow's npm step configures npm", p2.returncode == 0 and
          reg.stdout.strip() == outputs.get("repository-endpoint") and token in npmrc, (p2.stderr, reg.stdout))

# export-env false, mask false
env2 = dict(env, **{"INPUT_EXPORT-ENV": "false", "INPUT_MASK": "false", "INPUT_DOMAIN": unique("gh")})
open(env_file, "w").close()
p = subprocess.run(["codeartifact-token", "--output", "github"], capture_output=True, text=True, env=env2)
check("github: export-env false leaves GITHUB_ENV alone, mask false prints no mask",
      p.returncode == 0 and open(env_file).read() == "" and "::add-mask::" not in p.stdout, p.stdout)
env3 = dict(env, **{"INPUT_DOMIAN": "x"})
p = subprocess.run(["codeartifact-token", "--output", "github"], capture_output=True, text=True, env=env3)
check("github: an unknown input is an error with a suggestion", p.returncode == 2 and "did you mean domain" in p.stderr
      and "::error" in p.stdout, p.stderr)

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
