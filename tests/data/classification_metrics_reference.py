"""Reference values for clvr's evaluate/classification.rs, computed once.

Run: python3 sklearn_reference.py   (prints the values pasted into the Rust tests)
"""
import struct
import numpy as np
import sklearn
from sklearn.metrics import (roc_auc_score, average_precision_score, log_loss,
                             brier_score_loss, confusion_matrix, precision_score,
                             recall_score, f1_score, accuracy_score)

print("sklearn", sklearn.__version__, "numpy", np.__version__)

M64 = (1 << 64) - 1
def gen(n=1000, seed=0x2545F4914F6CDD1D):
    """64-bit LCG (Knuth MMIX constants); the top 53 bits give an exact dyadic float in [0,1)."""
    s = seed
    p, s16, y, w = [], [], [], []
    for _ in range(n):
        s = (s * 6364136223846793005 + 1442695040888963407) & M64
        p.append((s >> 11) * 2.0 ** -53)
        s16.append((s >> 60) / 16.0)          # coarse score: 16 levels, many ties
        s = (s * 6364136223846793005 + 1442695040888963407) & M64
        u = (s >> 11) * 2.0 ** -53
        y.append(1 if u < p[-1] else 0)
        w.append(float(1 + ((s >> 20) & 3)))  # weights 1..4
    return np.array(y), np.array(p), np.array(s16), np.array(w)

def xor_bits(a):
    x = 0
    for v in a:
        x ^= struct.unpack("<Q", struct.pack("<d", float(v)))[0]
    return x

EPS = 1e-15
def clipped(p):
    return np.clip(p, EPS, 1 - EPS)

def show(name, v):
    print(f"{name} = {float(v)!r}")

# (a) hand-made example with ties (and p = 0 / 1 to exercise the clipping)
ya = np.array([1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1])
pa = np.array([0.9, 0.9, 0.8, 0.5, 0.5, 0.5, 0.3, 0.1, 1.0, 0.0, 1.0, 0.0])
wa = np.array([1.0, 2.0, 0.5, 1.0, 3.0, 1.0, 2.0, 1.0, 1.0, 0.5, 1.0, 2.0])
print("# (a) hand example")
show("A_ROC_AUC", roc_auc_score(ya, pa))
show("A_AP", average_precision_score(ya, pa))
show("A_LOG_LOSS", log_loss(ya, clipped(pa)))
show("A_BRIER", brier_score_loss(ya, pa))
show("A_LOG_LOSS_SKLEARN_OWN_CLIP", log_loss(ya, pa))  # sklearn >= 1.2 clips at float64 eps, not 1e-15
show("A_ROC_AUC_W", roc_auc_score(ya, pa, sample_weight=wa))
show("A_AP_W", average_precision_score(ya, pa, sample_weight=wa))
show("A_LOG_LOSS_W", log_loss(ya, clipped(pa), sample_weight=wa))
show("A_BRIER_W", brier_score_loss(ya, pa, sample_weight=wa))
yhat = (pa >= 0.5).astype(int)
print("A_CONFUSION tn fp fn tp =", confusion_matrix(ya, yhat).ravel().tolist())
show("A_PRECISION", precision_score(ya, yhat))
show("A_RECALL", recall_score(ya, yhat))
show("A_F1", f1_score(ya, yhat))
show("A_ACCURACY", accuracy_score(ya, yhat))

# (b) 1000 pseudo-random rows
y, p, s16, w = gen()
print("# (b) generated")
print(f"B_P_XOR = {xor_bits(p):#018x}; B_S16_XOR = {xor_bits(s16):#018x}; "
      f"B_W_SUM = {w.sum()!r}; B_N_POS = {int(y.sum())}")
print("B_P_FIRST =", [float(v).hex() for v in p[:3]],
      [hex(struct.unpack("<Q", struct.pack("<d", float(v)))[0]) for v in p[:3]], "y:", y[:8].tolist())
show("B_ROC_AUC", roc_auc_score(y, p))
show("B_AP", average_precision_score(y, p))
show("B_LOG_LOSS", log_loss(y, clipped(p)))
show("B_BRIER", brier_score_loss(y, p))
show("B_ROC_AUC_S16", roc_auc_score(y, s16))
show("B_AP_S16", average_precision_score(y, s16))
show("B_ROC_AUC_W", roc_auc_score(y, p, sample_weight=w))
show("B_AP_W", average_precision_score(y, p, sample_weight=w))
show("B_LOG_LOSS_W", log_loss(y, clipped(p), sample_weight=w))
show("B_BRIER_W", brier_score_loss(y, p, sample_weight=w))
show("B_ROC_AUC_S16_W", roc_auc_score(y, s16, sample_weight=w))
show("B_AP_S16_W", average_precision_score(y, s16, sample_weight=w))
print("# min p, max p (clipping irrelevant when inside [1e-15, 1-1e-15]):", p.min(), p.max())
show("B_LOG_LOSS_SKLEARN_OWN_CLIP", log_loss(y, p))

# numpy cross-checks (no sklearn equivalent): lift/capture on the tied coarse score,
# order = score descending, ties by lower index first.
order = np.lexsort((np.arange(len(s16)), -s16))
for k in (0.1, 0.2):
    m = int(np.ceil(k * len(y)))
    top = y[order[:m]]
    print(f"B_S16_TOP{int(k*100)}: m={m} positives={int(top.sum())} "
          f"lift={top.mean() / y.mean()!r} capture={top.sum() / y.sum()!r}")
# calibration deciles on p: sort by (p, index), bins [b*n//10, (b+1)*n//10)
order = np.lexsort((np.arange(len(p)), p))
for b in range(10):
    idx = order[b * len(p) // 10:(b + 1) * len(p) // 10]
    print(f"B_CAL[{b}] n={len(idx)} pos={int(y[idx].sum())} mean_p={p[idx].mean()!r} "
          f"rate={y[idx].mean()!r} min={p[idx].min()!r} max={p[idx].max()!r}")
