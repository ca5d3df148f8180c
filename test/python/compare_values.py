"""Checks pickles written by pickle-wasm against what they should hold.

Reads JSON lines on stdin, each {candidates: [base64 pickle...], buffers?: [base64...]}
plus either original (base64 pickle: the value Python pickled first) or expr
(a Python expression). Prints one JSON line per request: {ok: true} or
{ok: false, why}. "Same" is Python equality made strict: same types (tuple
stays tuple, bytes stay bytes, set stays set …), float bits, exact ints, and
the same sharing and cycles (a one-to-one map between mutable objects). What
JS cannot carry is allowed, as the README says: a float with an integer value
within ±(2**53-1) may come back as int, and two lone surrogates that form a
pair may come back as the character they spell.
"""
import base64
import json
import math
import pickle
import sys

MUTABLE = (list, dict, set, bytearray)
SAFE = 2**53 - 1


def norm(s):
    return s.encode('utf-16-le', 'surrogatepass').decode('utf-16-le', 'surrogatepass')


def key(k):
    """A hashable stand-in for a dict key or set member, for lookups across the two values."""
    t = type(k)
    if t is str:
        return ('str', norm(k))
    if t is tuple:
        return ('tuple', tuple(key(x) for x in k))
    if t is frozenset:
        return ('frozenset', frozenset(key(x) for x in k))
    if t is float:
        if k != k:
            return ('nan',)
        if k.is_integer() and abs(k) <= SAFE:
            return ('num', int(k))
        return ('float', k)
    if t in (int, bool):
        return ('num', int(k))
    return (t.__name__, k)


class Mismatch(Exception):
    pass


def same(a, b, path, pairs, used):
    ta, tb = type(a), type(b)
    if ta is float and tb is int and a.is_integer() and abs(a) <= SAFE:
        if a != b:
            raise Mismatch(f'{path}: {a!r} became {b!r}')
        return
    if ta is not tb:
        raise Mismatch(f'{path}: {ta.__name__} became {tb.__name__}')
    if ta is float:
        if not ((a != a and b != b) or (a == b and math.copysign(1, a) == math.copysign(1, b))):
            raise Mismatch(f'{path}: {a!r} became {b!r}')
        return
    if ta is complex:
        same(a.real, b.real, path + '.real', pairs, used)
        same(a.imag, b.imag, path + '.imag', pairs, used)
        return
    if ta is str:
        if norm(a) != norm(b):
            raise Mismatch(f'{path}: {a[:50]!r} became {b[:50]!r}')
        return
    if isinstance(a, MUTABLE):
        if id(a) in pairs:
            if pairs[id(a)] is not b:
                raise Mismatch(f'{path}: sharing differs (should be the object seen before)')
            return
        if id(b) in used:
            raise Mismatch(f'{path}: sharing differs (two objects became one)')
        pairs[id(a)] = b
        used.add(id(b))
    if ta in (list, tuple):
        if len(a) != len(b):
            raise Mismatch(f'{path}: length {len(a)} became {len(b)}')
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f'{path}[{i}]', pairs, used)
    elif ta is dict:
        if len(a) != len(b):
            raise Mismatch(f'{path}: {len(a)} keys became {len(b)}')
        others = {key(k): (k, v) for k, v in b.items()}
        for k, v in a.items():
            if key(k) not in others:
                raise Mismatch(f'{path}: key {k!r} is missing')
            kb, vb = others[key(k)]
            same(k, kb, f'{path} key {k!r}', pairs, used)
            same(v, vb, f'{path}[{k!r}]', pairs, used)
    elif ta in (set, frozenset):
        if {key(x) for x in a} != {key(x) for x in b}:
            raise Mismatch(f'{path}: set members differ')
    elif a != b and repr(a) != repr(b):  # repr: Decimal('NaN') is not equal to itself
        raise Mismatch(f'{path}: {a!r:.80} became {b!r:.80}')


for line in sys.stdin:
    request = json.loads(line)
    try:
        if 'original' in request:
            original = pickle.loads(base64.b64decode(request['original']))
        else:
            original = eval(request['expr'])
        buffers = [base64.b64decode(b) for b in request.get('buffers', [])]
        for i, candidate in enumerate(request['candidates']):
            loaded = pickle.loads(base64.b64decode(candidate), buffers=buffers or None)
            same(original, loaded, f'candidate {i}: $', {}, set())
        print(json.dumps({'ok': True}))
    except Exception as error:
        print(json.dumps({'ok': False, 'why': f'{type(error).__name__}: {error}'}))
    sys.stdout.flush()
