"""PyTorch peer of bench/rul.bench.ts: the same Li et al. (2018) deep CNN and the same LSTM, trained on
the very windows the TypeScript side wrote (float32 files), with the same batch size, learning rate
(Adam), epochs, input and target standardisation. One thread (torch.set_num_threads(1)), like the
single-threaded wasm backend. Prints one JSON document: per model, test RMSE at the last cycle of each
test unit (clamped to [0, cap]), PHM08 score and seconds per epoch.

Usage: /usr/bin/python3 bench/rul_torch.py DIR   (DIR holds meta.json and the .f32 files; with
  meta.patience > 0 also valIdx.i32, the validation windows: early stopping as bench/rul.bench.ts says)
  RUL_TORCH_INIT=glorot   TF.js's initialisation instead of PyTorch's defaults
  RUL_TORCH_EPS=1e-8      Adam ε (PyTorch's default 1e-8; TF.js and shopfloor use 1e-7)
  RUL_TORCH_BIAS=two      one: each LSTM's b_hh folded into b_ih at initialisation and frozen, so every
                          gate has ONE trained bias as in TF.js/Keras (nn.LSTM trains both, whose sum then
                          moves up to twice as fast under Adam: both get the same gradient and update)
  RUL_TORCH_SEED          overrides meta.json's seed
"""
import json
import math
import os
import sys

import numpy as np
import torch
from torch import nn

from torch_train import load, train

torch.set_num_threads(1)


class DCNN(nn.Module):
    """Li, Ding & Sun 2018: 4 × Conv1d(10 filters, kernel 10, same, tanh), Conv1d(1, 3), FC 100 tanh."""

    def __init__(self, steps, features):
        super().__init__()
        layers = []
        c = features
        for _ in range(4):
            layers += [nn.Conv1d(c, 10, 10, padding="same"), nn.Tanh()]
            c = 10
        layers += [nn.Conv1d(10, 1, 3, padding="same"), nn.Tanh()]
        self.conv = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(steps, 100), nn.Tanh(), nn.Linear(100, 1))

    def forward(self, x):  # x: [b, steps, features]
        return self.head(self.conv(x.transpose(1, 2))).squeeze(-1)


class LSTMNet(nn.Module):
    """LSTM(64) → LSTM(32) (last step) → Dense 32 ReLU → linear, as shopfloor's LSTM({units: [64, 32], denseUnits: [32]})."""

    def __init__(self, features):
        super().__init__()
        self.l1 = nn.LSTM(features, 64, batch_first=True)
        self.l2 = nn.LSTM(64, 32, batch_first=True)
        self.head = nn.Sequential(nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 1))

    def forward(self, x):
        h, _ = self.l1(x)
        h, _ = self.l2(h)
        return self.head(h[:, -1, :]).squeeze(-1)


def glorot_init(net):
    """TF.js's initialisation instead of PyTorch's defaults: Glorot-uniform kernels, zero biases; LSTM
    Glorot-uniform input weights and orthogonal recurrent weights over all four gates, zero biases
    (tfjs-layers' defaults, unitForgetBias off)."""
    for mod in net.modules():
        if isinstance(mod, (nn.Conv1d, nn.Linear)):
            nn.init.xavier_uniform_(mod.weight)
            nn.init.zeros_(mod.bias)
        elif isinstance(mod, nn.LSTM):
            for pname, prm in mod.named_parameters():
                if pname.startswith("weight_ih"):
                    nn.init.xavier_uniform_(prm)
                elif pname.startswith("weight_hh"):
                    nn.init.orthogonal_(prm)
                else:
                    nn.init.zeros_(prm)


def one_bias(net):
    """One trained bias per LSTM gate, as TF.js/Keras: b_ih ← b_ih + b_hh (same function), b_hh ← 0, frozen."""
    for mod in net.modules():
        if isinstance(mod, nn.LSTM):
            with torch.no_grad():
                mod.bias_ih_l0.add_(mod.bias_hh_l0)
                mod.bias_hh_l0.zero_()
            mod.bias_hh_l0.requires_grad_(False)


def phm(y, p):
    d = p - y
    return float(np.sum(np.where(d < 0, np.exp(-d / 13) - 1, np.exp(d / 10) - 1)))


def main():
    d = sys.argv[1]
    meta = json.load(open(f"{d}/meta.json"))
    s, f = meta["steps"], meta["features"]
    xtr = load(d, "xtrain", (meta["nTrain"], s, f))
    ytr = load(d, "ytrain", (meta["nTrain"],))
    xte = load(d, "xtest", (meta["nTest"], s, f))
    yte = load(d, "ytest", (meta["nTest"],))
    # Early stopping (meta.patience > 0): the windows of the validation units (valIdx.i32, chosen by the
    # TypeScript side) are held out of training and only measure the validation loss per epoch.
    patience = int(meta.get("patience", 0))
    xva = yva = None
    if patience > 0:
        vi = np.fromfile(f"{d}/valIdx.i32", dtype=np.int32)
        keep = np.ones(len(xtr), dtype=bool)
        keep[vi] = False
        xva, yva = xtr[vi], ytr[vi]
        xtr, ytr = xtr[keep], ytr[keep]
    # Standardise inputs per feature and the target with training statistics (as NeuralEstimator does).
    mu = xtr.reshape(-1, f).mean(0)
    sd = xtr.reshape(-1, f).std(0)
    sd[sd < 1e-12] = 1
    xtr = (xtr - mu) / sd
    xte = (xte - mu) / sd
    ym, ys = float(ytr.mean()), float(ytr.std())
    val = None if xva is None else (torch.from_numpy((xva - mu) / sd), torch.from_numpy((yva - ym) / ys))
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "models": {}}
    seed = int(os.environ.get("RUL_TORCH_SEED", meta["seed"]))
    for name in meta["models"]:
        torch.manual_seed(seed)
        net = DCNN(s, f) if name == "cnn1d" else LSTMNet(f)
        if os.environ.get("RUL_TORCH_INIT") == "glorot":
            glorot_init(net)
        if os.environ.get("RUL_TORCH_BIAS", "two") == "one":
            one_bias(net)
        opt = torch.optim.Adam([q for q in net.parameters() if q.requires_grad], lr=meta["learningRate"], eps=float(os.environ.get("RUL_TORCH_EPS", "1e-8")))
        xt = torch.from_numpy(xtr)
        yt = torch.from_numpy((ytr - ym) / ys)
        fit = train(net, opt, lambda p, y: torch.mean((p - y) ** 2), xt, yt, meta["epochs"], meta["batchSize"], seed, val, patience)
        net.eval()
        with torch.no_grad():
            p = net(torch.from_numpy(xte)).numpy() * ys + ym
        p = np.clip(p, 0, meta["cap"])
        out["models"][name] = {
            "rmse": float(math.sqrt(np.mean((p - yte) ** 2))),
            "score": phm(yte, p),
            "secondsPerEpoch": float(np.median(fit["epoch_s"])),
            "epochs": fit["epochs"],
            "bestEpoch": fit["best_epoch"],
            "parameters": int(sum(q.numel() for q in net.parameters() if q.requires_grad)),
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
