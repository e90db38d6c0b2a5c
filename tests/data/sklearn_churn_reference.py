#!/usr/bin/env python3
"""scikit-learn reference for clvr's churn logistic regression (encode.rs + logistic.rs).

Reproduces clvr's encoder (src/features/encode.rs) with pandas/numpy, fits
scikit-learn's LogisticRegression (L2, C=1, lbfgs, max_iter=10000, tol=1e-10) on the
training split of datasets/churn/wa_churn.csv and prints the test ROC AUC, the
coefficients and the intercept, plus the same with class_weight="balanced".

Split (fixed, documented): 0-based data row i (header excluded) is TEST if i % 5 == 4,
else TRAIN.

Encoder reproduced exactly:
  * column typing (the Rust test's CSV reader): a column is numeric if every non-blank
    cell parses as a float, else text; blank cells are missing. Label `churn` (Yes=1).
  * numeric: training median of non-missing values imputes missing; `<name>_missing`
    indicator if any TRAINING value was missing.
  * text: levels = training values, blank -> "(missing)"; keep the 50 most frequent
    (ties by name), rest -> "<name>=(other)" (never happens here: <= 4 levels per column);
    kept levels sorted; names "<name>=<level>".
  * every candidate column standardised with training mean / population std (ddof=0);
    constant-on-training columns dropped.

Usage:
  python sklearn_churn_reference.py [path/to/wa_churn.csv] [--json out.json]
  python sklearn_churn_reference.py --bench      # time sklearn on 1M x 30 simulated rows
"""
import json
import sys
import time
import warnings

import numpy as np
import pandas as pd
import scipy
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

MAX_LEVELS = 50


def is_float(s):
    try:
        float(s)
        return True
    except ValueError:
        return False


