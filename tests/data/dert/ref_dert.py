# Pareto/NBD DERT references (mpmath 1.3.0, mp.dps = 40), computed two ways that must agree:
#  A: Fader, Hardie & Lee (2005) closed form with Tricomi U and the FH (2005) likelihood (2F1);
#  B: the definition DERT = ∫_0^∞ e^{-δt} E[λ 1{alive at T+t} | data] dt, as
#     [Γ(r+x+1)α^r/(Γ(r)(α+T)^{r+x+1})] · ∫_0^∞ e^{-δt} (β/(β+T+t))^s dt / L,
#     with L = Λ(T)(β/(β+T))^s + ∫_{t_x}^T Λ(u) s β^s (β+u)^{-s-1} du, Λ(c) = Γ(r+x)α^r/(Γ(r)(α+c)^{r+x}),
#     both integrals by mp.quad (no hypergeometric function);
#  C: as B but the t-integral replaced by its equal E_prior[e^{-μT}/(δ+μ)] = ∫_0^∞ g(μ|s,β) e^{-μT}/(δ+μ) dμ
#     (mp.quad over μ), i.e. P(alive)·E[λ|alive]·E[1/(δ+μ)|alive].
import math
import mpmath as mp
from mpmath import mpf, log, exp, loggamma, hyperu, hyp2f1, quad, inf, gamma
mp.mp.dps = 40
print("mpmath", mp.__version__)

def lik_closed(r, al, s, be, x, tx, T):
    r, al, s, be, x, tx, T = map(mpf, (r, al, s, be, x, tx, T))
    if al >= be:
        F = lambda t: hyp2f1(r + s + x, s + 1, r + s + x + 1, (al - be) / (al + t)) / (al + t) ** (r + s + x)
    else:
        F = lambda t: hyp2f1(r + s + x, r + x, r + s + x + 1, (be - al) / (be + t)) / (be + t) ** (r + s + x)
    A0 = F(tx) - F(T)
    return exp(loggamma(r + x) - loggamma(r)) * al ** r * be ** s * (
        1 / ((al + T) ** (r + x) * (be + T) ** s) + s / (r + s + x) * A0)

def dert_closed(r, al, s, be, x, tx, T, d):
    L = lik_closed(r, al, s, be, x, tx, T)
    r, al, s, be, x, tx, T, d = map(mpf, (r, al, s, be, x, tx, T, d))
    return al ** r * be ** s * d ** (s - 1) * exp(loggamma(r + x + 1) - loggamma(r)) \
        * hyperu(s, s, d * (be + T)) / ((al + T) ** (r + x + 1) * L)

def dert_definition(r, al, s, be, x, tx, T, d, via_mu=False):
    r, al, s, be, x, tx, T, d = map(mpf, (r, al, s, be, x, tx, T, d))
    lam = lambda c, k: exp(loggamma(r + k) - loggamma(r)) * al ** r / (al + c) ** (r + k)
    died = quad(lambda u: lam(u, x) * s * be ** s * (be + u) ** (-s - 1), [tx, T]) if T > tx else 0
    L = lam(T, x) * (be / (be + T)) ** s + died
    b = be + T
    if not via_mu:
        pts = [0, b, 10 * b, 1 / d, 10 / d, 100 / d, inf]
        pts = sorted(set(pts[:-1])) + [inf]
        tint = quad(lambda t: exp(-d * t) * (be / (be + T + t)) ** s, pts)
    else:
        # ∫ e^{-δt} E_prior[e^{-μ(T+t)}] dt = ∫ g(μ|s,β) e^{-μT} / (δ+μ) dμ
        # μ = w^(1/s) removes the μ^(s-1) singularity: g(μ) dμ = β^s e^{-βμ} dw / Γ(s+1)
        mu = lambda w: w ** (1 / s)
        wpts = [0, d ** s, b ** -s, (10 / b) ** s, (100 / b) ** s, inf]
        wpts = sorted(set(wpts[:-1])) + [inf]
        tint = quad(lambda w: be ** s * exp(-b * mu(w)) / (gamma(s + 1) * (d + mu(w))), wpts)
    return lam(T, x + 1) * tint / L

CDNOW = (0.5533, 10.5764, 0.6061, 11.6691)
D15 = math.log(1.15) / 52
cases = [
    (CDNOW, 0.0, 0.0, 38.86, D15),
    (CDNOW, 2.0, 30.43, 38.86, D15),
    (CDNOW, 26.0, 35.71, 38.86, D15),
    (CDNOW, 1.0, 5.0, 38.86, D15),
    (CDNOW, 2.0, 30.43, 38.86, 1e-4),
    (CDNOW, 2.0, 30.43, 38.86, 0.05),
    (CDNOW, 10000.0, 38.0, 38.86, D15),                              # P(alive) ~ e^-156
    (CDNOW, 10000.0, 38.85, 38.86, D15),
    ((0.5533, 10.5764, 1.0, 11.6691), 2.0, 30.43, 38.86, D15),      # s = 1 exactly
    ((0.5533, 10.5764, 1.0, 11.6691), 0.0, 0.0, 38.86, 1e-4),
    ((0.8, 15.0, 2.5, 3.0), 4.0, 20.0, 38.86, D15),                  # alpha > beta, s > 1
    ((0.8, 15.0, 2.5, 3.0), 4.0, 20.0, 38.86, 1e-4),
    ((0.8, 1.5, 20.0, 9000.0), 7.0, 30.0, 52.0, 0.01),              # s = 20, beta + T ~ 1e4
    ((0.3, 2.0, 0.05, 0.5), 3.0, 10.0, 60.0, 1e-4),                 # s = 0.05
]
print("D15 =", repr(D15))
for (p, x, tx, T, d) in cases:
    a = dert_closed(*p, x, tx, T, d)
    b = dert_definition(*p, x, tx, T, d)
    c = dert_definition(*p, x, tx, T, d, via_mu=True)
    rab = abs(a - b) / a; rac = abs(a - c) / a
    mp.mp.dps = 60
    a2 = dert_closed(*p, x, tx, T, d)
    mp.mp.dps = 40
    print(f"            ({p[0]!r}, {p[1]!r}, {p[2]!r}, {p[3]!r}, {x!r}, {tx!r}, {T!r}, {d!r}, {float(a)!r}),"
          f"  # A-B {float(rab):.1e} A-C {float(rac):.1e} dps60 {float(abs(a2-a)/a):.1e}")
