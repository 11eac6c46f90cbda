"""Native peers for nninit's benches: numpy sgemm, torch MLP training, scikit-learn BernoulliRBM.

Run by the TypeScript benches (bench/native.ts), one subcommand per process:
  check                      JSON: which of numpy / torch / sklearn import, versions, BLAS core
  gemm-serve M,N,K ...       serves `warm <case>` / `sample <case>` / `exit` on stdin like the
                             GEMM bench's JS peers (one JSON reply per line)
  mlp DATA THREADS EPOCHS    torch 784-256-256-10 training; one JSON line
  rbm DATA EPOCHS            scikit-learn BernoulliRBM 784 -> 256; one JSON line
DATA is the path prefix of DATA.x.f32 (rows x 784 float32, row-major) and DATA.y.u8 (labels),
written by the bench from the same MNIST digits nninit trains on.
The caller sets the thread environment (OPENBLAS_NUM_THREADS, OMP_NUM_THREADS).
"""
import json
import sys
import time


def reply(value):
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


def clocks():
    return time.perf_counter(), time.process_time()


def elapsed(start):
    wall0, cpu0 = start
    wall1, cpu1 = clocks()
    return wall1 - wall0, cpu1 - cpu0


def blas_core():
    """OpenBLAS's build config and the kernel core it picked at run time, where numpy links it."""
    import ctypes
    import ctypes.util

    for name in ("libopenblas.so.0", "libblas.so.3", ctypes.util.find_library("openblas")):
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
            return "OpenBLAS %s, core %s" % (
                lib.openblas_get_config().decode().split(" ")[1] if lib.openblas_get_config() else "?",
                lib.openblas_get_corename().decode(),
            )
        except (OSError, AttributeError, IndexError):
            continue
    return "BLAS without OpenBLAS's core query"


def check():
    found = {"python": sys.version.split()[0]}
    try:
        import numpy

        found["numpy"] = numpy.__version__
        found["blas"] = blas_core()
    except ImportError:
        found["numpy"] = None
    try:
        import torch

        found["torch"] = torch.__version__
    except ImportError:
        found["torch"] = None
    try:
        import sklearn

        found["sklearn"] = sklearn.__version__
    except ImportError:
        found["sklearn"] = None
    reply(found)


def load(prefix):
    import numpy as np

    y = np.fromfile(prefix + ".y.u8", dtype=np.uint8)
    x = np.fromfile(prefix + ".x.f32", dtype=np.float32).reshape(len(y), 784)
    return x, y


def gemm_serve(shapes):
    import numpy as np

    rng = np.random.default_rng(0)
    cases = {}
    for shape in shapes:
        name, dims = shape.split("=")
        m, n, k = (int(d) for d in dims.split(","))
        a = rng.random((m, k), dtype=np.float32) - 0.5
        b = rng.random((k, n), dtype=np.float32) - 0.5
        c = np.empty((m, n), dtype=np.float32)
        cases[name] = (lambda a=a, b=b, c=c: np.matmul(a, b, out=c))
    batches = {}
    reply({"cases": list(cases)})
    for line in sys.stdin:
        command, _, name = line.rstrip("\n").partition(" ")
        if command == "exit":
            break
        fn = cases[name]
        if command == "warm":
            calls, start = 0, time.perf_counter()
            while calls < 3 or time.perf_counter() - start < 0.15:
                fn()
                calls += 1
            ms = (time.perf_counter() - start) * 1000
            batches[name] = max(1, int(-(-2 * calls // ms)))
            reply({"warm": True})
        else:
            batch = batches.get(name, 1)
            start = clocks()
            for _ in range(batch):
                fn()
            wall, cpu = elapsed(start)
            reply({"wallMs": wall * 1000 / batch, "cpuMs": cpu * 1000 / batch})


def mlp(prefix, threads, epochs):
    import numpy as np
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(1)
    x_np, y_np = load(prefix)
    x = torch.from_numpy(x_np)
    y = torch.from_numpy(y_np.astype(np.int64))
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 256),
        torch.nn.ReLU(),
        torch.nn.Linear(256, 256),
        torch.nn.ReLU(),
        torch.nn.Linear(256, 10),
    )
    # Same initialization as the JS peers: Glorot uniform weights, zero biases.
    for layer in model:
        if isinstance(layer, torch.nn.Linear):
            torch.nn.init.xavier_uniform_(layer.weight)
            torch.nn.init.zeros_(layer.bias)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    rows, batch = len(y), 100

    def epoch():
        order = torch.randperm(rows)
        for first in range(0, rows, batch):
            index = order[first : first + batch]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[index]), y[index])
            loss.backward()
            optimizer.step()

    epoch()  # warm-up, like the JS peers
    times = []
    for _ in range(epochs):
        start = clocks()
        epoch()
        times.append(elapsed(start))
    wall = sorted(t[0] for t in times)[len(times) // 2]
    cpu = sorted(t[1] for t in times)[len(times) // 2]
    reply({"peer": "torch-%d" % threads, "wallSamplesPerSecond": rows / wall, "cpuSamplesPerSecond": rows / cpu, "threads": torch.get_num_threads()})


def rbm(prefix, epochs):
    from sklearn.neural_network import BernoulliRBM

    x, _ = load(prefix)

    def train(n_iter):
        BernoulliRBM(n_components=256, learning_rate=0.05, batch_size=100, n_iter=n_iter, random_state=1).fit(x)

    train(1)  # warm-up, like the JS peers
    start = clocks()
    train(epochs)
    wall, cpu = elapsed(start)
    reply({"peer": "sklearn", "wallSeconds": wall, "cpuSeconds": cpu, "samples": epochs * len(x)})


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "check":
        check()
    elif command == "gemm-serve":
        gemm_serve(args)
    elif command == "mlp":
        mlp(args[0], int(args[1]), int(args[2]))
    elif command == "rbm":
        rbm(args[0], int(args[1]))
    else:
        raise SystemExit("unknown command " + command)
