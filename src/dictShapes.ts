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
import { KeyOrders } from './tape.js';

type Factory = (items: unknown[], start: number) => Record<string, unknown>;

interface Shape {
  readonly keys: string[];
  /** From keys and values in turn, items[start..start + 2 * keys.length). */
  make: Factory | null;
  /** From the values alone, items[start..start + keys.length) (a body the scanner folded: see KeyOrders). */
  makeFromValues: Factory | null;
}

/** Dicts of fewer keys gain too little; larger literals compile slowly. */
const MIN_KEYS = KeyOrders.MIN_KEYS;
const MAX_KEYS = KeyOrders.MAX_KEYS;
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
  if (shape === undefined || !sameKeys(shape.keys, items, start, 2, count)) {
    remember(first, items, start, 2, count);
    return null;
  }
  if (shape.make === null) {
    shape.make = compileWithin(shape.keys, 2);
    if (shape.make === null) return null;
  }
  return shape.make(items, start);
}

/**
 * The function making a dict of the key order `keys` (a folded body's, met
 * twice: see KeyOrders) from its values alone; null when a key is not a
 * plain str property, or nothing more may be compiled.
 */
export function valuesFactory(keys: unknown[]): Factory | null {
  const count = keys.length;
  const first = keys[0];
  if (count < MIN_KEYS || count > MAX_KEYS || !canCompile || typeof first !== 'string') return null;
  let shape = shapes.get(first);
  if (shape === undefined || !sameKeys(shape.keys, keys, 0, 1, count)) shape = remember(first, keys, 0, 1, count);
  if (shape === undefined) return null;
  shape.makeFromValues ??= compileWithin(shape.keys, 1);
  return shape.makeFromValues;
}

/** Are the `count` keys at items[start], items[start + stride], … those of `keys`? */
function sameKeys(keys: string[], items: unknown[], start: number, stride: number, count: number): boolean {
  if (keys.length !== count) return false;
  for (let i = 0; i < count; i++) if (keys[i] !== items[start + stride * i]) return false;
  return true;
}

/** Notes a key order (seen once: not compiled yet), if every key can be an object literal's. */
function remember(first: string, items: unknown[], start: number, stride: number, count: number): Shape | undefined {
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const key = items[start + stride * i];
    // array-index keys are listed first by JS (the caller keeps Python's order); "__proto__" would set the prototype
    if (typeof key !== 'string' || key.length > MAX_KEY_LENGTH || key === '__proto__' || isArrayIndex(key)) return undefined;
    keys.push(key);
  }
  if (shapes.size >= MAX_SHAPES) shapes.clear();
  const shape: Shape = { keys, make: null, makeFromValues: null };
  shapes.set(first, shape);
  return shape;
}

/** compile(), within the load's budget. */
function compileWithin(keys: string[], stride: number): Factory | null {
  if (budget === 0) return null;
  budget--;
  return compile(keys, stride);
}

/**
 * `(s, o) => ({"k0": s[o + 1], "k1": s[o + 3], …})` (stride 2: keys and values
 * in turn) or `({"k0": s[o], "k1": s[o + 1], …})` (stride 1: values alone);
 * keys are written as JSON strings, so no key can be code.
 */
function compile(keys: string[], stride: number): Factory | null {
  const fields = keys.map((key, i) => `${JSON.stringify(key)}: s[o + ${stride * i + stride - 1}]`);
  try {
    return new Function('s', 'o', `return { ${fields.join(', ')} };`) as Factory;
  } catch {
    canCompile = false;
    return null;
  }
}
