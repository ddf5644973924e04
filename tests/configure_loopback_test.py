"""--configure TOOL end to end: the token and repository endpoint from the loopback endpoint, then the
tool's own configuration written (or printed), read back by the tool itself where it is installed.

Run by CTest as: tests/tools/with-servers python3 tests/configure_loopback_test.py (CAT_BINARY set).
"""
import json
import os
import shutil
import stat
import subprocess

from harness import check, example_env, finish, run, server_log, unique

env = example_env()
home = env["HOME"]
d = unique("conf")

# Unknown tool: a usage error before any network call.
rc, out, err = run(["--domain", d, "--repository", "npm-store", "--configure", "rpm"], env)
check("unknown tool: exit 2, nothing sent", rc == 2 and server_log(d) == [] and "npm" in err, err)
rc, out, err = run(["--domain", d, "--configure", "npm"], env)
check("configure without repository: exit 2", rc == 2 and "repository" in err, err)

# Dry run: the exact configuration, token redacted; nothing written.
rc, out, err = run(["--domain", d, "--repository", "npm-store", "--configure", "npm", "--dry-run"], env)
token = [e["token_issued"] for e in server_log(d) if e.get("token_issued")]
check("dry run prints the configuration", rc == 0 and "registry=https://" in out and "/npm/npm-store/" in out, out)
check("dry run redacts the token", token and token[-1] not in out and "****" in out, out)
check("dry run writes nothing", not os.path.exists(os.path.join(home, ".npmrc")), os.listdir(home))
rc, out, err = run(["--domain", d, "--repository", "npm-store", "--configure", "npm", "--dry-run", "--show-token"], env)
check("--show-token shows it", rc == 0 and "_authToken=eyJ" in out, out)

# Write, keeping foreign entries.
npmrc = os.path.join(home, ".npmrc")
with open(npmrc, "w") as f:
    f.write("# mine\nfund=false\n")
rc, out, err = run(["--domain", d, "--repository", "npm-store", "--configure", "npm"], env)
text = open(npmrc).read()
check("npm: configured", rc == 0 and out.startswith("configured npm: " + npmrc), (out, err))
check("npm: foreign entries kept", text.startswith("# mine\nfund=false\n") and "_authToken=" in text, text)
check("npm: file is 0600", stat.S_IMODE(os.stat(npmrc).st_mode) == 0o600, oct(os.stat(npmrc).st_mode))
rc, out, err = run(["--domain", d, "--repository", "npm-store", "--configure", "npm"], env)
check("npm: a second run (token from the cache) changes nothing", rc == 0 and out.startswith("unchanged") and
      open(npmrc).read() == text, out)
if shutil.which("npm"):
    reg = subprocess.run(["npm", "config", "get", "registry"], capture_output=True, text=True, env=env)
    check("npm reads back the registry", reg.stdout.strip().endswith("/npm/npm-store/"), reg.stdout + reg.stderr)

# pip, read back by pip.
pip = shutil.which("pip") or shutil.which("pip3")
rc, out, err = run(["--domain", d, "--repository", "pypi-store", "--configure", "pip"], env)
check("pip: configured", rc == 0 and "configured pip" in out, (out, err))
if pip:
    listed = subprocess.run([pip, "config", "list"], capture_output=True, text=True, env=env).stdout
    check("pip reads back index-url with aws:TOKEN@", "index-url='https://aws:eyJ" in listed and "/pypi/pypi-store/simple/" in listed, listed)

# --output env: export lines instead of files.
rc, out, err = run(["--domain", d, "--repository", "crates", "--configure", "cargo", "--output", "env"], env)
check("cargo --output env: export lines", rc == 0 and "export CARGO_REGISTRIES_" in out and "_TOKEN='Bearer eyJ" in out, out)
check("cargo --output env: no files", not os.path.exists(os.path.join(home, ".cargo")), os.listdir(home))

# Items with their own namespace and extra index (TOOL:REPOSITORY@NAMESPACE, +extra-index), one run; the
# same items unconfigure them (the created files go).
ihome = os.path.join(home, "items")
ienv = dict(env, HOME=ihome)
items = "npm:npm-store@corp,pip:pypi-store+extra-index"
rc, out, err = run(["--domain", d, "--configure", items], ienv)
npmrc_items = os.path.join(ihome, ".npmrc")
pipconf = os.path.join(ihome, ".config/pip/pip.conf")
text = open(npmrc_items).read() if os.path.exists(npmrc_items) else ""
check("items: npm gets the scope of its item only", rc == 0 and "@corp:registry=https://" in text and
      "\nregistry=" not in "\n" + text, (text, err))
pip_text = open(pipconf).read() if os.path.exists(pipconf) else ""
check("items: pip gets an extra index", "extra-index-url = https://aws:" in pip_text and "\nindex-url" not in pip_text,
      pip_text)
if shutil.which("npm"):
    reg = subprocess.run(["npm", "config", "get", "@corp:registry"], capture_output=True, text=True, env=ienv)
    check("npm reads back the item's scope", reg.stdout.strip().endswith("/npm/npm-store/"), reg.stdout + reg.stderr)
