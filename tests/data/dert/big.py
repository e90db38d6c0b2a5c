import random, mpmath as mp
from mpmath import mpf, log, gammainc
mp.mp.dps = 50
random.seed(7)
out = open('big.txt', 'w')
n = 0
for i in range(2500):
    k = random.random()
    if k < 0.5:
        a = 1 - 10 ** random.uniform(-1.4, 1.35)       # 1 - s, s in [0.04, 22]
    elif k < 0.6:
        a = random.choice([0.0, -1.0, -2.0, -19.0, 1.0, -5.0]) + random.choice([0, 1e-12, -1e-12, 1e-6, -1e-6])
    elif k < 0.8:
        a = random.uniform(-60, 3)
    else:
        a = 10 ** random.uniform(-8, 5) * random.choice([1, -1]) 
        if a < -1e3: a = -a
    z = 10 ** random.uniform(-10, 4.5)
    A, Z = mpf(a), mpf(z)
    g = gammainc(A, Z)
    if g <= 0:
        continue
    lg = log(g)
    out.write(f"{a!r} {z!r} {float(Z - A*log(Z) + lg)!r} {float(lg)!r}\n")
    n += 1
print(n)
