#!/usr/bin/python3
"""Generate the microscope test fixture: a network whose channels detect known colours and shapes.

``test/fixtures/microscope/detectors.onnx`` is a hand-weighted ONNX model (no training), so the
semantic-dictionary test knows by construction which channel must come first where:

* input ``input`` N×3×32×32, RGB in [0, 1] (pixel / 255, mean 0, std 1);
* ``detectors`` = ReLU(Conv 3×3, pad 1), four channels:
  0 red    = R − G − B − 0.3 (centre tap only)
  1 green  = G − R − B − 0.3
  2 blue   = B − R − G − 0.3
  3 a thin vertical bright line: the luminance (R + G + B) / 3 filtered by [−1, 2, −1] across
    columns (summed over three rows), − 1.5: a 1-px white line gives 4.5, flat regions 0 − 1.5,
    the edge of a filled primary-coloured square 1 − 1.5, so only lines fire;
* ``logits`` = Gemm(Flatten(GlobalAveragePool(detectors))) with weights 10·I: class k is
  "much of detector k".

Regenerate (Debian python3-onnx 1.12; the tests never run Python)::

    /usr/bin/python3 tools/microscope_fixtures.py
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "microscope", "detectors.onnx")


def main() -> None:
    w = np.zeros((4, 3, 3, 3), dtype=np.float32)
    for k in range(3):
        w[k, :, 1, 1] = -1.0
        w[k, k, 1, 1] = 1.0
    for c in range(3):
        w[3, c, :, 0] = -1.0 / 3
        w[3, c, :, 1] = 2.0 / 3
        w[3, c, :, 2] = -1.0 / 3
    b = np.array([-0.3, -0.3, -0.3, -1.5], dtype=np.float32)
    fc = (10.0 * np.eye(4)).astype(np.float32)
    fcb = np.zeros(4, dtype=np.float32)
    nodes = [
        helper.make_node("Conv", ["input", "conv.weight", "conv.bias"], ["conv"], name="conv",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["conv"], ["detectors"], name="detectors"),
        helper.make_node("GlobalAveragePool", ["detectors"], ["pool"], name="pool"),
        helper.make_node("Flatten", ["pool"], ["features"], name="flatten", axis=1),
        helper.make_node("Gemm", ["features", "fc.weight", "fc.bias"], ["logits"], name="fc",
                         transB=1),
    ]
    graph = helper.make_graph(
        nodes,
        "detectors",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, 32, 32])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 4])],
        [numpy_helper.from_array(w, "conv.weight"), numpy_helper.from_array(b, "conv.bias"),
         numpy_helper.from_array(fc, "fc.weight"), numpy_helper.from_array(fcb, "fc.bias")],
    )
    model = helper.make_model(graph, producer_name="fv-tools", opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    onnx.checker.check_model(model)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    onnx.save(model, OUT)
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
