"""Generators without skips across scales: CycleGAN's ResNet generator (junyanz/pytorch-CycleGAN-and-pix2pix,
BSD-2-Clause; written anew), DCGAN's generator (pytorch/examples, BSD-3-Clause; written anew), and a 1-D
MelGAN-style vocoder (ConvTranspose1d upsampling, dilated residual stacks)."""

from torch import nn


class ResBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.block = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3, bias=False), nn.InstanceNorm2d(c),
                                   nn.ReLU(), nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3, bias=False),
                                   nn.InstanceNorm2d(c))

    def forward(self, x):
        return x + self.block(x)


class ResnetGenerator(nn.Module):
    def __init__(self, c=2, blocks=2):
        super().__init__()
        layers = [nn.ReflectionPad2d(3), nn.Conv2d(3, c, 7, bias=False), nn.InstanceNorm2d(c), nn.ReLU(),
                  nn.Conv2d(c, 2 * c, 3, stride=2, padding=1, bias=False), nn.InstanceNorm2d(2 * c), nn.ReLU(),
                  nn.Conv2d(2 * c, 4 * c, 3, stride=2, padding=1, bias=False), nn.InstanceNorm2d(4 * c), nn.ReLU()]
        layers += [ResBlock(4 * c) for _ in range(blocks)]
        layers += [nn.ConvTranspose2d(4 * c, 2 * c, 3, stride=2, padding=1, output_padding=1, bias=False),
                   nn.InstanceNorm2d(2 * c), nn.ReLU(),
                   nn.ConvTranspose2d(2 * c, c, 3, stride=2, padding=1, output_padding=1, bias=False),
                   nn.InstanceNorm2d(c), nn.ReLU(), nn.ReflectionPad2d(3), nn.Conv2d(c, 3, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


class DCGAN(nn.Module):
    def __init__(self, nz=4, ngf=2):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, 3, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, z):
        return self.main(z)


class Residual1d(nn.Module):
    def __init__(self, c, dilation):
        super().__init__()
        self.conv = nn.Sequential(nn.LeakyReLU(0.2), nn.ReflectionPad1d(dilation), nn.Conv1d(c, c, 3,
                                  dilation=dilation), nn.LeakyReLU(0.2), nn.Conv1d(c, c, 1))

    def forward(self, x):
        return x + self.conv(x)


class Vocoder(nn.Module):
    def __init__(self, mels=4, c=4):
        super().__init__()
        self.pre = nn.Sequential(nn.ReflectionPad1d(3), nn.Conv1d(mels, c, 7))
        self.ups = nn.ModuleList([nn.ConvTranspose1d(c, c // 2, 8, stride=4, padding=2),
                                  nn.ConvTranspose1d(c // 2, c // 4, 4, stride=2, padding=1)])
        self.res = nn.ModuleList([Residual1d(c // 2, 3), Residual1d(c // 4, 9)])
        self.post = nn.Sequential(nn.LeakyReLU(0.2), nn.ReflectionPad1d(3), nn.Conv1d(c // 4, 1, 7), nn.Tanh())

    def forward(self, mel):
        x = self.pre(mel)
        for up, res in zip(self.ups, self.res):
            x = res(up(nn.functional.leaky_relu(x, 0.2)))
        return self.post(x)
