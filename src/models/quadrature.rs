//! Numerical integration for the corners where a closed form is unusable.
//!
//! Tanh-sinh (double-exponential) quadrature: the substitution p = σ(π sinh u) on (0, 1)
//! makes integrands with integrable endpoint singularities (Beta densities with shape < 1)
//! decay double-exponentially, so the trapezoid rule in u converges fast (Takahasi & Mori
//! 1974). Points are computed in log space so p and 1 − p keep full relative accuracy near
//! both ends.

use super::special::ln_beta;

/// E[f(p)] for p ~ Beta(a, b), a, b > 0, by tanh-sinh quadrature (step 1/32, |u| ≤ 4.5:
/// 289 evaluations of `f`). `f` must be finite on (0, 1).
pub fn beta_expectation(a: f64, b: f64, f: impl Fn(f64) -> f64) -> f64 {
    let h = 1.0 / 32.0;
    let ln_norm = ln_beta(a, b);
    let mut sum = 0.0;
    let n = (4.5 / h) as i32;
    for k in -n..=n {
        let u = f64::from(k) * h;
        let v = std::f64::consts::PI * u.sinh(); // p = σ(v)
        // ln p = −ln(1 + e^{−v}), ln(1 − p) = −ln(1 + e^{v}), both without cancellation.
        let ln_p = -softplus(-v);
        let ln_q = -softplus(v);
        let p = ln_p.exp();
        // dp/du = π cosh(u) p (1 − p)
        let ln_w = (std::f64::consts::PI * u.cosh()).ln() + ln_p + ln_q;
        let ln_dens = (a - 1.0) * ln_p + (b - 1.0) * ln_q - ln_norm;
        let term = (ln_w + ln_dens).exp();
        // Near p = 1 the point may round to 1.0 while 1 − p (kept in `ln_q`) still carries
        // weight: keep it. Near p = 0 the weight underflows first.
        if term == 0.0 || p <= 0.0 {
            continue;
        }
        sum += term * f(p);
    }
    sum * h
}

fn softplus(v: f64) -> f64 {
    v.max(0.0) + (-v.abs()).exp().ln_1p()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beta_moments() {
        for (a, b) in [(0.5, 0.5), (0.7929, 2.426), (2.0, 3.0), (0.3, 5.0)] {
            let m1 = beta_expectation(a, b, |p| p);
            let m0 = beta_expectation(a, b, |_| 1.0);
            assert!((m0 - 1.0).abs() < 1e-10, "mass {a} {b}: {m0}");
            assert!((m1 - a / (a + b)).abs() < 1e-10, "mean {a} {b}: {m1}");
            // E[1/p] = (a + b − 1)/(a − 1) for a > 1
            if a > 1.0 {
                let inv = beta_expectation(a, b, |p| 1.0 / p);
                assert!((inv - (a + b - 1.0) / (a - 1.0)).abs() < 1e-9, "{inv}");
            }
        }
    }
}
