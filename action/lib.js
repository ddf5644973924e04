// What the action's main and post steps share. Node built-ins only: the action runs from a checkout of
// this repository, with nothing installed and nothing bundled.
"use strict";

const crypto = require("crypto");
const fs = require("fs");
const http = require("http");
const https = require("https");
const net = require("net");
const os = require("os");
const path = require("path");
const tls = require("tls");

const TOOL = "codeartifact-token";
// Inputs the action reads itself; every other INPUT_* goes to the binary, which knows the rest. The
// token is always masked: a `mask: false` (which the binary would honour) never reaches it.
const ACTION_INPUTS = ["version", "binary-path", "mask"];
const SECRET_INPUTS = ["access-key", "secret-key", "session-token"];
const MAX_DOWNLOAD = 128 * 1024 * 1024;
const TIMEOUT_MS = 60 * 1000;

function input(name) {
  const v = process.env["INPUT_" + name.replace(/ /g, "_").toUpperCase()];
  return (v || "").trim();
}

// Workflow commands (https://docs.github.com/actions/reference/workflow-commands-for-github-actions).
function escapeData(s) {
  return String(s).replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}
function info(s) {
  process.stdout.write(s + "\n");
}
function warning(s) {
  process.stdout.write("::warning::" + escapeData(s) + "\n");
}
function fail(s) {
  process.stdout.write("::error::" + escapeData(s) + "\n");
  process.exitCode = 1;
}

// GITHUB_STATE / GITHUB_OUTPUT / GITHUB_ENV entries, in the runner's heredoc form.
function appendFileCommand(variable, name, value) {
  const file = process.env[variable];
  if (!file) throw new Error(variable + " is not set: the action runs inside a GitHub Actions step");
  const delimiter = "ghadelimiter_" + crypto.randomBytes(16).toString("hex");
  fs.appendFileSync(file, `${name}<<${delimiter}\n${value}\n${delimiter}\n`);
}

// The action's version: the project's, from the CMakeLists.txt beside action/ (one place to change it).
function ownVersion() {
  const text = fs.readFileSync(path.join(__dirname, "..", "CMakeLists.txt"), "utf8");
  const m = /project\(\s*codeartifact-token\s+VERSION\s+([0-9][0-9A-Za-z.+-]*)/.exec(text);
  if (!m) throw new Error("no project VERSION in CMakeLists.txt");
  return m[1];
}

// The release binary for this runner: RUNNER_OS/RUNNER_ARCH (process.platform/arch outside a runner).
function platform() {
  const osName = (process.env.RUNNER_OS || { linux: "Linux", win32: "Windows", darwin: "macOS" }[process.platform] ||
    process.platform).toLowerCase();
  const arch = (process.env.RUNNER_ARCH || process.arch).toLowerCase();
  if (osName === "linux" && arch === "x64") return { name: "linux-x86_64", arch, exe: "" };
  if (osName === "linux" && arch === "arm64") return { name: "linux-arm64", arch, exe: "" };
  // Windows on Arm runs x64 programs through its emulation layer.
  if (osName === "windows" && (arch === "x64" || arch === "arm64")) return { name: "windows-x86_64", arch, exe: ".exe" };
  if (osName === "macos")
    throw new Error("there is no macOS binary of codeartifact-token yet: build one (the POSIX code is all it " +
      "needs) and give its path as binary-path, or run this job on Linux or Windows");
  throw new Error(`no codeartifact-token binary for ${osName} ${arch} (there are linux x64/arm64 and windows x64)` +
    "; give a binary you built as binary-path");
}

function releaseFile(version, plat) {
  return `${TOOL}-${version}-${plat.name}${plat.exe}`;
}

// Where the release's files are: CODEARTIFACT_TOKEN_RELEASE_URL (a mirror, or a test's loopback server)
// or the action's own repository's GitHub releases; the files are under v<version>/.
function releaseBase(version) {
  const base = process.env.CODEARTIFACT_TOKEN_RELEASE_URL ||
    `https://github.com/${process.env.GITHUB_ACTION_REPOSITORY || "codeartifact-token/codeartifact-token"}` +
    "/releases/download";
  return base.replace(/\/+$/, "") + "/v" + version + "/";
}

// HTTPS_PROXY unless NO_PROXY covers the host, as curl reads them.
function proxyFor(url) {
  const proxy = process.env.HTTPS_PROXY || process.env.https_proxy || "";
  if (!proxy) return null;
  const noProxy = (process.env.NO_PROXY || process.env.no_proxy || "").split(/[\s,]+/).filter(Boolean);
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  for (let entry of noProxy) {
    entry = entry.toLowerCase().replace(/:\d+$/, "");
    if (entry === "*") return null;
    if (entry.startsWith(".")) entry = entry.slice(1);
    if (host === entry || host.endsWith("." + entry)) return null;
  }
  return new URL(proxy.includes("://") ? proxy : "http://" + proxy);
}

// A TLS socket to url's host, through the proxy's CONNECT tunnel when there is one.
function connect(url) {
  const port = Number(url.port || 443);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const proxy = proxyFor(url);
  if (!proxy) return Promise.resolve(null);  // https.get connects by itself
  return new Promise((resolve, reject) => {
    const headers = { Host: `${url.hostname}:${port}` };
    if (proxy.username)
      headers["Proxy-Authorization"] = "Basic " +
        Buffer.from(decodeURIComponent(proxy.username) + ":" + decodeURIComponent(proxy.password)).toString("base64");
    const req = http.request({
      host: proxy.hostname.replace(/^\[|\]$/g, ""), port: Number(proxy.port || 80), method: "CONNECT",
      path: `${url.hostname}:${port}`, headers, timeout: TIMEOUT_MS,
    });
    req.on("connect", (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        reject(new Error(`the proxy ${proxy.host} refused CONNECT ${url.host}: HTTP ${res.statusCode}`));
        return;
      }
      resolve(tls.connect({ socket, host, servername: net.isIP(host) ? undefined : host }));
    });
    req.on("timeout", () => req.destroy(new Error(`the proxy ${proxy.host} did not answer`)));
    req.on("error", reject);
    req.end();
  });
}

