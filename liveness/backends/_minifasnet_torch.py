"""MiniFASNet V2 and V1SE as torch modules, shaped so Silent-Face's official ``.pth`` files load strictly.

A port of ``src/model_lib/MiniFASNet.py`` from minivision-ai/Silent-Face-Anti-Spoofing (commit
f679b7c96ad407d1114182847d3e0c20619a76d0), Copyright 2020 Minivision, Apache License 2.0
(https://www.apache.org/licenses/LICENSE-2.0). Changes from the original: the two block classes
(``Conv_block`` / ``Linear_block``) are one class with an optional PReLU; the residual stages are
built from a channel table instead of being spelled out; inference-only parts (dropout, the unused
``L2Norm``, the 512-wide embedding switch) are left out, since they hold no weights and do nothing
in eval mode. Attribute names are kept exactly, because they are the state-dict keys of the
published weights: ``load_state_dict(strict=True)`` proves the architecture matches.

Imported only by :mod:`liveness.backends.torch_fasnet`, after torch has been found.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["MiniFASNet", "minifasnet_v1se", "minifasnet_v2"]

# Channel widths ("keep" lists) of the pruned 1.8M networks, indexed as in Silent-Face.
_KEEP_V1 = (
    32, 32, 103, 103, 64, 13, 13, 64, 26, 26, 64, 13, 13, 64, 52, 52, 64, 231, 231, 128,
    154, 154, 128, 52, 52, 128, 26, 26, 128, 52, 52, 128, 26, 26, 128, 26, 26, 128, 308, 308,
    128, 26, 26, 128, 26, 26, 128, 512, 512,
)  # fmt: skip
_KEEP_V2 = (
    32, 32, 103, 103, 64, 13, 13, 64, 13, 13, 64, 13, 13, 64, 13, 13, 64, 231, 231, 128,
    231, 231, 128, 52, 52, 128, 26, 26, 128, 77, 77, 128, 26, 26, 128, 26, 26, 128, 308, 308,
    128, 26, 26, 128, 26, 26, 128, 512, 512,
)  # fmt: skip

EMBEDDING_SIZE = 128
NUM_CLASSES = 3
SE_REDUCTION = 4


def conv6_kernel(input_size: int) -> tuple[int, int]:
    """Silent-Face's ``get_kernel``: the last depthwise kernel covers the whole 1/16 feature map."""
    side = (input_size + 15) // 16
    return side, side


class _ConvBN(nn.Module):
    """Conv (no bias) -> BatchNorm, then PReLU unless it is a linear (projection) block."""

    def __init__(
        self,
        in_c: int,
        out_c: int,
        kernel: tuple[int, int] = (1, 1),
        stride: int = 1,
        padding: int = 0,
        groups: int = 1,
        *,
        activation: bool = True,
    ) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_c, out_c, kernel, stride=stride, padding=padding, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(out_c)
        self.prelu = nn.PReLU(out_c) if activation else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.bn(self.conv(x))
        return self.prelu(x) if self.prelu is not None else x


class _SqueezeExcite(nn.Module):
    def __init__(self, channels: int, reduction: int) -> None:
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, channels // reduction, kernel_size=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels // reduction)
        self.relu = nn.ReLU()
        self.fc2 = nn.Conv2d(channels // reduction, channels, kernel_size=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        squeezed = self.relu(self.bn1(self.fc1(self.avg_pool(x))))
        gate: torch.Tensor = self.sigmoid(self.bn2(self.fc2(squeezed)))
        return x * gate


class _DepthWise(nn.Module):
    """1x1 expand -> 3x3 depthwise -> 1x1 linear projection, with an optional SE gate and shortcut."""

    def __init__(
        self,
        channels: tuple[int, int, int, int],
        stride: int,
        *,
        residual: bool,
        se: bool = False,
    ) -> None:
        super().__init__()
        c_in, c_expand, c_dw, c_out = channels
        self.conv = _ConvBN(c_in, c_expand)
        self.conv_dw = _ConvBN(c_expand, c_dw, (3, 3), stride=stride, padding=1, groups=c_expand)
        self.project = _ConvBN(c_dw, c_out, activation=False)
        self.residual = residual
        self.se_module = _SqueezeExcite(c_out, SE_REDUCTION) if se else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.project(self.conv_dw(self.conv(x)))
        if not self.residual:
            return out
        if self.se_module is not None:
            out = self.se_module(out)
        return x + out


class _Stage(nn.Module):
    """Residual blocks at one resolution; with ``se`` the last block carries the SE gate (V1SE)."""

    def __init__(self, keep: tuple[int, ...], first: int, blocks: int, *, se: bool) -> None:
        super().__init__()
        self.model = nn.Sequential(
            *(
                _DepthWise(_block_channels(keep, first + 3 * i), 1, residual=True, se=se and i == blocks - 1)
                for i in range(blocks)
            )
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.model(x)
        return out


def _block_channels(keep: tuple[int, ...], i: int) -> tuple[int, int, int, int]:
    # Silent-Face's c1/c2/c3 pairs chain through the keep list: (keep[i], keep[i+1]), (keep[i+1],
    # keep[i+2]), (keep[i+2], keep[i+3]).
    return keep[i], keep[i + 1], keep[i + 2], keep[i + 3]


class MiniFASNet(nn.Module):
    """MiniFASNet (V1/V2 layout, optionally with SE blocks): 1x3xSxS BGR 0-255 in, 3 logits out."""

    def __init__(self, keep: tuple[int, ...], *, se: bool, input_size: int = 80) -> None:
        super().__init__()
        self.conv1 = _ConvBN(3, keep[0], (3, 3), stride=2, padding=1)
        self.conv2_dw = _ConvBN(keep[0], keep[1], (3, 3), stride=1, padding=1, groups=keep[1])
        self.conv_23 = _DepthWise(_block_channels(keep, 1), 2, residual=False)
        self.conv_3 = _Stage(keep, 4, 4, se=se)
        self.conv_34 = _DepthWise(_block_channels(keep, 16), 2, residual=False)
        self.conv_4 = _Stage(keep, 19, 6, se=se)
        self.conv_45 = _DepthWise(_block_channels(keep, 37), 2, residual=False)
        self.conv_5 = _Stage(keep, 40, 2, se=se)
        self.conv_6_sep = _ConvBN(keep[46], keep[47])
        self.conv_6_dw = _ConvBN(keep[47], keep[48], conv6_kernel(input_size), groups=keep[48], activation=False)
        self.linear = nn.Linear(512, EMBEDDING_SIZE, bias=False)
        self.bn = nn.BatchNorm1d(EMBEDDING_SIZE)
        self.prob = nn.Linear(EMBEDDING_SIZE, NUM_CLASSES, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in (
            self.conv1,
            self.conv2_dw,
            self.conv_23,
            self.conv_3,
            self.conv_34,
            self.conv_4,
            self.conv_45,
            self.conv_5,
            self.conv_6_sep,
            self.conv_6_dw,
        ):
            x = block(x)
        logits: torch.Tensor = self.prob(self.bn(self.linear(torch.flatten(x, 1))))
        return logits


def minifasnet_v2(input_size: int = 80) -> MiniFASNet:
    return MiniFASNet(_KEEP_V2, se=False, input_size=input_size)


def minifasnet_v1se(input_size: int = 80) -> MiniFASNet:
    return MiniFASNet(_KEEP_V1, se=True, input_size=input_size)