rc, out, err = run(["--domain", d, "--domain-owner", "111122223333", "--unconfigure", items], ienv)
check("items: --unconfigure with the same items removes both files",
      rc == 0 and not os.path.exists(npmrc_items) and not os.path.exists(pipconf), (out, err))

# --unconfigure for the tools of every format: configure beside the user's own entries (CRLF kept), then
# unconfigure: the user's file comes back byte for byte, a file configure created is deleted, and nothing
# is sent (no credentials are needed). yarn and mvn read the result back.
owner = "111122223333"
user_files = {
    "yarn": (".yarnrc.yml", "# mine\r\nenableTelemetry: false\r\nnpmRegistries:\r\n  \"//npm.example.com\":\r\n"
                            "    npmAuthToken: \"FOREIGN\"\r\n"),
    "maven": (".m2/settings.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<settings>\n  <!-- mine -->\n"
                                  "  <servers>\n    <server>\n      <id>corp</id>\n      <username>me</username>\n"
                                  "    </server>\n  </servers>\n</settings>\n"),
    "nuget": (".nuget/NuGet/NuGet.Config", "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<configuration>\r\n"
                                           "  <packageSources>\r\n    <add key=\"nuget.org\" "
                                           "value=\"https://api.nuget.org/v3/index.json\" />\r\n  </packageSources>\r\n"
                                           "</configuration>\r\n"),
    "swift": (".swiftpm/configuration/registries.json", "{\n  \"registries\" : {\n    \"other\" : {\n"
                                                        "      \"url\" : \"https://packages.example.com/\"\n    }\n  },\n"
                                                        "  \"version\" : 1\n}\n"),
    "bundler": (".bundle/config", "---\nBUNDLE_JOBS: \"4\"\n"),
    "twine": (".pypirc", "[pypi]\nusername = __token__\n"),
}
user_netrc = "machine packages.example.com login me password FOREIGN\n"
for tool, (rel, text) in user_files.items():
    for mine in (True, False):
        uhome = os.path.join(home, "unconf-%s-%s" % (tool, mine))
        uenv = dict(env, HOME=uhome)
        path = os.path.join(uhome, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        netrc = os.path.join(uhome, ".netrc")
        if mine:
            with open(path, "w", newline="") as f:
                f.write(text)
            if tool == "swift":
                with open(netrc, "w") as f:
                    f.write(user_netrc)
        args = ["--domain", d, "--domain-owner", owner, "--repository", "store"]
        rc, out, err = run(args + ["--configure", tool], uenv)
        configured = open(path, newline="").read() if os.path.exists(path) else ""
        check(f"{tool}: configured ({'beside the user' + chr(39) + 's entries' if mine else 'a new file'})",
              rc == 0 and "/store/" in configured and configured != text, (out, err))
        sent = len(server_log(d))
        rc, out, err = run(args + ["--unconfigure", tool], dict(uenv, AWS_ACCESS_KEY_ID="", AWS_SECRET_ACCESS_KEY=""))
        check(f"{tool} --unconfigure: exit 0, nothing sent", rc == 0 and len(server_log(d)) == sent and
              out.startswith("unconfigured " + tool), (out, err))
        if mine:
            check(f"{tool} --unconfigure: the user's file byte for byte",
                  open(path, newline="").read() == text, (configured, open(path, newline="").read()))
            if tool == "swift":
                check("swift --unconfigure: the user's .netrc byte for byte", open(netrc).read() == user_netrc,
                      open(netrc).read())
        else:
            check(f"{tool} --unconfigure: the file configure created is gone", not os.path.exists(path) and
                  "(removed: nothing else was in it)" in out and not os.path.exists(netrc), (out, os.listdir(uhome)))
        if tool == "yarn" and shutil.which("yarn"):
            got = subprocess.run(["yarn", "config", "get", "npmRegistryServer"], capture_output=True, text=True,
                                 env=uenv, cwd=uhome, timeout=120)
            check("yarn reads back its default registry after --unconfigure",
                  got.stdout.strip() == "https://registry.yarnpkg.com", got.stdout + got.stderr)
        if tool == "maven" and mine and shutil.which("mvn"):
            proj = os.path.join(uhome, "proj")
            os.makedirs(proj)
            with open(proj + "/pom.xml", "w") as f:
                f.write('<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
                        '<groupId>g</groupId><artifactId>a</artifactId><version>1</version>'
                        '<packaging>pom</packaging></project>\n')
            got = subprocess.run(["mvn", "-B", "-o", "-X", "-s", path, "-Dmaven.repo.local=" + uhome + "/repo",
                                  "validate"], capture_output=True, text=True, env=uenv, cwd=proj, timeout=240)
            said = got.stdout + got.stderr
            check("mvn reads the restored settings.xml without a problem, and no mirror of ours",
                  got.returncode == 0 and "problems were encountered while building the effective settings" not in said
                  and "/maven/store/" not in said, said[-1500:])

finish()