// GET over HTTPS only, redirects followed (GitHub sends release downloads elsewhere), into a Buffer.
async function get(urlText, redirects = 10) {
  const url = new URL(urlText);
  if (url.protocol !== "https:") throw new Error(`refusing ${url.protocol} URL ${urlText}: HTTPS only`);
  const socket = await connect(url);
  return new Promise((resolve, reject) => {
    const options = { headers: { "User-Agent": "codeartifact-token-action" }, timeout: TIMEOUT_MS };
    if (socket) options.createConnection = () => socket;
    const req = https.get(url, options, (res) => {
      if ([301, 302, 303, 307, 308].includes(res.statusCode) && res.headers.location) {
        res.resume();
        if (redirects === 0) return reject(new Error(`too many redirects from ${urlText}`));
        return resolve(get(new URL(res.headers.location, url).toString(), redirects - 1));
      }
      if (res.statusCode !== 200) {
        res.resume();
        const e = new Error(`GET ${urlText}: HTTP ${res.statusCode}`);
        e.retryable = res.statusCode >= 500 || res.statusCode === 429;
        return reject(e);
      }
      const chunks = [];
      let size = 0;
      res.on("data", (c) => {
        size += c.length;
        if (size > MAX_DOWNLOAD) req.destroy(new Error(`GET ${urlText}: larger than ${MAX_DOWNLOAD} bytes`));
        else chunks.push(c);
      });
      res.on("end", () => resolve(Buffer.concat(chunks)));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error(`GET ${urlText}: timed out`), { retryable: true })));
    req.on("error", (e) => {
      if (e.retryable === undefined) e.retryable = !/certificate|self.signed|CERT_|HTTPS only/i.test(e.message + e.code);
      reject(e);
    });
  });
}

async function download(url, attempts = 3) {
  for (let i = 1; ; i++) {
    try {
      return await get(url);
    } catch (e) {
      if (i >= attempts || !e.retryable) throw e;
      info(`${e.message}; trying again`);
      await new Promise((r) => setTimeout(r, 1000 * i));
    }
  }
}

// SHA256SUMS as sha256sum writes it: "<hex>  <name>" (or " *<name>" in binary mode).
function checksumFor(sums, file) {
  for (const line of sums.split(/\r?\n/)) {
    const m = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line.trim());
    if (m && m[2] === file) return m[1].toLowerCase();
  }
  return null;
}

function sha256(buffer) {
  return crypto.createHash("sha256").update(buffer).digest("hex");
}

