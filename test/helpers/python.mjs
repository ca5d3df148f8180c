// Running python3 from tests. Tests that need it skip visibly without it.
import { execFileSync, spawnSync } from 'node:child_process';
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

/** Runs a script of test/python with arguments and stdin; returns stdout. */
export function runPython(script, args = [], input = undefined) {
  const result = spawnSync(python, [PYTHON_DIR + script, ...args], { input, maxBuffer: 1 << 30, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${script} failed: ${result.stderr}`);
  return result.stdout;
}

/** Python's pickle.dumps(eval(expr), protocol) as bytes. */
export function pythonDumps(expr, protocol) {
  const code = `import pickle, sys\nsys.stdout.buffer.write(pickle.dumps(${expr}, protocol=${protocol}))`;
  return execFileSync(python, ['-c', code], { maxBuffer: 1 << 30 });
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

/** compare_values.py: [{ok} | {ok: false, why}] for requests {original | expr, candidates, buffers?} (bytes as Uint8Array). */
export function pythonCompare(requests) {
  const b64 = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  const input = requests
    .map((r) => JSON.stringify({
      ...r,
      ...(r.original ? { original: b64(r.original) } : {}),
      candidates: r.candidates.map(b64),
      ...(r.buffers ? { buffers: r.buffers.map(b64) } : {}),
    }))
    .join('\n') + '\n';
  return runPython('compare_values.py', [], input).trim().split('\n').map((line) => JSON.parse(line));
}
