"""Write docs/seeds/: the seeds' worked examples as tconv walkthroughs, and the errata.

Run ``python docs/make_seeds.py`` after a change to the walkthroughs; ``tests/test_docs.py`` fails while the
files differ from what this script writes.
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import tconv

OUT = Path(__file__).parent / "seeds"
OUT_ZH = Path(__file__).parent / "zh" / "seeds"  # the same pages in Chinese, for the site's 中文 side


@dataclass(frozen=True)
class Example:
    slug: str
    title: str
    source: str
    intro: str
    args: list[str]  # the `tconv explain` flags that reproduce it
    view: str = "gather"
    extra_views: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)
    langs: tuple[str, ...] = ("en",)  # each view's walkthrough in these languages, one after the other


SEED001_INPUT = "[[4,4,3],[0,3,4],[2,3,2]]"
SEED001_WEIGHT = "[[1,2],[0,1]]"

EXAMPLES = [
    Example(
        "seed001-example1", "Seed 001, example 1: 3×3 input, 2×2 kernel, stride 1",
        "seed 001 (PyTorch 反卷積運算 一), 示例-1",
        "The tutorial builds `nn.ConvTranspose2d(1, 1, kernel_size=2, stride=1, padding=0, bias=False)` with the "
        "weight `[[1, 2], [0, 1]]` and the input `[[4, 4, 3], [0, 3, 4], [2, 3, 2]]`, and gets "
        "`[[4, 12, 11, 6], [0, 7, 14, 11], [2, 7, 11, 8], [0, 2, 3, 2]]`. It flips the kernel and pads one ring of "
        "zeros by hand; here is every product.",
        ["--input", SEED001_INPUT, "--weight", SEED001_WEIGHT], extra_views=("scatter", "matrix"),
    ),
    Example(
        "seed001-example2", "Seed 001, example 2: the same with padding=1",
        "seed 001, `layer_2` with `padding=1`",
        "With `padding=1` the tutorial reasons that no zeros need adding (d·(k − 1) − p = 0) and gets a 2×2 "
        "output. tconv gives `[[7, 14], [7, 11]]`, the ring-cropped centre of example 1.",
        ["--input", SEED001_INPUT, "--weight", SEED001_WEIGHT, "-p", "1"], extra_views=("scatter",),
    ),
    Example(
        "seed000-2x2-to-4x4", "Seed 000: 2×2 → 4×4 (kernel 3, stride 1, padding 0)",
        "seed 000 (逆卷积的详细解释), 3.1): the transpose of a 4×4 → 2×2 convolution",
        "The convolution maps 4×4 to 2×2 with a 3×3 kernel; its transpose pads the 2×2 input with "
        "k − p − 1 = 2 zeros on each side (6×6) and slides the 3×3 kernel to get 4×4. The seed gives no numbers, "
        "so these are small random integers (`--seed 0`).",
        ["-i", "2,2", "-k", "3", "--seed", "0"],
        notes=["The padded input is 2 + 2·2 = **6**×6; the seed writes \"7×7 = 2 + 2·2 = 6\" (erratum 2)."],
    ),
    Example(
        "seed000-3x3-to-5x5", "Seed 000: 3×3 → 5×5 (kernel 3, stride 2, padding 1)",
        "seed 000, 3.2): the transpose of a 5×5 → 3×3 convolution",
        "Insert stride − 1 = 1 zero between the inputs (3 → 5), pad k − p − 1 = 1 on each side (5 → 7) and slide "
        "the flipped 3×3 kernel: 5×5.",
        ["-i", "3,3", "-k", "3", "-s", "2", "-p", "1", "--seed", "0"], extra_views=("scatter",),
    ),
    Example(
        "seed000-output-padding", "Seed 000: output_padding, 3×3 → 6×6",
        "seed 000, the output_padding section",
        "A stride-2 convolution with k = 3, p = 1 maps both 5×5 and 6×6 to 3×3, so the transpose of 3×3 could be "
        "either: `output_size=` accepts 5..6. `output_padding=1` chooses 6 (= 3 × stride, the \"same\" ratio). "
        "The scatter view shows that the extra row and column hold real computed values, not zeros: they are the "
        "stamps that padding 1 would otherwise have cropped at the end.",
        ["-i", "3,3", "-k", "3", "-s", "2", "-p", "1", "--output-padding", "1", "--seed", "0"], view="scatter",
        extra_views=("gather",),
    ),
]

# Seed 002: the convolution's forward pass is y = C·x, so its backward pass is dx = Cᵀ·dy, the transposed
# convolution's forward pass. Its worked example is the tutorials' (seed 001's numbers as dy), then its own C.
EXAMPLES += [
    Example(
        "seed002-gradient", "Seed 002: the transposed convolution is the gradient of convolution (dx = Cᵀ·dy)",
        "seed 002 (反卷积(转置卷积)的理解), 反卷积和卷积的关系",
        "The seed writes a convolution as a matrix product, y = C·x, and concludes: "
        "\"卷积层的前向操作可以表示为和矩阵C相乘，那么我们很容易得到卷积层的反向传播就是和C的转置相乘\" (the "
        "forward pass of a convolution is a product with C, so its backward pass is a product with Cᵀ), and "
        "\"卷积层的前向传播过程就是反卷积层的反向传播过程，卷积层的反向传播过程就是反卷积层的前向传播过程\" (the "
        "convolution's forward pass is the transposed convolution's backward pass, and its backward pass the "
        "transposed convolution's forward pass). Here is that statement with numbers, on the tutorials' worked "
        "example: the convolution of a 4×4 x with seed 001's kernel `[[1, 2], [0, 1]]` gives a 3×3 y; take seed "
        "001's input `[[4, 4, 3], [0, 3, 4], [2, 3, 2]]` as the upstream gradient dy, and dx = Cᵀ·dy, computed "
        "entry by entry, is seed 001's output `[[4, 12, 11, 6], [0, 7, 14, 11], [2, 7, 11, 8], [0, 2, 3, 2]]`: the "
        "transposed convolution of dy with the same weight. The walkthrough follows in English, then in Chinese "
        "(以下先英文，后中文).",
        [], view="backward", langs=("en", "zh"),
        notes=["x is 1, 2, …, 16 (`--conv-input` chooses it): it changes y and dw, never dx. C is the matrix the "
               "matrix view prints for seed 001's transposed convolution ([seed001-example1](seed001-example1.md)), "
               "which multiplies its input by Cᵀ: one matrix, C forward, Cᵀ backward."],
    ),
    Example(
        "seed002-matrix-4x16", "Seed 002: its own C, 4 × 16 (i = 4, k = 3, s = 1, p = 0)",
        "seed 002, the matrix C of shape [4, 16]",
        "The seed unrolls the 3×3 kernel of a 4×4 → 2×2 convolution into a sparse matrix C of shape [4, 16] "
        "(\"我们把3×3的卷积核展开成如下图所示的[4,16]的稀疏矩阵\") and gives no numbers. Here it is with small random "
        "integers (`--seed 2`): the kernel's 9 entries in every row, shifted by one x cell per y cell; y = C·x; and "
        "the 2×2 upstream gradient dy carried back to the 4×4 dx = Cᵀ·dy, the transposed convolution with "
        "p′ = k − p − 1 = 2 that the seed derives next.",
        ["-i", "2,2", "-k", "3", "--seed", "2"], view="backward",
    ),
]

# Seed 004 / the guide, section 4: the transposed relations with each figure's parameters (i′, k, s, p, a).
FIGURES = {
    8: ("Figure 4.1", 2, 3, 1, 0, 0), 9: ("Figure 4.2", 6, 4, 1, 2, 0), 10: ("Figure 4.3", 5, 3, 1, 1, 0),
    11: ("Figure 4.4", 7, 3, 1, 2, 0), 12: ("Figure 4.5", 2, 3, 2, 0, 0), 13: ("Figure 4.6", 3, 3, 2, 1, 0),
    14: ("Figure 4.7", 3, 3, 2, 1, 1),
}
for number, (fig, i, k, s, p, a) in FIGURES.items():
    EXAMPLES.append(Example(
        f"seed004-relation{number}", f"Seed 004, relation {number} ({fig}: i′ = {i}, k = {k}, s = {s}, p = {p}"
        + (f", a = {a}" if a else "") + ")",
        f"seed 004 (卷积与反卷积的相关计算及可视化), 关系 {number}, {fig}",
        f"{fig}'s parameters, with small random integers (`--seed {number}`) so every step has numbers.",
        ["-i", f"{i},{i}", "-k", str(k), "-s", str(s), "-p", str(p)] + (["--output-padding", str(a)] if a else [])
        + ["--seed", str(number)],
    ))

ERRATA = """\
## Errata

