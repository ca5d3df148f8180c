// npm run bench: the benchmark suite. Times pickle-wasm's loads next to
// pickleparser's and CPython's C pickle on the same payload files (generated
// by make_payloads.py with python3), side by side in one run, as medians.
//
//   node bench/run.mjs [--quick] [--filter=REGEX]
//
// --quick: protocol 5 only, shorter sampling. Results: bench/results.json.
import Benchmark from 'benchmark';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Parser } from 'pickleparser';
import { loads } from 'pickle-wasm';

const here = fileURLToPath(new URL('.', import.meta.url));
const payloadDir = here + 'payloads/';
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const filter = new RegExp(args.find((a) => a.startsWith('--filter='))?.slice(9) ?? '.');
const maxTime = quick ? 0.5 : 2;

function python() {
  return spawnSync('python3', ['-c', 'import pickle'], { stdio: 'ignore' }).status === 0 ? 'python3' : null;
}

function ensurePayloads(py) {
  const manifest = payloadDir + 'manifest.json';
  const script = here + 'make_payloads.py';
  if (existsSync(manifest) && statSync(manifest).mtimeMs > statSync(script).mtimeMs) return;
  if (!py) throw new Error('python3 is needed once, to generate the benchmark payloads (bench/make_payloads.py)');
  process.stderr.write('generating payloads with python3 …\n');
  mkdirSync(payloadDir, { recursive: true });
  execFileSync(py, [script, payloadDir], { stdio: 'inherit' });
}

/** Median seconds per call of fn, by benchmark.js. */
function median(fn) {
  const bench = new Benchmark(fn, { maxTime, minSamples: 5 });
  bench.run();
  if (bench.error) throw bench.error;
  const sample = [...bench.stats.sample].sort((a, b) => a - b);
  return sample[Math.floor(sample.length / 2)];
}

// Globals the payloads name that no issue so far has registered: loaded as stubs for now.
const loadOptions = { unknownGlobals: 'stub' };

const contenders = {
  'pickle-wasm': (data) => () => loads(data, loadOptions),
  pickleparser: (data) => {
    const parser = new Parser();
    return () => parser.parse(data);
  },
};

const py = python();
ensurePayloads(py);
const manifest = JSON.parse(readFileSync(payloadDir + 'manifest.json', 'utf8')).filter(
  (p) => filter.test(`${p.name}.p${p.protocol}`) && (!quick || p.protocol === 5),
);

const rows = [];
for (const [i, payload] of manifest.entries()) {
  const data = readFileSync(payloadDir + payload.file);
  const row = { ...payload, us: {} };
  for (const [name, make] of Object.entries(contenders)) {
    process.stderr.write(`[${i + 1}/${manifest.length}] ${payload.file}: ${name} loads …\n`);
    try {
      row.us[`${name} loads`] = median(make(data)) * 1e6;
    } catch (error) {
      row.us[`${name} loads`] = null;
      row[`${name} error`] = String(error.message ?? error).slice(0, 120);
    }
  }
  rows.push(row);
}

if (py) {
  process.stderr.write('CPython (C pickle) on the same files …\n');
  const env = { ...process.env, BENCH_SECONDS: quick ? '0.3' : '1' };
  const out = execFileSync(py, [here + 'cpython.py', payloadDir, ...rows.map((r) => r.file)], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const cpython = JSON.parse(out);
  for (const row of rows) {
    row.us['CPython loads'] = cpython[row.file].loads_us;
    row.us['CPython dumps'] = cpython[row.file].dumps_us;
  }
} else {
  process.stderr.write('python3 not found: the CPython columns are skipped\n');
}

const fmt = (us) => (us === null || us === undefined ? 'n/a' : us >= 100 ? us.toFixed(0) : us.toPrecision(3));
const ratio = (a, b) => (a && b ? (a / b).toFixed(2) : 'n/a');
const table = [
  '| payload | proto | size | pickle-wasm loads µs | pickleparser loads µs | pickle-wasm / pickleparser | CPython loads µs | pickle-wasm / CPython |',
  '|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => {
    const ours = r.us['pickle-wasm loads'];
    const size = r.bytes >= 1 << 20 ? `${(r.bytes / (1 << 20)).toFixed(1)} MiB` : `${(r.bytes / 1024).toFixed(1)} kB`;
    return `| ${r.note} | ${r.protocol} | ${size} | ${fmt(ours)} | ${fmt(r.us['pickleparser loads'])} | ${ratio(ours, r.us['pickleparser loads'])} | ${fmt(r.us['CPython loads'])} | ${ratio(ours, r.us['CPython loads'])} |`;
  }),
].join('\n');
console.log(table);

const machine = {
  cpu: os.cpus()[0]?.model, cores: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version, python: py ? execFileSync(py, ['--version'], { encoding: 'utf8' }).trim() : null,
};
writeFileSync(here + 'results.json', JSON.stringify({ date: new Date().toISOString(), machine, quick, rows }, null, 1) + '\n');
console.log(`\n${new Date().toISOString().slice(0, 10)}, ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.python ?? 'no python3'}; medians; results in bench/results.json`);
