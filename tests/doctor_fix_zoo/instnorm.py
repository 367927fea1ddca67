"""An InstanceNorm U-Net in the style of MONAI's BasicUNet / nnU-Net: stride-2 3×3 convolutions down,
ConvTranspose(k=2, s=2) up, instance norm and LeakyReLU, the skip joined by torch.cat in the top-level forward."""

import torch
from torch import nn


def unit(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1), nn.InstanceNorm2d(cout, affine=True),
                         nn.LeakyReLU(0.01))


class InstanceNormUNet(nn.Module):
    def __init__(self, c=2):
        super().__init__()
        self.e0, self.e1, self.e2 = unit(1, c), unit(c, 2 * c, 2), unit(2 * c, 4 * c, 2)
        self.u2 = nn.ConvTranspose2d(4 * c, 2 * c, 2, stride=2)
        self.d2 = unit(4 * c, 2 * c)
        self.u1 = nn.ConvTranspose2d(2 * c, c, 2, stride=2)
        self.d1 = unit(2 * c, c)
        self.head = nn.Conv2d(c, 3, 1)

    def forward(self, x):
        s0 = self.e0(x)
        s1 = self.e1(s0)
        b = self.e2(s1)
        y = self.u2(b)
        y = self.d2(torch.cat((s1, y), dim=1))
        y = self.u1(y)
        y = self.d1(torch.cat((s0, y), dim=1))
        return self.head(y)
