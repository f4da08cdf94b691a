"""PyTorch peer of `pnpm bench`: forward and input-gradient time of an ONNX image classifier.

The ONNX graph (Conv, BatchNormalization, Relu, Clip, Add, MaxPool, GlobalAveragePool, Flatten, Gemm, Identity,
Softmax: ResNet-18, MobileNetV2, ResNet-20) is executed op by op with torch functions, weights
copied from its initializers as frozen tensors (no parameter gradients). Eager PyTorch runs a module
the same way, so this is what a user's `nn.Module` costs on CPU. Prints one JSON object.

Threads: exactly --threads for every pool that computes (torch's intra-op pool, OpenMP, MKL and
the BLAS that Debian's torch links, OpenBLAS, whose own pthread pool ignores
`torch.set_num_threads` and would otherwise start one thread per core and spin-wait in it), one
inter-op thread; the counts actually in force are reported (`threads`, `interopThreads`,
`blasThreads`) so that the runner can refuse a mismatch. Warm-up: --warmup calls of each kind
before anything is timed.

Input: x[i] = sin(i) * 0.5 over the flat [1, C, H, W] input (the same in the JavaScript runner);
gradient seed: 0.01 on every logit.

Usage: python3 torch_peer.py MODEL.onnx --threads N --reps R [--dims 1,3,224,224]
       [--input input] [--output logits] [--grad-out FILE] [--logits-out FILE]
"""

import argparse
import ctypes
import json
import os
import sys
import time


