// Checks the packaged VS Code extension (a .vsix built by
// scripts/editor-tests.sh):
//   PLANLS_VSIX=planls-0.1.0.vsix PLANLS_BIN=build/planls node --test tests/editors/vscode_test.js
// The .vsix must hold the bundled extension/out/extension.js and the
// manifest; the bundle must load (against a stand-in `vscode` module, as no
// VS Code runs here), find planls on PATH or at planls.path, and tell the
// user when planls cannot be found.
'use strict';

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const Module = require('node:module');
const os = require('node:os');
const path = require('node:path');
const test = require('node:test');

const vsix = process.env.PLANLS_VSIX;
const bin = process.env.PLANLS_BIN;
if (!vsix || !fs.existsSync(vsix)) {
  throw new Error(`set PLANLS_VSIX to the built .vsix (got ${vsix})`);
}

function unzipList(file) {
  return execFileSync('unzip', ['-Z1', file], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.length > 0);
}

function unzipRead(file, member) {
  return execFileSync('unzip', ['-p', file, member], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

// A stand-in for the `vscode` module: every property is a callable,
// constructible stand-in, except the few the extension's logic reads.
function standIn() {
  const made = new Map();
  const make = () => {
    const f = function () {};
    return new Proxy(f, {
      get(t, p) {
        if (p === 'prototype') return t.prototype;
        if (typeof p === 'symbol') return undefined;
        if (!(p in t)) t[p] = make();
        return t[p];
      },
      construct: () => make(),
      apply: () => make(),
    });
  };
  const vscode = make();
  const settings = { path: '', rules: {} };
  const shown = [];
  vscode.workspace.getConfiguration = () => ({ get: (k) => settings[k] });
  vscode.workspace.workspaceFolders = undefined;
  vscode.window.showErrorMessage = (msg) => {
    shown.push(msg);
    return Promise.resolve(undefined);
  };
  vscode.window.createOutputChannel = () => ({ appendLine: () => {}, show: () => {}, dispose: () => {} });
  vscode.commands.registerCommand = (name) => {
    made.set(name, true);
    return { dispose: () => {} };
  };
  vscode.workspace.onDidChangeConfiguration = () => ({ dispose: () => {} });
  return { vscode, settings, shown, commands: made };
}

// Load the bundled extension.js with `vscode` resolved to the stand-in.
function loadExtension(file, vscode) {
  const orig = Module._load;
  Module._load = function (req, ...rest) {
    if (req === 'vscode') return vscode;
    return orig.call(this, req, ...rest);
  };
  try {
    delete require.cache[require.resolve(file)];
    return require(file);
  } finally {
    Module._load = orig;
  }
}

const files = unzipList(vsix);
const manifest = JSON.parse(unzipRead(vsix, 'extension/package.json'));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'planls-vsix-'));
const extJs = path.join(tmp, 'extension.js');
fs.writeFileSync(extJs, unzipRead(vsix, 'extension/out/extension.js'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('vsix holds the bundled extension and the manifest', () => {
  assert.ok(files.includes('extension/out/extension.js'), files.join(' '));
  assert.ok(files.includes('extension/package.json'), files.join(' '));
  assert.ok(files.includes('extension/README.md'), files.join(' '));
  assert.ok(files.some((f) => /^extension\/LICENSE/.test(f)), files.join(' '));
  assert.deepEqual(files.filter((f) => f.endsWith('.ts') || f.includes('/node_modules/')), []);
});

test('manifest: activation, configuration and command', () => {
  assert.equal(manifest.name, 'planls');
  assert.equal(manifest.main, './out/extension.js');
  assert.ok(manifest.engines.vscode);
  for (const ev of [
    'workspaceContains:**/START-HERE.md',
    'workspaceContains:**/.engineering/artifacts/planning/**',
    'onLanguage:markdown',
  ]) {
    assert.ok(manifest.activationEvents.includes(ev), ev);
  }
  const props = manifest.contributes.configuration.properties;
  assert.equal(props['planls.path'].type, 'string');
  assert.deepEqual(props['planls.trace.server'].enum, ['off', 'messages', 'verbose']);
  assert.equal(props['planls.rules'].type, 'object');
  assert.ok(manifest.contributes.commands.some((c) => c.command === 'planls.restartServer'));
});

test('the bundle loads and exports activate/deactivate', () => {
  const { vscode } = standIn();
  const ext = loadExtension(extJs, vscode);
  assert.equal(typeof ext.activate, 'function');
  assert.equal(typeof ext.deactivate, 'function');
});

test('planls is found on PATH and at planls.path', { skip: !bin && 'PLANLS_BIN not set' }, () => {
  const { vscode, settings } = standIn();
  const ext = loadExtension(extJs, vscode);
  const dir = fs.mkdtempSync(path.join(tmp, 'path-'));
  const link = path.join(dir, 'planls');
  fs.symlinkSync(path.resolve(bin), link);
  const oldPath = process.env.PATH;
  try {
    process.env.PATH = `${path.join(tmp, 'nothing-here')}${path.delimiter}${dir}`;
    assert.equal(ext.resolveServerPath().path, link);
    settings.path = path.resolve(bin);
    assert.equal(ext.resolveServerPath().path, path.resolve(bin));
    settings.path = path.join(tmp, 'no-such-planls');
    assert.equal(ext.resolveServerPath().path, undefined);
    settings.path = '';
    process.env.PATH = path.join(tmp, 'nothing-here');
    assert.equal(ext.resolveServerPath().path, undefined);
  } finally {
    process.env.PATH = oldPath;
  }
});

test('activate without planls tells the user and registers the restart command', async () => {
  const { vscode, shown, commands } = standIn();
  const ext = loadExtension(extJs, vscode);
  const oldPath = process.env.PATH;
  process.env.PATH = path.join(tmp, 'nothing-here');
  try {
    await ext.activate({ subscriptions: [] });
  } finally {
    process.env.PATH = oldPath;
  }
  assert.ok(commands.has('planls.restartServer'));
  assert.equal(shown.length, 1);
  assert.match(shown[0], /executable not found/);
  await ext.deactivate();
});
