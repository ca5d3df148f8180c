"""Writes the benchmark payloads: bench/payloads/<name>.p<protocol>.pickle,
pickled by this CPython, and manifest.json. Shapes follow pyperformance's
bm_pickle (a user-record dict with a datetime, a tuple of ints, a list of
lists, a dict of dicts) plus large ones. Seeded: the same files every run.

usage: python3 make_payloads.py OUT_DIR
"""
import datetime
import json
import os
import pickle
import random
import sys

rng = random.Random(42)

USER = {
    'ads_flags': 0,
    'age': 18,
    'bulletin_count': 0,
    'comment_count': 0,
    'country': 'BR',
    'encrypted_id': 'G9urXXAJwjE',
    'favorite_artists': ['Wolfmother', 'Foo Fighters', 'The White Stripes', 'Radiohead', 'Daft Punk', 'Coldplay', 'Muse'],
    'favorite_artists_count': 7,
    'gender': 'M',
    'gender_for_display': 'Male',
    'id': 302,
    'is_custom_profile_icon': 0,
    'last_updated': datetime.datetime(2009, 2, 25, 19, 42, 4),
    'location': 'Porto Alegre, RS',
    'name': 'Fulano de Tal',
    'nickname': 'fulano',
    'profile_pic': 'http://www.example.com/profile/302.jpg',
    'profile_url': 'http://www.example.com/fulano',
    'status': 'Olá, como vai?',
    'zipcode': '90030-000',
}


def record(i):
    return {
        'id': i,
        'name': f'user{i}',
        'email': f'user{i}@example.com',
        'score': rng.random() * 100,
        'active': i % 3 != 0,
        'tags': ['alpha', 'beta'] if i % 2 else ['gamma'],
        'created': f'2026-01-{1 + i % 28:02d}T12:00:00',
    }


def mixed_int():
    bits = rng.choice([6, 14, 30, 40, 62])
    return rng.randrange(-2**bits, 2**bits)


def some_string(i):
    return f'string number {i}' if i % 5 else f'chaîne numéro {i} — ü'


PAYLOADS = {
    # name: (value, [protocols], note)
    'bm_dict': (USER, 'user-record dict with a datetime (bm_pickle DICT)'),
    'bm_tuple': ((tuple(rng.randrange(2**28) for _ in range(20)), 60), 'tuple of 20 ints (bm_pickle TUPLE)'),
    # the same shape at the top of the pickle (V8 once left this load unoptimized: 5 µs, not 1)
    'tuple_top': (tuple(random.Random(7).randrange(2**28) for _ in range(20)), 'tuple of 20 ints at the top'),
    'bm_dict_group': ([dict(USER, id=i, age=18 + i) for i in range(3)], '3 user records (bm_pickle DICT_GROUP)'),
    'list_of_lists': ([[list(range(10)) for _ in range(10)] for _ in range(10)], 'list of lists (bm_pickle pickle_list)'),
    'dict_of_dicts': ({i: {j: j for j in range(10)} for i in range(100)}, '100 dicts of 10 int keys (bm_pickle pickle_dict)'),
    'records_100k': ([record(i) for i in range(100_000)], '100k record dicts (7 fields)'),
    'floats_1m': ([rng.random() * 1e6 for _ in range(1_000_000)], '1M floats'),
    'ints_1m': ([mixed_int() for _ in range(1_000_000)], '1M ints (mixed sizes)'),
    'strings_200k': ([some_string(i) for i in range(200_000)], '200k strings (some non-ASCII)'),
    'bytes_64m': (os.urandom(64 * 1024 * 1024), '64 MiB bytes'),
}
PROTOCOLS = (5, 2)


def json_equivalent(value):
    """The same data as JSON can hold it (for msgpackr and JSON.parse): datetimes as text, tuples as lists, keys as str."""
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [json_equivalent(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_equivalent(v) for k, v in value.items()}
    return value


def json_exact(value):
    """Does JSON.parse give back the value's numbers? Not an int beyond 2^53 - 1 either way: it reads the nearest double."""
    if isinstance(value, int) and not isinstance(value, bool):
        return abs(value) < 2**53
    if isinstance(value, (list, tuple)):
        return all(json_exact(v) for v in value)
    if isinstance(value, dict):
        return all(json_exact(v) for v in value.values())
    return True


out = sys.argv[1]
os.makedirs(out, exist_ok=True)
manifest = []
for name, (value, note) in PAYLOADS.items():
    if not isinstance(value, bytes):
        with open(os.path.join(out, f'{name}.json'), 'w') as f:
            json.dump(json_equivalent(value), f)
    for protocol in PROTOCOLS:
        file = f'{name}.p{protocol}.pickle'
        data = pickle.dumps(value, protocol=protocol)
        with open(os.path.join(out, file), 'wb') as f:
            f.write(data)
        manifest.append({'name': name, 'protocol': protocol, 'file': file, 'bytes': len(data), 'note': note,
                         'json': None if isinstance(value, bytes) else f'{name}.json',
                         'json_exact': None if isinstance(value, bytes) else json_exact(value)})
with open(os.path.join(out, 'manifest.json'), 'w') as f:
    json.dump(manifest, f, indent=1)