Where a seed is wrong, the correct value and why. Each is checked by `tests/test_docs.py`.

1. **Seed 000 writes the convolution's output size as `Hout = floor( Hin + 2*padding - kernel_size / stride) + 1`.**
   The parentheses around `Hin + 2·padding − kernel_size` are missing: the division applies to the whole
   numerator, `Hout = ⌊(Hin + 2·padding − kernel_size) / stride⌋ + 1`. For its own example (Hin = 5, k = 3,
   s = 2, p = 1) the correct formula gives **3**; as written it gives ⌊5 + 2 − 1.5⌋ + 1 = 6.
2. **Seed 000 says "所以可见下方的蓝色最后的大小为77 = Hout + 2paddingnew = 2 + 2\\*2 = 6"** for the stride-1 example.
   The padded input is 2 + 2·2 = **6**, i.e. 6×6, not 7×7 (7×7 belongs to the next, stride-2 example:
   5 + 2·1 = 7). See [seed000-2x2-to-4x4](seed000-2x2-to-4x4.md), step 2.
3. **Seed 004's caption of Figure 4.7 says "convolving a 3×3 kernel over a 2×2 input (with 1 zero inserted
   between inputs)" while giving i′ = 3.** The input is **3×3** (i′ = 3), which becomes ĩ′ = 5 with the zeros
   inserted, then 1 + 5 + 1 + a = 8 with the padding and the extra row/column a = 1; the output is 6×6.
   See [seed004-relation14](seed004-relation14.md).
