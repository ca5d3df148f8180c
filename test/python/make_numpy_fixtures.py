"""Writes test/fixtures/numpy.json: numpy arrays and scalars pickled by numpy
at protocols 2-5, with what they hold, so that loading them is tested without
numpy. Regenerate with a python3 that has numpy (Debian: /usr/bin/python3
after apt-get install python3-numpy): /usr/bin/python3 test/python/make_numpy_fixtures.py"""
import base64
import json
import os
import pickle

import numpy as np


def plain(x):
    """JSON for a number: ints as decimal strings (int64 may exceed 2**53), floats as repr."""
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, complex):
        return [repr(x.real), repr(x.imag)]
    return repr(float(x))


ARRAYS = {
    'float64 vector': np.arange(5, dtype='<f8') / 3,
    'float32 matrix': np.arange(6, dtype='<f4').reshape(2, 3),
    'int64 big values': np.array([2**62, -2**63, 7], dtype='<i8'),
    'int32 Fortran order': np.asfortranarray(np.arange(6, dtype='<i4').reshape(2, 3)),
    'uint8 3-d': np.arange(24, dtype='u1').reshape(2, 3, 4),
    'int16': np.array([-1, 2, -3], dtype='<i2'),
    'uint16': np.array([1, 65535], dtype='<u2'),
    'uint32': np.array([1, 2**32 - 1], dtype='<u4'),
    'uint64': np.array([2**64 - 1, 1], dtype='<u8'),
    'int8': np.array([-128, 127], dtype='i1'),
    'bool': np.array([True, False, True]),
    'empty': np.zeros((0, 3), dtype='<f8'),
    'big-endian float64': np.array([1.5, -2.0], dtype='>f8'),
}
SCALARS = {
    'float64': np.float64(1.5), 'float32': np.float32(0.25), 'int64': np.int64(-7), 'int64 beyond 2**53': np.int64(2**60),
    'uint8': np.uint8(200), 'bool': np.bool_(True), 'complex128': np.complex128(1 + 2j),
}

cases = []
for protocol in (2, 3, 4, 5):
    for name, a in ARRAYS.items():
        order = 'F' if a.flags.f_contiguous and not a.flags.c_contiguous else 'C'
        cases.append({
            'name': name, 'protocol': protocol, 'pickle': base64.b64encode(pickle.dumps(a, protocol=protocol)).decode(),
            'dtype': a.dtype.str, 'shape': list(a.shape), 'order': order,
            'data': [plain(x) for x in a.ravel(order='A')],
        })
    for name, s in SCALARS.items():
        value = complex(s) if isinstance(s, np.complexfloating) else s.item()
        cases.append({'name': f'scalar {name}', 'protocol': protocol, 'pickle': base64.b64encode(pickle.dumps(s, protocol=protocol)).decode(), 'scalar': plain(value)})

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, '..', 'fixtures', 'numpy.json'), 'w') as f:
    json.dump({'numpy': np.__version__, 'cases': cases}, f, indent=0)
    f.write('\n')
