"""Peer measurement for bench/csv.bench.ts: pandas.read_csv on the same file, in a fresh process.
Usage: python3 csv_pandas.py whole|stream FILE [whitespace] ; prints one JSON line."""
import json, resource, sys, time
import pandas as pd

mode, path = sys.argv[1], sys.argv[2]
ws = len(sys.argv) > 3 and sys.argv[3] == 'whitespace'
kw = dict(sep=r'\s+', header=None) if ws else {}
t0 = time.perf_counter()
rows = cols = 0
checksum = 0.0
if mode == 'whole':
    df = pd.read_csv(path, **kw)
    rows, cols = df.shape
    last = df.iloc[:, -1]
    checksum = float(last.sum()) if last.dtype.kind in 'fi' else 0.0
else:
    for df in pd.read_csv(path, chunksize=65536, **kw):
        rows += df.shape[0]
        cols = df.shape[1]
        last = df.iloc[:, -1]
        checksum += float(last.sum()) if last.dtype.kind in 'fi' else 0.0
sec = time.perf_counter() - t0
print(json.dumps({"mode": mode, "seconds": sec, "rows": int(rows), "cols": int(cols), "checksum": checksum,
                  "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
