"""The message catalogue of walkthroughs, in English and Chinese (简体中文, for the seeds' readers).

Each message is a template over named arguments; numbers and layout are the same in every language.

>>> render("gather.zeros.none", "zh", {})
'步长为 1：无需插入零。'
"""

from __future__ import annotations

from typing import Any

from .._axes import as_choice
from .._format import format_number
from ..relations import GENERAL_TITLES, RELATION_TITLES
from ..roles import ROLE_WORDS

LANGS = ("en", "zh")

#: The guide's relation titles in Chinese; the English ones are tconv.relations.RELATION_TITLES, their one source.
RELATION_TITLES_ZH: dict[int, str] = {
    1: "无填充，步长为 1",
    2: "有填充，步长为 1",
    3: "半填充（same）",
    4: "全填充（full）",
    5: "无填充，步长大于 1",
    6: "有填充，步长大于 1",
    7: "池化",
    8: "转置卷积：无填充，步长为 1",
    9: "转置卷积：有填充，步长为 1",
    10: "转置卷积：半填充，步长为 1",
    11: "转置卷积：全填充，步长为 1",
    12: "转置卷积：无填充，步长大于 1",
    13: "转置卷积：有填充，步长大于 1",
    14: "转置卷积：有填充，步长大于 1，a = output_padding",
    15: "空洞（膨胀）卷积",
}

#: The titles of the general formula's cases in Chinese; the English ones are tconv.relations.GENERAL_TITLES.
GENERAL_TITLES_ZH: dict[str, str] = {
    "transposed": "转置卷积",
    "dilated": "空洞（膨胀）转置卷积",
    "asymmetric": "前后不等的填充",
    "pooling": "池化",
}

