// planls for VS Code: starts the planls language server for Markdown files,
// passes the `planls.*` settings to it and keeps it running (restart after a
// crash, `planls: Restart Server`). The extension never reads or writes the
// user's files itself: every feature comes from the server.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import {
  CloseAction,
  CloseHandlerResult,
  ErrorAction,
  ErrorHandler,
  ErrorHandlerResult,
  LanguageClient,
  LanguageClientOptions,
  Message,
  RevealOutputChannelOn,
  ServerOptions,
  State,
  TransportKind,
} from 'vscode-languageclient/node';

const SECTION = 'planls';
// More crashes than this within CRASH_WINDOW_MS and we stop restarting.
const MAX_RESTARTS = 4;
const CRASH_WINDOW_MS = 3 * 60 * 1000;

let client: LanguageClient | undefined;
let output: vscode.OutputChannel | undefined;

// True when `file` exists and is an executable regular file.
function isExecutable(file: string): boolean {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) {
      return false;
    }
    if (process.platform === 'win32') {
      return true;
    }
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

// Look `name` up on PATH the way a shell would (PATHEXT on Windows).
function findOnPath(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter((d) => d.length > 0);
  const exts =
    process.platform === 'win32'
      ? (process.env.PATHEXT ?? '.EXE;.CMD;.BAT;.COM').split(';').concat([''])
      : [''];
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      if (isExecutable(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

// The planls executable: the `planls.path` setting (with `~` and
// `${workspaceFolder}` expanded, relative paths taken from the first
// workspace folder; a bare name is looked up on PATH), else `planls` on PATH.
export function resolveServerPath(): { path?: string; tried: string } {
  const configured = (vscode.workspace.getConfiguration(SECTION).get<string>('path') ?? '').trim();
  if (configured.length === 0) {
    return { path: findOnPath('planls'), tried: 'planls on PATH' };
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  let p = configured.replace(/\$\{workspaceFolder\}/g, folder ?? '');
  if (p === '~' || p.startsWith('~/')) {
    p = path.join(os.homedir(), p.slice(1));
  }
  if (!p.includes('/') && !p.includes('\\')) {
    return { path: findOnPath(p), tried: `${p} on PATH (planls.path)` };
  }
  if (!path.isAbsolute(p) && folder) {
    p = path.join(folder, p);
  }
  return { path: isExecutable(p) ? p : undefined, tried: `${p} (planls.path)` };
}

// The planls configuration object the server understands (DESIGN §6):
// sent as initializationOptions; workspace/configuration answers with the
// whole `planls` section, whose extra keys (path, trace) the server ignores.
function serverSettings(): { rules: Record<string, string> } {
  const rules = vscode.workspace.getConfiguration(SECTION).get<Record<string, string>>('rules') ?? {};
  return { rules: { ...rules } };
}

// Restarts the server after a crash, at most MAX_RESTARTS times in
// CRASH_WINDOW_MS, telling the user each time; then gives up with a message
// that offers a manual restart.
class RestartingErrorHandler implements ErrorHandler {
  private crashes: number[] = [];

  error(_error: Error, _message: Message | undefined, count: number | undefined): ErrorHandlerResult {
    // A broken message: keep going unless the stream is hopeless.
    if (count !== undefined && count <= 3) {
      return { action: ErrorAction.Continue, handled: true };
    }
    return { action: ErrorAction.Shutdown };
  }

  closed(): CloseHandlerResult {
    const now = Date.now();
    this.crashes = this.crashes.filter((t) => now - t < CRASH_WINDOW_MS);
    this.crashes.push(now);
    if (this.crashes.length > MAX_RESTARTS) {
      void vscode.window
        .showErrorMessage(
          `planls stopped ${this.crashes.length} times in the last 3 minutes and will not be restarted. See the planls output for details.`,
          'Restart Server',
          'Show Output',
        )
        .then((choice) => {
          if (choice === 'Restart Server') {
            void vscode.commands.executeCommand('planls.restartServer');
          } else if (choice === 'Show Output') {
            output?.show(true);
          }
        });
      return { action: CloseAction.DoNotRestart, handled: true };
    }
    output?.appendLine(`[planls] server stopped unexpectedly; restarting (${this.crashes.length}/${MAX_RESTARTS})`);
    void vscode.window.showWarningMessage('planls stopped unexpectedly and was restarted.');
    return { action: CloseAction.Restart, handled: true };
  }
}

function createClient(serverPath: string): LanguageClient {
  // TransportKind.stdio makes the client pass `--stdio`, which planls accepts.
  const serverOptions: ServerOptions = {
    run: { command: serverPath, transport: TransportKind.stdio },
    debug: { command: serverPath, args: ['--log-level', 'debug'], transport: TransportKind.stdio },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file', language: 'markdown' }],
    initializationOptions: serverSettings(),
    synchronize: { configurationSection: SECTION },
    outputChannel: output,
    traceOutputChannel: output,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    errorHandler: new RestartingErrorHandler(),
    initializationFailedHandler: (err) => {
      output?.appendLine(`[planls] initialize failed: ${String(err)}`);
      void vscode.window.showErrorMessage(`planls failed to start: ${String(err)}`);
      return false;
    },
  };
  return new LanguageClient('planls', 'planls', serverOptions, clientOptions);
}

// Start a client for the current settings, or explain why there is none.
async function start(): Promise<void> {
  const found = resolveServerPath();
  if (!found.path) {
    const msg = `planls: executable not found (looked for ${found.tried}). Install planls on PATH or set "planls.path".`;
    output?.appendLine(`[planls] ${msg}`);
    const choice = await vscode.window.showErrorMessage(msg, 'Open Settings');
    if (choice === 'Open Settings') {
      void vscode.commands.executeCommand('workbench.action.openSettings', 'planls.path');
    }
    return;
  }
  output?.appendLine(`[planls] starting ${found.path}`);
  client = createClient(found.path);
  try {
    await client.start();
  } catch (err) {
    output?.appendLine(`[planls] could not start ${found.path}: ${String(err)}`);
    void vscode.window.showErrorMessage(`planls could not start ${found.path}: ${String(err)}`);
  }
}

async function stop(): Promise<void> {
  const c = client;
  client = undefined;
  if (c && c.state !== State.Stopped) {
    try {
      await c.stop();
    } catch (err) {
      output?.appendLine(`[planls] stop failed: ${String(err)}`);
    }
  }
}

async function restart(): Promise<void> {
  await stop();
  await start();
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel('planls');
  context.subscriptions.push(output);
  context.subscriptions.push(
    vscode.commands.registerCommand('planls.restartServer', async () => {
      output?.appendLine('[planls] restart requested');
      await restart();
    }),
  );
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      // A new executable needs a new process; rules travel to the running
      // server through workspace/didChangeConfiguration by themselves.
      if (e.affectsConfiguration('planls.path')) {
        output?.appendLine('[planls] planls.path changed; restarting');
        await restart();
      }
    }),
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await stop();
}
