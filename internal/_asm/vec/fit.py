#!/usr/bin/python3
"""Fits the polynomial coefficients used by goformer's vector kernels.

Run with Debian's python3 (python3-numpy, python3-mpmath):

    /usr/bin/python3 internal/_asm/vec/fit.py

Each fit minimises the maximum relative error by iteratively reweighted
least squares on Chebyshev-distributed points, against 40-digit reference
values from mpmath, and prints the coefficients (lowest degree first) with
the relative error of the fit. The numbers are copied into main.go and
into internal/vec/generic.go.
"""
import numpy as np
import mpmath as mp

mp.mp.dps = 40


def irls(V, f, scale, iters=40):
    """Relative-minimax fit of f ≈ V·c with errors weighted by scale."""
    w = scale.copy()
    for _ in range(iters):
        coef, *_ = np.linalg.lstsq(V * w[:, None], f * w, rcond=None)
        err = (V @ coef - f) * scale
        w = w * (1 + 50 * np.abs(err) / np.max(np.abs(err)))
    return coef, np.max(np.abs(err))


def fit_exp(deg=6):
    """e^r on [-ln2/2, ln2/2]."""
    h = float(mp.log(2) / 2)
    r = np.cos(np.linspace(0, np.pi, 5000)) * h * 1.0002
    f = np.array([float(mp.exp(mp.mpf(x))) for x in r])
    return irls(np.vander(r, deg + 1, increasing=True), f, 1 / f)


def fit_erfc(c=0.4, deg=9, tmax=10.5):
    """erfc(t) = exp(-t²)·u·Q(u) with u = 1/(1+c·t), t in [0, tmax]."""
    u = np.cos(np.linspace(0, np.pi, 6000)) * 0.5 + 0.5
    u = u[u > 1 / (1 + c * tmax)]
    t = (1 / u - 1) / c
    f = np.array([float(mp.erfc(mp.mpf(x)) * mp.exp(mp.mpf(x) ** 2)) for x in t]) / u
    return irls(np.vander(u, deg + 1, increasing=True), f, 1 / np.abs(f))


def fit_tanh(ymax=0.625, deg=4):
    """tanh(y) = y + y³·P(y²) for |y| <= ymax (relative error of tanh)."""
    y = np.cos(np.linspace(0, np.pi / 2, 4000)) * ymax
    y = y[y > 1e-4]
    f = np.array([float((mp.tanh(mp.mpf(x)) - mp.mpf(x)) / mp.mpf(x) ** 3) for x in y])
    return irls(np.vander(y * y, deg + 1, increasing=True), f, y ** 3 / np.tanh(y))


for name, (coef, err) in [("exp", fit_exp()), ("erfc", fit_erfc()), ("tanh", fit_tanh())]:
    print(f"{name}: relative error {err:.2g}")
    print("  " + ", ".join(f"{c:.9e}" for c in coef))
