"""A U-Net whose decoder upsamples with F.interpolate(scale_factor=2, bilinear, align_corners=True) (as
segmentation_models.pytorch's and many FPN decoders do), its encoder with stride-2 convolutions that round up."""

import torch
import torch.nn.functional as F
from torch import nn


class InterpUNet(nn.Module):
    def __init__(self, c=2):
        super().__init__()
        self.enc1 = nn.Conv2d(3, c, 3, stride=2, padding=1)
        self.enc2 = nn.Conv2d(c, 2 * c, 3, stride=2, padding=1)
        self.dec = nn.Conv2d(3 * c, c, 3, padding=1)
        self.head = nn.Conv2d(c + 3, 2, 1)

    def forward(self, x):
        e1 = F.relu(self.enc1(x))
        e2 = F.relu(self.enc2(e1))
        y = F.interpolate(e2, scale_factor=2, mode="bilinear", align_corners=True)
        y = F.relu(self.dec(torch.cat([y, e1], dim=1)))
        y = F.interpolate(y, scale_factor=2, mode="bilinear", align_corners=True)
        return self.head(torch.cat([y, x], dim=1))