def encode_fit(df, train):
    """Return list of (name, kind, info) candidate specs and the kept features."""
    feats = []  # (name, raw_fn)
    dropped = []
    for col in df.columns:
        raw = df[col]
        blank = raw.str.strip() == ""
        nonblank = raw[~blank]
        if all(is_float(v) for v in nonblank):
            vals = pd.to_numeric(raw.where(~blank), errors="raise").astype(float)
            tr = vals[train]
            present = tr[~tr.isna()].to_numpy()
            if present.size == 0:
                dropped.append((col, "all_missing"))
                continue
            med = float(np.median(present))
            feats.append((col, lambda d, v=vals, m=med: v.fillna(m).to_numpy()))
            if tr.isna().any():
                feats.append(
                    (f"{col}_missing", lambda d, v=vals: v.isna().astype(float).to_numpy())
                )
        else:
            lev = raw.where(~blank, "(missing)")
            counts = lev[train].value_counts()
            order = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            kept = sorted(k for k, _ in order[:MAX_LEVELS])
            capped = [k for k, _ in order[MAX_LEVELS:]]
            for level in kept:
                feats.append(
                    (f"{col}={level}", lambda d, l=lev, x=level: (l == x).astype(float).to_numpy())
                )
            if capped:
                feats.append(
                    (f"{col}=(other)", lambda d, l=lev, k=set(kept): (~l.isin(k)).astype(float).to_numpy())
                )
    names, cols, means, stds = [], [], [], []
    for name, fn in feats:
        v = fn(df)
        t = v[train]
        if np.all(t == t[0]):
            dropped.append((name, "constant"))
            continue
        m = t.mean()
        s = t.std(ddof=0)
        names.append(name)
        cols.append((v - m) / s)
        means.append(m)
        stds.append(s)
    return names, np.column_stack(cols), dropped


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    path = args[0] if args else "datasets/churn/wa_churn.csv"
    out_json = None
    if "--json" in sys.argv:
        out_json = sys.argv[sys.argv.index("--json") + 1]
        args = [a for a in args if a != out_json]
        path = args[0] if args else "datasets/churn/wa_churn.csv"

    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    y = (df.pop("churn") == "Yes").astype(int).to_numpy()
    i = np.arange(len(df))
    test = i % 5 == 4
    train = ~test
    names, X, dropped = encode_fit(df, train)

    result = {
        "versions": {
            "python": sys.version.split()[0],
            "sklearn": sklearn.__version__,
            "pandas": pd.__version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
        },
        "n_train": int(train.sum()),
        "n_test": int(test.sum()),
        "features": names,
        "dropped": dropped,
    }
    for label, cw in [("unweighted", None), ("balanced", "balanced")]:
        # `penalty="l2"` is deprecated since scikit-learn 1.8 in favour of l1_ratio=0
        # (same model); we pass it as the brief specifies and silence the FutureWarning.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            clf = LogisticRegression(
                C=1.0, penalty="l2", solver="lbfgs", max_iter=10000, tol=1e-10,
                class_weight=cw,
            )
            clf.fit(X[train], y[train])
        p = clf.predict_proba(X[test])[:, 1]
        auc = roc_auc_score(y[test], p)
        # Precision of the lbfgs answer: gradient of the averaged objective at it, and the
        # distance to a tightly converged newton-cholesky solution of the same problem.
        Xt, yt = X[train], y[train]
        sw = np.ones(len(yt))
        if cw == "balanced":
            n_pos = yt.sum()
            sw = np.where(yt == 1, len(yt) / (2 * n_pos), len(yt) / (2 * (len(yt) - n_pos)))
        z = Xt @ clf.coef_[0] + clf.intercept_[0]
        r = sw * (1 / (1 + np.exp(-z)) - yt)
        grad = np.concatenate([Xt.T @ r + clf.coef_[0] / 1.0, [r.sum()]]) / sw.sum()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            exact = LogisticRegression(
                C=1.0, solver="newton-cholesky", max_iter=1000, tol=1e-14, class_weight=cw
            ).fit(Xt, yt)
        d_exact = float(np.max(np.abs(exact.coef_[0] - clf.coef_[0])))
        print(f"[{label}] lbfgs: max|avg grad| = {np.max(np.abs(grad)):.3e}, "
              f"max|coef - newton-cholesky(tol 1e-14)| = {d_exact:.3e}")
        result[label] = {
            "test_auc": float(auc),
            "train_auc": float(roc_auc_score(y[train], clf.predict_proba(X[train])[:, 1])),
            "n_iter": int(clf.n_iter_[0]),
            "intercept": float(clf.intercept_[0]),
            "coef": [float(c) for c in clf.coef_[0]],
            "test_proba_first5": [float(v) for v in p[:5]],
            "max_abs_avg_gradient": float(np.max(np.abs(grad))),
            "max_abs_coef_diff_vs_newton_cholesky": d_exact,
            "newton_cholesky_coef": [float(c) for c in exact.coef_[0]],
            "newton_cholesky_intercept": float(exact.intercept_[0]),
        }
        print(f"[{label}] test ROC AUC = {auc!r}  n_iter = {clf.n_iter_[0]}")
        print(f"[{label}] intercept = {float(clf.intercept_[0])!r}")

    print("versions:", result["versions"])
    print("n_train", result["n_train"], "n_test", result["n_test"], "p", len(names))
    print("dropped:", dropped)
    print("\n// Rust constants (paste into logistic.rs tests)")
    for label in ["unweighted", "balanced"]:
        r = result[label]
        print(f"const SK_{label.upper()}_TEST_AUC: f64 = {r['test_auc']!r};")
        print(f"const SK_{label.upper()}_INTERCEPT: f64 = {r['intercept']!r};")
        print(f"const SK_{label.upper()}_COEF: [(&str, f64); {len(names)}] = [")
        for n, c in zip(names, r["coef"]):
            print(f"    ({json.dumps(n)}, {c!r}),")
        print("];")
        print(f"const SKN_{label.upper()}_INTERCEPT: f64 = {r['newton_cholesky_intercept']!r};")
        print(f"const SKN_{label.upper()}_COEF: [f64; {len(names)}] = [")
        for n, c in zip(names, r["newton_cholesky_coef"]):
            print(f"    {c!r}, // {n}")
        print("];")
    if out_json:
        with open(out_json, "w") as f:
            json.dump(result, f, indent=1)


def bench():
    rng = np.random.default_rng(7)
    n, p = 1_000_000, 30
    X = rng.standard_normal((n, p))
    beta = np.linspace(-1, 1, p)
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ beta - 1.0)))).astype(int)
    for tol in [1e-4, 1e-6]:
        t0 = time.perf_counter()
        clf = LogisticRegression(C=1.0, solver="lbfgs", max_iter=1000, tol=tol).fit(X, y)
        dt = time.perf_counter() - t0
        print(f"sklearn {sklearn.__version__} lbfgs 1M x 30 tol={tol}: {dt:.3f} s, n_iter={clf.n_iter_[0]}")


if __name__ == "__main__":
    if "--bench" in sys.argv:
        bench()
    else:
        main()
