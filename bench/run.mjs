// npm run bench: the benchmark suite, the project's main job. On the same
// payload files (generated once by make_payloads.py with python3), as medians:
// pickle-wasm's loads and dumps, pickleparser's and jpickle's loads, CPython's
// C pickle (through python3), and msgpackr and JSON on the same data as JSON
// holds it (and msgpackr on the values our loads give, where JSON rounds
// them). Each JS cell is timed in a fresh process (bench/measure.mjs), and
// CPython right after the JS cells of the same payload, so that a noisy
// minute on a shared host falls on both sides; three rounds over the whole
// suite, each cell keeping its lowest median, and what a fresh memory page
// costs at the start of each round. Writes bench/results.json and
// bench/chart.svg.
//
//   node bench/run.mjs [--quick] [--filter=REGEX]
//
// --quick: protocol 5 only, shorter sampling, one round.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { dumps, loads } from 'pickle-wasm';
import { ensurePayloads, measure, payloadDir, progress, python } from './cells.mjs';
import { drawChart } from './chart.mjs';
import { judgeTargets, targetLines } from './targets.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const filter = new RegExp(args.find((a) => a.startsWith('--filter='))?.slice(9) ?? '.');
const maxTime = quick ? 0.5 : 1;
/**
 * Each cell is measured this many times, in turn with the payload's other
 * cells, and keeps its lowest median: on a shared host noise only ever adds
 * time (CPython's cells the same way).
 */
const ROUNDS = quick ? 1 : 3;

/**
 * The floors timed beside a payload's cells, for the targets that sit on
 * one (bench/targets.mjs): reading the tuples' opcodes with nothing checked,
 * making the 1M ints' exact values with nothing to read, copying the bytes
 * (at protocol 5, where dumps writes them as they are).
 */
function floors({ name, protocol }) {
  if (name === 'bm_tuple' || name === 'tuple_top') return ['bare JS loop'];
  if (name === 'ints_1m') return ['values alone'];
  return name === 'bytes_64m' && protocol === 5 ? ['memory copy'] : [];
}

