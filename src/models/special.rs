//! Special functions for the likelihoods and predictions.
//!
//! Interim implementation: the gamma family comes from `statrs`; ₂F₁ is the plain Gauss
//! series, accurate only where it converges quickly (|z| well below 1, moderate
//! parameters). A tested replacement with the standard transformations is in progress.

/// ln Γ(x) for x > 0 (statrs, Lanczos approximation).
pub fn ln_gamma(x: f64) -> f64 {
    statrs::function::gamma::ln_gamma(x)
}

/// ψ(x) = d ln Γ(x) / dx for x > 0 (statrs).
pub fn digamma(x: f64) -> f64 {
    statrs::function::gamma::digamma(x)
}

/// ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b) for a, b > 0.
pub fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// ln ₂F₁(a, b; c; z) for a, b, c > 0 and 0 ≤ z < 1 by the plain Gauss series (at most
/// 100,000 terms).
pub fn ln_hyp2f1(a: f64, b: f64, c: f64, z: f64) -> f64 {
    let (mut term, mut sum) = (1.0f64, 1.0f64);
    for n in 0..100_000 {
        let n = f64::from(n);
        term *= (a + n) * (b + n) / ((c + n) * (n + 1.0)) * z;
        sum += term;
        if term.abs() < 1e-17 * sum.abs() {
            break;
        }
    }
    sum.ln()
}

/// ln(e^a + e^b) without overflow; −∞ when both are −∞.
pub fn log_sum_exp(a: f64, b: f64) -> f64 {
    let m = a.max(b);
    if m == f64::NEG_INFINITY {
        m
    } else {
        m + (-(a - b).abs()).exp().ln_1p()
    }
}

/// ln(e^a − e^b) for a ≥ b, accurate when a ≈ b; −∞ when b ≥ a.
pub fn log_diff_exp(a: f64, b: f64) -> f64 {
    if b >= a {
        return f64::NEG_INFINITY;
    }
    let d = b - a;
    // ln(1 − e^d): ln(−expm1(d)) near 0, ln1p(−e^d) far from it.
    a + if d > -std::f64::consts::LN_2 {
        (-d.exp_m1()).ln()
    } else {
        (-d.exp()).ln_1p()
    }
}
