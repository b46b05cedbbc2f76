#!/usr/bin/python3
"""D-PSGD on a ring written as a plain PyTorch loop: the baseline for
`murmur bench dpsgd` with the same TorchScript model.

One model copy per agent, a loop over agents doing forward, backward and an
SGD step on its own Fashion-MNIST batch, then every agent averages its model
with its two ring neighbours (weights 1/3). Prints microseconds per
agent-round, best of --repeat timed runs (the machine may be shared: the
fastest run is the least disturbed). Needs only Debian's python3-torch and
dataset-fashion-mnist:

    /usr/bin/python3 experiments/models/pytorch_loop.py \
        experiments/models/lenet5.pt --agents 64 --batch 32 --threads 2
"""
import argparse
import gzip
import time

import numpy as np
import torch

DATA = "/usr/share/datasets/fashion-mnist/"


def read_idx(name, offset):
    with gzip.open(DATA + name) as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def fashion_mnist():
    x = read_idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28)
    y = read_idx("train-labels-idx1-ubyte.gz", 8)
    return (torch.from_numpy(x.astype(np.float32) / 255),
            torch.from_numpy(y.astype(np.int64)))


def run(path, x, y, agents, batch, rounds, lr, seed):
    """Seconds of `rounds` D-PSGD rounds (loading and set-up not timed)."""
    torch.manual_seed(seed)
    models = [torch.jit.load(path) for _ in range(agents)]
    optimizers = [torch.optim.SGD(m.parameters(), lr=lr) for m in models]
    shards = torch.randperm(len(y)).chunk(agents)  # iid split
    loss_fn = torch.nn.CrossEntropyLoss()
    start = time.perf_counter()
    for _ in range(rounds):
        for model, opt, shard in zip(models, optimizers, shards):
            rows = shard[torch.randint(len(shard), (batch,))]
            opt.zero_grad()
            loss_fn(model(x[rows]), y[rows]).backward()
            opt.step()
        with torch.no_grad():
            params = [list(m.parameters()) for m in models]
            mixed = [[(params[i - 1][k] + params[i][k] +
                       params[(i + 1) % agents][k]) / 3
                      for k in range(len(params[i]))]
                     for i in range(agents)]
            for own, new in zip(params, mixed):
                for p, q in zip(own, new):
                    p.copy_(q)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", help="TorchScript file, e.g. lenet5.pt")
    parser.add_argument("--agents", type=int, default=64)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--lr", type=float, default=0.05)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    x, y = fashion_mnist()
    times = [run(args.model, x, y, args.agents, args.batch, args.rounds,
                 args.lr, seed) for seed in range(args.repeat)]
    per = [t / (args.rounds * args.agents) * 1e6 for t in times]
    print(f"pytorch loop: {args.agents} agents, {args.threads} threads, "
          f"batch {args.batch}, {args.rounds} rounds, best of {args.repeat}: "
          f"{min(per):.0f} us per agent-round (runs: "
          + " ".join(f"{p:.0f}" for p in per) + ")")


if __name__ == "__main__":
    main()
