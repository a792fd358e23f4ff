"""RLinear (RevIN and one Linear shared by the variates) fitted in closed form on an ETT file.

The measurement behind `model.linear_skip` and `model.linear_skip_fit` (docs/search.md, "A linear skip
started from its fit"): the validation and test MSE of the map SiMBA-TS's skip starts from, on its own,
for each look-back and horizon. Time-Series-Library's protocol, as simba reads ETT: 12/4/4-month
borders (val and test start seq_len rows early), a scaler fitted on the train rows, every window scored,
MSE on the standardised scale over all variates.

The fit minimises sum ||sigma * (W xhat + b) + mu - y||^2 + lam ||W||^2 over the training windows and
variates (mu, sigma: the window's mean and sqrt(biased variance + 1e-5); xhat = (x - mu) / sigma), the
loss SiMBA-TS trains with the skip as its whole forecast, with lam = 1e-6 times the mean diagonal of
W's rows as in simba.

    python3 scripts/microbenchmarks/rlinear_closed_form.py ../shared/data/ETT/ETTh2.csv

needs numpy.
"""

import sys

import numpy as np

HOURS = 30 * 24


def splits(values, seq_len, pred_len):
    """The standardised train, val and test windows: (inputs (N, L, M), targets (N, H, M)) each."""
    starts = [0, 12 * HOURS - seq_len, 16 * HOURS - seq_len]
    ends = [12 * HOURS, 16 * HOURS, 20 * HOURS]
    train = values[: ends[0]]
    z = (values - train.mean(0)) / train.std(0)
    windows = []
    for start, end in zip(starts, ends):
        segment = z[start:end]
        count = len(segment) - seq_len - pred_len + 1
        x = np.stack([segment[i:i + seq_len] for i in range(count)])
        y = np.stack([segment[i + seq_len:i + seq_len + pred_len] for i in range(count)])
        windows.append((x, y))
    return windows


def statistics(x):
    """RevIN's mean and standard deviation of every window and variate: (N, 1, M) each."""
    mean = x.mean(1, keepdims=True)
    return mean, np.sqrt(x.var(1, keepdims=True) + 1e-5)


def fit(x, y):
    """beta ((L + 1) x H: W's rows, then b) from the normal equations with z = (x - mu, sigma)."""
    seq_len = x.shape[1]
    mean, std = statistics(x)
    z = np.concatenate([x - mean, std], axis=1).transpose(0, 2, 1).reshape(-1, seq_len + 1)
    target = (y - mean).transpose(0, 2, 1).reshape(-1, y.shape[1])
    normal = z.T @ z
    normal[np.arange(seq_len), np.arange(seq_len)] += 1e-6 * np.trace(normal[:seq_len, :seq_len]) / seq_len
    return np.linalg.solve(normal, z.T @ target)


def mse(beta, x, y):
    seq_len = x.shape[1]
    mean, std = statistics(x)
    xhat = ((x - mean) / std).transpose(0, 2, 1)                      # (N, M, L)
    forecast = (xhat @ beta[:seq_len] + beta[seq_len]).transpose(0, 2, 1) * std + mean
    return float(((forecast - y) ** 2).mean())


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    values = np.genfromtxt(sys.argv[1], delimiter=",", skip_header=1)[:, 1:]
    print("H    L    val MSE  test MSE")
    for pred_len in (96, 192, 336, 720):
        for seq_len in (96, 192, 336, 512):
            (xt, yt), (xv, yv), (xs, ys) = splits(values, seq_len, pred_len)
            beta = fit(xt, yt)
            print(f"{pred_len:<4d} {seq_len:<4d} {mse(beta, xv, yv):.4f}   {mse(beta, xs, ys):.4f}")


if __name__ == "__main__":
    main()
