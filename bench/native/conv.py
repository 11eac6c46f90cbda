"""Native peer of bench/conv.bench.ts: one torch Conv2d layer, forward and forward + backward.

  conv.py SAMPLES CASE ...   CASE = name=batch,inC,outC,kernel,height,width,dx (dx 0 or 1)

One JSON line per case and mode: {"case", "mode": "forward" | "train", "ms", "cpuMs"}, each the
median over SAMPLES batches of calls lasting >= 50 ms. The step is the bench's: y = conv(x),
mean squared error against fixed targets, backward to the weight and bias (and to x where dx is
1, as the second layer of a network needs). The caller sets the thread environment; the torch
thread count is set to 1 here as well.
"""
import json
import sys
import time


def median(values):
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def timed(fn, samples):
    """Median ms per call (wall, CPU) over `samples` batches of calls lasting >= 50 ms, after warming up."""
    calls, start = 0, time.perf_counter()
    while calls < 3 or time.perf_counter() - start < 0.3:
        fn()
        calls += 1
    per_call = (time.perf_counter() - start) / calls
    batch = max(1, int(0.05 / per_call + 0.999))
    walls, cpus = [], []
    for _ in range(samples):
        w0, c0 = time.perf_counter(), time.process_time()
        for _ in range(batch):
            fn()
        walls.append((time.perf_counter() - w0) * 1000 / batch)
        cpus.append((time.process_time() - c0) * 1000 / batch)
    return median(walls), median(cpus)


def main():
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    samples = int(sys.argv[1])
    for spec in sys.argv[2:]:
        name, dims = spec.split("=")
        batch, in_c, out_c, kernel, height, width, dx = (int(d) for d in dims.split(","))
        conv = torch.nn.Conv2d(in_c, out_c, kernel)
        x = torch.rand(batch, in_c, height, width, requires_grad=bool(dx))
        target = torch.randn(batch, out_c, height - kernel + 1, width - kernel + 1)

        def forward():
            with torch.no_grad():
                conv(x)

        def train():
            conv.zero_grad(set_to_none=True)
            if x.grad is not None:
                x.grad = None
            loss = torch.nn.functional.mse_loss(conv(x), target)
            loss.backward()

        for mode, fn in (("forward", forward), ("train", train)):
            ms, cpu_ms = timed(fn, samples)
            sys.stdout.write(json.dumps({"case": name, "mode": mode, "ms": ms, "cpuMs": cpu_ms}) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
