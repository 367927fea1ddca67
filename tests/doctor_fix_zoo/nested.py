"""pix2pix's U-Net generator (junyanz/pytorch-CycleGAN-and-pix2pix, BSD-2-Clause; written anew here): nested
UnetSkipConnectionBlocks, each an nn.Sequential whose ConvTranspose is an item, joined by torch.cat([x, model(x)])."""

import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, outer, inner, sub=None, outermost=False, cin=None):
        super().__init__()
        self.outermost = outermost
        cin = outer if cin is None else cin
        down = nn.Conv2d(cin, inner, kernel_size=4, stride=2, padding=1, bias=False)
        if outermost:
            up = nn.ConvTranspose2d(inner * 2, outer, kernel_size=4, stride=2, padding=1)
            model = [down, sub, nn.ReLU(), up, nn.Tanh()]
        elif sub is None:
            up = nn.ConvTranspose2d(inner, outer, kernel_size=4, stride=2, padding=1, bias=False)
            model = [nn.LeakyReLU(0.2), down, nn.ReLU(), up, nn.BatchNorm2d(outer)]
        else:
            up = nn.ConvTranspose2d(inner * 2, outer, kernel_size=4, stride=2, padding=1, bias=False)
            model = [nn.LeakyReLU(0.2), down, nn.BatchNorm2d(inner), sub, nn.ReLU(), up, nn.BatchNorm2d(outer)]
        self.model = nn.Sequential(*model)

    def forward(self, x):
        if self.outermost:
            return self.model(x)
        return torch.cat([x, self.model(x)], 1)


class Pix2PixUNet(nn.Module):
    def __init__(self, c=2):
        super().__init__()
        block = Block(4 * c, 4 * c)
        block = Block(2 * c, 4 * c, block)
        block = Block(c, 2 * c, block)
        self.model = Block(3, c, block, outermost=True, cin=3)

    def forward(self, x):
        return self.model(x)


class SeqTwoUps(nn.Module):
    """A decoder stage written as one nn.Sequential holding two ConvTransposes (a 1×1 channel mixer, then the
    stride-2 upsampling): the split names the upsampling by its index, since its type is not unique there."""

    def __init__(self, c=2):
        super().__init__()
        self.down = nn.Sequential(nn.Conv2d(3, c, 3, stride=2, padding=1), nn.ReLU())
        self.up = nn.Sequential(nn.ConvTranspose2d(c, c, 1), nn.ReLU(),
                                nn.ConvTranspose2d(c, c, 3, stride=2, padding=1))
        self.head = nn.Conv2d(c + 3, 1, 1)

    def forward(self, x):
        return self.head(torch.cat([x, self.up(self.down(x))], 1))
