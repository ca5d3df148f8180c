"""Times CPython's C pickle (_pickle) on payload files, the way the JS side is
timed: median of repeated runs, in microseconds.

usage: python3 cpython.py DIR FILE... ; prints JSON {file: {loads_us, dumps_us,
loads_faults, dumps_faults}}, the faults being minor page faults per call.
"""
import json
import os
import pickle
import resource
import statistics
import sys
import time

assert pickle.Pickler.__module__ == '_pickle', 'the C accelerator is not in use'


def median_us(fn, budget=1.0, min_runs=5, max_runs=1000):
    """Median time of fn() in µs, and minor page faults per call: runs it in batches sized to ~10 ms, for about `budget` seconds."""
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    start = time.perf_counter()
    fn()
    once = time.perf_counter() - start
    batch = max(1, int(0.01 / max(once, 1e-9)))
    samples = []
    deadline = time.perf_counter() + budget
    while len(samples) < min_runs or (time.perf_counter() < deadline and len(samples) < max_runs):
        t0 = time.perf_counter()
        for _ in range(batch):
            fn()
        samples.append((time.perf_counter() - t0) / batch)
    calls = 1 + batch * len(samples)
    return statistics.median(samples) * 1e6, (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults) / calls


directory, files = sys.argv[1], sys.argv[2:]
budget = float(os.environ.get('BENCH_SECONDS', '1'))
results = {}
for file in files:
    with open(os.path.join(directory, file), 'rb') as f:
        data = f.read()
    value = pickle.loads(data)
    protocol = data[1] if data[:1] == b'\x80' else 0
    loads_us, loads_faults = median_us(lambda: pickle.loads(data), budget)
    dumps_us, dumps_faults = median_us(lambda: pickle.dumps(value, protocol=protocol), budget)
    results[file] = {'loads_us': loads_us, 'dumps_us': dumps_us, 'loads_faults': loads_faults, 'dumps_faults': dumps_faults}
    print(f'  cpython {file}', file=sys.stderr, flush=True)
print(json.dumps(results))
