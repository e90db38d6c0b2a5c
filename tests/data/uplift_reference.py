"""Reference values for clvr's src/uplift/stats.rs, computed once and pasted into its tests.

Run:  python3 tests/data/uplift_reference.py
Versions used for the values in the Rust tests: statsmodels 0.15.0, scipy 1.17.1, numpy 2.4.6
(Python 3, `python3 -m pip install statsmodels scipy`).

Floats are printed with repr (shortest round-trip decimal), so the Rust tests hold the
reference packages' binary64 results exactly.
"""
import numpy as np
import scipy
import statsmodels
from scipy import stats, optimize
from statsmodels.stats.proportion import (proportion_confint, confint_proportions_2indep,
                                          proportions_ztest,
                                          samplesize_proportions_2indep_onetail)
from statsmodels.stats.multitest import multipletests

print("statsmodels", statsmodels.__version__, "scipy", scipy.__version__, "numpy", np.__version__)

print("\n# wilson: proportion_confint(count, nobs, alpha, method='wilson') -> (lo, hi)")
for (x, n, conf) in [(37, 120, 0.95), (0, 25, 0.95), (25, 25, 0.95), (1, 1000, 0.90), (37, 120, 0.99)]:
    lo, hi = proportion_confint(x, n, alpha=1 - conf, method="wilson")
    print((x, n, conf), repr(float(lo)), repr(float(hi)))

print("\n# newcombe: confint_proportions_2indep(s_t, n_t, s_c, n_c, method='newcomb', compare='diff', alpha)")
CASES2 = [(37, 120, 25, 118), (0, 50, 3, 60), (40, 40, 35, 45), (130, 1000, 90, 800)]
for (st, nt, sc, nc) in CASES2:
    for conf in (0.95, 0.90):
        lo, hi = confint_proportions_2indep(st, nt, sc, nc, method="newcomb", compare="diff",
                                            alpha=1 - conf)
        print((st, nt, sc, nc, conf), repr(float(lo)), repr(float(hi)))

print("\n# z-test: proportions_ztest([s_t, s_c], [n_t, n_c]) (pooled variance) -> p;"
      " cross-check scipy.stats.chi2_contingency(correction=False)")
for (st, nt, sc, nc) in CASES2:
    z, p = proportions_ztest([st, sc], [nt, nc])
    chi2, p2, _, _ = stats.chi2_contingency([[st, nt - st], [sc, nc - sc]], correction=False)
    print((st, nt, sc, nc), "z", repr(float(z)), "p", repr(float(p)), "chi2 p", repr(float(p2)))

print("\n# welch: scipy.stats.ttest_ind(yt, yc, equal_var=False); CI from res.confidence_interval")
YT = [12.5, 9.75, 14.0, 11.25, 8.5, 13.75, 10.0, 15.5, 9.25, 12.0, 16.25, 11.5]
YC = [10.25, 8.0, 11.5, 9.5, 7.25, 12.75, 8.75, 10.5, 9.0]
res = stats.ttest_ind(YT, YC, equal_var=False)
for conf in (0.95, 0.90):
    ci = res.confidence_interval(confidence_level=conf)
    print("conf", conf, "lo", repr(float(ci.low)), "hi", repr(float(ci.high)))
vt, vc = np.var(YT, ddof=1), np.var(YC, ddof=1)
se = np.sqrt(vt / len(YT) + vc / len(YC))
print("mean_t", repr(float(np.mean(YT))), "var_t", repr(float(vt)),
      "mean_c", repr(float(np.mean(YC))), "var_c", repr(float(vc)))
print("t", repr(float(res.statistic)), "p", repr(float(res.pvalue)), "df", repr(float(res.df)),
      "se", repr(float(se)))

print("\n# relative lift (delta method, formula in numpy; no package implements it):")
print("#   r = mt/mc - 1, se = sqrt(vt/nt/mc^2 + mt^2 vc/nc/mc^4), r +- norm.isf(a/2) se")
def rel(mt, vt, nt, mc, vc, nc, conf):
    r = mt / mc - 1
    se = np.sqrt(vt / nt / mc**2 + mt**2 * vc / nc / mc**4)
    z = stats.norm.isf((1 - conf) / 2)
    return r, r - z * se, r + z * se
