#!/usr/bin/python3
"""Writes libm_exp_log.json: math.log and math.exp of Debian 12's Python
3.11 (glibc 2.36 libm) on seeded inputs in the ranges the metrics use, as
exact hexadecimal floats. The reference tools compute their scores with
these functions.

Run: /usr/bin/python3 metrics/testdata/gen_libm.py  (CI never runs it)
"""
import json
import math
import os
import platform
import random

rng = random.Random(20241)
log_in, exp_in = [], []
for _ in range(1000):
    log_in.append(rng.uniform(1e-6, 100.0))          # precisions in percent, ratios
    log_in.append(rng.randint(1, 5000) / rng.randint(1, 5000))
    exp_in.append(rng.uniform(-30.0, 5.0))           # mean log precisions, 1 - r/c
    exp_in.append(rng.uniform(-1.0, 0.0))
here = os.path.dirname(os.path.abspath(__file__))
out = {
    "tool": "Python math.log / math.exp (glibc libm)",
    "python": platform.python_version(),
    "libc": " ".join(platform.libc_ver()),
    "log": [[x.hex(), math.log(x).hex()] for x in log_in],
    "exp": [[x.hex(), math.exp(x).hex()] for x in exp_in],
}
with open(os.path.join(here, "libm_exp_log.json"), "w") as f:
    json.dump(out, f, separators=(",", ":"))