4. **Seed 004 writes relation 12 as o′ = s(ĩ′ − 1) + k**, with the stretched size ĩ′. The guide's relation uses
   the input size: **o′ = s(i′ − 1) + k**. For Figure 4.5 (i′ = 2, ĩ′ = 3, k = 3, s = 2) the correct output is
   2·(2 − 1) + 3 = **5**; with ĩ′ it would be 7.
5. **Seed 000 says output_padding's "使用前提：stride > 1" (it needs stride > 1).** PyTorch allows
   `output_padding < max(stride, dilation)` per axis, so with stride 1 it is also allowed when dilation > 1
   (e.g. stride 1, dilation 2, output_padding 1 is valid). With stride 1 and dilation 1 it must be 0.
"""


def walkthrough(ex: Example, view: str, lang: str = "en") -> tconv.Walkthrough:
    """Run the example's flags through the CLI's own argument handling, so the docs show what the command shows."""
    from tconv.cli import build_parser
    from tconv.cli.compute import walkthrough as cli_walkthrough

    return cli_walkthrough(build_parser().parse_args(["explain", *ex.args, "--view", view, "--lang", lang]))


def command(ex: Example, view: str, lang: str) -> str:
    """The command that prints one of the page's walkthroughs (the default view and language left out)."""
    flags = [*ex.args] + (["--view", view] if view != "gather" else []) + (["--lang", lang] if lang != "en" else [])
    return " ".join(["tconv", "explain", *(shlex.quote(a) for a in flags)])


def render(ex: Example) -> str:
    shown = [(view, lang) for view in (ex.view, *ex.extra_views) for lang in ex.langs]
    parts = [f"# {ex.title}", "", f"Source: {ex.source}.", "", ex.intro, "", "Reproduce it:", "", "```bash"]
    parts += [command(ex, view, lang) for view, lang in shown] + ["```", ""]
    parts += [f"> {note}" for note in ex.notes] + ([""] if ex.notes else [])
    for view, lang in shown:
        parts.append(walkthrough(ex, view, lang).to_markdown())
    return "\n".join(parts).rstrip() + "\n"


