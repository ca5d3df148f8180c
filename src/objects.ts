// What the reduce protocol does to objects when loading: call a callable,
// make an instance without running its constructor, give it its state.
import { UnpicklingError } from './errors.js';
import { PyObject, isTuple } from './types.js';

const classes = new WeakMap<Function, boolean>();

/** Is `f` a JS class (which must be called with `new`)? */
export function isClass(f: Function): boolean {
  let known = classes.get(f);
  if (known === undefined) {
    known = /^class[\s{]/.test(Function.prototype.toString.call(f));
    classes.set(f, known);
  }
  return known;
}

/** Python's `callable(*args)`: REDUCE, and OBJ / INST of a class with arguments. */
export function call(callable: unknown, args: unknown[]): unknown {
  if (callable instanceof PyObject) {
    if (callable.kind !== 'global') throw new UnpicklingError(`${callable.module}.${callable.qualname} instance is not callable`);
    return new PyObject(callable.module, callable.qualname, 'reduce', args);
  }
  if (typeof callable !== 'function') throw new UnpicklingError(`${typeName(callable)} object is not callable`);
  if (!isClass(callable)) return Reflect.apply(callable, undefined, args);
  // most reduce calls pass one or two arguments (a datetime's state bytes): `new` with them skips Reflect.construct's ~30 ns of argument-list handling
  const cls = callable as new (...a: unknown[]) => unknown;
  switch (args.length) {
    case 1: return new cls(args[0]);
    case 2: return new cls(args[0], args[1]);
    default: return Reflect.construct(cls, args);
  }
}

/** `cls.__new__(cls, *args, **kwargs)`: NEWOBJ, NEWOBJ_EX, copyreg.__newobj__. */
export function newObject(cls: unknown, args: unknown[], kwargs?: unknown): unknown {
  if (cls instanceof PyObject) {
    if (cls.kind !== 'global') throw new UnpicklingError(`${cls.module}.${cls.qualname} instance is not a class`);
    return new PyObject(cls.module, cls.qualname, kwargs === undefined ? 'newobj' : 'newobj_ex', args, kwargs);
  }
  if (typeof cls !== 'function') throw new UnpicklingError(`${typeName(cls)} object is not a class`);
  const custom = (cls as { __new__?: unknown }).__new__;
  if (typeof custom === 'function') return Reflect.apply(custom, cls, [cls, ...args]);
  const prototype: unknown = cls.prototype;
  if (typeof prototype !== 'object' || prototype === null) throw new UnpicklingError(`${cls.name || 'function'} is not a class`);
  const base = BUILTIN_BASES.find((b) => prototype instanceof b);
  // A subclass of Array, Map, … must be a real one (an Array exotic object, a Map with its slots), still without running its constructor.
  return base ? Reflect.construct(base, [], cls) : Object.create(prototype);
}

const BUILTIN_BASES: Function[] = [Array, Map, Set, Uint8Array, Error];

/** Sets own data properties; a key such as "__proto__" becomes a property, never a prototype change. */
function assignState(obj: object, state: unknown): void {
  if (state === null || state === undefined) return;
  const entries = state instanceof Map ? state.entries() : isPlainObject(state) ? Object.entries(state) : undefined;
  if (entries === undefined) throw new UnpicklingError(`state is not a dict: ${typeName(state)}`);
  for (const [key, value] of entries) {
    if (typeof key !== 'string') throw new UnpicklingError('attribute names must be str');
    Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  }
}

/** BUILD: `__setstate__(state)` if the object has one, else its attributes from a dict or a (dict, slots) pair. */
export function setState(obj: unknown, state: unknown): void {
  if (obj instanceof PyObject) {
    obj.state = state;
    return;
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj) || obj instanceof Map || obj instanceof Set || ArrayBuffer.isView(obj)) {
    throw new UnpicklingError(`cannot set the state of ${typeName(obj)}`);
  }
  const setstate = (obj as { __setstate__?: unknown }).__setstate__;
  if (typeof setstate === 'function') {
    setstate.call(obj, state);
    return;
  }
  if (isTuple(state) && state.length === 2) {
    assignState(obj, state[0]);
    assignState(obj, state[1]);
    return;
  }
  assignState(obj, state);
}

/** Is `key` one that JS objects list first, in numeric order (a canonical array index)? */
export function isArrayIndex(key: string): boolean {
  const first = key.charCodeAt(0) - 48;
  if (!(first >= 0 && first <= 9)) return false;
  return /^(0|[1-9][0-9]{0,9})$/.test(key) && Number(key) < 4294967295;
}

/** A dict loaded as a JS object (prototype Object.prototype or null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

export function typeName(value: unknown): string {
  if (value === null) return 'None';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return value.constructor === Array ? 'list' : 'tuple';
  if (typeof value !== 'object' && typeof value !== 'function') return typeof value;
  if (isPlainObject(value)) return 'dict';
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name ? name : 'object';
}
