// What run.mjs and floor.mjs share: the payload files (generated once with
// python3 by make_payloads.py), and timing one case on one payload in a fresh
// process (measure.mjs).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
export const payloadDir = here + 'payloads/';
export const progress = (text) => process.stderr.write(`${text}\n`);

/** 'python3' if it runs and has pickle, else null. */
export function python() {
  return spawnSync('python3', ['-c', 'import pickle'], { stdio: 'ignore' }).status === 0 ? 'python3' : null;
}

/** Generates the payloads unless they are newer than the script that makes them. */
export function ensurePayloads(py) {
  const manifest = payloadDir + 'manifest.json';
  const script = here + 'make_payloads.py';
  if (existsSync(manifest) && statSync(manifest).mtimeMs > statSync(script).mtimeMs) return;
  if (!py) throw new Error('python3 is needed once, to generate the benchmark payloads (bench/make_payloads.py)');
  progress('generating payloads with python3 …');
  mkdirSync(payloadDir, { recursive: true });
  execFileSync(py, [script, payloadDir], { stdio: 'inherit' });
}

/** Median microseconds per call of one case on one payload, timed in a fresh process; or null and the error. */
export function measure(name, file, maxTime, json = null) {
  const out = execFileSync(process.execPath, [here + 'measure.mjs', name, file, String(maxTime), ...(json ? [json] : [])], { cwd: here, encoding: 'utf8' });
  return JSON.parse(out);
}