CATALOGUE: dict[str, dict[str, str]] = {
    # ---- the output size
    "size.title": {"en": "Why the output has this size", "zh": "为什么输出是这个尺寸"},
    "size.formula": {"en": "PyTorch's formula: {formula}", "zh": "PyTorch 的公式：{formula}"},
    "size.axis": {"en": "axis {axis}: {substituted}", "zh": "第 {axis} 维：{substituted}"},
    "size.relation": {
        "en": "axis {axis}, the guide's relation {number} ({title}): {formula} → {substituted}",
        "zh": "第 {axis} 维，指南中的关系 {number}（{title}）：{formula} → {substituted}",
    },
    "size.general": {
        "en": "axis {axis}: the guide has no relation for this case; the general formula {formula} → {substituted}",
        "zh": "第 {axis} 维：指南没有覆盖这种情况；通用公式 {formula} → {substituted}",
    },
    "size.range": {
        "en": "output_size= accepts {ranges} (per axis; the rest of each range comes from output_padding)",
        "zh": "output_size= 可取 {ranges}（按维；范围内的其余尺寸来自 output_padding）",
    },
    "size.nonsquare": {
        "en": "The guide states its relations for square inputs; here each axis follows its own.",
        "zh": "指南中的关系针对正方形输入；这里每一维各自适用。",
    },
    # ---- gather view
    "gather.zeros.title": {
        "en": "1. Insert stride − 1 zeros between the inputs",
        "zh": "1. 在输入元素之间插入 stride − 1 个零",
    },
    "gather.zeros.axis": {
        "en": (
            "axis {axis}: stride {stride}, so {zeros} zero(s) between neighbours; size {size} → (L − 1)·s + 1 = "
            "{stretched} (the guide's ĩ′)."
        ),
        "zh": (
            "第 {axis} 维：步长 {stride}，相邻元素之间插入 {zeros} 个零；尺寸 {size} → (L − 1)·s + 1 = {stretched}（即"
            "指南中的 ĩ′）。"
        ),
    },
    "gather.zeros.none": {"en": "stride 1: nothing to insert.", "zh": "步长为 1：无需插入零。"},
    "gather.pad.title": {
        "en": "2. Pad d·(k − 1) − p zeros on each side, output_padding more at the end",
        "zh": "2. 两侧各填充 d·(k − 1) − p 个零，末尾再多填 output_padding 个",
    },
    "gather.pad.axis": {
        "en": (
            "axis {axis}: d·(k − 1) − p = {dilation}·({kernel} − 1) − {padding} = {pad}; pad {before} before and "
            "{after} after ({pad} + output_padding {op}); size {stretched} → {padded}."
        ),
        "zh": (
            "第 {axis} 维：d·(k − 1) − p = {dilation}·({kernel} − 1) − {padding} = {pad}；前面填充 {before} 个，后面填"
            "充 {after} 个（{pad} + output_padding {op}）；尺寸 {stretched} → {padded}。"
        ),
    },
    "gather.pad.same": {
        "en": (
            "axis {axis}: padding='same' crops {padding} at the start and {end} at the end (the odd cell at the end, "
            "TensorFlow's rule), so pad d·(k − 1) − {padding} = {before} before and d·(k − 1) − {end} = {after} "
            "after; size {stretched} → {padded}."
        ),
        "zh": (
            "第 {axis} 维：padding='same' 开头裁掉 {padding} 个、末尾裁掉 {end} 个（多出的一个在末尾，与 TensorFlow "
            "相同），所以前面填充 d·(k − 1) − {padding} = {before} 个，后面填充 d·(k − 1) − {end} = {after} 个；"
            "尺寸 {stretched} → {padded}。"
        ),
    },
    "gather.pad.crop": {
        "en": (
            "axis {axis}: padding {padding} > d·(k − 1) = {dk}, so the equivalent padding {pad} is negative: the "
            "zero-inserted input is cropped instead, {crop_before} at the start and {crop_after} at the end (with "
            "output_padding {op}); size {stretched} → {padded}."
        ),
        "zh": (
            "第 {axis} 维：padding {padding} > d·(k − 1) = {dk}，等效填充 {pad} 为负数：插零后的输入不是填充而是被裁剪"
            "，开头裁掉 {crop_before} 个，末尾裁掉 {crop_after} 个（含 output_padding {op}）；尺寸 {stretched} → {padde"
            "d}。"
        ),
    },
    "gather.flip.title": {
        "en": "3. Flip the kernel 180° and swap in/out channels per group",
        "zh": "3. 将卷积核旋转 180°，并在每组内交换输入/输出通道",
    },
    "gather.flip.text": {
        "en": (
            "The weight has PyTorch's transposed layout (in_channels, out_channels/groups, *kernel). For the "
            "equivalent convolution every kernel is reversed along each spatial axis, and the kernel from input "
            "channel c to output channel m is flip(w[c, m mod {per_group}])."
        ),
        "zh": (
            "权重采用 PyTorch 转置卷积的布局 (in_channels, out_channels/groups, *kernel)。等效卷积中每个卷积核沿每个空"
            "间维翻转，从输入通道 c 到输出通道 m 的卷积核是 flip(w[c, m mod {per_group}])。"
        ),
    },
    "gather.slide.title": {
        "en": "4. Slide the flipped kernel with stride 1 and sum the products",
        "zh": "4. 以步长 1 滑动翻转后的卷积核，对乘积求和",
    },
    "gather.slide.text": {
        "en": (
            "Each output value is the sum of the flipped kernel times the window of the padded input under it (stride "
            "1, dilation {dilation})."
        ),
        "zh": "每个输出值等于翻转后的卷积核与其覆盖的填充输入窗口逐元素相乘再求和（步长 1，膨胀 {dilation}）。",
    },
    "channels.text": {
        "en": "Output channel {m} (group {g}) sums over input channels {channels}.",
        "zh": "输出通道 {m}（第 {g} 组）是输入通道 {channels} 的结果之和。",
    },
    # ---- scatter view
    "scatter.stamp.title": {
        "en": "1. Each input value times the kernel, stamped stride cells apart",
        "zh": "1. 每个输入值乘以整个卷积核，按步长间隔放到输出上",
    },
    "scatter.stamp.text": {
        "en": (
            "Input cell i puts x[i] · w at output position i·stride (stride {stride}, kernel taps {dilation} apart). "
            "The stamps span (L − 1)·s + d·(k − 1) + 1 = {full}."
        ),
        "zh": (
            "输入位置 i 把 x[i] · w 放到输出位置 i·stride 处（步长 {stride}，卷积核元素间隔 {dilation}）。所有放置覆盖 "
            "(L − 1)·s + d·(k − 1) + 1 = {full}。"
        ),
    },
    "scatter.sum.title": {"en": "2. Add up the overlapping stamps", "zh": "2. 把重叠的部分相加"},
    "scatter.sum.text": {
        "en": (
            "Where stamps overlap their values add; each output channel adds the stamps of its group's input channels."
        ),
        "zh": "放置重叠处数值相加；每个输出通道累加其所在组全部输入通道的放置结果。",
    },
    "scatter.crop.title": {
        "en": "3. Crop padding at both ends, keep output_padding at the end",
        "zh": "3. 两端各裁掉 padding，末尾保留 output_padding",
    },
    "scatter.crop.axis": {
        "en": (
            "axis {axis}: crop padding {padding} at the start and padding − output_padding = {end} at the end; size "
            "{full} → {out}."
        ),
        "zh": (
            "第 {axis} 维：开头裁掉 padding = {padding}，末尾裁掉 padding − output_padding = {end}；尺寸 {full} → {out}"
            "。"
        ),
    },
    "scatter.crop.extend": {
        "en": (
            "axis {axis}: crop padding {padding} at the start; output_padding {op} > padding, so {extend} cell(s) past "
            "the stamps are kept at the end (zeros before the bias); size {full} → {out}."
        ),
        "zh": (
            "第 {axis} 维：开头裁掉 padding = {padding}；output_padding {op} > padding，所以末尾保留 {extend} 个超出放"
            "置范围的位置（加偏置前为零）；尺寸 {full} → {out}。"
        ),
    },
    "scatter.crop.same": {
        "en": (
            "axis {axis}: padding='same' crops {padding} at the start and {end} at the end (the odd cell at the end, "
            "TensorFlow's rule); size {full} → {out}."
        ),
        "zh": (
            "第 {axis} 维：padding='same' 开头裁掉 {padding} 个、末尾裁掉 {end} 个（多出的一个在末尾，与 TensorFlow "
            "相同）；尺寸 {full} → {out}。"
        ),
    },
    "scatter.fold.title": {
        "en": "3. Fold the margins back (padding_mode {mode}) instead of cropping them",
        "zh": (
            "3. 把两端多出的位置加回输出（padding_mode {mode}），而不是裁掉"
        ),
    },
    "scatter.fold.circular": {
        "en": (
            "axis {axis}: nothing is cropped: the {begin} cell(s) before the output wrap around onto its last cells "
            "and the {end} after it onto its first cells, adding in (cell p lands on (p − {begin}) mod {out}); size "
            "{full} → {out}."
        ),
        "zh": (
            "第 {axis} 维：不裁掉位置：输出前面的 {begin} 个位置转到输出末尾，后面的 {end} 个转到输出开头，"
            "数值相加（位置 p 加到 (p − {begin}) mod {out}）；尺寸 {full} → {out}。"
        ),
    },
    "scatter.fold.reflect": {
        "en": (
            "axis {axis}: nothing is cropped: the {begin} cell(s) before the output and the {end} after it add onto "
            "their mirror images inside it, the edge cell not repeated (cell −j lands on j, cell {last} + j on "
            "{last} − j); size {full} → {out}."
        ),
        "zh": (
            "第 {axis} 维：不裁掉位置：输出前面的 {begin} 个和后面的 {end} 个位置加到输出内与之对应的翻转位置上，"
            "边缘位置不计入（位置 −j 加到 j，位置 {last} + j 加到 {last} − j）；尺寸 {full} → {out}。"
        ),
    },
    "scatter.fold.replicate": {
        "en": (
            "axis {axis}: nothing is cropped: the {begin} cell(s) before the output all add onto its first cell and "
            "the {end} after it onto its last cell ({last}); size {full} → {out}."
        ),
        "zh": (
            "第 {axis} 维：不裁掉位置：输出前面的 {begin} 个位置全部加到第一个位置上，"
            "后面的 {end} 个全部加到最后一个位置（{last}）上；尺寸 {full} → {out}。"
        ),
    },
    # ---- matrix view
    "matrix.C.title": {"en": "1. The paired convolution as a matrix C", "zh": "1. 对应的卷积写成矩阵 C"},
    "matrix.C.text": {
        "en": (
            "The convolution paired with this transposed convolution maps the output's shape back to the input's. As a "
            "matrix on flattened arrays it has one row per input cell (c, i) and one column per output cell (m, o): "
            "C[(c, i), (m, o)] = w[c, m, j] where o + padding = i·stride + j·dilation, else 0. Here C is {rows} × "
            "{cols} with {nonzeros} non-zeros."
        ),
        "zh": (
            "与该转置卷积对应的卷积把输出形状映射回输入形状。把数组展平后，它是一个矩阵：每行对应一个输入位置 (c, i)，"
            "每列对应一个输出位置 (m, o)：当 o + padding = i·stride + j·dilation 时 C[(c, i), (m, o)] = w[c, m, j]，否"
            "则为 0。这里 C 是 {rows} × {cols}，有 {nonzeros} 个非零元素。"
        ),
    },
    "matrix.flatten.title": {"en": "2. Flatten the input into a vector x", "zh": "2. 把输入展平成向量 x"},
    "matrix.flatten.text": {
        "en": "Read the input channel by channel, row by row: {count} values.",
        "zh": "按通道、按行读取输入：共 {count} 个数。",
    },
    "matrix.multiply.title": {"en": "3. Multiply: y = Cᵀx", "zh": "3. 相乘：y = Cᵀx"},
    "matrix.multiply.text": {
        "en": (
            "Each y value is a column of C times x: the sum of C[r, col]·x[r] over that column's non-zeros. Reshaped, "
            "y is the output."
        ),
        "zh": "y 的每个值是 C 的一列与 x 的内积：对该列的非零元素求 C[r, col]·x[r] 之和。重新排成输出形状即得到结果。",
    },
    # ---- backward view: the gradient of a convolution, dx = Cᵀ·dy
    "backward.forward.title": {
        "en": "1. The convolution y = conv(x, w) as a matrix: y = C·x",
        "zh": "1. 把卷积 y = conv(x, w) 写成矩阵乘法：y = C·x",
    },
    "backward.forward.text": {
        "en": (
            "Take the convolution with this weight, stride {stride}, padding {padding}, dilation {dilation} and "
            "groups {groups}: it maps x ({x_shape}) to y ({y_shape}). On flattened arrays it is a matrix C with one "
            "row per y cell (m, o) and one column per x cell (c, i): C[(m, o), (c, i)] = w[m, c, j] where i = "
            "o·stride + j·dilation − padding (c counted within m's group), else 0. Here C is {rows} × {cols} with "
            "{nonzeros} non-zeros, and each y value is its row of C times x."
        ),
        "zh": (
            "取权重相同、步长 {stride}、填充 {padding}、膨胀 {dilation}、分组 {groups} 的卷积：它把 x（{x_shape}）映射"
            "为 y（{y_shape}）。把数组展平后，它是一个矩阵 C：每行对应一个 y 位置 (m, o)，每列对应一个 x 位置 (c, i)："
            "当 i = o·stride + j·dilation − padding 时 C[(m, o), (c, i)] = w[m, c, j]（c 在 m 所在的组内计数），否则为 "
            "0。这里 C 是 {rows} × {cols}，有 {nonzeros} 个非零元素；y 的每个值是 C 的一行与 x 的内积。"
        ),
    },
    "backward.forward.default": {
        "en": (
            "x is not given, so it is 1, 2, 3, … in reading order (conv_input= or --conv-input chooses it). x changes "
            "y and dw, never dx."
        ),
        "zh": (
            "没有给出 x，所以按读取顺序取 1, 2, 3, …（可用 conv_input= 或 --conv-input 指定）。x 只影响 y 和 dw，"
            "不影响 dx。"
        ),
    },
    "backward.forward.matrix": {
        "en": (
            "C is the matrix that the matrix view prints for this transposed convolution: one matrix, C in the "
            "convolution's forward pass and Cᵀ in its backward pass."
        ),
        "zh": "C 正是 matrix 视角为这个转置卷积打印的矩阵：同一个矩阵，卷积的前向传播乘 C，反向传播乘 Cᵀ。",
    },
    "backward.upstream.title": {"en": "2. The upstream gradient dy = ∂L/∂y", "zh": "2. 上游梯度 dy = ∂L/∂y"},
    "backward.upstream.text": {
        "en": (
            "Backpropagation hands this layer dy, the gradient of the loss L with respect to each y value: one number "
            "per y cell, shape {shape}. Here dy is the input you gave (the transposed convolution's input)."
        ),
        "zh": (
            "反向传播时，后面的层把 dy 传回来：损失 L 对每个 y 值的梯度，每个 y 位置一个数，形状 {shape}。这里 dy 就是"
            "你给出的输入（也就是转置卷积的输入）。"
        ),
    },
    "backward.input.title": {
        "en": "3. dx = Cᵀ·dy: each x cell collects the dy of every y it fed",
        "zh": "3. dx = Cᵀ·dy：每个 x 位置收集它参与计算的每个 y 的 dy",
    },
    "backward.input.text": {
        "en": (
            "y = C·x, so ∂y[r]/∂x[col] = C[r, col], and the chain rule gives dx[col] = Σ_r C[r, col]·dy[r]: column "
            "col of C (row col of Cᵀ) times dy. Each x cell gets dy times the weight it was multiplied by, summed over "
            "the y cells it reached."
        ),
        "zh": (
            "由 y = C·x 得 ∂y[r]/∂x[col] = C[r, col]，再由链式法则得 dx[col] = Σ_r C[r, col]·dy[r]：C 的第 col 列（即 "
            "Cᵀ 的第 col 行）与 dy 的内积。每个 x 位置得到的是：它参与计算的每个 y 的 dy 乘以当时所乘的权重，再求和。"
        ),
    },
    "backward.weight.title": {"en": "4. dw: the correlation of x with dy", "zh": "4. dw：x 与 dy 的互相关"},
    "backward.weight.text": {
        "en": (
            "The weight w[m, c, j] multiplies x[c, o·stride + j·dilation − padding] in every y cell (m, o), so dw[m, "
            "c, j] = Σ_o dy[m, o]·x[c, o·stride + j·dilation − padding], summed over the batch too (x is 0 in the "
            "padding): the correlation of x with dy as the kernel, its taps stride apart."
        ),
        "zh": (
            "权重 w[m, c, j] 在每个 y 位置 (m, o) 都乘以 x[c, o·stride + j·dilation − padding]，所以 dw[m, c, j] = "
            "Σ_o dy[m, o]·x[c, o·stride + j·dilation − padding]，也对 batch 求和（填充处的 x 为 0）：也就是以 dy 为卷积"
            "核、元素间隔为步长，与 x 做互相关。"
        ),
    },
    "backward.weight.bias": {
        "en": "A bias of the convolution would get db[{m}] = Σ dy[{m}] = {sum}.",
        "zh": "如果卷积有偏置，它的梯度是 db[{m}] = Σ dy[{m}] = {sum}。",
    },
    "backward.weight.check": {
        "en": "tconv's correlation of x with dy gives the same dw (largest difference {diff}).",
        "zh": "用 tconv 直接计算 x 与 dy 的互相关，得到相同的 dw（最大差 {diff}）。",
    },
    "backward.output.title": {
        "en": "5. dx is the transposed convolution of dy with the same weight",
        "zh": "5. dx 就是用同一个权重对 dy 做转置卷积",
    },
    "backward.output.text": {
        "en": (
            "conv_transpose(dy, w, stride={stride}, padding={padding}, output_padding={op}, dilation={dilation}, "
            "groups={groups}) gives the dx of step 3 entry by entry (largest difference {diff}): a transposed "
            "convolution multiplies by Cᵀ, so its forward pass is the convolution's backward pass. output_padding "
            "{op} makes its shape x's, {shape}."
        ),
        "zh": (
            "conv_transpose(dy, w, stride={stride}, padding={padding}, output_padding={op}, dilation={dilation}, "
            "groups={groups}) 的结果与第 3 步的 dx 逐元素相同（最大差 {diff}）：转置卷积就是乘以 Cᵀ，所以它的前向传播正"
            "是卷积的反向传播。output_padding 取 {op}，使它的形状等于 x 的形状 {shape}。"
        ),
    },
    # ---- the output
    "output.title": {"en": "Output", "zh": "输出"},
    "output.bias": {
        "en": "Add the bias last: {bias} to every cell of output channel {m}, output_padding cells included.",
        "zh": "最后加上偏置：输出通道 {m} 的每个位置（包括 output_padding 的位置）加 {bias}。",
    },
    "output.text": {
        "en": "Output shape {shape}: the same numbers as tconv.conv_transpose and PyTorch.",
        "zh": "输出形状 {shape}：与 tconv.conv_transpose 和 PyTorch 的结果相同。",
    },
    "output.text_mode": {
        "en": "Output shape {shape}: the same numbers as tconv.conv_transpose. PyTorch's ConvTranspose has no padding "
              "mode; these are the gradient of its convolution with that padding mode (the layer's to_torch_code() "
              "computes them in torch).",
        "zh": "输出形状 {shape}：与 tconv.conv_transpose 的结果相同。PyTorch 的 ConvTranspose 没有 padding_mode；"
              "这些数是带该填充模式的卷积的梯度（层的 to_torch_code() 在 torch 中算出同样的数）。",
    },
    # ---- grid labels
    "label.input": {"en": "x{idx}", "zh": "x{idx}"},
    "label.stretched": {"en": "x{idx} with zeros inserted", "zh": "插零后的 x{idx}"},
    "label.padded": {"en": "x{idx} padded", "zh": "填充后的 x{idx}"},
    "label.kernel": {"en": "w[{c}, {ml}]", "zh": "w[{c}, {ml}]"},
    "label.flipped": {
        "en": "flip(w[{c}, {ml}]): input channel {c} → output channel {m}",
        "zh": "flip(w[{c}, {ml}])：输入通道 {c} → 输出通道 {m}",
    },
    "label.output": {"en": "y{idx}", "zh": "y{idx}"},
    "label.stamp": {
        "en": "x{idx}({at}) = {x} → {x} · w[{c}, {ml}] at position ({offset}) of output channel {m}",
        "zh": "x{idx}({at}) = {x} → {x} · w[{c}, {ml}] 放到输出通道 {m} 的位置 ({offset})",
    },
    "label.full": {"en": "all stamps added{idx}", "zh": "放置结果之和{idx}"},
    "label.cropped": {"en": "y{idx} before the bias", "zh": "加偏置前的 y{idx}"},
    "label.C": {"en": "C", "zh": "C"},
    "label.xflat": {"en": "x flattened{idx}", "zh": "展平的 x{idx}"},
    "label.yflat": {"en": "y = Cᵀx{idx}", "zh": "y = Cᵀx{idx}"},
    "label.cx": {"en": "y{idx} = C·x", "zh": "y{idx} = C·x"},
    "label.dy": {"en": "dy{idx} = ∂L/∂y{idx}", "zh": "dy{idx} = ∂L/∂y{idx}"},
    "label.dx": {"en": "dx{idx} = Cᵀ·dy", "zh": "dx{idx} = Cᵀ·dy"},
    "label.dw": {"en": "dw[{c}, {ml}]", "zh": "dw[{c}, {ml}]"},
    "label.transposed": {"en": "conv_transpose(dy, w){idx}", "zh": "conv_transpose(dy, w){idx}"},
    # ---- writer words
    "word.legend": {"en": "legend", "zh": "图例"},
    "word.view": {"en": "view", "zh": "视角"},
    "word.parameters": {"en": "parameters", "zh": "参数"},
    "view.gather": {"en": "gather (zero insertion, padding, flipped kernel)", "zh": "gather（插零、填充、翻转卷积核）"},
    "view.scatter": {"en": "scatter (stamp the kernel, add, crop)", "zh": "scatter（放置卷积核、相加、裁剪）"},
    "view.matrix": {"en": "matrix (y = Cᵀx)", "zh": "矩阵（y = Cᵀx）"},
    "view.backward": {
        "en": "backward (a convolution's gradient: y = C·x, so dx = Cᵀ·dy = conv_transpose(dy, w))",
        "zh": "反向传播（卷积的梯度：y = C·x，所以 dx = Cᵀ·dy = conv_transpose(dy, w)）",
    },
    # ---- scenes (tconv.animate, tconv.overlap(...).scene()): everything a picture draws
    "scene.title.gather": {
        "en": "{kind}  {params}:  {src} → {dst}  (gather: as a direct convolution)",
        "zh": "{kind}  {params}：{src} → {dst}（gather：等效的直接卷积）",
    },
    "scene.title.scatter": {
        "en": "{kind}  {params}:  {src} → {dst}  (scatter: stamps added)",
        "zh": "{kind}  {params}：{src} → {dst}（scatter：放置并相加）",
    },
    "scene.title.conv": {
        "en": "{kind}  {params}:  {src} → {dst}",
        "zh": "{kind}  {params}：{src} → {dst}（逐窗口计算）",
    },
    "scene.label.input": {"en": "input {shape}", "zh": "输入 {shape}"},
    "scene.label.stretched": {
        "en": "input {shape}: zeros inserted, padded (before/after) {pads} → {padded}",
        "zh": "输入 {shape}：插入零，填充（前/后）{pads} → {padded}",
    },
    "scene.label.padded": {"en": "input {shape}, padded → {padded}", "zh": "输入 {shape}，填充后 → {padded}"},
    "scene.label.output": {"en": "output {shape}", "zh": "输出 {shape}"},
    "scene.label.kernel": {"en": "kernel {shape}", "zh": "卷积核 {shape}"},
    "scene.label.flipped": {"en": "flipped 180° (used)", "zh": "旋转 180°（实际使用）"},
    "scene.label.sums": {
        "en": "stamps summed ({buffer}); kept: output {shape}",
        "zh": "放置结果之和（{buffer}）；保留：输出 {shape}",
    },
    "scene.caption.gather": {
        "en": "output ({pos}) = Σ flipped kernel × window{value}",
        "zh": "输出 ({pos}) = Σ 翻转的卷积核 × 窗口{value}",
    },
    "scene.caption.conv": {"en": "output ({pos}) = Σ kernel × window{value}",
                           "zh": "输出 ({pos}) = Σ 卷积核 × 窗口{value}"},
    "scene.caption.max": {"en": "output ({pos}) = max of window{value}", "zh": "输出 ({pos}) = 窗口的最大值{value}"},
    "scene.caption.avg": {"en": "output ({pos}) = mean of window{value}", "zh": "输出 ({pos}) = 窗口的平均值{value}"},
    "scene.caption.scatter": {
        "en": "input ({pos}){value} stamps value × kernel",
        "zh": "输入 ({pos}){value} 放置 数值 × 卷积核",
    },
    "mark.footprint": {"en": "kernel footprint", "zh": "卷积核覆盖区域"},
    "mark.highlight": {"en": "current cell", "zh": "当前格"},
    "overlap.label": {
        "en": "taps per output cell after {layers} layer(s): {shape}",
        "zh": "{layers} 层之后每个输出格的乘积数：{shape}",
    },
    "overlap.title": {"en": "overlap  {params}  ×{layers}: {verdict}", "zh": "重叠  {params}  ×{layers}：{verdict}"},
    "overlap.even": {"en": "even", "zh": "均匀"},
    "overlap.uneven": {"en": "uneven (checkerboard)", "zh": "不均匀（棋盘格）"},
    "overlap.summary.even": {
        "en": "even overlap: {spread} taps per cell (less only at the borders)",
        "zh": "均匀重叠：每格 {spread} 个乘积（只有边缘更少）",
    },
    "overlap.summary.uneven": {
        "en": "uneven (checkerboard): {spread} taps per cell{fix}",
        "zh": "不均匀（棋盘格）：每格 {spread} 个乘积{fix}",
    },
    "overlap.fix.kernel": {"en": "; even with kernel_size {sizes}", "zh": "；kernel_size 取 {sizes} 时均匀"},
    "overlap.fix.none": {"en": "; change the dilation or stride", "zh": "；请改变 dilation 或 stride"},
    "word.or": {"en": " or ", "zh": " 或 "},
    "overlap.message.even": {
        "en": "even overlap: every interior output cell receives the same number of taps ({taps} per layer)",
        "zh": "均匀重叠：每个内部输出格得到相同数量的乘积（每层 {taps} 个）",
    },
    "overlap.message.uneven": {
        "en": "uneven overlap (checkerboard): {axes}. After {layers} layer(s) the cells receive {spread} taps",
        "zh": "不均匀重叠（棋盘格）：{axes}。{layers} 层之后每格得到 {spread} 个乘积",
    },
    "overlap.message.fix": {
        "en": (
            "axis {axis}: kernel_size {kernel} with stride {stride} gives {phases} taps per output phase; kernel_size "
            "{sizes} would make it even ({rule})"
        ),
        "zh": (
            "第 {axis} 维：kernel_size {kernel}、步长 {stride} 时各输出相位得到 {phases} 个乘积；kernel_size 取 "
            "{sizes} 时均匀（{rule}）"
        ),
    },
    "overlap.message.nofix": {
        "en": (
            "axis {axis}: kernel_size {kernel} with stride {stride} gives {phases} taps per output phase; no kernel "
            "size makes it even with dilation {dilation} and stride {stride} (they share a factor): change the "
            "dilation or the stride"
        ),
        "zh": (
            "第 {axis} 维：kernel_size {kernel}、步长 {stride} 时各输出相位得到 {phases} 个乘积；没有使其均匀的 "
            "kernel_size（膨胀 {dilation} 与步长 {stride} 有公共素数）：请改变 dilation 或 stride"
        ),
    },
    "overlap.rule.multiple": {"en": "a multiple of the stride", "zh": "kernel_size = 整数 × 步长"},
    "overlap.rule.dilation": {"en": "even with dilation {dilation}", "zh": "膨胀为 {dilation}"},
    "overlap.spread": {"en": "{lo} to {hi}", "zh": "{lo} 到 {hi}"},
    "word.semicolon": {"en": "; ", "zh": "；"},
}


