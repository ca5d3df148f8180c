// Classes by reference and by value: the registry, Python's reduce protocol,
// unregistered classes, by-value classes and functions, each cross-checked
// with python3 where Python is involved.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Pickler, PicklingError, PyObject, Registry, Tuple, UnpicklingError, builtins, dumps, getSource, loads, pickleable, registry,
} from 'pickle-wasm';
import { needsPython, pythonCompare, pythonModules, runPythonCode } from './helpers/python.mjs';

const ACC = `
class Point:
    version = 1
    def __init__(self, x, y):
        self.x, self.y = x, y
    def __eq__(self, other):
        return type(other) is type(self) and self.__dict__ == other.__dict__

class Slotted:
    __slots__ = ('a', 'b')
    def __init__(self, a, b):
        self.a, self.b = a, b

class Base:
    pass

class Sub(Base):
    def __init__(self, v):
        self.v = v
    def __eq__(self, other):
        return type(other) is Sub and other.v == self.v

class Pair:
    def __new__(cls, a, b):
        obj = super().__new__(cls)
        obj.a, obj.b = a, b
        return obj
    def __getnewargs__(self):
        return (self.a, self.b)
    def __eq__(self, other):
        return type(other) is Pair and (other.a, other.b) == (self.a, self.b)

class Keyed:
    def __new__(cls, *, k):
        obj = super().__new__(cls)
        obj.k = k
        return obj
    def __getnewargs_ex__(self):
        return (), {'k': self.k}
    def __eq__(self, other):
        return type(other) is Keyed and other.k == self.k
`;
const modules = { acc: ACC };
const ALL = [0, 1, 2, 3, 4, 5];
const fromPython = (expr, protocol) =>
  runPythonCode(`import acc, pickle, sys\nsys.stdout.buffer.write(pickle.dumps(${expr}, protocol=${protocol}))`, { modules });

let constructed = 0;
class Point {
  constructor(x, y) {
    constructed++;
    this.x = x;
    this.y = y;
  }
}
class Local {}
class Sub extends Local {
  constructor(v) {
    super();
    this.v = v;
  }
}
class Pair {
  constructor(a, b) {
    this.a = a;
    this.b = b;
  }
  __getnewargs__() {
    return [this.a, this.b];
  }
}
class Keyed {
  constructor(k) {
    this.k = k;
  }
  __getnewargs_ex__() {
    return [[], { k: this.k }];
  }
}
class Slotted {}
const accRegistry = () =>
  new Registry().registerModule('acc', { Point, Sub, Pair, Keyed, Slotted });

test('by reference: Python instances of acc.Point load as the registered JS class, without its constructor', { skip: needsPython }, () => {
  const reg = accRegistry();
  for (const protocol of ALL) {
    constructed = 0;
    const p = loads(fromPython("acc.Point(1, [2, 'three'])", protocol), { registry: reg });
    assert.ok(p instanceof Point, `protocol ${protocol}`);
    assert.deepEqual({ ...p }, { x: 1, y: [2, 'three'] });
    assert.equal(constructed, 0);
  }
  const slotted = loads(fromPython('acc.Slotted(1, 2)', 2), { registry: reg });
  assert.ok(slotted instanceof Slotted);
  assert.deepEqual({ ...slotted }, { a: 1, b: 2 }, '(dict, slots) state pairs');
});

test('by reference: JS instances dump to what Python loads as acc.Point: NEWOBJ at 2+, copyreg._reconstructor at 0-1', { skip: needsPython }, () => {
  const reg = accRegistry();
  const point = new Point(1, 'two');
  const pickles = ALL.map((protocol) => dumps(point, { protocol, registry: reg }));
  assert.ok(Buffer.from(pickles[0]).includes('copy_reg\n_reconstructor'));
  assert.ok(pickles[2].includes(0x81), 'NEWOBJ');
  const requests = [
    { expr: "__import__('acc').Point(1, 'two')", candidates: pickles },
    { expr: "__import__('acc').Sub([1])", candidates: ALL.map((protocol) => dumps(new Sub([1]), { protocol, registry: reg })) },
    { expr: "__import__('acc').Pair(1, 'b')", candidates: [2, 3, 4, 5].map((protocol) => dumps(new Pair(1, 'b'), { protocol, registry: reg })) },
    { expr: "__import__('acc').Keyed(k=7)", candidates: [4, 5].map((protocol) => dumps(new Keyed(7), { protocol, registry: reg })) },
  ];
  const answers = pythonCompare(requests, pythonModules(modules));
  answers.forEach((answer, i) => assert.ok(answer.ok, `${requests[i].expr}: ${answer.why}`));
});

