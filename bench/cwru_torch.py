"""PyTorch peer of bench/cwru.bench.ts: the same WDCNN (Zhang et al. 2017, without batch norm, as
src/tasks/vibration/cnn.ts) trained on the very windows the TypeScript side wrote (float32 files),
with the same batch size, Adam learning rate, epochs (fixed, no early stopping), initialisers (He
uniform, zero biases, Glorot for the output) and input standardisation (training mean and standard
deviation). One thread (torch.set_num_threads(1)), like the single-threaded wasm backend. Also times
numpy's FFT on the same windows (the peer of shopfloor's radix-2 FFT). Prints one JSON document.

Usage: /usr/bin/python3 bench/cwru_torch.py DIR   (DIR holds meta.json and the .f32 files)
"""
import json
import sys
import time

import numpy as np
import torch
from torch import nn

from torch_train import load, train

torch.set_num_threads(1)


class WDCNN(nn.Module):
    """Conv(16, k64, s16, same) → pool 2 → [Conv(c, k3, same) → pool 2] × 3 → Conv(64, k3, valid) → pool 2 → FC 100 → k."""

    def __init__(self, window, classes, filters=(16, 32, 64, 64, 64), first_kernel=64, first_stride=16):
        super().__init__()
        out_len = -(-window // first_stride)
        pad_total = max((out_len - 1) * first_stride + first_kernel - window, 0)
        assert pad_total % 2 == 0, "asymmetric 'same' padding not mirrored here"
        layers = [nn.Conv1d(1, filters[0], first_kernel, stride=first_stride, padding=pad_total // 2), nn.ReLU(), nn.MaxPool1d(2)]
        length = out_len // 2
        c = filters[0]
        for i, f in enumerate(filters[1:]):
            last = i == len(filters) - 2
            layers += [nn.Conv1d(c, f, 3, padding=0 if last else 1), nn.ReLU(), nn.MaxPool1d(2)]
            length = ((length - 2) if last else length) // 2
            c = f
        self.conv = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(c * length, 100), nn.ReLU(), nn.Linear(100, classes))
        for m in self.modules():
            if isinstance(m, (nn.Conv1d, nn.Linear)):
                nn.init.kaiming_uniform_(m.weight, nonlinearity="relu")
                nn.init.zeros_(m.bias)
        nn.init.xavier_uniform_(self.head[-1].weight)

    def forward(self, x):  # x: [b, window]
        return self.head(self.conv(x.unsqueeze(1)))


def main():
    d = sys.argv[1]
    meta = json.load(open(f"{d}/meta.json"))
    w, k = meta["window"], meta["classes"]
    xtr = load(d, "xfit", (meta["nFit"], w))
    ytr = load(d, "yfit", (meta["nFit"],)).astype(np.int64)
    xte = load(d, "xtest", (meta["nTest"], w))
    yte = load(d, "ytest", (meta["nTest"],)).astype(np.int64)

    # FFT peer: numpy's rfft over every training window, as shopfloor's magnitudeSpectrum.
    t0 = time.perf_counter()
    reps = 3
    for _ in range(reps):
        for row in xtr:
            np.abs(np.fft.rfft(row.astype(np.float64)))
    fft_s = (time.perf_counter() - t0) / (reps * len(xtr))

    mu, sd = float(xtr.mean()), float(xtr.std())
    xtr = (xtr - mu) / sd
    xte = (xte - mu) / sd
    torch.manual_seed(meta["seed"])
    net = WDCNN(w, k)
    opt = torch.optim.Adam(net.parameters(), lr=meta["learningRate"])
    xt = torch.from_numpy(xtr)
    yt = torch.from_numpy(ytr)
    epoch_s = train(net, opt, nn.CrossEntropyLoss(), xt, yt, meta["epochs"], meta["batchSize"], meta["seed"])["epoch_s"]
    net.eval()
    with torch.no_grad():
        pred = net(torch.from_numpy(xte)).argmax(1).numpy()
    cm = np.zeros((k, k), dtype=int)
    for t, p in zip(yte, pred):
        cm[t, p] += 1
    rec = np.diag(cm) / np.maximum(cm.sum(1), 1)
    prec = np.diag(cm) / np.maximum(cm.sum(0), 1)
    f1 = np.where(prec + rec > 0, 2 * prec * rec / np.maximum(prec + rec, 1e-12), 0)
    print(
        json.dumps(
            {
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "wdcnn": {
                    "accuracy": float(np.trace(cm) / cm.sum()),
                    "macroF1": float(f1.mean()),
                    "confusion": cm.tolist(),
                    "secondsPerEpoch": float(np.median(epoch_s)),
                    "parameters": int(sum(q.numel() for q in net.parameters())),
                },
                "numpyFftMsPerWindow": fft_s * 1000,
            }
        )
    )


if __name__ == "__main__":
    main()
