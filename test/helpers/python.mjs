// Running python3 from tests. Tests that need it skip visibly without it.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PYTHON_DIR = fileURLToPath(new URL('../python/', import.meta.url));

function probe(command, code) {
  try {
    execFileSync(command, ['-c', code], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The python3 command, or null when there is none. */
export const python = probe('python3', 'import pickle') ? 'python3' : null;
/** Why tests that need python3 skip (false when they run). */
export const needsPython = python ? false : 'python3 not found';

/** A python3 with numpy (Debian's python3-numpy is for /usr/bin/python3), or null. */
export const numpyPython = ['python3', '/usr/bin/python3'].find((command) => probe(command, 'import numpy')) ?? null;
/** Why tests that need numpy skip (false when they run). */
export const needsNumpy = numpyPython ? false : 'no python3 with numpy (apt-get install python3-numpy)';

/** A folder (removed when the process exits) holding Python modules ({name: source}), for PYTHONPATH. */
export function pythonModules(modules) {
  const dir = mkdtempSync(join(tmpdir(), 'pickle-wasm-'));
  for (const [name, source] of Object.entries(modules)) writeFileSync(join(dir, `${name}.py`), source);
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs Python code with `modules` ({name: source}) importable; stdin in, stdout out (a Buffer). */
export function runPythonCode(code, { input, modules = {}, command = python } = {}) {
  const env = { ...process.env, PYTHONPATH: [pythonModules(modules), PYTHON_DIR].join(':') };
  const result = spawnSync(command, ['-c', code], { input, env, maxBuffer: 1 << 30 });
  if (result.status !== 0) throw new Error(`python failed: ${result.stderr}`);
  return result.stdout;
}

/** Runs a script of test/python with arguments and stdin; returns stdout. `env` adds environment variables (e.g. PYTHONPATH). */
export function runPython(script, args = [], input = undefined, env = {}) {
  const result = spawnSync(python, [PYTHON_DIR + script, ...args], { input, maxBuffer: 1 << 30, encoding: 'utf8', env: { ...process.env, ...env } });
  if (result.status !== 0) throw new Error(`${script} failed: ${result.stderr}`);
  return result.stdout;
}

/** Python's pickle.dumps(eval(expr), protocol) as bytes (the expression goes through stdin: it may be longer than an argument may be). */
export function pythonDumps(expr, protocol, fixImports = true) {
  const code = `import pickle, sys\nsys.stdout.buffer.write(pickle.dumps(eval(sys.stdin.read()), protocol=${protocol}, fix_imports=${fixImports ? 'True' : 'False'}))`;
  return execFileSync(python, ['-c', code], { input: expr, maxBuffer: 1 << 30 });
}

/** What Python's pickle.loads makes of each pickle: [{expect} | {error}]. */
export function pythonDescribe(requests) {
  const input = requests.map((r) => JSON.stringify({ ...r, pickle: Buffer.from(r.pickle).toString('base64') })).join('\n') + '\n';
  return runPython('describe_pickles.py', [], input).trim().split('\n').map((line) => JSON.parse(line));
}

/** JSON lines of random cases: {protocol, pickle (Buffer), expect}. */
export function pythonCases(seed, countPerProtocol) {
  return runPython('emit_cases.py', [String(seed), String(countPerProtocol)])
    .trim()
    .split('\n')
    .map((line) => {
      const c = JSON.parse(line);
      return { ...c, pickle: Buffer.from(c.pickle, 'base64') };
    });
}

/** compare_values.py: [{ok} | {ok: false, why}] for requests {original | expr, candidates, buffers?} (bytes as Uint8Array); `pythonPath` makes modules importable. */
export function pythonCompare(requests, pythonPath = undefined) {
  const b64 = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  const input = requests
    .map((r) => JSON.stringify({
      ...r,
      ...(r.original ? { original: b64(r.original) } : {}),
      candidates: r.candidates.map(b64),
      ...(r.buffers ? { buffers: r.buffers.map(b64) } : {}),
    }))
    .join('\n') + '\n';
  return runPython('compare_values.py', [], input, pythonPath ? { PYTHONPATH: pythonPath } : {}).trim().split('\n').map((line) => JSON.parse(line));
}
