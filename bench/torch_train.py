"""Shared by the PyTorch peers of the benches (bench/rul_torch.py, bench/cwru_torch.py): reading the
float32 files the TypeScript side wrote, and the mini-batch training loop (a seeded permutation per
epoch, Adam steps, seconds per epoch)."""
import time

import numpy as np
import torch


def load(d, name, shape):
    """DIR/NAME.f32 (little-endian float32, as the TypeScript side writes it) reshaped to `shape`."""
    return np.fromfile(f"{d}/{name}.f32", dtype=np.float32).reshape(shape)


def train(net, opt, loss_fn, xt, yt, epochs, batch_size, seed):
    """`epochs` passes over (xt, yt) in mini-batches of a fresh torch.randperm per epoch (generator seeded
    with `seed`); one `opt` step per batch on `loss_fn(net(x), y)`. Returns the seconds of each epoch."""
    g = torch.Generator().manual_seed(seed)
    epoch_s = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        net.train()
        perm = torch.randperm(len(xt), generator=g)
        for i in range(0, len(xt), batch_size):
            idx = perm[i : i + batch_size]
            opt.zero_grad()
            loss = loss_fn(net(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        epoch_s.append(time.perf_counter() - t0)
    return epoch_s