#: The seeds: five Chinese tutorials on PyTorch's ConvTranspose2d that tconv was built against, numbered 000–004
#: as tconv's docs and tests cite them. Each is cited by its title and, where the copy names one, its address.
TUTORIALS = {
    "en": [
        "**Seed 000**: 逆卷积的详细解释ConvTranspose2d(fractionally-strided convolutions), wanghui-garcia on cnblogs,",
        "  <https://www.cnblogs.com/wanghui-garcia/p/10791328.html> (its output_padding section follows the same",
        "  author's <https://www.cnblogs.com/wanghui-garcia/p/10791778.html>). Reproduced here: its two sizes",
        "  (2×2 → 4×4, 3×3 → 5×5) and its output_padding.",
        "**Seed 001**: PyTorch 反卷積運算 一 (2021-10-13; the copy names no address). Reproduced here: its two",
        "  examples, computed in PyTorch and by hand.",
        "**Seed 002**: 反卷积(转置卷积)的理解, kk17 on cnblogs, <https://www.cnblogs.com/kk17/p/10094075.html>.",
        "  Reproduced here: the convolution as a matrix C, and the transposed convolution as Cᵀ (the gradient).",
        "**Seed 003**: PyTorch ConvTranspose2d 的定义与计算过程, yongqiang on CSDN,",
        "  <https://blog.csdn.net/chengyq116/article/details/128194758>: PyTorch's documentation of",
        "  `ConvTranspose2d` annotated in Chinese. It works no example by hand, so no page here; its shape examples",
        "  (the documentation's `ConvTranspose2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2))` on 50 × 100",
        "  gives 93 × 100, and 12 → 6 → 12 with `output_size`) are checked in",
        "  [tests/test_seeds.py](../../tests/test_seeds.py).",
        "**Seed 004**: 卷积与反卷积的相关计算及可视化 (the copy names no address), a Chinese reading of Vincent",
        "  Dumoulin and Francesco Visin, *A guide to convolution arithmetic for deep learning*, arXiv:1603.07285,",
        "  <https://arxiv.org/abs/1603.07285>, with its animations from <https://github.com/vdumoulin/conv_arithmetic>.",
        "  Reproduced here: the transposed convolution's relations 8–14 (numbered as there) on their figures' sizes.",
    ],
    "zh": [
        "**Seed 000**：逆卷积的详细解释ConvTranspose2d(fractionally-strided convolutions)，wanghui-garcia，博客园，",
        "  <https://www.cnblogs.com/wanghui-garcia/p/10791328.html>（其 output_padding 一节依据同一作者的",
        "  <https://www.cnblogs.com/wanghui-garcia/p/10791778.html>）。这里重现：它的两个尺寸（2×2 → 4×4，",
        "  3×3 → 5×5）和 output_padding。",
        "**Seed 001**：PyTorch 反卷積運算 一（2021-10-13；这份副本未注明原文地址）。这里重现：它的两个例子，",
        "  PyTorch 计算与手算。",
        "**Seed 002**：反卷积(转置卷积)的理解，kk17，博客园，<https://www.cnblogs.com/kk17/p/10094075.html>。",
        "  这里重现：卷积写成矩阵 C，转置卷积即乘以 Cᵀ（梯度）。",
        "**Seed 003**：PyTorch ConvTranspose2d 的定义与计算过程，yongqiang，CSDN，",
        "  <https://blog.csdn.net/chengyq116/article/details/128194758>：PyTorch `ConvTranspose2d` 文档的中文注解。",
        "  它没有手算的例子，所以这里没有它的页面；其中的尺寸例子（文档的",
        "  `ConvTranspose2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2))` 作用于 50 × 100 得到 93 × 100，",
        "  以及用 `output_size` 从 12 → 6 → 12）由 [tests/test_seeds.py](../../../tests/test_seeds.py) 检查。",
        "**Seed 004**：卷积与反卷积的相关计算及可视化（这份副本未注明原文地址），是对 Vincent Dumoulin 与",
        "  Francesco Visin《A guide to convolution arithmetic for deep learning》（arXiv:1603.07285，",
        "  <https://arxiv.org/abs/1603.07285>）的中文解读，动图来自 <https://github.com/vdumoulin/conv_arithmetic>。",
        "  这里重现：转置卷积的关系 8–14（编号同原文），用各图的尺寸。",
    ],
}


