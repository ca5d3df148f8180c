// Safe by construction: a pickle reaches only registered values. Hand-made
// hostile pickles for each way out; afterwards no prototype has changed.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Registry, UnpicklingError, builtins, dumps, loads } from 'pickle-wasm';

const bytes = (text) => Buffer.from(text, 'latin1');
const snapshot = (obj) => Object.getOwnPropertyNames(obj).sort().join(',');
const objectPrototype = snapshot(Object.prototype);
const functionPrototype = snapshot(Function.prototype);
const arrayPrototype = snapshot(Array.prototype);

class Account {
  constructor() {
    this.balance = 0;
  }
}
const accountPrototype = snapshot(Account.prototype);
const reg = new Registry().register('bank', 'Account', Account);

const global = (module, name) => `\x80\x04\x8c${String.fromCharCode(module.length)}${module}\x8c${String.fromCharCode(name.length)}${name}\x93`;

const UNREACHABLE = [
  ['os', 'system'], ['posix', 'system'], ['nt', 'system'], ['subprocess', 'Popen'], ['subprocess', 'check_output'],
  ['builtins', 'eval'], ['builtins', 'exec'], ['builtins', 'compile'], ['builtins', 'getattr'], ['builtins', '__import__'],
  ['builtins', 'open'], ['__builtin__', 'eval'], ['builtins', 'globals'],
  ['globalThis', 'process'], ['global', 'process'], ['process', 'exit'], ['module', 'require'], ['require', 'child_process'],
  ['Function', 'constructor'], ['builtins', 'Function'], ['builtins', 'constructor'], ['builtins', '__proto__'],
  ['builtins', 'toString'], ['builtins', 'hasOwnProperty'], ['builtins', 'valueOf'], ['__proto__', '__proto__'],
  ['constructor', 'constructor'], ['builtins', 'set.constructor'], ['builtins', 'type.__call__'], ['builtins', 'object.__subclasses__'],
  ['bank', 'Account.constructor'], ['bank', 'Account.prototype'], ['bank', 'Account.__proto__'], ['bank', 'constructor'],
  ['copyreg', '_reconstructor.constructor'], ['pickle_wasm', 'constructor'], ['datetime', 'date.constructor'],
];

for (const [module, name] of UNREACHABLE) {
  test(`unreachable: ${module}.${name}`, () => {
    for (const registry of [undefined, reg]) {
      assert.throws(() => loads(bytes(`${global(module, name)}.`), { registry }), UnpicklingError);
      assert.throws(() => loads(bytes(`c${module}\n${name}\n.`), { registry }), UnpicklingError);
    }
    assert.equal(reg.lookup(module, name), undefined);
  });
}

test('pickled code is refused without allowCode, naming the class', () => {
  const pickle = bytes(`${global('pickle_wasm', 'function_from_source')}\x8c\x04evil\x8c\x1b() => process.exit(1) || 42\x86R.`);
  assert.throws(() => loads(pickle), { message: /evil was pickled by value.*allowCode/ });
  const viaObj = bytes(`(${global('pickle_wasm', 'class_from_source').slice(2)}\x8c\x01C\x8c\x0aclass C {})}o.`);
  assert.throws(() => loads(viaObj), UnpicklingError);
});

test('state never changes a prototype: __proto__ keys in dicts, BUILD states, type() dicts', () => {
  const pollute = '\x8c\x09__proto__}\x8c\x08polluted\x88s';
  const cases = [
    `\x80\x04}(${pollute}u.`,
    `\x80\x04(${pollute}d.`,
    `${global('bank', 'Account')})\x81}${pollute}sb.`,
    `${global('bank', 'Account')})\x81}${pollute}s}${pollute}s\x86b.`,
    `${global('builtins', 'type')}\x8c\x01X)}${pollute}s\x87R.`,
  ];
  for (const text of cases) {
    const value = loads(bytes(text), { registry: reg });
    assert.equal({}.polluted, undefined);
    assert.equal(Account.prototype.polluted, undefined);
    if (typeof value === 'object' && value !== null) assert.ok(Object.hasOwn(value, '__proto__'), 'an own property instead');
  }
});

test('BUILD cannot change registered classes or functions, nor the registry', () => {
  for (const target of [global('bank', 'Account'), global('builtins', 'set'), global('builtins', 'type')]) {
    assert.throws(() => loads(bytes(`${target}}\x8c\x07balance\x4b\x01sb.`), { registry: reg }), /cannot set the state/);
  }
  assert.equal(Account.balance, undefined);
});

test('type() cannot redefine what makes a class', () => {
  assert.throws(() => loads(bytes(`${global('builtins', 'type')}\x8c\x01X)}\x8c\x09prototype}s\x87R.`)), UnpicklingError);
});

test('one Unpickler never affects another: registries, memo, options', () => {
  const a = new Registry().register('m', 'x', Account);
  assert.equal(loads(bytes(`${global('m', 'x')}.`), { registry: a }), Account);
  assert.throws(() => loads(bytes(`${global('m', 'x')}.`)), UnpicklingError);
  assert.throws(() => loads(bytes('\x80\x04h\x00.')), /memo value not found/, 'the memo starts empty every time');
  assert.deepEqual(loads(bytes('\x80\x04}.')), {}, 'options do not stick');
});

after(() => {
  assert.equal(snapshot(Object.prototype), objectPrototype);
  assert.equal(snapshot(Function.prototype), functionPrototype);
  assert.equal(snapshot(Array.prototype), arrayPrototype);
  assert.equal(snapshot(Account.prototype), accountPrototype);
  assert.equal(Object.prototype.polluted, undefined);
  assert.equal(typeof builtins.set, 'function');
  dumps(null);
});
