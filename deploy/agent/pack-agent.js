#!/usr/bin/env node
// Builds the self-contained station agent bundle the server hands to `install.sh`:
//   <out>/loa-agent-<arch>.tar.gz  node runtime + compiled agent + only the agent's production dependencies
//   <out>/install.sh               the installer, served by the server with its own address filled in
// Run after the TypeScript build (`npm run pack:agent` does both). Usage:
//   node deploy/agent/pack-agent.js [--out DIR] [--arch x64|arm64] [--node DIR] [--gzip-level 1-9]
// `--node DIR` takes the runtime from an unpacked official Node.js tarball (DIR/bin/node); without it the
// running node is used, which only works for the machine's own architecture.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { builtinModules } = require('node:module');

const ROOT = path.resolve(__dirname, '..', '..');
const AGENT_MAIN = path.join(ROOT, 'dist', 'apps', 'agent', 'src', 'main.js');
const BUILTINS = new Set(builtinModules);
const ARCHES = { x64: 'x64', arm64: 'arm64' };

/** ELF e_machine of each target, and the names of the others a stray binary may be built for. */
const ELF_MACHINES = { 3: 'x86', 40: 'arm (32-bit)', 62: 'x64', 183: 'arm64' };

/** The architecture an ELF file is built for, or null for a file that is not ELF. */
function elfArch(file) {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(20);
    if (fs.readSync(fd, head, 0, 20, 0) < 20 || head.readUInt32BE(0) !== 0x7f454c46) return null;
    // EI_DATA 1: little-endian, as on both targets.
    const machine = head[5] === 1 ? head.readUInt16LE(18) : head.readUInt16BE(18);
    return ELF_MACHINES[machine] ?? `machine ${machine}`;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Every binary in the staged bundle (the runtime, native modules such as better-sqlite3, the npm ffmpeg
 * build) must be built for the target: npm installs the machine's own, so a bundle for another
 * architecture packed here would install fine and then fail on the box.
 */
function checkBinaries(stage, arch) {
  const wrong = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) {
        const found = elfArch(p);
        if (found && found !== arch) wrong.push(`${path.relative(stage, p)} (${found})`);
      }
    }
  };
  walk(stage);
  if (wrong.length) {
    fail(
      `the bundle for ${arch} holds binaries built for another architecture:\n  ${wrong.slice(0, 20).join('\n  ')}${wrong.length > 20 ? `\n  … ${wrong.length - 20} more` : ''}\n` +
        `npm installed this machine's native modules; build the ${arch} bundle on a linux-${arch} machine (see apps/agent/README.md)`,
    );
  }
}

