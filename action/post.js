// The action's post step: removes what the configure input wrote, so that no token stays in the tools'
// files on the runner after the job. For each tool it runs the binary in GitHub mode with
// INPUT_UNCONFIGURE (codeartifact-token --unconfigure TOOL) and the main step's inputs, which find our
// entries without credentials or any call to AWS.
"use strict";

const { spawnSync } = require("child_process");
const lib = require("./lib");

function main() {
  const binary = process.env.STATE_binary;
  const saved = process.env.STATE_inputs;
  if (!binary || !saved) return;
  const inputs = JSON.parse(saved);
  const base = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.toUpperCase().startsWith("INPUT_")) base[k] = v;
  for (const [name, value] of Object.entries(inputs))
    if (name !== "configure") base["INPUT_" + name.toUpperCase()] = value;
  for (const { item, tool, repository } of lib.configureEntries(inputs.configure || "")) {
    const env = Object.assign({}, base, { "INPUT_UNCONFIGURE": item });
    if (repository) env["INPUT_REPOSITORY"] = repository;
    const r = spawnSync(binary, ["--output", "github"], { env, encoding: "utf8" });
    const said = ((r.stderr || "") + (r.error ? r.error.message : "")).trim();
    if (r.status === 0) {
      lib.info((r.stdout || "").trim());
    } else if (/unknown input unconfigure/.test(said)) {
      lib.warning(`codeartifact-token: this binary has no --unconfigure, so what configure wrote for ` +
        `${lib.configureEntries(inputs.configure).map((e) => e.tool).join(", ")} stays in place`);
      return;
    } else {
      lib.warning(`codeartifact-token: could not remove what configure wrote for ${tool}: ${said}`);
    }
  }
}

try {
  main();
} catch (e) {
  lib.warning("codeartifact-token: " + e.message);
}