def pin_threads(threads):
    """Thread-count environment of every native pool; must run before torch is imported."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(threads)
    # Idle OpenMP threads must not spin while the other runners compute.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def blas_threads(threads):
    """Sets and reads OpenBLAS's pool size in the BLAS this process has loaded (None: not OpenBLAS)."""
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line and ".so" in line}
    except OSError:
        return None
    for lib in sorted(libs):
        try:
            h = ctypes.CDLL(lib)
            h.openblas_set_num_threads(threads)
            return h.openblas_get_num_threads()
        except (OSError, AttributeError):
            continue
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--warmup", type=int, default=3, help="untimed calls of each kind first")
    ap.add_argument("--dims", default="1,3,224,224")
    ap.add_argument("--input", default="input")
    ap.add_argument("--output", default="logits")
    ap.add_argument("--grad-out")
    ap.add_argument("--logits-out")
    ap.add_argument(
        "--serve",
        action="store_true",
        help="after warm-up, time one call per stdin line ('forward' or 'gradient'), print ms",
    )
    args = ap.parse_args()
    pin_threads(args.threads)
    try:
        import numpy as np
        import onnx
        import torch
        import torch.nn.functional as F
        from onnx import numpy_helper
    except ImportError as e:  # reported, not raised: the runner skips the peer
        print(json.dumps({"skipped": f"PyTorch peer needs python3-torch and python3-onnx ({e})"}))
        return

    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    blas = blas_threads(args.threads)
    m = onnx.load(args.model)
    g = m.graph
    weights = {
        t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in g.initializer
    }
    for n in g.node:
        if n.op_type == "Constant":
            weights[n.output[0]] = torch.from_numpy(
                numpy_helper.to_array(n.attribute[0].t).copy()
            )

    def attrs(node):
        return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}

    nodes = [(n, attrs(n)) for n in g.node if n.op_type != "Constant"]

    def run(x):
        env = dict(weights)
        env[args.input] = x
        for n, a in nodes:
            i = [env[k] if k else None for k in n.input]
            op = n.op_type
            if op == "Conv":
                pads = a.get("pads", [0, 0, 0, 0])
                h = i[0]
                if pads[0] == pads[2] and pads[1] == pads[3]:
                    padding = (pads[0], pads[1])
                else:
                    h = F.pad(h, (pads[1], pads[3], pads[0], pads[2]))
                    padding = 0
                y = F.conv2d(
                    h,
                    i[1],
                    i[2] if len(i) > 2 else None,
                    stride=tuple(a.get("strides", [1, 1])),
                    padding=padding,
                    dilation=tuple(a.get("dilations", [1, 1])),
                    groups=a.get("group", 1),
                )
            elif op == "BatchNormalization":
                y = F.batch_norm(
                    i[0], i[3], i[4], i[1], i[2], training=False, eps=a.get("epsilon", 1e-5)
                )
            elif op == "Relu":
                y = F.relu(i[0])
            elif op == "Clip":
                lo = float(i[1]) if len(i) > 1 and i[1] is not None else a.get("min")
                hi = float(i[2]) if len(i) > 2 and i[2] is not None else a.get("max")
                y = torch.clamp(i[0], lo, hi)
            elif op == "Add":
                y = i[0] + i[1]
            elif op == "MaxPool":
                pads = a.get("pads", [0, 0, 0, 0])
                assert pads[0] == pads[2] and pads[1] == pads[3]
                y = F.max_pool2d(
                    i[0],
                    tuple(a["kernel_shape"]),
                    tuple(a.get("strides", [1, 1])),
                    (pads[0], pads[1]),
                    ceil_mode=bool(a.get("ceil_mode", 0)),
                )
            elif op == "GlobalAveragePool":
                y = i[0].mean(dim=(2, 3), keepdim=True)
            elif op == "Flatten":
                y = torch.flatten(i[0], a.get("axis", 1))
            elif op == "Gemm":
                b = i[1].t() if a.get("transB", 0) else i[1]
                y = a.get("alpha", 1.0) * (i[0] @ b)
                if len(i) > 2:
                    y = y + a.get("beta", 1.0) * i[2]
            elif op == "Identity":
                y = i[0]
            elif op == "Softmax":
                y = torch.softmax(i[0], a.get("axis", -1))
            else:
                raise NotImplementedError(f"torch peer: op {op}")
            env[n.output[0]] = y
        return env[args.output]

    dims = [int(d) for d in args.dims.split(",")]
    size = int(np.prod(dims))
    x0 = torch.from_numpy((np.sin(np.arange(size, dtype=np.float64)) * 0.5).astype(np.float32))
    x0 = x0.reshape(dims)

    def forward():
        with torch.no_grad():
            return run(x0)

    def gradient():
        x = x0.clone().requires_grad_(True)
        out = run(x)
        (out.sum() * 0.01).backward()
        return x.grad

    for _ in range(max(1, args.warmup)):  # warm-up: allocator, oneDNN primitives, caches
        forward()
        gradient()
    info = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "interopThreads": torch.get_num_interop_threads(),
        "blasThreads": blas,
    }
    if args.serve:
        # Interleaved with the JavaScript runner's own runs: one timed call per command.
        print(json.dumps({"ready": True, **info}))
        sys.stdout.flush()
        calls = {"forward": forward, "gradient": gradient}
        for line in sys.stdin:
            cmd = line.strip()
            if cmd not in calls:
                break
            t = time.perf_counter()
            calls[cmd]()
            print(json.dumps({"ms": (time.perf_counter() - t) * 1000}))
            sys.stdout.flush()
        if args.grad_out:
            gradient().numpy().astype(np.float32).tofile(args.grad_out)
        print(json.dumps({"done": True}))
        return
    ft, gt = [], []
    for _ in range(args.reps):  # interleaved, like the JavaScript runner
        t = time.perf_counter()
        forward()
        ft.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        gradient()
        gt.append((time.perf_counter() - t) * 1000)
    if args.logits_out:
        forward().numpy().astype(np.float32).tofile(args.logits_out)
    if args.grad_out:
        gradient().numpy().astype(np.float32).tofile(args.grad_out)
    print(
        json.dumps(
            {
                **info,
                "forwardMs": ft,
                "gradientMs": gt,
            }
        )
    )


if __name__ == "__main__":
    sys.exit(main())
