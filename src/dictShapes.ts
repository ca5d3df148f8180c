// Plain objects for dicts whose keys repeat. Adding a new property to a JS
// object by a computed key is a megamorphic store in V8: ~80 ns a property,
// measured on the bm_pickle DICT keys, where an object literal with the same
// keys costs ~3 ns a property. So a dict with the same str keys, in the same
// order, as one seen before is made by a function compiled for that key order
// (`return {"id": s[o + 1], "name": s[o + 3], …}`). A key order is compiled
// only the second time it is seen, so dicts of one-off keys compile nothing,
// and a load compiles at most COMPILE_BUDGET of them, so no pickle can make
// compiling its main cost.

import { isArrayIndex } from './objects.js';

type Factory = (items: unknown[], start: number) => Record<string, unknown>;

interface Shape {
  readonly keys: string[];
  make: Factory | null;
}

/** Dicts of fewer keys gain too little; larger literals compile slowly. */
const MIN_KEYS = 4;
const MAX_KEYS = 64;
/** Longer keys are not field names: neither kept (the cache outlives the load) nor compiled. */
const MAX_KEY_LENGTH = 64;
/** Key orders remembered (all forgotten when full) and compiled per load. */
const MAX_SHAPES = 256;
const COMPILE_BUDGET = 32;

/** Key orders by their first key (one each: a different order with the same first key replaces it). */
const shapes = new Map<string, Shape>();
/** False once compiling was refused (a Content-Security-Policy without 'unsafe-eval', or Node's --disallow-code-generation-from-strings). */
let canCompile = true;
let budget = COMPILE_BUDGET;

/** Called when a load starts: its compile budget. */
export function beginLoad(): void {
  budget = COMPILE_BUDGET;
}

/**
 * A new object holding the pairs items[start..end), made by the compiled
 * function of their key order; or null (the caller adds the properties) when
 * the order has no function yet, or a key is not a plain str property.
 */
export function makeDict(items: unknown[], start: number, end: number): Record<string, unknown> | null {
  const count = (end - start) >> 1;
  if (count < MIN_KEYS || count > MAX_KEYS || !canCompile) return null;
  const first = items[start];
  if (typeof first !== 'string') return null;
  const shape = shapes.get(first);
  if (shape === undefined || !sameKeys(shape.keys, items, start, count)) {
    remember(first, items, start, count);
    return null;
  }
  if (shape.make === null) {
    if (budget === 0) return null;
    budget--;
    shape.make = compile(shape.keys);
    if (shape.make === null) return null;
  }
  return shape.make(items, start);
}

function sameKeys(keys: string[], items: unknown[], start: number, count: number): boolean {
  if (keys.length !== count) return false;
  for (let i = 0; i < count; i++) if (keys[i] !== items[start + 2 * i]) return false;
  return true;
}

/** Notes a key order (seen once: not compiled yet), if every key can be an object literal's. */
function remember(first: string, items: unknown[], start: number, count: number): void {
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const key = items[start + 2 * i];
    // array-index keys are listed first by JS (the caller keeps Python's order); "__proto__" would set the prototype
    if (typeof key !== 'string' || key.length > MAX_KEY_LENGTH || key === '__proto__' || isArrayIndex(key)) return;
    keys.push(key);
  }
  if (shapes.size >= MAX_SHAPES) shapes.clear();
  shapes.set(first, { keys, make: null });
}

/** `(s, o) => ({"k0": s[o + 1], "k1": s[o + 3], …})`; keys are written as JSON strings, so no key can be code. */
function compile(keys: string[]): Factory | null {
  const fields = keys.map((key, i) => `${JSON.stringify(key)}: s[o + ${2 * i + 1}]`);
  try {
    return new Function('s', 'o', `return { ${fields.join(', ')} };`) as Factory;
  } catch {
    canCompile = false;
    return null;
  }
}
