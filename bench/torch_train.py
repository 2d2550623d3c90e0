"""Shared by the PyTorch peers of the benches (bench/rul_torch.py, bench/cwru_torch.py): reading the
float32 files the TypeScript side wrote, and the mini-batch training loop (a seeded permutation per
epoch, Adam steps, seconds per epoch; optionally early stopping on a validation set as shopfloor's
NeuralEstimator does it)."""
import copy
import time

import numpy as np
import torch


def load(d, name, shape):
    """DIR/NAME.f32 (little-endian float32, as the TypeScript side writes it) reshaped to `shape`."""
    return np.fromfile(f"{d}/{name}.f32", dtype=np.float32).reshape(shape)


def train(net, opt, loss_fn, xt, yt, epochs, batch_size, seed, val=None, patience=0):
    """Up to `epochs` passes over (xt, yt) in mini-batches of a fresh torch.randperm per epoch (generator
    seeded with `seed`); one `opt` step per batch on `loss_fn(net(x), y)`.

    With `val` = (xv, yv) and `patience` > 0, early stopping as shopfloor's NeuralEstimator: after each
    epoch the validation loss (`loss_fn` on the whole set, eval mode); an epoch improves when it is
    strictly lower than the best so far; training stops once `patience` epochs passed without one, and
    the best epoch's weights are restored.

    Returns {"epoch_s": seconds per epoch, "epochs": epochs run, "best_epoch": 1-based epoch kept}."""
    g = torch.Generator().manual_seed(seed)
    epoch_s = []
    best, best_epoch, best_state = float("inf"), -1, None
    for epoch in range(epochs):
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
        if val is None or patience <= 0:
            best_epoch = epoch
            continue
        net.eval()
        with torch.no_grad():
            vl = float(loss_fn(net(val[0]), val[1]))
        if vl < best:
            best, best_epoch, best_state = vl, epoch, copy.deepcopy(net.state_dict())
        elif epoch - best_epoch >= patience:
            break
    if best_state is not None and best_epoch < len(epoch_s) - 1:
        net.load_state_dict(best_state)
    return {"epoch_s": epoch_s, "epochs": len(epoch_s), "best_epoch": best_epoch + 1}