/** CPython's C pickle loads and dumps of one payload, in µs. */
function cpython(file) {
  const env = { ...process.env, BENCH_SECONDS: quick ? '0.3' : '1' };
  const out = execFileSync(py, [here + 'cpython.py', payloadDir, file], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return JSON.parse(out)[file];
}

/**
 * Peak RSS (MiB) of a fresh process that reads the file and loads it once,
 * with the scan worker started (its thread's memory counts, and its input
 * ring): VmHWM from /proc (getrusage's maxRSS would include the
 * parent's, inherited across fork and exec), else maxRSS.
 */
function peakRss(file) {
  const code = `import { readFileSync, existsSync } from 'node:fs'; import { loads, startScanWorker } from 'pickle-wasm';
const peak = () => existsSync('/proc/self/status') ? Number(/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
const data = readFileSync(${JSON.stringify(payloadDir + file)}); await startScanWorker(); const before = peak();
loads(data); console.log(JSON.stringify({ peak: peak(), before }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: here, encoding: 'utf8' });
  return JSON.parse(out);
}

/**
 * What a fresh page costs now, in µs: a fresh process touches 64 MiB of new
 * memory a page at a time (five times, the median; glibc's malloc maps a
 * block that large anew each time). On this project's machines it has
 * ranged from ~1.4 to ~12 µs from day to day, and it is most of the time of
 * the payloads whose calls fault (faults per call are recorded with each
 * cell).
 */
function freshPageCost() {
  const code = `const faults = () => process.resourceUsage().minorPageFault; const costs = [];
for (let i = 0; i < 5; i++) {
  const before = faults(); const start = performance.now();
  const bytes = new Uint8Array(64 << 20); for (let at = 0; at < bytes.length; at += 4096) bytes[at] = 1;
  costs.push((performance.now() - start) * 1000 / Math.max(1, faults() - before));
}
console.log(costs.sort((a, b) => a - b)[2]);`;
  return Number(execFileSync(process.execPath, ['-e', code], { encoding: 'utf8' }));
}

const py = python();
ensurePayloads(py);
const manifest = JSON.parse(readFileSync(payloadDir + 'manifest.json', 'utf8')).filter(
  (p) => filter.test(`${p.name}.p${p.protocol}`) && (!quick || p.protocol === 5),
);

/** A cell keeps its lowest median, and the page faults per call of the run that gave it. */
function keep(row, name, us, faults) {
  if (us !== null && !(row.us[name] <= us)) {
    row.us[name] = us;
    if (faults !== undefined) row.faults[name] = faults;
  } else {
    row.us[name] ??= null;
  }
}

// Rounds go over the whole suite, one after another: a cell's three runs are
// minutes apart, so a slow minute of the host costs it one of them, not all.
const rows = manifest.map((payload) => ({ ...payload, us: {}, faults: {}, errors: {} }));
/** A fresh page's cost at the start of each round (freshPageCost). */
const pageFaultUs = [];
for (let round = 1; round <= ROUNDS; round++) {
  const of = ROUNDS > 1 ? ` (round ${round}/${ROUNDS})` : '';
  progress(`the cost of a fresh page${of} …`);
  pageFaultUs.push(freshPageCost());
  for (const [i, payload] of manifest.entries()) {
    const row = rows[i];
    const step = (what) => progress(`[${i + 1}/${manifest.length}] ${payload.file}: ${what}${of} …`);
    const cases = ['pickle-wasm loads', 'pickleparser loads', 'jpickle loads', 'pickle-wasm dumps', ...(payload.json ? ['msgpackr unpack', 'JSON.parse'] : [])];
    // where the JSON twin rounds ints beyond 2^53, msgpackr also on the values our loads give
    if (payload.json && payload.json_exact === false) cases.push('msgpackr unpack, same values');
    cases.push(...floors(payload));
    for (const name of cases) {
      step(name);
      const { us, faults, error } = measure(name, payload.file, maxTime, name === 'msgpackr unpack' || name === 'JSON.parse' ? payload.json : null);
      keep(row, name, us, faults);
      if (error) row.errors[name] = error;
    }
    if (py) {
      step('CPython (C pickle)');
      const { loads_us, dumps_us, loads_faults, dumps_faults } = cpython(payload.file);
      keep(row, 'CPython loads', loads_us, loads_faults);
      keep(row, 'CPython dumps', dumps_us, dumps_faults);
    }
  }
}
for (const [i, row] of rows.entries()) {
  row.dumpsBytes = dumps(loads(readFileSync(payloadDir + row.file)), { protocol: row.protocol }).length;
  if (!quick && row.protocol === 5 && /records_100k|bytes_64m/.test(row.name)) {
    progress(`[${i + 1}/${rows.length}] ${row.file}: peak RSS …`);
    row.rss = peakRss(row.file);
  }
}
if (!py) progress('python3 not found: the CPython columns are skipped');

const fmt = (us) => (us === null || us === undefined ? 'n/a' : us >= 100 ? us.toFixed(0) : us.toPrecision(3));
const ratio = (a, b) => (a && b ? (a / b).toFixed(2) : 'n/a');
const size = (bytes) => (bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} kB`);
const table = [
  '| payload | proto | size | loads µs | ÷ CPython | ÷ pickleparser | ÷ jpickle | ÷ msgpackr | dumps µs | ÷ CPython | size ÷ CPython\'s | CPython loads / dumps µs | pickleparser, jpickle, msgpackr, JSON.parse µs |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => {
    const u = r.us;
    const ours = u['pickle-wasm loads'];
    const written = u['pickle-wasm dumps'];
    return `| ${r.note} | ${r.protocol} | ${size(r.bytes)} | ${fmt(ours)} | ${ratio(ours, u['CPython loads'])} | ${ratio(ours, u['pickleparser loads'])} | ` +
      `${ratio(ours, u['jpickle loads'])} | ${ratio(ours, u['msgpackr unpack'])} | ${fmt(written)} | ${ratio(written, u['CPython dumps'])} | ${ratio(r.dumpsBytes, r.bytes)} | ` +
      `${fmt(u['CPython loads'])} / ${fmt(u['CPython dumps'])} | ${fmt(u['pickleparser loads'])}, ${fmt(u['jpickle loads'])}, ${fmt(u['msgpackr unpack'])}, ${fmt(u['JSON.parse'])} |`;
  }),
].join('\n');
console.log(table);
const faults = (r, name) => (r.faults[name] === undefined ? 'n/a' : r.faults[name].toFixed(0));
for (const r of rows.filter((row) => row.bytes >= 1 << 20)) {
  console.log(
    `page faults per call, ${r.file}: pickle-wasm loads ${faults(r, 'pickle-wasm loads')}, dumps ${faults(r, 'pickle-wasm dumps')}; ` +
      `CPython loads ${faults(r, 'CPython loads')}, dumps ${faults(r, 'CPython dumps')}`,
  );
}
for (const r of rows.filter((row) => row.us['msgpackr unpack, same values'] !== undefined)) {
  const same = r.us['msgpackr unpack, same values'];
  console.log(`msgpackr on the values our loads give, ${r.file} (ints beyond 2^53 as bigints, int64AsType 'auto'; its JSON twin rounds them): ` +
    `${fmt(same)} µs; our loads ÷ it ${ratio(r.us['pickle-wasm loads'], same)}`);
}
for (const r of rows.filter((row) => row.rss)) {
  console.log(`peak RSS loading ${r.file} (${size(r.bytes)}): ${r.rss.peak.toFixed(0)} MiB (${r.rss.before.toFixed(0)} MiB after reading the input, before the load)`);
}
const faultCost = [...pageFaultUs].sort((a, b) => a - b)[Math.floor(pageFaultUs.length / 2)];
console.log(`a fresh page cost ${pageFaultUs.map((us) => us.toFixed(1)).join(', ')} µs at the start of each round (64 MiB touched in a fresh process)`);
const targets = judgeTargets(rows, faultCost);
console.log(`\nIssue #5's targets in this run:\n${targetLines(targets).join('\n')}`);

const machine = {
  cpu: os.cpus()[0]?.model, cores: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version, python: py ? execFileSync(py, ['--version'], { encoding: 'utf8' }).trim() : null,
};
const results = { date: new Date().toISOString(), machine, quick, pageFaultUs, rows, targets };
writeFileSync(here + 'results.json', JSON.stringify(results, null, 1) + '\n');
writeFileSync(here + 'chart.svg', drawChart(results));
console.log(`\n${results.date.slice(0, 10)}, ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.python ?? 'no python3'}; lowest of ${ROUNDS} medians per cell; bench/results.json, bench/chart.svg`);
