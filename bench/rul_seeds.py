"""Summarise a seed sweep of bench/rul.bench.ts against bench/rul_torch.py: per seed and model, our test
RMSE next to PyTorch's, then the mean of each side, the paired difference (ours − PyTorch) with its
standard deviation and standard error, how many seeds ours is lower on, and a two-sided exact sign-flip
permutation p-value of the mean difference (all 2^n sign patterns; no distribution assumed).

Usage: python3 bench/rul_seeds.py DIR [DIR …]
  Each DIR holds ours-SEED.json (rul.bench.ts with RUL_BENCH_PEER=0 RUL_BENCH_RESULT=DIR/ours-SEED.json)
  and torch-SEED.json (RUL_TORCH_SEED=SEED python3 bench/rul_torch.py WINDOW_DIR > DIR/torch-SEED.json);
  seeds present on both sides only.
"""
import glob
import itertools
import json
import math
import os
import re
import sys


def read(dirs, prefix, models_of):
    """{model: {seed: result}} from every DIR/PREFIX-SEED.json; `models_of(doc)` gives (model, result)
    pairs. Files that are empty or not yet complete (a run still going) are skipped."""
    found = {}
    for d in dirs:
        for f in glob.glob(os.path.join(d, f"{prefix}-*.json")):
            seed = int(re.search(rf"{prefix}-(\d+)\.json$", f).group(1))
            try:
                pairs = list(models_of(json.load(open(f))))
            except (ValueError, KeyError):
                continue
            for m, v in pairs:
                found.setdefault(m, {})[seed] = v
    return found


def main():
    ours = read(sys.argv[1:], "ours", lambda doc: ((r["model"], r["shopfloor"]) for r in doc["rows"]))
    torch = read(sys.argv[1:], "torch", lambda doc: doc["models"].items())
    out = {}
    for model in sorted(ours):
        seeds = sorted(set(ours[model]) & set(torch.get(model, {})))
        if not seeds:
            continue
        a = [ours[model][s]["rmse"] for s in seeds]
        b = [torch[model][s]["rmse"] for s in seeds]
        d = [x - y for x, y in zip(a, b)]
        n = len(d)
        mean = sum(d) / n
        sd = math.sqrt(sum((x - mean) ** 2 for x in d) / (n - 1)) if n > 1 else float("nan")
        # exact two-sided sign-flip permutation test of the mean difference
        hits = sum(1 for signs in itertools.product((1, -1), repeat=n) if abs(sum(s * x for s, x in zip(signs, d))) >= abs(sum(d)) - 1e-12)
        print(f"\n{model}: {n} seeds")
        print("seed | shopfloor | PyTorch | difference | shopfloor epochs (best) | PyTorch epochs (best)")
        for s, x, y in zip(seeds, a, b):
            eo, et = ours[model][s], torch[model][s]
            print(f"{s} | {x:.2f} | {y:.2f} | {x - y:+.2f} | {eo.get('epochs', '-')} ({eo.get('bestEpoch', '-')}) | {et.get('epochs', '-')} ({et.get('bestEpoch', '-')})")
        print(f"mean | {sum(a) / n:.2f} | {sum(b) / n:.2f} | {mean:+.2f} (sd {sd:.2f}, se {sd / math.sqrt(n):.2f}) | ours lower on {sum(x < 0 for x in d)} of {n} | sign-flip p = {hits / 2 ** n:.3f}")
        out[model] = {"seeds": seeds, "shopfloor": a, "pytorch": b, "meanDiff": mean, "sd": sd, "se": sd / math.sqrt(n), "oursLower": sum(x < 0 for x in d), "p": hits / 2 ** n}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