#: Arguments that are sizes print as ``3 × 4``, positions as ``1, 2`` (the template adds the parentheses), other
#: sequences (per-axis parameters) as ``(1, 2)``.
SIZE_ARGS = frozenset({"shape", "full", "x_shape", "y_shape"})
POSITION_ARGS = frozenset({"at", "offset"})
#: Computed numbers print as walkthroughs print them (4 significant digits, 0 for 0.0).
NUMBER_ARGS = frozenset({"diff", "sum"})


# Derived entries: the relation titles (English from tconv.shapes) and the role words (tconv.roles), so a title or
# a legend word is changed in one place and every language follows the same keys.
CATALOGUE |= {f"relation.{n}": {"en": title, "zh": RELATION_TITLES_ZH[n]} for n, title in RELATION_TITLES.items()}
CATALOGUE |= {f"relation.general.{kind}": {"en": title, "zh": GENERAL_TITLES_ZH[kind]}
              for kind, title in GENERAL_TITLES.items()}
CATALOGUE |= {f"role.{role}": {lang: words[lang] for lang in LANGS} for role, words in ROLE_WORDS.items()}


def _fmt(key: str, value: Any) -> str:
    if key in NUMBER_ARGS:
        return format_number(value)
    if isinstance(value, list | tuple):
        if key in SIZE_ARGS:
            return " × ".join(map(str, value))
        if key in POSITION_ARGS:
            return ", ".join(map(str, value))
        return str(value[0]) if len(value) == 1 else "(" + ", ".join(map(str, value)) + ")"
    return str(value)


def render(key: str, lang: str, args: dict[str, Any]) -> str:
    """The message ``key`` in ``lang`` with ``args`` substituted.

    >>> render("scene.label.input", "en", {"shape": (3, 4)}), render("scene.label.input", "zh", {"shape": [5]})
    ('input 3 × 4', '输入 5')
    """
    lang = as_choice("lang", lang, LANGS)
    return CATALOGUE[key][lang].format(**{k: _fmt(k, v) for k, v in args.items()})


def relation_title(relation: dict[str, Any], lang: str) -> str:
    """The title of a layer report's ``relation`` entry in ``lang``: the guide's relation by its number, else the
    general formula's case.

    >>> relation_title({"number": 14, "title": "…"}, "zh"), relation_title({"number": None,
    ...                                                      "title": "dilated transposed convolution"}, "zh")
    ('转置卷积：有填充，步长大于 1，a = output_padding', '空洞（膨胀）转置卷积')
    """
    if relation["number"] is not None:
        return render(f"relation.{relation['number']}", lang, {})
    kind = next(kind for kind, title in GENERAL_TITLES.items() if title == relation["title"])
    return render(f"relation.general.{kind}", lang, {})
