"""Search latency and recall@10 against exact search, on synthetic 384-d normalised vectors.

    PYTHONPATH=. python bench/search.py [--sizes 10000,100000,1000000] [--kinds flat,hnsw,ivf]

For each size, the index kinds are built the way paramsbot builds them (``bot.index.make_index``
with ``IndexSettings``' HNSW parameters; IVF is here only for comparison, paramsbot does not build
it), written to disk and opened memory-mapped as paramsbot opens them. Then:

- latency: one query at a time on one FAISS thread (as paramsbot answers a question), k=10, over
  --queries queries after a warm-up, with the index file in the OS file cache (it is read once
  first; straight after a reboot, the first queries on a memory-mapped index wait for the disk);
  printed as median (min–max) and p95, in milliseconds;
- recall@10: the share of exact search's top 10 (``IndexFlatIP``) the index returns, over 1,000
  queries; for HNSW at several efSearch values, for IVF at several nprobe values.

The vectors: with ``--data clustered`` (the default), a mixture of Gaussian clusters on the
sphere, about 1,000 vectors per cluster, each vector as far from its cluster's centre as the
centre is from the origin, and queries drawn from the same mixture: a query's nearest vectors have
cosine ~0.6 (as a question and its passage do with all-MiniLM-L6-v2), other clusters ~0, and
inside a cluster the order is decided by 384-d noise. ``--data uniform`` draws uniformly on the
sphere: no vector is much closer than any other (top-1 cosine ~0.2, top-10 ~0.19), which is no
retrieval problem at all and the worst case for any approximate index.

Vectors, queries, exact answers and built indexes are cached in --cache (default
/tmp/paramsbot-bench-search), because a 1M HNSW graph takes minutes to build on 2 cores; each
index's build time is kept beside it and printed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import faiss
import numpy as np
from common import machine

from bot.index import FLAT, IndexSettings, faiss_threads, make_index

DIMENSION = 384
EF_SEARCH = (16, 32, 64, 96, 128, 256)
NPROBE = (1, 4, 16, 64)


def vectors(n: int, kind: str, seed: int, clusters: int) -> np.ndarray:
    """n normalised float32 vectors (see the module docstring), generated in slices to save memory.

    Clustered vectors of one dataset and its queries share the same ``clusters`` centres."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, DIMENSION), dtype="float32")
    centres = np.random.default_rng(12345).standard_normal((clusters, DIMENSION), dtype="float32")
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    for start in range(0, n, 100_000):
        rows = min(100_000, n - start)
        noise = rng.standard_normal((rows, DIMENSION), dtype="float32")
        if kind == "clustered":
            noise /= np.sqrt(DIMENSION)  # about as long as a centre
            noise += centres[rng.integers(0, clusters, rows)]
        out[start:start + rows] = noise / np.linalg.norm(noise, axis=1, keepdims=True)
    return out


def cached(path: Path, make):  # type: ignore[no-untyped-def]
    if path.exists():
        return np.load(path, allow_pickle=False)
    value = make()
    np.save(path, value, allow_pickle=False)
    return value


def open_mapped(path: Path) -> faiss.Index:
    return faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)


def build_or_load(path: Path, build) -> tuple[faiss.Index, str]:  # type: ignore[no-untyped-def]
    """The index at path (built and saved first if needed), and how long its build took."""
    timing = path.with_name(path.name + ".json")
    if not path.exists():
        started = time.perf_counter()
        index = build()
        seconds = time.perf_counter() - started
        faiss.write_index(index, str(path) + ".tmp")
        Path(str(path) + ".tmp").rename(path)
        timing.write_text(json.dumps({"build_seconds": seconds}))
        del index
        note = f"built in {seconds:.0f} s"
    else:
        seconds = json.loads(timing.read_text())["build_seconds"] if timing.exists() else None
        note = f"built in {seconds:.0f} s (cached)" if seconds is not None else "(cached)"
    with path.open("rb") as handle:  # warm the OS file cache, as for an index in use
        while handle.read(1 << 24):
            pass
    return open_mapped(path), note


