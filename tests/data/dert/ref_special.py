# References for ln_upper_gamma / ln_upper_gamma_scaled / ln_tricomi_u_equal (mpmath 1.3.0).
import mpmath as mp
from mpmath import mpf, log, gammainc, hyperu
print("mpmath", mp.__version__)

def lug(a, z):      # ln Γ(a, z)
    return log(gammainc(mpf(a), mpf(z)))
def lugs(a, z):     # ln[e^z z^-a Γ(a, z)]
    return mpf(z) - mpf(a) * log(mpf(z)) + log(gammainc(mpf(a), mpf(z)))
def ltu(a, z):      # ln U(a, a; z)
    return log(hyperu(mpf(a), mpf(a), mpf(z)))

def stable(f, *args):
    vals = []
    for dps in (50, 80):
        mp.mp.dps = dps
        vals.append(f(*args))
    mp.mp.dps = 50
    assert abs(vals[0] - vals[1]) <= mpf(10) ** -40 * max(1, abs(vals[1])), (f.__name__, args, vals)
    return float(vals[1])

A_DERT = [0.95, 1 - 0.6061, 0.0, -0.5, -1.0, -2.0, -6.3, -19.0]
Z = [1e-4, 0.01, 0.5, 0.999, 1.0, 1.5, 30.0, 1000.0]
rows_scaled = [(a, z) for a in A_DERT for z in Z]
rows_scaled += [(a, z) for a in [1e-9, -1e-9, -1 + 1e-9, -1 - 1e-9, 1 - 1e-12, -29.5, -31.0, -100.0]
                for z in [1e-4, 0.5, 5.0]]
rows_plain = [(a, z) for a in [0.95, 1 - 0.6061, 0.0, -1.0, -6.3, -19.0] for z in [1e-4, 0.999, 1000.0]]
rows_plain += [(1.0, 1e-10), (1.0, 0.5), (1.5, 1e-4), (1.5, 2.0), (2.5, 3.4), (2.5, 3.6),
               (10.0, 9.0), (10.0, 11.0), (10.0, 30.0), (100.5, 90.0), (100.5, 101.5), (100.5, 1000.0),
               (10000.0, 9900.0), (10000.0, 10001.0), (10000.0, 1e5), (3.0, 1e-10)]
rows_u = [(s, z) for s in [0.05, 0.6061, 1.0, 1.5, 2.0, 3.0, 7.3, 20.0] for z in [1e-4, 0.1, 1.0, 30.0, 1000.0]]

def emit(name, rows, f, expr):
    print(f"// {name}: {expr}")
    for a, z in rows:
        v = stable(f, a, z)
        print(f"        ({a!r}, {z!r}, {v!r}),")
    print(len(rows))

emit("scaled", rows_scaled, lugs, "mpf(z) - mpf(a)*log(mpf(z)) + log(gammainc(mpf(a), mpf(z)))")
emit("plain", rows_plain, lug, "log(gammainc(mpf(a), mpf(z)))")
emit("tricomi", rows_u, ltu, "log(hyperu(mpf(a), mpf(a), mpf(z)))")
# cross-check DLMF 8.5.3: U(a,a,z) = e^z Γ(1-a, z)
mp.mp.dps = 50
for s, z in rows_u:
    u = ltu(s, z); g = mpf(z) + log(gammainc(1 - mpf(s), mpf(z)))
    assert abs(u - g) < mpf(10) ** -40 * max(1, abs(u)), (s, z, u, g)
print("DLMF 8.5.3 cross-check ok")
