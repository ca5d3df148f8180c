// Instructions per call of dumps (or loads) of one payload, counted by
// valgrind: the same count on every run, where timings on this project's
// machines move by ±10%. The count is the difference between runs of N and
// 2N calls, so start-up and compiling cancel out; each JIT-compiled function
// is named through V8's perf map. It ranks the functions, which is how to
// see what TurboFan inlined and what a change saved. With --python, also
// CPython's count for the same call, the ratio that the suite's timings
// follow (DICT_GROUP at protocol 5: 1.32 in instructions, 1.30 in time).
//
//   node bench/instructions.mjs bm_dict_group.p5.pickle [--loads] [--calls=N] [--top=K] [--python] [--dist=DIR] [--annotate=NAME]
//
// --dist counts another build of the library (its dist/ directory), to
// compare two commits. NODEFLAGS="..." passes V8 flags to the measured node
// (e.g. --max-inlined-bytecode-size-cumulative=1300: what more inlining gives).
// --annotate=NAME prints the machine code of one function (a JS function's
// name, as `replay`, or `wasm-function[35]`) from a third run of N calls,
// each instruction with its count a call: where inside a function the
// instructions go (the dispatch of each record in replay: ~60 of them).
//
// Needs valgrind (Debian: apt-get install -y valgrind). Node runs with
// --single-threaded (concurrent compiles would land at random in the count),
// --no-liftoff (wasm compiled by TurboFan from the start, as it ends up in a
// long run) and fixed hash and random seeds: with V8's random ones, a load of
// the 100k records counted 902M, 926M or 990M from run to run; with these,
// the same build counts the same to 0.01%. A build in another directory
// (--dist) still counts ~1% apart (its paths' lengths move the heap's
// layout): for large payloads, compare differences larger than that.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const option = (name, fallback) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const [file] = args.filter((a) => !a.startsWith('--'));
const path = file?.includes('/') ? file : `${here}payloads/${file}`;
const loadsMode = args.includes('--loads');

if (args.includes('--child')) {
  // the measured process: N calls, nothing else
  const dist = option('dist', null);
  const { dumps, loads } = await import(dist ? `${dist}/esm/index.js` : 'pickle-wasm');
  const data = readFileSync(path);
  const value = loads(data);
  const protocol = data[0] === 0x80 ? data[1] : 0;
  const calls = Number(option('calls', 0));
  if (loadsMode) for (let i = 0; i < calls; i++) loads(data);
  else for (let i = 0; i < calls; i++) dumps(value, { protocol });
  process.exit(0);
}

if (!file) {
  console.error('usage: node bench/instructions.mjs PAYLOAD [--loads] [--calls=N] [--top=K] [--python]');
  process.exit(2);
}
if (spawnSync('valgrind', ['--version'], { stdio: 'ignore' }).status !== 0) {
  console.error('valgrind is not installed (Debian: apt-get install -y valgrind)');
  process.exit(2);
}

const calls = Number(option('calls', 20000));
const top = Number(option('top', 25));
const work = mkdtempSync(`${tmpdir()}/instructions-`);

/**
 * Self instructions by function name of one run of `n` calls; with
 * `printed` (a function's name), also by address, and V8's printout of
 * that function's machine code.
 */
function profile(n, printed = null) {
  const out = `${work}/callgrind.${n}${printed === null ? '' : '.printed'}`;
  const printFlags = printed === null ? []
    : printed.startsWith('wasm-function[') ? ['--print-wasm-code']
    : ['--print-opt-code', `--print-opt-code-filter=${printed}`, '--code-comments'];
  if (printed !== null) printFlags.push('--no-compact-code-space'); // (the printed addresses stay the code's)
  const run = spawnSync('valgrind', [
    '--tool=callgrind', '--dump-instr=yes', '--smc-check=all-non-file', `--callgrind-out-file=${out}`,
    process.execPath, '--single-threaded', '--no-liftoff', '--hash-seed=1', '--random-seed=1',
    ...(process.env.NODEFLAGS ? process.env.NODEFLAGS.split(' ') : []), '--perf-basic-prof', ...printFlags,
    fileURLToPath(import.meta.url), path, '--child', `--calls=${n}`, ...args.filter((a) => a === '--loads' || a.startsWith('--dist=')),
  ], { cwd: work, stdio: ['ignore', printed === null ? 'ignore' : 'pipe', 'ignore'], encoding: 'utf8', maxBuffer: 2 ** 30 });
  if (run.status !== 0) throw new Error(`valgrind exited with ${run.status}`);
  // V8 writes its map of JIT code to /tmp/perf-PID.map (valgrind runs node in its own process)
  const map = `/tmp/perf-${run.pid}.map`;
  const byAddress = printed === null ? null : new Map();
  const costs = selfCosts(readFileSync(out, 'utf8'), readFileSync(map, 'utf8'), byAddress);
  rmSync(map);
  return { costs, byAddress, code: run.stdout };
}

/**
 * Prints the machine code V8 printed for the function `name` (of its
 * compiles, the one that ran most), each instruction with its count a call
 * of the `n` calls (compiling and the first call included).
 */
