// A seeded mutation fuzzer for loads: bit flips, truncations, insertions,
// deletions, splices, opcode substitutions and interesting lengths, applied to
// a corpus of valid pickles. Each input must load to a value or throw an
// UnpicklingError, quickly; whatever loads must dump, or throw a PicklingError.
import { readdirSync, readFileSync } from 'node:fs';
import { OPCODE_TABLE } from '../../dist/esm/opcodes.js';
import { PicklingError, Registry, UnpicklingError, dumps, loads } from 'pickle-wasm';
import { random } from './random.mjs';

const OPCODES = OPCODE_TABLE.map(([code]) => code);
const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff];

/**
 * Lists of dicts whose keys repeat, some within others: their keys are GETs,
 * which the scanner folds away (KeyOrders) in loads with 64 KiB at hand. So
 * these are fuzzed (one input in 8) with that much padding after the pickle
 * (loads, as Python's, reads one pickle and leaves what follows).
 */
const RECORDS = Array.from({ length: 6 }, (_, i) => ({ id: i, name: `n${i}`, tags: ['a', 'b'].slice(i % 3), score: i / 4, inner: { x: i, y: [i], z: 'z', w: null } }));
const FOLDABLE = [1, 2, 5].map((protocol) => Buffer.from(dumps(RECORDS, { protocol })));
const PADDING = Buffer.alloc(65536);

/** The corpus: the committed fixtures' pickles (small ones), lists of dicts whose keys repeat, and the fuzz findings. */
export function loadCorpus(maxLength = 4096) {
  const fixtures = new URL('../fixtures/', import.meta.url);
  const pickles = [];
  for (const file of ['corpus.json', 'numpy.json']) {
    const { cases } = JSON.parse(readFileSync(new URL(file, fixtures), 'utf8'));
    for (const c of cases) pickles.push(Buffer.from(c.pickle, 'base64'));
  }
  pickles.push(...FOLDABLE);
  for (const file of readdirSync(new URL('fuzz/', fixtures))) pickles.push(readFileSync(new URL(`fuzz/${file}`, fixtures)));
  return pickles.filter((p) => p.length <= maxLength);
}

function mutate(rand, input, corpus) {
  const pick = (n) => Math.floor(rand() * n);
  const bytes = Buffer.from(input);
  switch (pick(8)) {
    case 0: { // bit flips
      for (let i = 1 + pick(4); i > 0 && bytes.length; i--) bytes[pick(bytes.length)] ^= 1 << pick(8);
      return bytes;
    }
    case 1: // truncation
      return bytes.subarray(0, pick(bytes.length + 1));
    case 2: { // insertion of random bytes
      const at = pick(bytes.length + 1);
      const extra = Buffer.from(Array.from({ length: 1 + pick(8) }, () => pick(256)));
      return Buffer.concat([bytes.subarray(0, at), extra, bytes.subarray(at)]);
    }
    case 3: { // deletion
      const at = pick(bytes.length + 1);
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + pick(16))]);
    }
    case 4: { // splice with another pickle
      const other = corpus[pick(corpus.length)];
      return Buffer.concat([bytes.subarray(0, pick(bytes.length + 1)), other.subarray(pick(other.length + 1))]);
    }
    case 5: { // opcode substitution
      for (let i = 1 + pick(3); i > 0 && bytes.length; i--) bytes[pick(bytes.length)] = OPCODES[pick(OPCODES.length)];
      return bytes;
    }
    case 6: { // an interesting length or index, little-endian, at a random place
      if (bytes.length < 5) return bytes;
      const at = pick(bytes.length - 4);
      bytes.writeUInt32LE(INTERESTING[pick(INTERESTING.length)] >>> 0, at);
      return bytes;
    }
    default: { // duplicate a range
      const from = pick(bytes.length + 1);
      const piece = bytes.subarray(from, from + 1 + pick(64));
      return Buffer.concat([bytes.subarray(0, from), piece, bytes.subarray(from)]);
    }
  }
}

/** The class the fuzz registry holds (its prototype must come out of a run unchanged). */
export class Anything {}
const registry = new Registry().register('fuzz', 'Anything', Anything).registerExtension('fuzz', 'Anything', 1);
const OPTIONS = [
  {},
  { unknownGlobals: 'stub', registry },
  { dicts: 'map', encoding: 'latin1' },
  { encoding: 'bytes', copy: true, persistentLoad: (pid) => ({ pid }), buffers: [new Uint8Array(3), new Uint8Array(0)] },
  { encoding: 'utf-8', fixImports: false, maxDepth: 50 },
];

/** Runs one input; returns a finding ({ reason }) or null. */
export function check(input, options, slowMs = 1000) {
  const start = performance.now();
  let value;
  try {
    value = loads(input, options);
  } catch (error) {
    if (!(error instanceof UnpicklingError)) return { reason: `loads threw ${error?.name}: ${error?.message}` };
    value = undefined;
  }
  if (value !== undefined) {
    try {
      dumps(value, { registry: options.registry });
    } catch (error) {
      if (!(error instanceof PicklingError)) return { reason: `dumps threw ${error?.name}: ${error?.message}` };
    }
  }
  const took = performance.now() - start;
  return took > slowMs ? { reason: `took ${took.toFixed(0)} ms` } : null;
}

/**
 * Fuzzes until `inputs` inputs or `seconds` have passed, whichever first.
 * Returns { seed, inputs, seconds, findings: [{ reason, input }] }.
 */
export function fuzz({ seed, inputs = Infinity, seconds = Infinity, onProgress }) {
  const rand = random(seed);
  const corpus = loadCorpus();
  const findings = [];
  const start = performance.now();
  let count = 0;
  while (count < inputs && (performance.now() - start) / 1000 < seconds) {
    const foldable = count % 8 === 7;
    let input = foldable ? FOLDABLE[Math.floor(rand() * FOLDABLE.length)] : corpus[Math.floor(rand() * corpus.length)];
    for (let n = 1 + Math.floor(rand() * 3); n > 0; n--) input = mutate(rand, input, corpus);
    if (foldable) input = Buffer.concat([input, PADDING]);
    const finding = check(input, OPTIONS[count % OPTIONS.length]);
    if (finding) findings.push({ ...finding, input: Buffer.from(input) });
    count++;
    if (onProgress && count % 100_000 === 0) onProgress(count, (performance.now() - start) / 1000, findings.length);
  }
  return { seed, inputs: count, seconds: (performance.now() - start) / 1000, findings };
}