def tutorials(lang: str) -> list[str]:
    """The seeds as a Markdown list, each item's continuation lines indented under it."""
    return [("- " + line) if not line.startswith("  ") else line for line in TUTORIALS[lang]]


def index() -> str:
    lines = [
        "# The seeds, reproduced",
        "",
        "Five tutorials in Chinese (the seeds, numbered 000–004 throughout tconv's docs and tests) explain PyTorch's",
        "`ConvTranspose2d`, most of them by working an example by hand:",
        "",
        *tutorials("en"),
        "",
        "Here every worked example of seeds 000, 001, 002 and 004 is a tconv walkthrough: the same numbers, every",
        "step shown, checked against the computation (and PyTorch) by the test suite. Each page gives the one command",
        "that reproduces it; add `--lang zh` for the prose in Chinese, `--format markdown|html|json` for other",
        "formats.",
        "",
    ]
    for ex in EXAMPLES:
        wt = walkthrough(ex, ex.view)
        out = " × ".join(map(str, wt.size.output_size))
        lines.append(f"- [{ex.title}]({ex.slug}.md): output {out}")
    return "\n".join(lines) + "\n\n" + ERRATA


def files() -> dict[str, str]:
    """Every file of docs/seeds/, name → content."""
    out = {"README.md": index()}
    out.update({f"{ex.slug}.md": render(ex) for ex in EXAMPLES})
    return out