def latency_ms(index: faiss.Index, queries: np.ndarray, count: int) -> list[float]:
    """Per-query milliseconds, one query at a time on one FAISS thread, as LoadedIndex.search runs."""
    with faiss_threads(1):
        for q in queries[:10]:  # warm-up: page in what the searches touch
            index.search(q[None, :], 10)
        times = []
        for q in queries[10:10 + count]:
            started = time.perf_counter()
            index.search(q[None, :], 10)
            times.append((time.perf_counter() - started) * 1000)
    return times


def recall_at_10(index: faiss.Index, queries: np.ndarray, truth: np.ndarray) -> float:
    _, found = index.search(queries, 10)
    return float(np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth)]))


def row(label: str, times: list[float], recall: float, extra: str = "") -> str:
    p95 = float(np.percentile(times, 95))
    spread = f"{statistics.median(times):.3f} ({min(times):.3f}–{max(times):.3f})"
    return f"    {label:<22}{spread:<28}{p95:>8.3f}   {recall:>6.3f}   {extra}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--kinds", default="flat,hnsw,ivf")
    parser.add_argument("--data", choices=("clustered", "uniform"), default="clustered")
    parser.add_argument("--queries", type=int, default=200, help="queries timed one at a time (default 200, max 1000)")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/paramsbot-bench-search"))
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    settings = IndexSettings()
    kinds = args.kinds.split(",")
    print(f"machine: {machine()}; FAISS {faiss.__version__}, {faiss.omp_get_max_threads()} OpenMP threads")
    print(f"data: {args.data}, {DIMENSION}-d; HNSW M={settings.hnsw_m} efConstruction={settings.ef_construction} "
          f"(paramsbot's efSearch default: {settings.ef_search})")
    print("    index (query setting)  latency ms median (min–max)   p95 ms   recall@10")
    for n in (int(s) for s in args.sizes.split(",")):
        tag = f"{args.data}-{n}-v2"
        clusters = max(n // 1000, 1)
        data = cached(args.cache / f"{tag}.npy", lambda: vectors(n, args.data, 0, clusters))
        queries = cached(args.cache / f"{tag}-queries.npy",
                         lambda: vectors(1_000 + 10 + 1_000, args.data, 1, clusters))
        flat, _ = build_or_load(args.cache / f"{tag}-flat.faiss", lambda: make_index(data, {"kind": FLAT}))
        truth = cached(args.cache / f"{tag}-truth.npy", lambda: flat.search(queries[:1000], 10)[1])
        print(f"  {n:,} vectors")
        if "flat" in kinds:
            print(row("flat (exact)", latency_ms(flat, queries[1000:], args.queries), 1.0))
        if "hnsw" in kinds:
            plan = settings.plan(settings.hnsw_threshold)
            hnsw, built = build_or_load(args.cache / f"{tag}-hnsw-M{settings.hnsw_m}-efc{settings.ef_construction}.faiss",
                                          lambda: make_index(data, plan))
            for ef in EF_SEARCH:
                hnsw.hnsw.efSearch = ef
                mark = " *" if ef == settings.ef_search else ""
                print(row(f"hnsw (efSearch {ef}){mark}", latency_ms(hnsw, queries[1000:], args.queries),
                          recall_at_10(hnsw, queries[:1000], truth), built))
                built = ""
            del hnsw
        if "ivf" in kinds:
            nlist = int(min(4 * np.sqrt(n), n / 39))  # as txtai chooses it

            def build_ivf() -> faiss.Index:
                quantizer = faiss.IndexFlatIP(DIMENSION)
                index = faiss.IndexIVFFlat(quantizer, DIMENSION, nlist, faiss.METRIC_INNER_PRODUCT)
                index.train(data[np.random.default_rng(2).choice(n, min(n, 64 * nlist), replace=False)])
                index.add(data)
                return index

            ivf, built = build_or_load(args.cache / f"{tag}-ivf{nlist}.faiss", build_ivf)
            for nprobe in NPROBE:
                ivf.nprobe = nprobe
                print(row(f"ivf{nlist} (nprobe {nprobe})", latency_ms(ivf, queries[1000:], args.queries),
                          recall_at_10(ivf, queries[:1000], truth), built))
                built = ""
            del ivf
        flat = data = None  # free them before the next size


if __name__ == "__main__":
    main()
