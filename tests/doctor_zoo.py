"""A zoo of models in the styles people write, for the doctor's tests (small channel counts: traced on meta)."""

from __future__ import annotations

import itertools

import torch
import torch.nn.functional as F
from torch import nn


def block(nd: int, cin: int, cout: int) -> nn.Sequential:
    conv = (nn.Conv1d, nn.Conv2d, nn.Conv3d)[nd - 1]
    return nn.Sequential(conv(cin, cout, 3, padding=1), nn.ReLU(), conv(cout, cout, 3, padding=1), nn.ReLU())


class Down(nn.Module):
    def __init__(self, cin: int, cout: int, nd: int = 2) -> None:
        super().__init__()
        self.pool = (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d)[nd - 1](2)
        self.conv = block(nd, cin, cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(self.pool(x))


class Up(nn.Module):
    """The plain U-Net: ConvTranspose, then torch.cat with the skip, no padding."""

    def __init__(self, cin: int, cout: int, nd: int = 2) -> None:
        super().__init__()
        self.up = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)[nd - 1](cin, cin // 2, 2, stride=2)
        self.conv = block(nd, cin, cout)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        x = self.up(x)
        return self.conv(torch.cat([skip, x], dim=1))


class UNet(nn.Module):
    """A plain 4-level U-Net: fails unless each size is a multiple of 16."""

    def __init__(self, c: int = 2, nd: int = 2, depth: int = 4) -> None:
        super().__init__()
        self.inc = block(nd, 3, c)
        self.downs = nn.ModuleList(Down(c * 2**i, c * 2 ** (i + 1), nd) for i in range(depth))
        self.ups = nn.ModuleList(Up(c * 2 ** (i + 1), c * 2**i, nd) for i in reversed(range(depth)))
        self.outc = (nn.Conv1d, nn.Conv2d, nn.Conv3d)[nd - 1](c, 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = [self.inc(x)]
        for down in self.downs:
            skips.append(down(skips[-1]))
        x = skips.pop()
        for up in self.ups:
            x = up(x, skips.pop())
        return self.outc(x)


class UNet3d(UNet):
    def __init__(self) -> None:
        super().__init__(c=2, nd=3, depth=2)


class MilesialUp(Up):
    """milesial/Pytorch-UNet: F.pad the upsampled features to the skip's size before the cat (runs at any size)."""

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        x = self.up(x)
        dy, dx = skip.size(2) - x.size(2), skip.size(3) - x.size(3)
        x = F.pad(x, [dx // 2, dx - dx // 2, dy // 2, dy - dy // 2])
        return self.conv(torch.cat([skip, x], dim=1))


class MilesialUNet(UNet):
    def __init__(self) -> None:
        super().__init__(c=2, nd=2, depth=4)
        self.ups = nn.ModuleList(MilesialUp(2 * 2 ** (i + 1), 2 * 2**i) for i in reversed(range(4)))


class DecoderBlock(nn.Module):
    """segmentation_models.pytorch: F.interpolate(scale_factor=2), then cat with the skip."""

    def __init__(self, cin: int, cskip: int, cout: int) -> None:
        super().__init__()
        self.conv = block(2, cin + cskip, cout)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(x, scale_factor=2, mode="nearest")
        return self.conv(torch.cat([x, skip], dim=1))


class SmpUNet(nn.Module):
    """A ResNet-like encoder (3×3 stride-2 convs, which round up) and an smp-style decoder."""

    def __init__(self) -> None:
        super().__init__()
        chans = [3, 4, 4, 8, 8]
        self.encoder = nn.ModuleList(nn.Conv2d(a, b, 3, stride=2, padding=1) for a, b in itertools.pairwise(chans))
        self.blocks = nn.ModuleList(DecoderBlock(c, s, s) for c, s in ((8, 8), (8, 4), (4, 4)))
        self.head = nn.Conv2d(4, 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = []
        for conv in self.encoder:
            x = F.relu(conv(x))
            feats.append(x)
        x = feats.pop()
        for blk in self.blocks:
            x = blk(x, feats.pop())
        return self.head(x)


class AttentionGate(nn.Module):
    def __init__(self, c: int) -> None:
        super().__init__()
        self.W_g, self.W_x, self.psi = nn.Conv2d(c, c, 1), nn.Conv2d(c, c, 1), nn.Conv2d(c, 1, 1)

    def forward(self, g: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        psi = torch.sigmoid(self.psi(F.relu(self.W_g(g) + self.W_x(x))))
        return x * psi


class AttentionUNet(nn.Module):
    """Attention U-Net (Oktay et al.; LeeJunHyun's code): Upsample + conv, a gate adds g and x, then the cat."""

    def __init__(self, c: int = 2) -> None:
        super().__init__()
        self.Conv1, self.Conv2, self.Conv3 = block(2, 3, c), block(2, c, 2 * c), block(2, 2 * c, 4 * c)
        self.Maxpool = nn.MaxPool2d(2)
        self.Up3 = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(4 * c, 2 * c, 3, padding=1), nn.ReLU())
        self.Att3, self.Up_conv3 = AttentionGate(2 * c), block(2, 4 * c, 2 * c)
        self.Up2 = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(2 * c, c, 3, padding=1), nn.ReLU())
        self.Att2, self.Up_conv2 = AttentionGate(c), block(2, 2 * c, c)
        self.out = nn.Conv2d(c, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x1 = self.Conv1(x)
        x2 = self.Conv2(self.Maxpool(x1))
        x3 = self.Conv3(self.Maxpool(x2))
        d3 = self.Up3(x3)
        d3 = self.Up_conv3(torch.cat((self.Att3(g=d3, x=x2), d3), dim=1))
        d2 = self.Up2(d3)
        d2 = self.Up_conv2(torch.cat((self.Att2(g=d2, x=x1), d2), dim=1))
        return self.out(d2)


class Stack1d(nn.Module):
    """A 1-D upsampling stack (audio style): valid stride-2 convs down, ConvTranspose up, skips added."""

    def __init__(self, c: int = 2) -> None:
        super().__init__()
        self.down = nn.ModuleList([nn.Conv1d(3, c, 3, stride=2), nn.Conv1d(c, c, 3, stride=2),
                                   nn.Conv1d(c, c, 3, stride=2)])
        self.up = nn.ModuleList([nn.ConvTranspose1d(c, c, 3, stride=2), nn.ConvTranspose1d(c, c, 3, stride=2),
                                 nn.ConvTranspose1d(c, 3, 3, stride=2)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for conv in self.down:
            skips.append(x)
            x = F.relu(conv(x))
        for deconv in self.up:
            x = deconv(x) + skips.pop()
        return x


class DCGANGenerator(nn.Module):
    """DCGAN's generator: a latent vector (N, nz, 1, 1) up to 32×32, no skips: runs at any input size."""

    def __init__(self, nz: int = 8, ngf: int = 2) -> None:
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
            nn.ConvTranspose2d(ngf, 3, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.main(z)


class InstanceNormUNet(nn.Module):
    """nnU-Net style (MIC-DKFZ/nnUNet's plain conv U-Net, written anew): stride-2 3×3 convs down, each conv followed
    by InstanceNorm, ConvTranspose k2 s2 up. At 16 on every axis the bottleneck is 1×1 and InstanceNorm refuses a
    single element; 16×32 runs (the axes interact)."""

    def __init__(self, c: int = 2, depth: int = 4) -> None:
        super().__init__()

        def stage(cin: int, cout: int, stride: int) -> nn.Sequential:
            return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1), nn.InstanceNorm2d(cout),
                                 nn.LeakyReLU(0.01))

        chans = [c * 2**i for i in range(depth + 1)]
        self.stem = stage(3, chans[0], 1)
        self.down = nn.ModuleList(stage(chans[i], chans[i + 1], 2) for i in range(depth))
        self.up = nn.ModuleList(nn.ConvTranspose2d(chans[i + 1], chans[i], 2, stride=2)
                                for i in reversed(range(depth)))
        self.fuse = nn.ModuleList(stage(2 * chans[i], chans[i], 1) for i in reversed(range(depth)))
        self.head = nn.Conv2d(chans[0], 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = [self.stem(x)]
        for down in self.down:
            skips.append(down(skips[-1]))
        x = skips.pop()
        for up, fuse in zip(self.up, self.fuse):
            x = fuse(torch.cat([skips.pop(), up(x)], dim=1))
        return self.head(x)


class ValidUNet(nn.Module):
    """The original U-Net (Ronneberger et al. 2015): unpadded 3×3 convs, so the output is smaller than the input,
    and each skip centre-cropped (by slicing) to the upsampled size before the cat."""

    def __init__(self, c: int = 2, depth: int = 2) -> None:
        super().__init__()

        def convs(cin: int, cout: int) -> nn.Sequential:
            return nn.Sequential(nn.Conv2d(cin, cout, 3), nn.ReLU(), nn.Conv2d(cout, cout, 3), nn.ReLU())

        chans = [c * 2**i for i in range(depth + 1)]
        self.inc = convs(3, chans[0])
        self.downs = nn.ModuleList(nn.Sequential(nn.MaxPool2d(2), convs(chans[i], chans[i + 1]))
                                   for i in range(depth))
        self.ups = nn.ModuleList(nn.ConvTranspose2d(chans[i + 1], chans[i], 2, stride=2)
                                 for i in reversed(range(depth)))
        self.convs = nn.ModuleList(convs(2 * chans[i], chans[i]) for i in reversed(range(depth)))
        self.outc = nn.Conv2d(chans[0], 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = [self.inc(x)]
        for down in self.downs:
            skips.append(down(skips[-1]))
        x = skips.pop()
        for up, conv in zip(self.ups, self.convs):
            x = up(x)
            skip = skips.pop()
            dy, dx = (skip.size(2) - x.size(2)) // 2, (skip.size(3) - x.size(3)) // 2
            skip = skip[:, :, dy:dy + x.size(2), dx:dx + x.size(3)]
            x = conv(torch.cat([skip, x], dim=1))
        return self.outc(x)


class ResnetBlock(nn.Module):
    def __init__(self, c: int) -> None:
        super().__init__()
        self.conv_block = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3), nn.InstanceNorm2d(c), nn.ReLU(True),
                                        nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3), nn.InstanceNorm2d(c))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    """CycleGAN's ResNet generator (junyanz/pytorch-CycleGAN-and-pix2pix, written anew, small): two stride-2 convs
    that round up, residual blocks, two ConvTranspose (k3 s2 p1 output_padding 1) that double: it runs at every
    size, but 250×129 comes out 252×132."""

    def __init__(self, c: int = 2, blocks: int = 2) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.ReflectionPad2d(3), nn.Conv2d(3, c, 7), nn.InstanceNorm2d(c), nn.ReLU(True)]
        for i in range(2):
            m = 2**i
            layers += [nn.Conv2d(c * m, c * m * 2, 3, stride=2, padding=1), nn.InstanceNorm2d(c * m * 2), nn.ReLU(True)]
        layers += [ResnetBlock(c * 4) for _ in range(blocks)]
        for i in range(2):
            m = 2 ** (2 - i)
            layers += [nn.ConvTranspose2d(c * m, c * m // 2, 3, stride=2, padding=1, output_padding=1),
                       nn.InstanceNorm2d(c * m // 2), nn.ReLU(True)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(c, 3, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


def unet7() -> UNet:
    """A 7-level U-Net (sizes must be multiples of 128), for ``tconv doctor doctor_zoo:unet7``."""
    return UNet(depth=7)