// The tool cache's layout (as @actions/tool-cache has it): <cache>/<tool>/<version>/<arch>/ and a
// <arch>.complete marker beside it, written last.
function cachePaths(version, plat) {
  const root = process.env.RUNNER_TOOL_CACHE;
  if (!root) return null;
  const dir = path.join(root, TOOL, version, plat.arch);
  return { dir, marker: dir + ".complete", binary: path.join(dir, TOOL + plat.exe), sum: path.join(dir, TOOL + plat.exe + ".sha256") };
}

// A cached binary whose bytes still match the checksum it was installed with, or null.
function fromCache(c) {
  try {
    if (!fs.existsSync(c.marker)) return null;
    const want = fs.readFileSync(c.sum, "utf8").trim();
    return sha256(fs.readFileSync(c.binary)) === want ? c.binary : null;
  } catch {
    return null;
  }
}

// Writes bytes to path through a temporary file and a rename, so a parallel job never runs half a file.
function writeAtomic(file, bytes, mode) {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`;
  fs.writeFileSync(tmp, bytes, { mode });
  fs.renameSync(tmp, file);
}

// The binary to run: binary-path, the tool cache, or the release (checked against SHA256SUMS first).
async function installBinary() {
  const given = input("binary-path");
  if (given) {
    if (!fs.existsSync(given)) throw new Error(`binary-path ${given} does not exist`);
    info(`codeartifact-token: using ${given} (binary-path)`);
    return given;
  }
  const version = input("version").replace(/^v/, "") || ownVersion();
  const plat = platform();
  const file = releaseFile(version, plat);
  const cache = cachePaths(version, plat);
  if (cache) {
    const hit = fromCache(cache);
    if (hit) {
      info(`codeartifact-token ${version} (${plat.name}) from the tool cache: ${hit}`);
      return hit;
    }
  }
  const base = releaseBase(version);
  info(`codeartifact-token ${version} (${plat.name}): downloading ${base}${file}`);
  const sums = (await download(base + "SHA256SUMS")).toString("utf8");
  const want = checksumFor(sums, file);
  if (!want) throw new Error(`${base}SHA256SUMS has no line for ${file}`);
  const bytes = await download(base + file);
  const got = sha256(bytes);
  if (got !== want)
    throw new Error(`checksum mismatch for ${file}: SHA256SUMS says ${want}, the download is ${got}; ` +
      "nothing was installed or run");
  info(`codeartifact-token: sha256 ${got} matches SHA256SUMS`);
  if (!cache) {
    const dir = fs.mkdtempSync(path.join(process.env.RUNNER_TEMP || os.tmpdir(), "codeartifact-token-"));
    const target = path.join(dir, TOOL + plat.exe);
    fs.writeFileSync(target, bytes, { mode: 0o755 });
    return target;
  }
  fs.mkdirSync(cache.dir, { recursive: true });
  writeAtomic(cache.binary, bytes, 0o755);
  writeAtomic(cache.sum, got + "\n", 0o644);
  fs.writeFileSync(cache.marker, "");
  return cache.binary;
}

// The environment of the binary: ours, without the action's own inputs and without empty inputs (the
// runner sets every declared input, empty when the workflow does not give it).
function binaryEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.toUpperCase().startsWith("INPUT_")) {
      const name = k.slice(6).toLowerCase();
      if (ACTION_INPUTS.includes(name) || v.trim() === "") continue;
    }
    env[k] = v;
  }
  return Object.assign(env, extra);
}

// The configure input's entries: "npm" (the repository input's), or "npm:npm-store pip:pypi-store"
// (separated by spaces, commas or new lines).
// The items of the configure input, TOOL[:REPOSITORY][@NAMESPACE][+extra-index], each whole and its parts.
function configureEntries(value) {
  return value.split(/[\s,]+/).filter(Boolean).map((item) => {
    const [tool, repository] = item.split(/[@+]/)[0].split(":");
    return { item, tool, repository: repository || "" };
  });
}

// The non-empty inputs the binary reads, without the secret ones (the post step needs no credentials).
function stateInputs() {
  const out = {};
  for (const [k, v] of Object.entries(binaryEnv()))
    if (k.toUpperCase().startsWith("INPUT_") && !SECRET_INPUTS.includes(k.slice(6).toLowerCase()))
      out[k.slice(6).toLowerCase()] = v;
  return out;
}

module.exports = {
  TOOL, appendFileCommand, binaryEnv, checksumFor, configureEntries, fail, info, input, installBinary, ownVersion,
  platform, releaseFile, stateInputs, warning,
};
