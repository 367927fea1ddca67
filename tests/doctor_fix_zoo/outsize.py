"""2-D and 3-D U-Nets whose decoder passes output_size=skip.shape[2:] to the ConvTranspose (as 3-D medical U-Nets
do). With max pooling it runs at every size; with stride-2 convolutions (which round up) the output_size asked
for is one below what the ConvTranspose can give at odd sizes, and PyTorch raises a ValueError."""

import torch
from torch import nn


class Up(nn.Module):
    def __init__(self, cin, cout, nd):
        super().__init__()
        self.up = (nn.ConvTranspose2d, nn.ConvTranspose3d)[nd - 2](cin, cout, kernel_size=2, stride=2)
        self.conv = (nn.Conv2d, nn.Conv3d)[nd - 2](2 * cout, cout, 3, padding=1)

    def forward(self, x, skip):
        x = self.up(x, output_size=skip.shape[2:])
        return torch.relu(self.conv(torch.cat([skip, x], dim=1)))


class OutsizeUNet(nn.Module):
    def __init__(self, c=2, nd=2, strided=False):
        super().__init__()
        conv = (nn.Conv2d, nn.Conv3d)[nd - 2]
        pool = (nn.MaxPool2d, nn.MaxPool3d)[nd - 2]
        self.inc = conv(1, c, 3, padding=1)
        self.down1 = conv(c, 2 * c, 3, stride=2, padding=1) if strided else nn.Sequential(pool(2), conv(c, 2 * c, 1))
        self.down2 = conv(2 * c, 4 * c, 3, stride=2, padding=1) if strided else \
            nn.Sequential(pool(2), conv(2 * c, 4 * c, 1))
        self.up1, self.up2 = Up(4 * c, 2 * c, nd), Up(2 * c, c, nd)
        self.out = conv(c, 1, 1)

    def forward(self, x):
        x1 = torch.relu(self.inc(x))
        x2 = torch.relu(self.down1(x1))
        x3 = torch.relu(self.down2(x2))
        return self.out(self.up2(self.up1(x3, x2), x1))


class Strided3d(OutsizeUNet):
    def __init__(self):
        super().__init__(c=2, nd=3, strided=True)
