"""Fits the polynomial of the selective scan's exp2 (SelectiveScan.exp2): 2^f on [0, 1] as
p(f) = 1 + c1·f + … + c5·f^5 (p(0) = 1 exactly), minimising the largest relative error over a dense
grid by linear programming. Prints the coefficients as float32 and the worst relative error of the
float32 Horner evaluation in fused multiply-adds, as the kernel computes it.

    pip install numpy scipy
    python3 scripts/microbenchmarks/fit_exp2.py
"""

import numpy as np
from scipy.optimize import linprog

DEGREE = 5


def fit(degree, points=4000):
    f = np.linspace(0.0, 1.0, points)
    target = 2.0 ** f
    # Variables c1 … c_degree and the bound t: |(1 + Σ c_k f^k − 2^f) / 2^f| ≤ t at every point.
    powers = np.stack([f ** k for k in range(1, degree + 1)], axis=1) / target[:, None]
    rest = (target - 1.0) / target
    ones = np.ones((points, 1))
    constraints = np.vstack([np.hstack([powers, -ones]), np.hstack([-powers, -ones])])
    bounds = np.concatenate([rest, -rest])
    result = linprog(np.r_[np.zeros(degree), 1.0], A_ub=constraints, b_ub=bounds,
                     bounds=[(None, None)] * (degree + 1), method="highs")
    return [np.float32(c) for c in result.x[:degree]], result.x[degree]


def float32_error(coefficients, points=2_000_001):
    """Worst relative error of p evaluated as the kernel does: Horner in float32 fused multiply-adds
    (each product of two float32 values is exact in float64, so one rounding to float32 per step)."""
    f = np.linspace(0.0, 1.0, points, dtype=np.float32)
    wide = f.astype(np.float64)
    p = np.full_like(f, coefficients[-1])
    for c in reversed(coefficients[:-1]):
        p = (p.astype(np.float64) * wide + np.float64(c)).astype(np.float32)
    p = (p.astype(np.float64) * wide + 1.0).astype(np.float32)
    exact = 2.0 ** wide
    return np.max(np.abs(p.astype(np.float64) - exact) / exact)


def main():
    coefficients, minimax = fit(DEGREE)
    print("c1 … c5 (float32):", ", ".join(repr(float(c)) for c in coefficients))
    print(f"minimax relative error {minimax:.3e}, float32 Horner {float32_error(coefficients):.3e}")


if __name__ == "__main__":
    main()
