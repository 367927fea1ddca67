"""A 1-D Wave-U-Net-style model (Stoller et al.): valid stride-2 convolutions down, ConvTranspose1d up, each skip
added to the upsampled features. Runs only at sizes ≡ 7 (mod 8)."""

import torch.nn.functional as F
from torch import nn


class WaveUNet(nn.Module):
    def __init__(self, c=2):
        super().__init__()
        self.down = nn.ModuleList([nn.Conv1d(1, c, 3, stride=2), nn.Conv1d(c, c, 3, stride=2)])
        self.up = nn.ModuleList([nn.ConvTranspose1d(c, c, 3, stride=2), nn.ConvTranspose1d(c, 1, 3, stride=2)])

    def forward(self, x):
        skips = []
        for conv in self.down:
            skips.append(x)
            x = F.relu(conv(x))
        for deconv in self.up:
            skip = skips.pop()
            x = deconv(x) + skip
        return x
