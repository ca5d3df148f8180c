// One cell of the suite, timed in a fresh process (run.mjs starts one per
// cell): no library runs in a heap that another library, or a larger payload,
// has filled, nor with JIT state another left — as CPython runs in its own.
//
//   node bench/measure.mjs CASE FILE MAX_SECONDS [JSON_FILE]
// prints {"us": median µs per call, "faults": minor page faults per call}
// or {"us": null, "error": "..."}.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

// Some libraries log while they work (jpickle: a line per int beyond 2^53);
// stdout carries only the result.
for (const method of ['log', 'info', 'warn', 'error', 'debug']) console[method] = () => {};
const { default: Benchmark } = await import('benchmark');
const { default: jpickle } = await import('jpickle');
const { Packr, pack, unpack } = await import('msgpackr');
const { Parser } = await import('pickleparser');
const { dumps, loads, startScanWorker } = await import('pickle-wasm');
// (only the floors' own processes load them: the other cells run without them)
const { valuesAlone } = process.argv[2] === 'values alone' ? await import('./values.mjs') : {};
const { bareLoads } = process.argv[2] === 'bare JS loop' ? await import('./bareLoop.mjs') : {};

const payloadDir = fileURLToPath(new URL('payloads/', import.meta.url));

/** What each case times, made from the payload file (and its JSON twin). */
const CASES = {
  'pickle-wasm loads': (data) => () => loads(data),
  'pickle-wasm dumps': (data) => {
    const value = loads(data);
    const protocol = data[0] === 0x80 ? data[1] : 0;
    return () => dumps(value, { protocol });
  },
  'pickleparser loads': (data) => {
    const parser = new Parser();
    return () => parser.parse(data);
  },
  'jpickle loads': (data) => {
    const binary = data.toString('binary');
    return () => jpickle.loads(binary);
  },
  'msgpackr unpack': (_data, json) => {
    const packed = pack(JSON.parse(json));
    return () => unpack(packed);
  },
  // the values our loads give, where the JSON twin rounds them (ints beyond 2^53: msgpackr gives them back as
  // bigints); a payload whose values msgpackr does not give back fails its cell
  'msgpackr unpack, same values': (data) => {
    const value = loads(data);
    const packr = new Packr({ useRecords: false, useBigInt64: true, int64AsType: 'auto' });
    const packed = packr.pack(value);
    if (!isDeepStrictEqual(packr.unpack(packed), value)) throw new Error('msgpackr gives back other values than the load');
    return () => packr.unpack(packed);
  },
  'JSON.parse': (_data, json) => () => JSON.parse(json),
  // floors: making the values with nothing to read; reading the tuples with nothing checked; copying the bytes
  'values alone': (data) => valuesAlone(loads(data)),
  'bare JS loop': (data) => () => bareLoads(data),
  'memory copy': (data) => () => new Uint8Array(data),
};

/**
 * Median microseconds per call of fn (benchmark.js samples), and the minor
 * page faults per call while it ran: on this project's machines a fresh page
 * costs ~10 µs, most of a large payload's time when its memory is not reused.
 */
function median(fn, maxTime) {
  fn();
  let calls = 0;
  const bench = new Benchmark(() => { calls++; fn(); }, { maxTime, minSamples: 5 });
  const faultsBefore = process.resourceUsage().minorPageFault;
  bench.run();
  if (bench.error) throw bench.error;
  const faults = (process.resourceUsage().minorPageFault - faultsBefore) / calls;
  const sample = [...bench.stats.sample].sort((a, b) => a - b);
  return { us: sample[Math.floor(sample.length / 2)] * 1e6, faults };
}

const [name, file, maxTime, jsonFile] = process.argv.slice(2);
// Our loads as a long-running process has them: the scan worker, which the first large load starts, ready.
if (name === 'pickle-wasm loads') await startScanWorker();
try {
  const data = readFileSync(payloadDir + file);
  const json = jsonFile ? readFileSync(payloadDir + jsonFile, 'utf8') : null;
  process.stdout.write(JSON.stringify(median(CASES[name](data, json), Number(maxTime))) + '\n');
} catch (error) {
  process.stdout.write(JSON.stringify({ us: null, error: String(error?.message ?? error).slice(0, 100) }) + '\n');
}
