#!/usr/bin/env python3
"""Expected share of reads that are the first read of their key, for n reads drawn from a
Zipf(theta) distribution over N keys (scrambling a Zipfian permutes keys, not
probabilities). A read-through cache that starts cold misses every such read, whatever
its size. Usage: zipf-first-reads.py [reads ...] (default: the baseline's 600 s and hour
of eventual reads)."""
import math
import sys

N, THETA, HEAD = 200_000_000, 0.99, 100_000


def normalizer():
    head = sum(k ** -THETA for k in range(1, HEAD + 1))
    return head + (N ** (1 - THETA) - HEAD ** (1 - THETA)) / (1 - THETA)


def distinct(n, h):
    """E[distinct keys among n draws] = sum over keys of 1 - (1 - p_k)^n."""
    s = sum(1 - (1 - k ** -THETA / h) ** n for k in range(1, HEAD + 1))
    a = HEAD
    while a < N:  # the tail in 1 % buckets
        b = min(N, int(a * 1.01) + 1)
        p = ((a + b) / 2) ** -THETA / h
        s += (b - a) * (1 - math.exp(-n * p))
        a = b
    return s


h = normalizer()
for n in [int(x) for x in sys.argv[1:]] or [900_239, 5_399_500]:
    d = distinct(n, h)
    print(f"{n} reads: {d:,.0f} distinct keys, first-read share {d / n:.3f}")