# The pages in Chinese (docs/zh/seeds/): each example's title and introduction, in the seeds' own terms
# (转置卷积, 卷积核, 步长, 填充, 插零); the walkthroughs are tconv's own, written with lang="zh".
ZH = {
    "seed001-example1": (
        "Seed 001 示例 1：3×3 输入，2×2 卷积核，步长 1",
        "教程用 `nn.ConvTranspose2d(1, 1, kernel_size=2, stride=1, padding=0, bias=False)`，权重为 `[[1, 2], [0, 1]]`，"
        "输入为 `[[4, 4, 3], [0, 3, 4], [2, 3, 2]]`，"
        "得到 `[[4, 12, 11, 6], [0, 7, 14, 11], [2, 7, 11, 8], [0, 2, 3, 2]]`。"
        "教程手工翻转卷积核、在输入四周补一圈零；下面列出每一个乘积。"),
    "seed001-example2": (
        "Seed 001 示例 2：同一层，padding=1",
        "`padding=1` 时，教程推出不需要补零（d·(k − 1) − p = 0），输出为 2×2。tconv 给出 `[[7, 14], [7, 11]]`，"
        "正是示例 1 的输出裁掉最外一圈后的中心部分。"),
    "seed000-2x2-to-4x4": (
        "Seed 000：2×2 → 4×4（卷积核 3，步长 1，padding 0）",
        "对应的卷积用 3×3 卷积核把 4×4 变成 2×2；它的转置卷积在 2×2 输入的每一边补 k − p − 1 = 2 个零（得到 6×6），"
        "再用 3×3 卷积核滑动，得到 4×4。教程没有给出具体数值，这里用小的随机整数（`--seed 0`）。"),
    "seed000-3x3-to-5x5": (
        "Seed 000：3×3 → 5×5（卷积核 3，步长 2，padding 1）",
        "在输入的相邻元素之间插入 stride − 1 = 1 个零（3 → 5），每一边再补 k − p − 1 = 1 个零（5 → 7），"
        "然后用翻转后的 3×3 卷积核滑动：得到 5×5。"),
    "seed000-output-padding": (
        "Seed 000：output_padding，3×3 → 6×6",
        "k = 3、p = 1、步长 2 的卷积把 5×5 和 6×6 都变成 3×3，所以 3×3 的转置卷积两者皆可：`output_size=` 接受 5..6。"
        "`output_padding=1` 选 6（= 3 × stride，即 \"same\" 的比例）"
        "。scatter 视角显示多出来的一行一列是真正算出来的值，"
        "不是零：它们是 padding 1 本来会在末端裁掉的印记。"),
    "seed002-gradient": (
        "Seed 002：转置卷积是卷积的梯度（dx = Cᵀ·dy）",
        "教程把卷积写成矩阵乘法 y = C·x，并得出：“卷积层的前向操作可以表示为和矩阵C相乘，"
        "那么我们很容易得到卷积层的反向传播就是"
        "和C的转置相乘”，以及“卷积层的前向传播过程就是反卷积层的反向传播过程，"
        "卷积层的反向传播过程就是反卷积层的前向传播过程”。"
        "这里用教程的例子把这句话算出来：4×4 的 x 与 seed 001 的卷积核 `[[1, 2], [0, 1]]` 做卷积得到 3×3 的 y；"
        "把 seed 001 的输入 `[[4, 4, 3], [0, 3, 4], [2, 3, 2]]` 当作上游梯度 dy，"
        "逐项计算的 dx = Cᵀ·dy 正是 seed 001 的输出 "
        "`[[4, 12, 11, 6], [0, 7, 14, 11], [2, 7, 11, 8], [0, 2, 3, 2]]`：dy 与同一权重的转置卷积。"),
    "seed002-matrix-4x16": (
        "Seed 002：它自己的矩阵 C，4 × 16（i = 4，k = 3，s = 1，p = 0）",
        "教程把 4×4 → 2×2 卷积的 3×3 卷积核展开成形状为 [4, 1"
        "6] 的稀疏矩阵 C（“我们把3×3的卷积核展开成如下图所示的[4,16]"
        "的稀疏矩阵”），但没有给出数值。这里用小的随机整数（`--seed 2`）"
        "：每一行都是卷积核的 9 个元素，每个 y 元素向右移一个 x 元素；"
        "y = C·x；2×2 的上游梯度 dy 经 dx = Cᵀ·dy 回到 4×4，也就是教程接下来推出的 p′ = k − p − 1 = 2 的转置卷积。"),
}
ZH_NOTES = {
    "seed000-2x2-to-4x4": ["补零后的输入是 2 + 2·2 = **6**×6；教程写作“77 = 2 + 2\\*2 = 6”（勘误 2）。"],
    "seed002-gradient": ["x 取 1, 2, …, 16（由 `--conv-input` 指定）"
    "：它改变 y 和 dw，从不改变 dx。C 就是 seed 001 的转置卷积在"
                         "矩阵视角中打印的矩阵（[seed001-example1](seed001-example1.md)），转置卷积把输入乘以 Cᵀ："
                         "同一个矩阵，前向乘 C，反向乘 Cᵀ。"],
}
for number, (fig, i, k, s, p, a) in FIGURES.items():
    ZH[f"seed004-relation{number}"] = (
        f"Seed 004，关系 {number}（{fig}：i′ = {i}，k = {k}，s = {s}，p = {p}" + (f"，a = {a}" if a else "") + "）",
        f"{fig} 的参数，配上小的随机整数（`--seed {number}`），让每一步都有具体数值。")

