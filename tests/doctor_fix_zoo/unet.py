"""A plain U-Net (Ronneberger et al.; as milesial/Pytorch-UNet writes it, without its F.pad): ConvTranspose
without bias, then torch.cat with the skip. Fails unless each size is a multiple of 8."""

import torch
from torch import nn


def double(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
                         nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


class Up(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.up = nn.ConvTranspose2d(cin, cin // 2, kernel_size=2, stride=2, bias=False)
        self.conv = double(cin, cout)

    def forward(self, x, skip):
        x = self.up(x)
        return self.conv(torch.cat([skip, x], dim=1))


class UNet(nn.Module):
    def __init__(self, c=2):
        super().__init__()
        self.inc = double(3, c)
        self.pool = nn.MaxPool2d(2)
        self.down1, self.down2, self.down3 = double(c, 2 * c), double(2 * c, 4 * c), double(4 * c, 8 * c)
        self.up1, self.up2, self.up3 = Up(8 * c, 4 * c), Up(4 * c, 2 * c), Up(2 * c, c)
        self.outc = nn.Conv2d(c, 2, 1)

    def forward(self, x):
        x1 = self.inc(x)
        x2 = self.down1(self.pool(x1))
        x3 = self.down2(self.pool(x2))
        x4 = self.down3(self.pool(x3))
        x = self.up1(x4, x3)
        x = self.up2(x, x2)
        x = self.up3(x, x1)
        return self.outc(x)
