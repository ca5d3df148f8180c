// Checks a loaded JS value against the description test/python/values.py
// wrote of the Python value: the mapping table of the README, exactly.
import { Buffer } from 'node:buffer';
import { ByteArray, Complex, FrozenSet, Tuple } from 'pickle-wasm';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function floatBits(x) {
  if (Number.isNaN(x)) return 'nan';
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return [...new Uint8Array(view.buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

const hex = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

/** Throws an Error saying where `value` differs from `expect`. */
export function compare(expect, value, path = '$', ids = new Map(), objects = new Map()) {
  const fail = (what) => {
    throw new Error(`${path}: ${what} (expected ${JSON.stringify(expect).slice(0, 200)})`);
  };
  const identify = (id) => {
    if (objects.has(value)) fail(`the same JS object stands for Python objects ${objects.get(value)} and ${id}`);
    ids.set(id, value);
    objects.set(value, id);
  };
  const items = (list, values) => {
    if (values.length !== list.length) fail(`length ${values.length} instead of ${list.length}`);
    list.forEach((item, i) => compare(item, values[i], `${path}[${i}]`, ids, objects));
  };
  const [kind] = expect;
  switch (kind) {
    case 'none':
      if (value !== null) fail(`got ${String(value)}`);
      return;
    case 'bool':
      if (value !== expect[1]) fail(`got ${String(value)}`);
      return;
    case 'int': {
      const n = BigInt(expect[1]);
      const safe = n >= -MAX_SAFE && n <= MAX_SAFE;
      if (safe ? value !== Number(n) : value !== n) fail(`got ${typeof value} ${String(value)}`);
      return;
    }
    case 'float':
      if (typeof value !== 'number' || floatBits(value) !== expect[1]) fail(`got ${String(value)}`);
      return;
    case 'complex':
      if (!(value instanceof Complex) || floatBits(value.real) !== expect[1] || floatBits(value.imag) !== expect[2]) fail('wrong complex');
      return;
    case 'str':
      if (value !== expect[1]) fail(`got ${JSON.stringify(value)?.slice(0, 80)}`);
      return;
    case 'bytes':
      if (!(value instanceof Uint8Array) || value instanceof ByteArray || hex(value) !== expect[1]) fail('wrong bytes');
      return;
    case 'bytearray':
      if (!(value instanceof ByteArray) || hex(value) !== expect[2]) fail('wrong bytearray');
      identify(expect[1]);
      return;
    case 'ref':
      if (ids.get(expect[1]) !== value) fail(`not the same object as Python object ${expect[1]}`);
      return;
    case 'tuple':
      if (!(value instanceof Tuple) || !Array.isArray(value)) fail('not a Tuple');
      items(expect[1], value);
      return;
    case 'list':
      if (!Array.isArray(value) || value instanceof Tuple) fail('not a list Array');
      identify(expect[1]);
      items(expect[2], value);
      return;
    case 'set':
    case 'frozenset': {
      const frozen = kind === 'frozenset';
      if (!(value instanceof Set) || value instanceof FrozenSet !== frozen) fail(`not a ${frozen ? 'FrozenSet' : 'Set'}`);
      if (!frozen) identify(expect[1]);
      items(frozen ? expect[1] : expect[2], [...value]);
      return;
    }
    case 'dict': {
      const pairs = expect[2];
      identify(expect[1]);
      if (pairs.every(([k]) => k[0] === 'str')) {
        if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) fail('not a plain object');
        if (Object.keys(value).length !== pairs.length) fail(`${Object.keys(value).length} keys instead of ${pairs.length}`);
        for (const [[, key], item] of pairs) {
          if (!Object.hasOwn(value, key)) fail(`no own key ${JSON.stringify(key)}`);
          compare(item, value[key], `${path}[${JSON.stringify(key)}]`, ids, objects);
        }
        return;
      }
      if (!(value instanceof Map)) fail('not a Map');
      const entries = [...value];
      if (entries.length !== pairs.length) fail(`${entries.length} entries instead of ${pairs.length}`);
      pairs.forEach(([k, v], i) => {
        compare(k, entries[i][0], `${path}.key${i}`, ids, objects);
        compare(v, entries[i][1], `${path}.value${i}`, ids, objects);
      });
      return;
    }
    default:
      fail(`unknown description ${kind}`);
  }
}