test('by reference: loads(dumps(T)) === T, and later changes to T show', () => {
  class T {
    static version = 1;
  }
  const reg = new Registry().register('app', 'T', T);
  for (const protocol of ALL) {
    const pickle = dumps(T, { protocol, registry: reg });
    T.version = protocol + 10;
    const loaded = loads(pickle, { registry: reg });
    assert.equal(loaded, T);
    assert.equal(loaded.version, protocol + 10);
  }
});

test('unregistered classes, their instances and functions are PicklingErrors that say how to register', () => {
  assert.throws(() => dumps(new Local()), (e) => e instanceof PicklingError && /instance of Local.*not registered.*registry\.register/.test(e.message));
  assert.throws(() => dumps(Local), /class Local: it is not registered/);
  assert.throws(() => dumps(function helper() {}), /function helper: it is not registered/);
  const reg = new Registry().register('acc', 'Sub', Sub);
  const back = loads(dumps(new Sub(5), { registry: reg }), { registry: reg });
  assert.ok(back instanceof Sub && back instanceof Local && back.v === 5, 'a registered subclass of an unregistered class');
});

test('customisation: __reduce__, __reduce_ex__, __getstate__, __setstate__, __getnewargs__', () => {
  const seen = [];
  class Temp {
    constructor(c) {
      this.c = c;
    }
    __reduce__() {
      return [Temp, [this.c * 2]];
    }
  }
  class Versioned {
    __reduce_ex__(protocol) {
      seen.push(protocol);
      return [builtins.str, [`v${protocol}`]];
    }
  }
  class Stateful {
    constructor() {
      this.secret = 'not pickled';
      this.kept = 1;
    }
    __getstate__() {
      return { kept: this.kept };
    }
    __setstate__(state) {
      this.kept = state.kept + 1;
      this.restored = true;
    }
  }
  const reg = new Registry().registerModule('m', { Temp, Versioned, Stateful, Pair });
  for (const protocol of ALL) {
    assert.equal(loads(dumps(new Temp(4), { protocol, registry: reg }), { registry: reg }).c, 8);
    assert.equal(loads(dumps(new Versioned(), { protocol, registry: reg })), `v${protocol}`);
    const s = loads(dumps(new Stateful(), { protocol, registry: reg }), { registry: reg });
    assert.deepEqual({ ...s }, { kept: 2, restored: true });
    const p = loads(dumps(new Pair(1, 2), { protocol, registry: reg }), { registry: reg });
    assert.deepEqual({ ...p }, { a: 1, b: 2 });
  }
  assert.deepEqual(seen, ALL);
});

test('a reduce value with a stateSetter: written as REDUCE of setter(obj, state), its result popped', () => {
  const calls = [];
  const setter = (obj, state) => {
    calls.push(state);
    obj.fromSetter = state;
  };
  class Box {}
  const reg = new Registry().register('m', 'Box', Box).register('m', 'setter', setter);
  const override = (obj) => (obj instanceof Box ? [Box, [], { v: 1 }, null, null, setter] : undefined);
  for (const protocol of ALL) {
    const box = loads(dumps([new Box()], { registry: reg, protocol, reducerOverride: override }), { registry: reg })[0];
    assert.ok(box instanceof Box);
    assert.deepEqual(box.fromSetter, { v: 1 });
  }
  assert.equal(calls.length, ALL.length);
});

test('registerReducer covers classes you do not own; reducerOverride runs first, classes included', () => {
  const makeURL = (href) => new URL(href);
  const reg = new Registry().register('web', 'url', makeURL).registerReducer(URL, (u) => [makeURL, [u.href]]);
  const url = loads(dumps(new URL('https://example.com/a?b=1'), { registry: reg }), { registry: reg });
  assert.ok(url instanceof URL && url.href === 'https://example.com/a?b=1');
  class Registered {}
  const reg2 = new Registry().register('m', 'Registered', Registered);
  const override = (obj) => (obj === Registered ? [builtins.str, ['replaced']] : undefined);
  assert.deepEqual(loads(dumps([Registered, 1], { registry: reg2, reducerOverride: override })), ['replaced', 1]);
  const ids = [];
  const pickle = dumps([new Registered()], { registry: reg2, persistentId: (o) => (o instanceof Registered ? 'R1' : undefined) });
  assert.deepEqual(loads(pickle, { persistentLoad: (pid) => (ids.push(pid), 'resolved') }), ['resolved']);
});