ERRATA_ZH = """\
## 勘误

教程中有错的地方：正确的值和原因。每一条都由 `tests/test_docs.py` 检查。

1. **Seed 000 把卷积的输出尺寸写成 `Hout = floor( Hin + 2*padding - kernel_size / stride) + 1`。**
   `Hin + 2·padding − kernel_size` 外面少了括号：除法作用于整个分子，即
   `Hout = ⌊(Hin + 2·padding − kernel_size) / stride⌋ + 1`。按它自己的例子（Hin = 5，k = 3，s = 2，p = 1），
   正确的公式给出 **3**；照原文计算则是 ⌊5 + 2 − 1.5⌋ + 1 = 6。
2. **Seed 000 在步长为 1 的例子里写“所以可见下方的蓝色最后的大小为77 = Hout + 2paddingnew = 2 + 2\\*2 = 6”。**
   补零后的输入是 2 + 2·2 = **6**，即 6×6，而不是 7×7（7×7 属于下一个步长为 2 的例子：5 + 2·1 = 7）。
   见 [seed000-2x2-to-4x4](seed000-2x2-to-4x4.md) 第 2 步。
3. **Seed 004 中图 4.7 的说明写“convolving a 3×3 kernel over a 2×2 input (with 1 zero inserted between inputs)”，
   而给出的是 i′ = 3。** 输入是 **3×3**（i′ = 3），插零后变成 ĩ′ = 5，再加上填充和多出的一行一列 a = 1，
   成为 1 + 5 + 1 + a = 8；输出是 6×6。见 [seed004-relation14](seed004-relation14.md)。
4. **Seed 004 把关系 12 写成 o′ = s(ĩ′ − 1) + k**，用的是插零后的尺寸 ĩ′。指南中的关系用的是输入尺寸：
   **o′ = s(i′ − 1) + k**。对图 4.5（i′ = 2，ĩ′ = 3，k = 3，s = 2），正确的输出是 2·(2 − 1) + 3 = **5**；
   用 ĩ′ 则会得到 7。
5. **Seed 000 说 output_padding 的“使用前提：stride > 1”。** PyTorch 在每个轴上允许
   `output_padding < max(stride, dilation)`，所以步长为 1 时，只要 dilation > 1 也可以使用
   （例如 stride 1、dilation 2、output_padding 1 是合法的）。stride 和 dilation 都是 1 时，它必须为 0。
"""


def render_zh(ex: Example) -> str:
    """The example's page in Chinese: the walkthroughs of its views in Chinese only."""
    title, intro = ZH[ex.slug]
    views = (ex.view, *ex.extra_views)
    parts = [f"# {title}", "", f"出处：{ex.source}。", "", intro, "", "复现：", "", "```bash"]
    parts += [command(ex, view, "zh") for view in views] + ["```", ""]
    parts += [f"> {note}" for note in ZH_NOTES.get(ex.slug, [])] + ([""] if ex.slug in ZH_NOTES else [])
    for view in views:
        parts.append(walkthrough(ex, view, "zh").to_markdown())
    return "\n".join(parts).rstrip() + "\n"


def index_zh() -> str:
    lines = [
        "# 教程中的例子，逐一重现",
        "",
        "五篇中文教程（即 tconv 文档和测试中编号为 000–004 的 seed）讲解 PyTorch 的 `ConvTranspose2d`，",
        "大多手算一个例子：",
        "",
        *tutorials("zh"),
        "",
        "这里 seed 000、001、002 和 004 的每个算例都是一次 tconv 演算：同样的数值，列出每一步，并由测试套件与实际计算",
        "（以及 PyTorch）核对。每页给出复现它的那一条命令；去掉 `--lang zh` 得到英文，`--format markdown|html|json`",
        "得到其他格式。",
        "",
    ]
    for ex in EXAMPLES:
        wt = walkthrough(ex, ex.view)
        out = " × ".join(map(str, wt.size.output_size))
        lines.append(f"- [{ZH[ex.slug][0]}]({ex.slug}.md)：输出 {out}")
    return "\n".join(lines) + "\n\n" + ERRATA_ZH


def files_zh() -> dict[str, str]:
    """Every file of docs/zh/seeds/, name → content."""
    out = {"README.md": index_zh()}
    out.update({f"{ex.slug}.md": render_zh(ex) for ex in EXAMPLES})
    return out


def main() -> int:
    OUT.mkdir(exist_ok=True)
    for name, text in files().items():
        (OUT / name).write_text(text, encoding="utf-8")
    OUT_ZH.mkdir(parents=True, exist_ok=True)
    for name, text in files_zh().items():
        (OUT_ZH / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(files())} files to {OUT} and {len(files_zh())} to {OUT_ZH}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    np.set_printoptions(linewidth=120)
    raise SystemExit(main())
