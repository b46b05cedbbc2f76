#!/usr/bin/python3
"""Writes murmur's example TorchScript models (model.kind = "torchscript").

Each module is built layer for layer like the native model named beside it,
so its parameters, in Module.parameters() order, have the native layout:
murmur's tests load both and compare losses and gradients. Needs only
Debian's python3-torch:

    /usr/bin/python3 experiments/models/write_models.py            # examples
    /usr/bin/python3 experiments/models/write_models.py --fixtures # tests'

The examples go beside this script, the test fixtures (small modules for
every native layer kind, and modules murmur must refuse) to
tests/fixtures/torchscript/.
"""
import argparse
import pathlib

import torch
from torch import nn


class Residual(nn.Module):
    """body(x) + shortcut(x), parameters body first: murmur's residual."""

    def __init__(self, body, shortcut=None):
        super().__init__()
        self.body = body
        self.shortcut = shortcut if shortcut is not None else nn.Identity()

    def forward(self, x):
        return self.body(x) + self.shortcut(x)


def mlp(inputs, hidden, classes, image=True):
    """model.kind = "mlp" (hidden = [] is "softmax")."""
    layers = [nn.Flatten()] if image else []
    for width in hidden:
        layers += [nn.Linear(inputs, width), nn.ReLU()]
        inputs = width
    return nn.Sequential(*layers, nn.Linear(inputs, classes))


def lenet5(classes=10):
    """model.kind = "lenet5"."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, classes))


def conv_gn(cin, cout, kernel, stride, padding):
    return [nn.Conv2d(cin, cout, kernel, stride, padding, bias=False),
            nn.GroupNorm(4, cout)]


def basic_block(cin, cout, stride):
    body = nn.Sequential(*conv_gn(cin, cout, 3, stride, 1), nn.ReLU(),
                         *conv_gn(cout, cout, 3, 1, 1))
    shortcut = None
    if stride != 1 or cin != cout:
        shortcut = nn.Sequential(*conv_gn(cin, cout, 1, stride, 0))
    return [Residual(body, shortcut), nn.ReLU()]


def resnet8_gn(classes=10):
    """model.kind = "resnet8-gn" for 28x28 inputs."""
    return nn.Sequential(
        *conv_gn(1, 16, 3, 1, 1), nn.ReLU(), *basic_block(16, 16, 1),
        *basic_block(16, 32, 2), *basic_block(32, 64, 2), nn.AvgPool2d(7),
        nn.Flatten(), nn.Linear(64, classes))


def zoo(classes=10):
    """What the presets leave out: a strided biasless convolution, pooling
    with stride != kernel, a biasless linear. tests/torchscript_test.cpp
    spells out the same layers natively."""
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, stride=2, padding=1, bias=False),
        nn.GroupNorm(2, 4), nn.ReLU(), nn.MaxPool2d(3, stride=2),
        nn.AvgPool2d(2, stride=1), nn.Flatten(),
        nn.Linear(100, 12, bias=False), nn.ReLU(), nn.Linear(12, classes))



def save(net, path):
    torch.jit.save(torch.jit.script(net.eval()), str(path))
    print(path, sum(p.numel() for p in net.parameters()), "parameters")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fixtures", action="store_true",
                        help="write the test fixtures instead")
    args = parser.parse_args()
    here = pathlib.Path(__file__).resolve().parent
    torch.manual_seed(0)  # the files' initial parameters
    if not args.fixtures:
        save(mlp(784, [], 10), here / "softmax.pt")
        save(mlp(784, [100], 10), here / "mlp100.pt")
        save(lenet5(), here / "lenet5.pt")
        save(resnet8_gn(), here / "resnet8-gn.pt")
        return
    out = here.parent.parent / "tests" / "fixtures" / "torchscript"
    out.mkdir(parents=True, exist_ok=True)
    save(zoo(), out / "zoo.pt")
    save(mlp(6, [5], 4, image=False), out / "tabular_mlp.pt")
    # Refused by murmur: running statistics, and 7 outputs for 10 classes.
    save(nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(),
                       nn.Linear(1352, 10)), out / "batchnorm.pt")
    save(mlp(784, [], 7), out / "seven_classes.pt")
    (out / "corrupt.pt").write_bytes(b"PK\x03\x04 not a TorchScript archive")


if __name__ == "__main__":
    main()