r = rel(np.mean(YT), vt, len(YT), np.mean(YC), vc, len(YC), 0.95)
print("welch data 0.95", [repr(float(v)) for v in r])
bt = np.r_[np.ones(37), np.zeros(120 - 37)]
bc = np.r_[np.ones(25), np.zeros(118 - 25)]
r = rel(bt.mean(), np.var(bt, ddof=1), 120, bc.mean(), np.var(bc, ddof=1), 118, 0.95)
print("37/120 vs 25/118 (0/1 data, ddof=1) 0.95", [repr(float(v)) for v in r])

print("\n# holm / BH: multipletests(p, method='holm' | 'fdr_bh')[1]")
P = [0.01, 0.04, 0.03, 0.005, 0.20, 0.04, 0.5, 0.0001]
print("p", P)
print("holm", [repr(float(v)) for v in multipletests(P, method="holm")[1]])
print("bh", [repr(float(v)) for v in multipletests(P, method="fdr_bh")[1]])
P2 = [0.9, 0.8, 0.95]
print("p2", P2, "holm", [repr(float(v)) for v in multipletests(P2, method="holm")[1]],
      "bh", [repr(float(v)) for v in multipletests(P2, method="fdr_bh")[1]])

print("\n# SRM: scipy.stats.chisquare(obs, f_exp=N*shares)")
for obs, shares in [([10400, 9600], [0.5, 0.5]), ([3300, 3350, 3100], [1/3, 1/3, 1/3]),
                    ([5100, 2400, 2500], [0.5, 0.25, 0.25]), ([5030, 4970], [0.5, 0.5])]:
    exp = np.sum(obs) * np.array(shares)
    res = stats.chisquare(obs, f_exp=exp)
    print(obs, shares, "chi2", repr(float(res.statistic)), "p", repr(float(res.pvalue)))

print("\n# CUPED (numpy): theta = cov(y,x,ddof=1)/var(x,ddof=1); adj = y - theta (x - mean x);"
      " reduction = 1 - var(adj)/var(y)")
Y = [5.0, 7.5, 6.25, 9.0, 4.5, 8.25, 7.0, 5.75, 10.5, 6.0]
X = [4.0, 6.5, 6.0, 8.0, 3.5, 7.5, 5.5, 5.0, 9.0, 6.5]
theta = np.cov(Y, X, ddof=1)[0, 1] / np.var(X, ddof=1)
adj = np.array(Y) - theta * (np.array(X) - np.mean(X))
print("theta", repr(float(theta)), "reduction", repr(float(1 - np.var(adj, ddof=1) / np.var(Y, ddof=1))),
      "corr^2", repr(float(np.corrcoef(Y, X)[0, 1] ** 2)))
print("adjusted", [repr(float(v)) for v in adj])

print("\n# sample size per arm: samplesize_proportions_2indep_onetail(diff=mde, prop2=baseline,"
      " power, ratio=1, alpha, alternative='two-sided')")
print("# MDE: scipy.optimize.brentq on the same statsmodels function = n, xtol=1e-15")
for (b, d, a, pw) in [(0.10, 0.02, 0.05, 0.8), (0.30, -0.05, 0.05, 0.9), (0.5, 0.01, 0.01, 0.8),
                      (0.02, 0.005, 0.10, 0.8)]:
    n = samplesize_proportions_2indep_onetail(d, b, pw, ratio=1, alpha=a, alternative="two-sided")
    print((b, d, a, pw), "n", repr(float(n)), "ceil", int(np.ceil(n)))
for (b, n, a, pw) in [(0.10, 3000, 0.05, 0.8), (0.5, 100000, 0.01, 0.8), (0.02, 500, 0.05, 0.9)]:
    f = lambda d: samplesize_proportions_2indep_onetail(d, b, pw, alpha=a) - n
    d = optimize.brentq(f, 1e-9, 1 - b - 1e-12, xtol=1e-15, rtol=4 * np.finfo(float).eps)
    print((b, n, a, pw), "mde", repr(float(d)))