function fail(message) {
  process.stderr.write(`pack-agent: ${message}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const opts = { out: path.join(ROOT, 'dist', 'agent-bundle'), arch: process.arch, node: null, gzipLevel: 6 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes('=') ? argv[i].split(/=(.*)/s, 2) : [argv[i], undefined];
    const value = () => inline ?? argv[++i] ?? fail(`${flag} needs a value`);
    if (flag === '--out') opts.out = path.resolve(value());
    else if (flag === '--arch') opts.arch = value();
    else if (flag === '--node') opts.node = path.resolve(value());
    else if (flag === '--gzip-level') opts.gzipLevel = Number(value());
    else fail(`unknown option ${flag}`);
  }
  if (!ARCHES[opts.arch]) fail(`--arch must be x64 or arm64, got ${opts.arch}`);
  if (!Number.isInteger(opts.gzipLevel) || opts.gzipLevel < 1 || opts.gzipLevel > 9) fail('--gzip-level must be 1 to 9');
  return opts;
}

/** The compiled files main.js reaches through relative requires, and the bare packages they name. */
function traceAgent() {
  const files = new Set();
  const packages = new Set();
  const queue = [AGENT_MAIN];
  while (queue.length) {
    const file = queue.pop();
    if (files.has(file)) continue;
    files.add(file);
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/require\(["']([^"']+)["']\)/g)) {
      const spec = m[1];
      if (spec.startsWith('.')) {
        const base = path.resolve(path.dirname(file), spec);
        const hit = [base, `${base}.js`, path.join(base, 'index.js')].find((p) => fs.existsSync(p) && fs.statSync(p).isFile());
        if (!hit) fail(`${path.relative(ROOT, file)} requires ${spec}, which is not built`);
        queue.push(hit);
      } else if (!spec.startsWith('node:') && !BUILTINS.has(spec)) {
        const parts = spec.split('/');
        packages.add(spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]);
      }
    }
  }
  return { files, packages };
}

/** node_modules/<name> as Node would find it from `fromDir`. */
function findPackage(name, fromDir) {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === ROOT || dir === path.dirname(dir)) return null;
  }
}

/** Every installed package the agent needs at run time, with their own dependencies, as absolute dirs. */
function packageClosure(names) {
  const dirs = new Set();
  const queue = [...names].map((name) => ({ name, from: ROOT, optional: false }));
  while (queue.length) {
    const { name, from, optional } = queue.pop();
    const dir = findPackage(name, from);
    if (!dir) {
      if (optional) continue;
      fail(`package ${name} is not installed (run npm ci first)`);
    }
    if (dirs.has(dir)) continue;
    dirs.add(dir);
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    for (const dep of Object.keys(pkg.dependencies ?? {})) queue.push({ name: dep, from: dir, optional: false });
    // Platform builds (ffmpeg's, for one) are optional: only the one for this machine is installed.
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) queue.push({ name: dep, from: dir, optional: true });
  }
  return dirs;
}

/** Sources and build leftovers of native modules are not needed to run them. */
const SKIP_DIRS = new Set(['node_modules', 'deps', 'obj', 'obj.target', '.deps', 'test', 'tests', '.github']);
const SKIP_FILE = /\.(c|cc|cpp|h|hpp|o|a|gyp|gypi|mk|map|ts|md)$/;

function copyTree(from, to) {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) copyTree(src, dst);
    } else if (entry.isSymbolicLink()) {
      fs.symlinkSync(fs.readlinkSync(src), dst);
    } else if (entry.isFile() && (!SKIP_FILE.test(entry.name) || /^(license|licence)/i.test(entry.name)) && entry.name !== 'test_extension.node') {
      fs.copyFileSync(src, dst);
      fs.chmodSync(dst, fs.statSync(src).mode & 0o777);
    }
  }
}

/** The runtime: an official tarball's layout (bin/node, LICENSE) from --node, or the running binary. */
function copyNode(opts, stage) {
  const binDir = path.join(stage, 'node', 'bin');
  fs.mkdirSync(binDir, { recursive: true });
  let nodeBin;
  let prefix;
  if (opts.node) {
    prefix = opts.node;
    nodeBin = path.join(opts.node, 'bin', 'node');
    if (!fs.existsSync(nodeBin)) fail(`--node ${opts.node}: no bin/node in it (give the unpacked official tarball, e.g. node-v20.19.5-linux-${opts.arch})`);
  } else {
    if (opts.arch !== process.arch || process.platform !== 'linux') {
      fail(`building for ${opts.arch} on ${process.platform}-${process.arch} needs --node DIR (an unpacked official Node.js tarball for linux-${opts.arch})`);
    }
    nodeBin = fs.realpathSync(process.execPath);
    prefix = path.dirname(path.dirname(nodeBin));
    // Debian's own nodejs links a shared libnode that a fresh box does not have.
    const libs = execFileSync('ldd', [nodeBin], { encoding: 'utf8' });
    if (/libnode\.so/.test(libs)) fail(`${nodeBin} needs libnode.so: use the official build (--node DIR from nodejs.org's linux-${opts.arch} tarball)`);
  }
  fs.copyFileSync(nodeBin, path.join(binDir, 'node'));
  fs.chmodSync(path.join(binDir, 'node'), 0o755);
  for (const name of ['LICENSE', 'README.md']) {
    const src = path.join(prefix, name);
    if (fs.existsSync(src)) fs.copyFileSync(src, path.join(stage, 'node', name));
  }
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(AGENT_MAIN)) fail('dist/ is not built: run `npm run pack:agent` (it builds first)');
  const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
  const work = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'loa-pack-'));
  const stage = path.join(work, 'loa-agent');
  try {
    copyNode(opts, stage);
    const app = path.join(stage, 'app');
    const { files, packages } = traceAgent();
    for (const file of files) {
      const dst = path.join(app, path.relative(ROOT, file));
      fs.mkdirSync(path.dirname(dst), { recursive: true });
      fs.copyFileSync(file, dst);
    }
    for (const dir of packageClosure(packages)) copyTree(dir, path.join(app, path.relative(ROOT, dir)));
    fs.writeFileSync(path.join(app, 'package.json'), `${JSON.stringify({ name: 'loa-agent', version, private: true, license: 'MIT' }, null, 2)}\n`);

    fs.mkdirSync(path.join(stage, 'bin'));
    const wrapper = path.join(stage, 'bin', 'loa-agent');
    fs.writeFileSync(
      wrapper,
      [
        '#!/bin/sh',
        '# The agent with the runtime shipped beside it: no system Node is needed or used.',
        'here=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)',
        'exec "$here/node/bin/node" "$here/app/dist/apps/agent/src/main.js" "$@"',
        '',
      ].join('\n'),
    );
    fs.chmodSync(wrapper, 0o755);
    checkBinaries(stage, opts.arch);
    fs.writeFileSync(path.join(stage, 'VERSION'), `${version}\n`);
    fs.writeFileSync(path.join(stage, 'ARCH'), `${opts.arch}\n`);

    fs.mkdirSync(opts.out, { recursive: true });
    const tarball = path.join(opts.out, `loa-agent-${opts.arch}.tar.gz`);
    const partial = `${tarball}.${process.pid}.tmp`;
    // Streamed through tar and gzip: the runtime and ffmpeg builds make a few hundred megabytes.
    execFileSync('sh', ['-c', 'tar -C "$1" --owner=0 --group=0 -cf - loa-agent | gzip -"$2" > "$3"', 'pack', work, String(opts.gzipLevel), partial], { stdio: 'inherit' });
    fs.renameSync(partial, tarball);
    const size = fs.statSync(tarball).size;
    fs.copyFileSync(path.join(__dirname, 'install.sh'), path.join(opts.out, 'install.sh'));
    process.stdout.write(`${tarball} (${(size / 1048576).toFixed(1)} MB, agent ${version}, ${opts.arch}, ${packages.size} packages traced)\n`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main();
