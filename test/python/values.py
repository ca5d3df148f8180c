"""Seeded random Python values for the cross-language tests, and `describe`,
which writes a value as JSON that test/helpers/compare.mjs checks a loaded JS
value against: exact ints and float bits, str with lone surrogates, types
(tuple vs list, bytes vs bytearray, set vs frozenset) and object identity
(mutable containers are numbered in first-visit order; later visits are refs).
"""
import random
import struct

INT_EDGES = [0, 1, -1, 255, 256, -256, 65535, 65536, 2**31 - 1, -2**31, 2**31, 2**32,
             2**53 - 1, -(2**53 - 1), 2**53, -2**53, 2**53 + 1, 2**63 - 1, -2**63, 2**63,
             2**64, -2**64, 10**30, -10**30, 2**1000]
FLOAT_EDGES = [0.0, -0.0, 1.0, -1.5, 0.1, 1e-300, 5e-324, 1.7976931348623157e308,
               float('inf'), float('-inf'), float('nan'), 2.0**53, 2.0**64, 1e22, 1e23, 123456.789]
STR_EDGES = ['', 'a', 'é', '日本語', '\U0001f600', 'a\ud800b', '\udfff', '\ud83d\ude00',
             'x' * 255, 'x' * 256, 'y' * 257, 'é' * 200, '\x00\n\r\\\x1a', 'line\nbreak',
             '\u20ac' * 100 + '\ud800', "quote'\"", 'A' * 70000]


def random_int(rng):
    if rng.random() < 0.5:
        return rng.choice(INT_EDGES)
    bits = rng.choice([7, 15, 31, 52, 60, 64, 100, 300])
    return rng.randrange(-2**bits, 2**bits)


def random_float(rng):
    if rng.random() < 0.5:
        return rng.choice(FLOAT_EDGES)
    return struct.unpack('>d', rng.getrandbits(64).to_bytes(8, 'big'))[0]


def random_str(rng, key=False):
    """A str; for keys (set members, dict keys) none that spells a surrogate pair
    with two lone surrogates: JS strings cannot tell those from the astral
    character, so two such keys would be one in JS (see the README)."""
    if rng.random() < 0.5:
        edge = rng.choice(STR_EDGES)
        return edge if not key or edge not in ('\ud83d\ude00', '\U0001f600') else 'pair'
    alphabets = ['abc xyz', 'aé€\U0001f600', ''.join(map(chr, range(32, 127)))]
    alphabet = rng.choice(alphabets if key else alphabets + ['a\ud800\udc00z'])
    return ''.join(rng.choice(alphabet) for _ in range(rng.choice([0, 1, 5, 40, 300])))


def random_bytes(rng):
    return bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 1, 3, 255, 256, 1000])))


def random_key(rng, depth):
    kind = rng.choice(['str', 'str', 'str', 'int', 'float', 'bytes', 'tuple', 'none', 'bool', 'frozenset', 'complex'])
    if kind == 'str':
        return random_str(rng, key=True)[:50]
    if kind == 'int':
        return random_int(rng)
    if kind == 'float':
        return rng.choice([0.5, -2.25, float('inf'), 1e100])
    if kind == 'bytes':
        return random_bytes(rng)[:10]
    if kind == 'tuple':
        return tuple(random_key(rng, depth + 1) for _ in range(rng.randrange(3))) if depth < 3 else ()
    if kind == 'frozenset':
        return frozenset(random_str(rng, key=True)[:5] for _ in range(rng.randrange(3)))
    if kind == 'complex':
        return complex(rng.choice([0.0, 1.5]), rng.choice([-1.0, 2.0]))
    return None if kind == 'none' else rng.random() < 0.5


def random_value(rng, depth=0, shared=None):
    """A random value; `shared` holds mutable containers made so far, for shared references and cycles."""
    if shared is None:
        shared = []
    scalar = ['none', 'bool', 'int', 'int', 'float', 'float', 'str', 'str', 'bytes', 'bytearray', 'complex']
    containers = ['list', 'tuple', 'dict', 'dict_mixed', 'set', 'frozenset', 'shared', 'cycle']
    kind = rng.choice(scalar + (containers * 2 if depth < 4 else []))
    if kind == 'none':
        return None
    if kind == 'bool':
        return rng.random() < 0.5
    if kind == 'int':
        return random_int(rng)
    if kind == 'float':
        return random_float(rng)
    if kind == 'str':
        return random_str(rng)
    if kind == 'bytes':
        return random_bytes(rng)
    if kind == 'bytearray':
        value = bytearray(random_bytes(rng))
        shared.append(value)
        return value
    if kind == 'complex':
        return complex(random_float(rng), random_float(rng))
    size = rng.choice([0, 1, 2, 3, 5, 8])
    if kind == 'shared':
        return rng.choice(shared) if shared else []
    if kind == 'cycle':
        outer = []
        shared.append(outer)
        outer.append({'self': outer, 'n': rng.randrange(10)})
        return outer
    if kind == 'list':
        value = []
        shared.append(value)
        value.extend(random_value(rng, depth + 1, shared) for _ in range(size))
        return value
    if kind == 'tuple':
        return tuple(random_value(rng, depth + 1, shared) for _ in range(size))
    if kind in ('dict', 'dict_mixed'):
        value = {}
        shared.append(value)
        for _ in range(size):
            key = random_key(rng, depth) if kind == 'dict_mixed' else random_str(rng, key=True)[:30]
            value[key] = random_value(rng, depth + 1, shared)
        return value
    if kind == 'set':
        value = set(random_key(rng, depth) for _ in range(size))
        shared.append(value)
        return value
    return frozenset(random_key(rng, depth) for _ in range(size))


def float_bits(x):
    return 'nan' if x != x else struct.pack('>d', x).hex()


def describe(value, ids=None):
    if ids is None:
        ids = {}
    t = type(value)
    if value is None:
        return ['none']
    if t is bool:
        return ['bool', value]
    if t is int:
        return ['int', str(value)]
    if t is float:
        return ['float', float_bits(value)]
    if t is complex:
        return ['complex', float_bits(value.real), float_bits(value.imag)]
    if t is str:
        return ['str', value]
    if t is bytes:
        return ['bytes', value.hex()]
    if t is tuple:
        return ['tuple', [describe(item, ids) for item in value]]
    if t is frozenset:
        return ['frozenset', [describe(item, ids) for item in value]]
    if id(value) in ids:
        return ['ref', ids[id(value)]]
    ids[id(value)] = n = len(ids)
    if t is bytearray:
        return ['bytearray', n, value.hex()]
    if t is list:
        return ['list', n, [describe(item, ids) for item in value]]
    if t is set:
        return ['set', n, [describe(item, ids) for item in value]]
    if t is dict:
        return ['dict', n, [[describe(k, ids), describe(v, ids)] for k, v in value.items()]]
    raise TypeError(f'cannot describe {t.__name__}')


def cases(seed, count, protocols=range(6)):
    """(protocol, pickle bytes, description) for `count` random values per protocol."""
    import pickle
    for protocol in protocols:
        rng = random.Random(f'{seed}-{protocol}')
        for _ in range(count):
            value = random_value(rng)
            yield protocol, pickle.dumps(value, protocol=protocol), describe(value)
