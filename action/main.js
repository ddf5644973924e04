// The action's main step: the release binary for this runner (tool cache, or downloaded and checked
// against SHA256SUMS), run in GitHub mode. The binary does the work: it reads the INPUT_* variables,
// masks the token, writes the step outputs and GITHUB_ENV, and writes the configure input's files.
"use strict";

const { spawnSync } = require("child_process");
const path = require("path");
const lib = require("./lib");

async function main() {
  const binary = await lib.installBinary();
  // Later steps can run it by name (exec, credential helpers); the post step runs it to clean up.
  if (process.env.GITHUB_PATH) require("fs").appendFileSync(process.env.GITHUB_PATH, path.dirname(binary) + "\n");
  lib.appendFileCommand("GITHUB_OUTPUT", "binary", binary);
  lib.appendFileCommand("GITHUB_STATE", "binary", binary);
  // What the post step needs to find our entries again: the inputs, less the secret ones.
  if (lib.input("configure")) lib.appendFileCommand("GITHUB_STATE", "inputs", JSON.stringify(lib.stateInputs()));
  const r = spawnSync(binary, ["--output", "github"], { env: lib.binaryEnv(), stdio: "inherit" });
  if (r.error) throw new Error(`could not run ${binary}: ${r.error.message}`);
  // A failed run has printed its ::error:: line already.
  if (r.status !== 0) process.exitCode = r.status || 1;
}

main().catch((e) => lib.fail("codeartifact-token: " + e.message));
