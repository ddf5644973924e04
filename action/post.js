// The action's post step: removes what the configure input wrote (codeartifact-token --unconfigure TOOL),
// so a self-hosted runner does not keep a token in the tools' files after the job.
"use strict";

const { spawnSync } = require("child_process");
const lib = require("./lib");

function main() {
  const binary = process.env.STATE_binary;
  const configure = process.env.STATE_configure;
  if (!binary || !configure) return;
  const env = lib.binaryEnv();
  for (const k of Object.keys(env)) if (k.toUpperCase().startsWith("INPUT_")) delete env[k];
  const help = spawnSync(binary, ["--help"], { env, encoding: "utf8" });
  if (help.error || !/--unconfigure\b/.test(help.stdout || "")) {
    lib.warning(`codeartifact-token: this binary has no --unconfigure, so what configure wrote for ` +
      `${lib.configuredTools(configure).join(", ")} stays in place`);
    return;
  }
  const configFile = process.env["STATE_config-file"] || "";
  for (const tool of lib.configuredTools(configure)) {
    const args = ["--unconfigure", tool].concat(configFile ? ["--config-file", configFile] : []);
    const r = spawnSync(binary, args, { env, stdio: "inherit" });
    if (r.error || r.status !== 0)
      lib.warning(`codeartifact-token: --unconfigure ${tool} failed` + (r.error ? ": " + r.error.message : ""));
  }
}

try {
  main();
} catch (e) {
  lib.warning("codeartifact-token: " + e.message);
}