function annotate(name, n) {
  const { byAddress, code } = profile(n, name);
  const blocks = [];
  for (const line of code.split('\n')) {
    const header = /^name(?: =|:) (.*)$/.exec(line); // "name = replay" (TurboFan), "name: wasm-function[35]"
    if (header) blocks.push({ name: header[1].trim(), lines: [] });
    else if (/^0x[0-9a-f]+ /.test(line)) blocks.at(-1)?.lines.push(line);
  }
  const count = (line) => byAddress.get(parseInt(line, 16)) ?? 0;
  const total = (block) => block.lines.reduce((sum, line) => sum + count(line), 0);
  const compiles = blocks.filter((block) => block.name === name);
  if (compiles.length === 0) return console.log(`\nno optimized code of ${name} was printed`);
  const block = compiles.reduce((best, b) => (total(b) > total(best) ? b : best));
  console.log(`\n${name}: ${(total(block) / n).toFixed(0)} instructions a call in the compile that ran most (of ${compiles.length})`);
  for (const line of block.lines) console.log(`${count(line) > 0 ? (count(line) / n).toFixed(1) : ''}`.padStart(12) + '  ' + line);
}

/** Sums callgrind's per-instruction costs by function (and into `byAddress`, if given): JIT code by V8's perf map, the rest by callgrind's own names. */
function selfCosts(callgrind, perfMap, byAddress) {
  const ranges = perfMap.split('\n').filter(Boolean).map((line) => {
    const [start, size, ...name] = line.split(' ');
    // "JS:*writeDictNow file:///…/Pickler.js:820:17" -> "JS writeDictNow (Pickler.js:820)"; "Builtin:ObjectKeys" stays
    const shown = name.join(' ').replace(/^JS:[*~^]?/, 'JS ').replace(/-\d+-turbofan$/, '').replace(/ file:\/\/\S*\/([^/]+?):(\d+):\d+$/, ' ($1:$2)');
    return { start: parseInt(start, 16), end: parseInt(start, 16) + parseInt(size, 16), name: shown };
  }).sort((a, b) => a.start - b.start);
  const findJit = (address) => {
    let lo = 0;
    let hi = ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (ranges[mid].start <= address) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi >= 0 && address < ranges[hi].end ? ranges[hi].name : undefined;
  };
  const costs = new Map();
  const names = new Map();
  let fn = '?';
  let address = 0;
  let afterCall = false;
  for (const line of callgrind.split('\n')) {
    const c = line[0];
    if ((c >= '0' && c <= '9') || c === '+' || c === '-' || c === '*') {
      const parts = line.split(' ');
      const at = parts[0];
      if (at[0] === '+' || at[0] === '-') address += Number(at); // (relative: decimal; absolute: 0x…)
      else if (at !== '*') address = parseInt(at, 16);
      if (afterCall) { // a call's inclusive cost: not this function's own
        afterCall = false;
        continue;
      }
      if (parts.length < 3) continue;
      const name = findJit(address) ?? fn;
      const cost = Number(parts[parts.length - 1]);
      costs.set(name, (costs.get(name) ?? 0) + cost);
      byAddress?.set(address, (byAddress.get(address) ?? 0) + cost);
    } else if (line.startsWith('calls=')) {
      afterCall = true;
    } else if (line.startsWith('fn=')) {
      const m = /^fn=\((\d+)\)(?: (.*))?/.exec(line);
      if (m[2]) names.set(m[1], m[2]);
      fn = names.get(m[1]) ?? m[1];
    } else if (line.startsWith('cfn=')) {
      const m = /^cfn=\((\d+)\)(?: (.*))?/.exec(line);
      if (m[2]) names.set(m[1], m[2]);
    }
  }
  return costs;
}

/** CPython's instructions per call of pickle.dumps (or loads) of the payload (cachegrind totals of N and 2N calls). */
function python(n) {
  const script = `import pickle, sys\ndata = open(sys.argv[1], 'rb').read()\nv = pickle.loads(data)\np = data[1] if data[0] == 0x80 else 0\nfor _ in range(int(sys.argv[2])): ${loadsMode ? 'pickle.loads(data)' : 'pickle.dumps(v, p)'}\n`;
  // the interpreter itself, not a wrapper script (pyenv's shims are shell scripts)
  const executable = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
  const total = (k) => {
    const run = spawnSync('valgrind', ['--tool=cachegrind', '--cache-sim=no', '--cachegrind-out-file=/dev/null', executable, '-c', script, path, String(k)], { encoding: 'utf8' });
    return Number(/I\s+refs:\s+([\d,]+)/.exec(run.stderr)[1].replaceAll(',', ''));
  };
  return (total(2 * n) - total(n)) / n;
}

const first = profile(calls).costs;
const second = profile(2 * calls).costs;
const perCall = new Map();
for (const name of new Set([...first.keys(), ...second.keys()])) perCall.set(name, ((second.get(name) ?? 0) - (first.get(name) ?? 0)) / calls);
const total = [...perCall.values()].reduce((a, b) => a + b, 0);
// (C++ work, start-up's and the garbage collector's, does not always cancel between the two runs: the
// second total, of JIT-compiled code and V8's builtins, leaves it out)
const compiled = [...perCall].filter(([name]) => /^(JS |Builtin:)/.test(name)).reduce((a, [, b]) => a + b, 0);
console.log(`${file}, ${loadsMode ? 'loads' : 'dumps'}: ${Math.round(total)} instructions a call (${Math.round(compiled)} in JS, wasm and V8's builtins)`);
if (args.includes('--python')) {
  const cpython = python(calls);
  console.log(`CPython: ${Math.round(cpython)} instructions a call (ratio ${(total / cpython).toFixed(2)})`);
}
for (const [name, n] of [...perCall].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${n.toFixed(0).padStart(8)}  ${name.slice(0, 110)}`);
}
const annotated = option('annotate', null);
if (annotated !== null) annotate(annotated, calls);
rmSync(work, { recursive: true, force: true });
