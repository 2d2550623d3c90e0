"""PyTorch side of bench/lstm-parity.ts: the same LSTM(64) → LSTM(32) → Dense 32 ReLU → linear with the
weights the TypeScript side exported (tfjs kernels [in, 4H] transposed to PyTorch's [4H, in]; the gate
order i, f, g(=c), o is the same) — or, when meta.json says model cnn1d, bench/rul_torch.py's DCNN (tfjs
conv kernels [k, in, out] transposed to PyTorch's [out, in, k], dense [in, out] to [out, in]) — trained on the same standardised windows in the same mini-batch order
(perm.i32). Compares the first batch's gradient per parameter, per-step and per-epoch losses, and the
test RMSE with ours.json.

  /usr/bin/python3 bench/lstm_parity.py DIR
    PARITY_TORCH_EPS=1e-8     Adam ε
    PARITY_TORCH_BIAS=one     one: b_hh fixed at 0 (exactly our single bias); two: b_ih and b_hh both
                              trained (PyTorch's nn.LSTM: the effective bias moves twice as fast)
    PARITY_TORCH_DOUBLE=0     1: float64 (a reference for float32 rounding on both sides)
    PARITY_TORCH_EPOCHS       train only this many epochs (≤ ours; the comparison covers those)
    PARITY_TORCH_OUT=torch    results go to DIR/<name>.json; PARITY_TORCH_VS=name also compares the
                              steps with an earlier run's (e.g. float32 against float64)
  Re-runnable on its own once bench/lstm-parity.ts has written DIR.
"""
import json
import math
import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rul_torch import DCNN  # noqa: E402

torch.set_num_threads(1)


class Net(nn.Module):
    def __init__(self, f):
        super().__init__()
        self.l1 = nn.LSTM(f, 64, batch_first=True)
        self.l2 = nn.LSTM(64, 32, batch_first=True)
        self.d1 = nn.Linear(32, 32)
        self.d2 = nn.Linear(32, 1)

    def forward(self, x):
        h, _ = self.l1(x)
        h, _ = self.l2(h)
        return self.d2(torch.relu(self.d1(h[:, -1, :]))).squeeze(-1)


def rel(a, b):
    """max |a − b| / max(|b|, 1e-3 · max|b|) (the same measure as the kernel tests: error over the scale)."""
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-12))


