//! Reading the bundled summaries with std only.

use clvr::models::RfmPatterns;

/// Columns of a small CSV file with a header, as f64 (the first column may be an id).
pub fn read_csv(rel: &str) -> (Vec<String>, Vec<Vec<f64>>) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    let mut cols = vec![Vec::new(); header.len()];
    for l in lines.filter(|l| !l.trim().is_empty()) {
        for (c, v) in l.split(',').enumerate() {
            cols[c].push(v.trim().parse::<f64>().unwrap());
        }
    }
    (header, cols)
}

/// The CDNOW calibration summary (2,357 customers, weeks) as model patterns.
pub fn cdnow() -> RfmPatterns {
    let (h, c) = read_csv("datasets/cdnow/cdnow_customers_summary.csv");
    assert_eq!(h, ["ID", "frequency", "recency", "T"]);
    RfmPatterns::from_customers(&c[1], &c[2], &c[3], None).unwrap()
}

/// Asserts `got` equals `want` to `digits` significant digits (|rel| < 0.5 · 10^(1−digits)).
pub fn sig(got: f64, want: f64, digits: i32, what: &str) {
    let rel = ((got - want) / want).abs();
    assert!(
        rel < 0.5 * 10f64.powi(1 - digits),
        "{what}: got {got}, published {want}"
    );
}