test('by value, the Python way: type(name, bases, dict) from Python reducer_override loads as a JS class', { skip: needsPython }, () => {
  const code = `import pickle, sys, io
class MyClass:
    my_attribute = 1
class P(pickle.Pickler):
    def reducer_override(self, obj):
        if obj is MyClass:
            return type, (obj.__name__, obj.__bases__, {'my_attribute': obj.my_attribute})
        return NotImplemented
f = io.BytesIO(); P(f, protocol=${4}).dump(MyClass); sys.stdout.buffer.write(f.getvalue())`;
  const cls = loads(runPythonCode(code));
  assert.equal(typeof cls, 'function');
  assert.equal(cls.name, 'MyClass');
  assert.equal(cls.my_attribute, 1);
  assert.ok(new cls() instanceof cls);
});

test('by value, the Python way: a JS reducerOverride returning builtins.type writes a class CPython loads', { skip: needsPython }, () => {
  class MyClass {
    static my_attribute = 1;
  }
  class P extends Pickler {
    reducerOverride(obj) {
      if (obj === MyClass) return [builtins.type, new Tuple(obj.name, new Tuple(builtins.object), { my_attribute: obj.my_attribute })];
      return undefined;
    }
  }
  for (const protocol of ALL) {
    const pickle = new P({ protocol }).dump(MyClass);
    const out = runPythonCode('import pickle, sys\nc = pickle.loads(sys.stdin.buffer.read())\nprint(type(c).__name__, c.__name__, c.my_attribute)', { input: pickle });
    assert.equal(out.toString().trim(), 'type MyClass 1', `protocol ${protocol}`);
  }
});

test('by value, like dill: byValue dumps source; loads re-creates it only with allowCode', () => {
  class Counter {
    static kind = 'counter';
    constructor() {
      this.n = 0;
    }
    inc() {
      return ++this.n;
    }
  }
  const base = new Registry().register('app', 'Point', Point);
  class Point3 extends Point {
    norm() {
      return Math.hypot(this.x, this.y, this.z);
    }
  }
  const double = (x) => x * 2;
  const c = new Counter();
  c.inc();
  const p3 = Object.assign(Object.create(Point3.prototype), { x: 1, y: 2, z: 2 });
  const pickle = dumps({ c, again: c, Counter, double, p3 }, { byValue: true, registry: base });
  assert.throws(() => loads(pickle, { registry: base }), (e) => e instanceof UnpicklingError && /Counter was pickled by value.*allowCode/.test(e.message));
  const value = loads(pickle, { registry: base, allowCode: true });
  assert.equal(value.c, value.again);
  assert.equal(value.c.inc(), 2, 'methods come with the source; state with the instance');
  assert.equal(value.Counter.kind, 'counter');
  assert.equal(value.c.constructor, value.Counter, 'the class is written once');
  assert.equal(value.double(21), 42);
  assert.ok(value.p3 instanceof Point, 'a by-value subclass extends its registered base');
  assert.equal(value.p3.norm(), 3);
  assert.equal(getSource(value.Counter), Counter.toString());
  assert.equal(getSource(double), double.toString());
  assert.throws(() => dumps(c), /not registered/);
});

test('unknown globals: stubs that dump back unchanged', { skip: needsPython }, () => {
  for (const protocol of ALL) {
    const original = fromPython("[acc.Point(1, [2]), acc.Pair(3, 4), acc.Point(5, 6), acc.Pair(7, 8)]", protocol);
    const stubs = loads(original, { unknownGlobals: 'stub' });
    assert.ok(stubs.every((s) => s instanceof PyObject));
    const again = dumps(stubs, { protocol });
    const [answer] = pythonCompare([{ original, candidates: [again] }], pythonModules(modules));
    assert.ok(answer.ok, `protocol ${protocol}: ${answer.why}`);
    // each class is written once, as CPython writes it, though each stub names it through an object of its own
    if (protocol >= 2) assert.ok(Buffer.from(again).equals(original), `protocol ${protocol}: the bytes CPython wrote`);
  }
});

test('pickleable registers a class by its name', () => {
  const reg = new Registry();
  const Decorated = pickleable('myapp.models', { registry: reg })(class Decorated {});
  assert.deepEqual(reg.nameOf(Decorated), { module: 'myapp.models', qualname: 'Decorated' });
  assert.equal(registry.nameOf(Decorated), undefined);
});