def main():
    d = sys.argv[1]
    meta = json.load(open(f"{d}/meta.json"))
    ours = json.load(open(f"{d}/ours.json"))
    n, s, f = meta["n"], meta["steps"], meta["features"]
    dt = torch.float64 if os.environ.get("PARITY_TORCH_DOUBLE") == "1" else torch.float32
    eps = float(os.environ.get("PARITY_TORCH_EPS", "1e-8"))
    two = os.environ.get("PARITY_TORCH_BIAS", "one") == "two"
    x = torch.from_numpy(np.fromfile(f"{d}/x.f32", dtype=np.float32).reshape(n, s, f)).to(dt)
    y = torch.from_numpy(np.fromfile(f"{d}/y.f32", dtype=np.float32)).to(dt)
    xt = torch.from_numpy(np.fromfile(f"{d}/xtest.f32", dtype=np.float32).reshape(meta["nTest"], s, f)).to(dt)
    yt = np.fromfile(f"{d}/ytest.f32", dtype=np.float32)
    perm = torch.from_numpy(np.fromfile(f"{d}/perm.i32", dtype=np.int32).astype(np.int64)).reshape(meta["epochs"], n)
    w = [np.fromfile(f"{d}/w{i}.f32", dtype=np.float32).reshape(sh) for i, sh in enumerate(meta["shapes"])]
    g_ours = [np.fromfile(f"{d}/g{i}.f32", dtype=np.float32).reshape(sh) for i, sh in enumerate(meta["shapes"])]
    cnn = meta.get("model", "lstm") == "cnn1d"
    if cnn:
        # ours: [conv kernel, bias] × 5, [dense kernel, bias] × 2 — the order of the DCNN's parameters;
        # .T reverses every axis: [k, in, out] → [out, in, k], [in, out] → [out, in]
        net = DCNN(s, f).to(dt)
        pairs = [(p, p.dim() > 1) for p in net.parameters()]
        names = [f"conv{i // 2 + 1}.{'kernel' if i % 2 == 0 else 'bias'}" for i in range(10)] + ["d1.kernel", "d1.bias", "d2.kernel", "d2.bias"]
    else:
        net = Net(f).to(dt)
        # ours: [lstm1 kernel, recurrent, bias, lstm2 kernel, recurrent, bias, dense1 kernel, bias, dense2 kernel, bias]
        # torch pairs each with (parameter, transform from ours)
        pairs = [
            (net.l1.weight_ih_l0, True), (net.l1.weight_hh_l0, True), (net.l1.bias_ih_l0, False),
            (net.l2.weight_ih_l0, True), (net.l2.weight_hh_l0, True), (net.l2.bias_ih_l0, False),
            (net.d1.weight, True), (net.d1.bias, False), (net.d2.weight, True), (net.d2.bias, False),
        ]
        names = ["l1.kernel", "l1.recurrent", "l1.bias", "l2.kernel", "l2.recurrent", "l2.bias", "d1.kernel", "d1.bias", "d2.kernel", "d2.bias"]
    assert len(pairs) == len(w), f"{len(w)} exported tensors for {len(pairs)} parameters"
    with torch.no_grad():
        for (p, tr), a in zip(pairs, w):
            p.copy_(torch.from_numpy(a.T.copy() if tr else a).to(dt))
        if not cnn:
            net.l1.bias_hh_l0.zero_()
            net.l2.bias_hh_l0.zero_()
    if not cnn and not two:
        net.l1.bias_hh_l0.requires_grad_(False)
        net.l2.bias_hh_l0.requires_grad_(False)
    B = meta["batch"]
    # gradient of the first batch
    idx = perm[0, :B]
    net.zero_grad()
    loss0 = torch.mean((net(x[idx]) - y[idx]) ** 2)
    loss0.backward()
    print(f"first batch loss: torch {loss0.item():.8f}, ours {json.load(open(f'{d}/grad0.json'))['loss']:.8f}")
    for name, (p, tr), g in zip(names, pairs, g_ours):
        gt = p.grad.detach().numpy().astype(np.float64)
        gt = gt.T if tr else gt
        e = rel(g.astype(np.float64), gt)
        # per gate for the LSTM tensors (last axis 4H in ours)
        gates = ""
        if not cnn and (name.startswith("l") and not name.endswith("bias") or name.endswith("l1.bias") or name.endswith("l2.bias")):
            H = g.shape[-1] // 4
            gates = "  gates i f c o: " + " ".join(f"{rel(g[..., k * H:(k + 1) * H].astype(np.float64), gt[..., k * H:(k + 1) * H]):.1e}" for k in range(4))
        print(f"  grad {name:13s} max|g| {np.max(np.abs(gt)):.3e}  rel err {e:.2e}{gates}")
    opt = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=meta["lr"], eps=eps)
    steps, epochs = [], []
    n_epochs = min(meta["epochs"], int(os.environ.get("PARITY_TORCH_EPOCHS", meta["epochs"])))
    for e in range(n_epochs):
        total = 0.0
        for i in range(0, n, B):
            idx = perm[e, i : i + B]
            opt.zero_grad()
            loss = torch.mean((net(x[idx]) - y[idx]) ** 2)
            loss.backward()
            opt.step()
            steps.append(loss.item())
            total += loss.item() * len(idx)
        epochs.append(total / n)
    net.eval()
    with torch.no_grad():
        p = net(xt).numpy().astype(np.float64) * meta["ysd"] + meta["ym"]
    p = np.clip(p, 0, meta["cap"])
    rmse = math.sqrt(np.mean((p - yt) ** 2))
    st = np.array(steps)
    so = np.array(ours["steps"])[: len(st)]
    r = np.abs(so - st) / np.abs(st)
    print(f"torch: ε {eps}, {'' if cnn else 'bias ' + ('two' if two else 'one') + ', '}{'float64' if dt == torch.float64 else 'float32'}")
    for k in [0, 1, 2, 5, 10, 20, 50, 69, 100, 200, 500, 1000, 2000, len(st) - 1]:
        if k < len(st):
            print(f"  step {k:5d}: ours {so[k]:.7f} torch {st[k]:.7f} rel {r[k]:.1e}")
    first = np.argmax(r > 1e-3) if np.any(r > 1e-3) else -1
    print(f"  first step with rel diff > 1e-3: {first}")
    for e, (a, b) in enumerate(zip(ours["epochs"], epochs)):
        print(f"  epoch {e + 1:2d}: ours {a:.6f} torch {b:.6f} rel {abs(a - b) / b:.1e}")
    if n_epochs == meta["epochs"]:
        print(f"test RMSE: ours {ours['rmse']:.3f} torch {rmse:.3f}")
    vs = os.environ.get("PARITY_TORCH_VS")
    if vs:
        sv = np.array(json.load(open(f"{d}/{vs}.json"))["steps"])
        k = min(len(sv), len(st))
        rv = np.abs(st[:k] - sv[:k]) / np.abs(sv[:k])
        first = np.argmax(rv > 1e-3) if np.any(rv > 1e-3) else -1
        print(f"  against {vs}: first step with rel diff > 1e-3: {first}; at steps 50/100/200: " + " ".join(f"{rv[j]:.1e}" for j in [50, 100, 200] if j < k))
    json.dump({"steps": steps, "epochs": epochs, "rmse": rmse}, open(f"{d}/{os.environ.get('PARITY_TORCH_OUT', 'torch')}.json", "w"))


if __name__ == "__main__":
    main()
