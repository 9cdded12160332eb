#!/usr/bin/env python3
"""M/M/c queue in SimPy: the reference that `atlas bench sim` compares its DES kernel to.

Same model as AtlasSim's MMcModel: Poisson arrivals at rate `lam`, exponential service
at rate `mu` per server, `c` servers, FIFO, `customers` customers (the first `warmup`
are not counted in the statistics). Prints one JSON object on stdout.

"Model events" are counted exactly as the Swift kernel counts them: one arrival and one
departure per customer. SimPy's own scheduled events (process starts, requests, releases,
timeouts) are reported separately as `simpy_events`.
"""
import argparse
import json
import random
import sys
import time

import simpy


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--lam", type=float, required=True, help="arrival rate (1/s)")
    p.add_argument("--mu", type=float, required=True, help="service rate per server (1/s)")
    p.add_argument("--c", type=int, required=True, help="servers")
    p.add_argument("--customers", type=int, required=True)
    p.add_argument("--warmup", type=int, default=0, help="customers excluded from statistics")
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()

    rng = random.Random(a.seed)
    env = simpy.Environment()
    server = simpy.Resource(env, capacity=a.c)
    stats = {"n": 0, "waited": 0, "wq_sum": 0.0, "w_sum": 0.0}

    def customer(index):
        arrive = env.now
        with server.request() as req:
            yield req
            start = env.now
            yield env.timeout(rng.expovariate(a.mu))
        if index >= a.warmup:
            stats["n"] += 1
            wait = start - arrive
            if wait > 0:
                stats["waited"] += 1
            stats["wq_sum"] += wait
            stats["w_sum"] += env.now - arrive

    def source():
        for i in range(a.customers):
            yield env.timeout(rng.expovariate(a.lam))
            env.process(customer(i))

    env.process(source())
    t0 = time.perf_counter()
    env.run()
    wall = time.perf_counter() - t0
    n = max(stats["n"], 1)
    model_events = 2 * a.customers
    out = {
        "customers": a.customers,
        "model_events": model_events,
        "simpy_events": next(env._eid),
        "wall_seconds": wall,
        "events_per_second": model_events / wall,
        "p_wait": stats["waited"] / n,
        "wq_seconds": stats["wq_sum"] / n,
        "w_seconds": stats["w_sum"] / n,
        "simpy_version": simpy.__version__,
        "python_version": sys.version.split()[0],
    }
    json.dump(out, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
