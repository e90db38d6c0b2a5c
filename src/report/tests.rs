//! Rendering tests: every kind in both formats, sizes, determinism, errors, and pixel checks
//! that fail if the data are ignored. The ignored tests write a gallery for a person to look
//! at and time the large cases.

use std::io::Read as _;
use std::time::Instant;

use super::*;

/// A decoded PNG: width, height and RGB bytes (rows top to bottom).
struct Decoded {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
}

impl Decoded {
    fn pixel(&self, x: u32, y: u32) -> (u8, u8, u8) {
        let i = (y as usize * self.width as usize + x as usize) * 3;
        (self.rgb[i], self.rgb[i + 1], self.rgb[i + 2])
    }

    fn count(&self, colour: (u8, u8, u8)) -> usize {
        self.rgb
            .chunks_exact(3)
            .filter(|p| (p[0], p[1], p[2]) == colour)
            .count()
    }
}

/// A strict reader for the PNGs this module writes (8-bit RGB, no interlace), written from
/// the PNG specification: checks the signature, every chunk's CRC, IHDR, the zlib stream and
/// each row's filter type, and undoes all five filters.
fn decode_png(bytes: &[u8]) -> Decoded {
    assert_eq!(&bytes[..8], &PNG_SIGNATURE, "PNG signature");
    let mut pos = 8;
    let mut header = None;
    let mut idat = Vec::new();
    let mut ended = false;
    while pos < bytes.len() {
        let len = u32::from_be_bytes(bytes[pos..pos + 4].try_into().unwrap()) as usize;
        let kind = &bytes[pos + 4..pos + 8];
        let data = &bytes[pos + 8..pos + 8 + len];
        let crc = u32::from_be_bytes(bytes[pos + 8 + len..pos + 12 + len].try_into().unwrap());
        let mut h = crc32fast::Hasher::new();
        h.update(kind);
        h.update(data);
        assert_eq!(
            h.finalize(),
            crc,
            "CRC of chunk {:?}",
            String::from_utf8_lossy(kind)
        );
        match kind {
            b"IHDR" => {
                assert!(
                    header.is_none() && idat.is_empty(),
                    "IHDR comes first, once"
                );
                assert_eq!(len, 13);
                let w = u32::from_be_bytes(data[0..4].try_into().unwrap());
                let hgt = u32::from_be_bytes(data[4..8].try_into().unwrap());
                assert_eq!(&data[8..13], &[8, 2, 0, 0, 0], "8-bit RGB, no interlace");
                header = Some((w, hgt));
            }
            b"IDAT" => idat.extend_from_slice(data),
            b"IEND" => {
                assert_eq!(len, 0);
                ended = true;
            }
            other => panic!("unexpected chunk {:?}", String::from_utf8_lossy(other)),
        }
        pos += 12 + len;
    }
    assert!(ended, "IEND present");
    assert_eq!(pos, bytes.len(), "nothing after IEND");
    let (width, height) = header.expect("IHDR present");
    let mut raw = Vec::new();
    flate2::read::ZlibDecoder::new(&idat[..])
        .read_to_end(&mut raw)
        .expect("valid zlib stream");
    let row_len = width as usize * 3;
    assert_eq!(raw.len(), (row_len + 1) * height as usize, "decoded size");
    let mut rgb = vec![0u8; row_len * height as usize];
    for y in 0..height as usize {
        let filter = raw[y * (row_len + 1)];
        let line = &raw[y * (row_len + 1) + 1..(y + 1) * (row_len + 1)];
        for i in 0..row_len {
            let a = if i >= 3 { rgb[y * row_len + i - 3] } else { 0 };
            let b = if y > 0 { rgb[(y - 1) * row_len + i] } else { 0 };
            let c = if y > 0 && i >= 3 {
                rgb[(y - 1) * row_len + i - 3]
            } else {
                0
            };
            let predicted = match filter {
                0 => 0,
                1 => a,
                2 => b,
                3 => ((a as u16 + b as u16) / 2) as u8,
                4 => {
                    let p = a as i16 + b as i16 - c as i16;
                    let (pa, pb, pc) = (
                        (p - a as i16).abs(),
                        (p - b as i16).abs(),
                        (p - c as i16).abs(),
                    );
                    if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    }
                }
                f => panic!("bad filter type {f}"),
            };
            rgb[y * row_len + i] = line[i].wrapping_add(predicted);
        }
    }
    Decoded { width, height, rgb }
}

fn rgb_of(c: RGBColor) -> (u8, u8, u8) {
    (c.0, c.1, c.2)
}

fn bars() -> Plot {
    Plot::Bars {
        title: "Holdout purchases by calibration frequency".into(),
        x_label: "repeat purchases in calibration".into(),
        y_label: "mean purchases in holdout".into(),
        categories: ["0", "1", "2", "3", "4", "5", "6", "7+"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        series: vec![
            (
                "actual".into(),
                vec![0.23, 0.63, 1.11, 1.58, 2.05, 2.31, 2.95, 4.1],
            ),
            (
                "predicted".into(),
                vec![0.21, 0.66, 1.05, 1.62, 1.98, 2.44, 2.8, 4.4],
            ),
        ],
    }
}

fn lines() -> Plot {
    let actual: Vec<(f64, f64)> = (0..78)
        .map(|w| (w as f64, 40.0 * w as f64 + 60.0 * ((w as f64) * 0.7).sin()))
        .collect();
    let model: Vec<(f64, f64)> = (0..78).map(|w| (w as f64, 40.5 * w as f64)).collect();
    Plot::Lines {
        title: "Tracking cumulative repeat transactions".into(),
        x_label: "week".into(),
        y_label: "cumulative repeat transactions".into(),
        series: vec![
            Series::new("actual", actual),
            Series::new("BG/NBD", model).with_style(LineStyle::Dashed),
        ],
        vlines: vec![(39.0, "end of calibration".into())],
        diagonal: false,
    }
}

fn roc() -> Plot {
    let curve = |k: f64| -> Vec<(f64, f64)> {
        (0..=50)
            .map(|i| {
                let x = i as f64 / 50.0;
                (x, 1.0 - (1.0 - x).powf(k))
            })
            .collect()
    };
    Plot::Lines {
        title: "ROC, churn in the next 90 days".into(),
        x_label: "false positive rate".into(),
        y_label: "true positive rate".into(),
        series: vec![
            Series::new("logistic (AUC 0.78)", curve(3.0)),
            Series::new("random forest (AUC 0.82)", curve(4.5)),
        ],
        vlines: vec![],
        diagonal: true,
    }
}

fn calibration() -> Plot {
    let bins: Vec<(f64, f64)> = (0..10)
        .map(|i| {
            let p = 0.05 + 0.1 * i as f64;
            (p, (p * 0.9 + 0.03).min(1.0))
        })
        .collect();
    Plot::Lines {
        title: "Calibration".into(),
        x_label: "predicted probability".into(),
        y_label: "observed churn rate".into(),
        series: vec![Series::new("deciles", bins).with_style(LineStyle::Markers)],
        vlines: vec![],
        diagonal: true,
    }
}

/// P(alive) of a BG/NBD model (CDNOW-like parameters) over frequency x recency, T = 39.
fn heatmap_data(nx: usize, ny: usize) -> (Vec<f64>, Vec<f64>, Vec<Vec<f64>>) {
    let (r, alpha, a, b, t) = (0.243, 4.414, 0.793, 2.426, 39.0f64);
    let x: Vec<f64> = (0..nx).map(|i| i as f64).collect();
    let y: Vec<f64> = (0..ny)
        .map(|j| j as f64 * t / (ny - 1).max(1) as f64)
        .collect();
    let z = y
        .iter()
        .map(|&tx| {
            x.iter()
                .map(|&freq| {
                    if freq == 0.0 {
                        1.0
                    } else {
                        let ratio =
                            a / (b + freq - 1.0) * ((alpha + t) / (alpha + tx)).powf(r + freq);
                        1.0 / (1.0 + ratio)
                    }
                })
                .collect()
        })
        .collect();
    (x, y, z)
}

fn heatmap() -> Plot {
    let (x, y, z) = heatmap_data(31, 40);
    Plot::Heatmap {
        title: "Probability alive by frequency and recency".into(),
        x_label: "repeat purchases (frequency)".into(),
        y_label: "recency (weeks)".into(),
        x,
        y,
        z,
        z_label: "P(alive)".into(),
    }
}

/// A deterministic log-normal-ish sample (xorshift and Box-Muller; no rand dependency).
fn skewed_values(n: usize) -> Vec<f64> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| {
            let (u1, u2) = (uniform(), uniform());
            let normal = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
            (3.5 + 1.1 * normal).exp()
        })
        .collect()
}

fn histogram() -> Plot {
    Plot::Histogram {
        title: "12-month CLV".into(),
        x_label: "CLV (USD)".into(),
        values: skewed_values(5000),
        bins: 40,
        clip_quantile: Some(0.99),
        log_counts: false,
    }
}

fn forest() -> Plot {
    Plot::Forest {
        title: "Uplift of the retention offer by segment".into(),
        x_label: "absolute uplift in 90-day retention".into(),
        rows: vec![
            ("all customers".into(), 0.021, 0.008, 0.034),
            ("champions".into(), 0.004, -0.012, 0.020),
            ("at risk".into(), 0.048, 0.019, 0.077),
            ("new".into(), 0.015, -0.006, 0.036),
            ("hibernating".into(), -0.003, -0.021, 0.015),
        ],
        reference: 0.0,
    }
}

fn all_kinds() -> Vec<(Plot, Vec<&'static str>)> {
    vec![
        (
            bars(),
            vec![
                "repeat purchases in calibration",
                "mean purchases in holdout",
                "predicted",
                "7+",
            ],
        ),
        (
            lines(),
            vec![
                "week",
                "cumulative repeat transactions",
                "end of calibration",
                "BG/NBD",
            ],
        ),
        (
            roc(),
            vec!["false positive rate", "true positive rate", "y = x"],
        ),
        (
            calibration(),
            vec!["predicted probability", "observed churn rate"],
        ),
        (
            heatmap(),
            vec![
                "repeat purchases (frequency)",
                "recency (weeks)",
                "P(alive)",
            ],
        ),
        (
            histogram(),
            vec!["CLV (USD)", "count", "n = 5,000", "0.99 quantile"],
        ),
        (
            forest(),
            vec![
                "absolute uplift in 90-day retention",
                "at risk",
                "0.048 [0.019, 0.077]",
            ],
        ),
    ]
}

#[test]
fn every_kind_renders_to_png_and_svg() {
    for (plot, texts) in all_kinds() {
        let png = render(&plot, ImageFormat::Png).unwrap();
        let img = decode_png(&png);
        assert_eq!((img.width, img.height), DEFAULT_SIZE, "{}", plot.kind());
        // Something besides the white background was drawn.
        assert!(
            img.count((255, 255, 255)) < img.rgb.len() / 3,
            "{}",
            plot.kind()
        );

        let svg = String::from_utf8(render(&plot, ImageFormat::Svg).unwrap()).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{}",
            plot.kind()
        );
        assert!(svg.contains(plot.title()), "{}: title", plot.kind());
        for t in texts {
            assert!(svg.contains(t), "{}: SVG lacks {t:?}", plot.kind());
        }
        assert!(svg.contains("font-family=\"sans-serif\""));
    }
}

#[test]
fn png_has_the_requested_size() {
    for size in [(300, 200), (640, 400), (1200, 750)] {
        for (plot, _) in all_kinds() {
            let img = decode_png(&render_sized(&plot, ImageFormat::Png, size).unwrap());
            assert_eq!((img.width, img.height), size, "{}", plot.kind());
        }
    }
    let svg = render_sized(&bars(), ImageFormat::Svg, (640, 400)).unwrap();
    let svg = String::from_utf8(svg).unwrap();
    assert!(svg.contains("width=\"640\"") && svg.contains("height=\"400\""));
    assert!(matches!(
        render_sized(&bars(), ImageFormat::Png, (100, 100)),
        Err(ReportError::Size {
            width: 100,
            height: 100
        })
    ));
    assert!(matches!(
        render_sized(&bars(), ImageFormat::Svg, (9000, 500)),
        Err(ReportError::Size { .. })
    ));
}

#[test]
fn output_is_deterministic() {
    for (plot, _) in all_kinds() {
        for format in [ImageFormat::Png, ImageFormat::Svg] {
            let a = render(&plot, format).unwrap();
            let b = render(&plot.clone(), format).unwrap();
            assert!(a == b, "{} {:?} differs between runs", plot.kind(), format);
        }
    }
}

/// Column extents `(x0, x1, top, bottom)` of the runs of columns holding `colour`.
fn bars_of(img: &Decoded, colour: (u8, u8, u8)) -> Vec<(u32, u32, u32, u32)> {
    let mut out: Vec<(u32, u32, u32, u32)> = Vec::new();
    for x in 0..img.width {
        let ys: Vec<u32> = (0..img.height)
            .filter(|&y| img.pixel(x, y) == colour)
            .collect();
        // Bars are the long vertical runs above the x axis, legend and notes (the bottom
        // 50 px at this size) excluded.
        let ys: Vec<u32> = ys.into_iter().filter(|&y| y + 50 < img.height).collect();
        if ys.len() < 5 {
            continue;
        }
        let (top, bottom) = (ys[0], *ys.last().unwrap());
        match out.last_mut() {
            Some(b) if b.1 + 1 == x => {
                b.1 = x;
                b.2 = b.2.min(top);
                b.3 = b.3.max(bottom);
            }
            _ => out.push((x, x, top, bottom)),
        }
    }
    out
}

#[test]
fn the_taller_bar_is_taller_in_the_pixels() {
    let plot = Plot::Bars {
        title: "two bars".into(),
        x_label: "category".into(),
        y_label: "value".into(),
        categories: vec!["small".into(), "large".into()],
        series: vec![("v".into(), vec![1.0, 3.0])],
    };
    let img = decode_png(&render(&plot, ImageFormat::Png).unwrap());
    let found = bars_of(&img, rgb_of(PALETTE[0]));
    assert_eq!(found.len(), 2, "two bars, found {found:?}");
    let (left, right) = (found[0], found[1]);
    assert!(left.1 < right.0, "left bar first");
    let h = |b: (u32, u32, u32, u32)| (b.3 - b.2 + 1) as f64;
    // Same baseline (the zero line may cover the last row), heights in ratio 1 : 3.
    assert!(left.3.abs_diff(right.3) <= 1, "{left:?} {right:?}");
    let ratio = h(right) / h(left);
    assert!((ratio - 3.0).abs() < 0.1, "height ratio {ratio}");

    // Swapping the values swaps the bars.
    let mut swapped = plot;
    if let Plot::Bars { series, .. } = &mut swapped {
        series[0].1 = vec![3.0, 1.0];
    }
    let img = decode_png(&render(&swapped, ImageFormat::Png).unwrap());
    let found = bars_of(&img, rgb_of(PALETTE[0]));
    assert!(h(found[0]) > 2.5 * h(found[1]));
}

#[test]
fn grouped_bars_use_one_colour_per_series() {
    let img = decode_png(&render(&bars(), ImageFormat::Png).unwrap());
    assert_eq!(bars_of(&img, rgb_of(PALETTE[0])).len(), 8);
    assert_eq!(bars_of(&img, rgb_of(PALETTE[1])).len(), 8);
}

#[test]
fn heatmap_colours_follow_z() {
    let plot = Plot::Heatmap {
        title: "two cells and a hole".into(),
        x_label: "x".into(),
        y_label: "y".into(),
        x: vec![0.0, 1.0, 2.0],
        y: vec![0.0],
        z: vec![vec![0.0, 1.0, f64::NAN]],
        z_label: "z".into(),
    };
    let png = render(&plot, ImageFormat::Png).unwrap();
    let img = decode_png(&png);
    let low = img.count(rgb_of(viridis_for_test(0.0)));
    let high = img.count(rgb_of(viridis_for_test(1.0)));
    let missing = img.count(rgb_of(plots_missing()));
    // Each cell is about a third of a ~700 x 400 px plot; the colour bar adds a few pixels.
    for (name, n) in [("low", low), ("high", high), ("missing", missing)] {
        assert!(n > 30_000, "{name} cell has {n} pixels");
    }
    let svg = String::from_utf8(render(&plot, ImageFormat::Svg).unwrap()).unwrap();
    assert!(svg.contains("grey cells: no value (1 of 3 cells)"));
}

fn viridis_for_test(t: f64) -> RGBColor {
    plots::viridis(t)
}

fn plots_missing() -> RGBColor {
    plots::MISSING
}

const PALETTE: [RGBColor; 2] = [plots::PALETTE[0], plots::PALETTE[1]];

#[test]
fn awkward_but_valid_data_render() {
    let cases = vec![
        // One point, all-equal values, gaps, a series of NaN among good ones.
        Plot::Lines {
            title: "one point".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            series: vec![Series::new("a", vec![(3.0, 3.0)])],
            vlines: vec![],
            diagonal: true,
        },
        Plot::Lines {
            title: "flat".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            series: vec![
                Series::new("a", vec![(0.0, 5.0), (1.0, 5.0), (2.0, 5.0)]),
                Series::new("nan", vec![(f64::NAN, 1.0), (1.0, f64::INFINITY)]),
            ],
            vlines: vec![(1.0, "".into()), (2.0, "right edge".into())],
            diagonal: false,
        },
        Plot::Lines {
            title: "tiny and huge".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            series: vec![Series::new("a", vec![(0.0, 1e-9), (1e12, 2e-9)])],
            vlines: vec![],
            diagonal: false,
        },
        Plot::Bars {
            title: "negative, zero and missing".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            categories: vec!["a".into(), "b".into(), "c".into()],
            series: vec![("s".into(), vec![-2.0, 0.0, f64::NAN])],
        },
        Plot::Bars {
            title: "all zero".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            categories: (0..60)
                .map(|i| format!("a long category name {i}"))
                .collect(),
            series: vec![("s".into(), vec![0.0; 60])],
        },
        Plot::Heatmap {
            title: "one cell".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            x: vec![1.0],
            y: vec![2.0],
            z: vec![vec![0.5]],
            z_label: "".into(),
        },
        Plot::Histogram {
            title: "all equal".into(),
            x_label: "x".into(),
            values: vec![7.0; 100],
            bins: 10,
            clip_quantile: Some(0.5),
            log_counts: false,
        },
        Plot::Histogram {
            title: "log counts".into(),
            x_label: "x".into(),
            values: skewed_values(20_000),
            bins: 60,
            clip_quantile: None,
            log_counts: true,
        },
        Plot::Histogram {
            title: "one value, one bin".into(),
            x_label: "x".into(),
            values: vec![f64::NAN, 1.0],
            bins: 1,
            clip_quantile: Some(1.0),
            log_counts: true,
        },
        Plot::Lines {
            title: "a title far too long to fit on one line of a chart of this width, so it \
                    is set smaller than the others"
                .into(),
            x_label: "x".into(),
            y_label: "y".into(),
            series: vec![Series::new("a", vec![(1e300, -1e300)])],
            vlines: vec![],
            diagonal: true,
        },
        Plot::Histogram {
            title: "clip at the minimum".into(),
            x_label: "x".into(),
            values: [vec![0.0; 99], vec![1000.0]].concat(),
            bins: 5,
            clip_quantile: Some(0.5),
            log_counts: false,
        },
        Plot::Forest {
            title: "one row, point interval".into(),
            x_label: "effect".into(),
            rows: vec![("only".into(), 1.0, 1.0, 1.0)],
            reference: 1.0,
        },
    ];
    for plot in cases {
        for format in [ImageFormat::Png, ImageFormat::Svg] {
            if let Err(e) = render(&plot, format) {
                panic!("{} ({:?}): {e}", plot.title(), format);
            }
        }
    }
}

#[test]
fn notes_state_what_was_dropped_or_folded() {
    let mut values = (1..=1000).map(f64::from).collect::<Vec<_>>();
    values.extend([f64::NAN, f64::INFINITY]);
    let plot = Plot::Histogram {
        title: "h".into(),
        x_label: "x".into(),
        values,
        bins: 10,
        clip_quantile: Some(0.9),
        log_counts: false,
    };
    let svg = String::from_utf8(render(&plot, ImageFormat::Svg).unwrap()).unwrap();
    assert!(
        svg.contains("n = 1,000; 2 non-finite values dropped"),
        "{svg}"
    );
    // The 0.9 quantile of 1..=1000 is 900.1; 100 values lie above it.
    assert!(
        svg.contains("counts 100 values above 900.1 (the 0.9 quantile)"),
        "{svg}"
    );

    // A quantile at the minimum: the range is widened around it, and the note says so.
    let plot = Plot::Histogram {
        title: "h".into(),
        x_label: "x".into(),
        values: [vec![0.0; 99], vec![1000.0]].concat(),
        bins: 5,
        clip_quantile: Some(0.5),
        log_counts: false,
    };
    let svg = String::from_utf8(render(&plot, ImageFormat::Svg).unwrap()).unwrap();
    assert!(
        svg.contains("counts 1 value above 1 (the 0.5 quantile is the minimum, 0)"),
        "{svg}"
    );

    let bars = Plot::Bars {
        title: "b".into(),
        x_label: "x".into(),
        y_label: "y".into(),
        categories: vec!["a".into(), "b".into()],
        series: vec![("s".into(), vec![1.0, f64::NAN])],
    };
    let svg = String::from_utf8(render(&bars, ImageFormat::Svg).unwrap()).unwrap();
    assert!(svg.contains("\nn/a\n"), "{svg}");
}

#[test]
fn svg_text_is_escaped() {
    let plot = Plot::Bars {
        title: "Gains & lift <top 10%>".into(),
        x_label: "x".into(),
        y_label: "y".into(),
        categories: vec!["a".into()],
        series: vec![("s".into(), vec![1.0])],
    };
    let svg = String::from_utf8(render(&plot, ImageFormat::Svg).unwrap()).unwrap();
    assert!(svg.contains("Gains &amp; lift &lt;top 10%&gt;"));
    assert!(!svg.contains("<top 10%>"));
}

#[test]
fn invalid_input_is_an_error() {
    fn err(plot: Plot) -> ReportError {
        // Both formats validate first and refuse the same way.
        let svg = render(&plot, ImageFormat::Svg).unwrap_err();
        let png = render(&plot, ImageFormat::Png).unwrap_err();
        assert_eq!(svg.to_string(), png.to_string());
        svg
    }
    let bars = |categories: Vec<String>, series: Vec<(String, Vec<f64>)>| Plot::Bars {
        title: "t".into(),
        x_label: "x".into(),
        y_label: "y".into(),
        categories,
        series,
    };
    assert!(matches!(
        err(bars(vec![], vec![("s".into(), vec![])])),
        ReportError::Empty { plot: "bars", .. }
    ));
    assert!(matches!(
        err(bars(vec!["a".into()], vec![])),
        ReportError::Empty { .. }
    ));
    assert!(matches!(
        err(bars(
            vec!["a".into(), "b".into()],
            vec![("s".into(), vec![1.0])]
        )),
        ReportError::LengthMismatch {
            expected: 2,
            found: 1,
            ..
        }
    ));

    assert!(matches!(
        err(bars(
            vec!["a".into(), "b".into()],
            vec![("s".into(), vec![-f64::MAX, f64::MAX])]
        )),
        ReportError::Invalid { .. }
    ));
    assert!(matches!(
        err(bars(vec!["a".into()], vec![("s".into(), vec![f64::MAX])])),
        ReportError::Invalid { .. }
    ));

    let lines = |series: Vec<Series>, vlines: Vec<(f64, String)>| Plot::Lines {
        title: "t".into(),
        x_label: "x".into(),
        y_label: "y".into(),
        series,
        vlines,
        diagonal: false,
    };
    assert!(matches!(
        err(lines(vec![], vec![])),
        ReportError::Empty { .. }
    ));
    assert!(matches!(
        err(lines(vec![Series::new("a", vec![])], vec![])),
        ReportError::Empty { .. }
    ));
    assert!(matches!(
        err(lines(
            vec![Series::new(
                "a",
                vec![(f64::NAN, 1.0), (2.0, f64::NEG_INFINITY)]
            )],
            vec![]
        )),
        ReportError::Empty { .. }
    ));
    assert!(matches!(
        err(lines(
            vec![Series::new("a", vec![(0.0, 1.0)])],
            vec![(f64::NAN, "m".into())]
        )),
        ReportError::Invalid { .. }
    ));
    assert!(matches!(
        err(lines(
            vec![Series::new("a", vec![(-f64::MAX, 0.0), (f64::MAX, 1.0)])],
            vec![]
        )),
        ReportError::Invalid { .. }
    ));

    let heat = |x: Vec<f64>, y: Vec<f64>, z: Vec<Vec<f64>>| Plot::Heatmap {
        title: "t".into(),
        x_label: "x".into(),
        y_label: "y".into(),
        x,
        y,
        z,
        z_label: "z".into(),
    };
    assert!(matches!(
        err(heat(vec![], vec![0.0], vec![vec![]])),
        ReportError::Empty { .. }
    ));
    assert!(matches!(
        err(heat(
            vec![0.0, 1.0],
            vec![0.0],
            vec![vec![1.0, 2.0], vec![3.0, 4.0]]
        )),
        ReportError::LengthMismatch {
            expected: 1,
            found: 2,
            ..
        }
    ));
    assert!(matches!(
        err(heat(
            vec![0.0, 1.0],
            vec![0.0, 1.0],
            vec![vec![1.0, 2.0], vec![3.0]]
        )),
        ReportError::LengthMismatch {
            expected: 2,
            found: 1,
            ..
        }
    ));
    assert!(matches!(
        err(heat(vec![1.0, 0.0], vec![0.0], vec![vec![1.0, 2.0]])),
        ReportError::Invalid { .. }
    ));
    assert!(matches!(
        err(heat(vec![0.0, f64::NAN], vec![0.0], vec![vec![1.0, 2.0]])),
        ReportError::Invalid { .. }
    ));
    assert!(matches!(
        err(heat(vec![0.0], vec![0.0], vec![vec![f64::NAN]])),
        ReportError::Empty { .. }
    ));

    let hist = |values: Vec<f64>, bins: usize, clip: Option<f64>| Plot::Histogram {
        title: "t".into(),
        x_label: "x".into(),
        values,
        bins,
        clip_quantile: clip,
        log_counts: false,
    };
    assert!(matches!(
        err(hist(vec![1.0], 0, None)),
        ReportError::Invalid { .. }
    ));
    assert!(matches!(
        err(hist(vec![1.0], 10_001, None)),
        ReportError::Invalid { .. }
    ));
    for q in [0.0, -0.5, 1.5, f64::NAN] {
        assert!(matches!(
            err(hist(vec![1.0], 5, Some(q))),
            ReportError::Invalid { .. }
        ));
    }
    assert!(matches!(
        err(hist(vec![], 5, None)),
        ReportError::Empty { .. }
    ));
    assert!(matches!(
        err(hist(vec![f64::NAN], 5, None)),
        ReportError::Empty { .. }
    ));

    let forest = |rows: Vec<(String, f64, f64, f64)>, reference: f64| Plot::Forest {
        title: "t".into(),
        x_label: "x".into(),
        rows,
        reference,
    };
    assert!(matches!(
        err(forest(vec![], 0.0)),
        ReportError::Empty { .. }
    ));
    assert!(matches!(
        err(forest(vec![("a".into(), 0.0, 1.0, -1.0)], 0.0)),
        ReportError::Invalid { .. }
    ));
    assert!(matches!(
        err(forest(vec![("a".into(), f64::NAN, -1.0, 1.0)], 0.0)),
        ReportError::Invalid { .. }
    ));
    assert!(matches!(
        err(forest(vec![("a".into(), 0.0, -1.0, 1.0)], f64::INFINITY)),
        ReportError::Invalid { .. }
    ));
}

#[test]
fn write_plot_writes_each_format_atomically() {
    let dir = std::env::temp_dir().join(format!("clvr-report-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let stem = dir.join("roc.v2");
    let paths = write_plot(&roc(), &stem, &[ImageFormat::Png, ImageFormat::Svg]).unwrap();
    assert_eq!(paths, vec![dir.join("roc.v2.png"), dir.join("roc.v2.svg")]);
    assert_eq!(
        std::fs::read(&paths[0]).unwrap(),
        render(&roc(), ImageFormat::Png).unwrap()
    );
    assert_eq!(
        std::fs::read(&paths[1]).unwrap(),
        render(&roc(), ImageFormat::Svg).unwrap()
    );

    // Invalid input writes nothing, and leaves no temporary file behind.
    let bad = Plot::Forest {
        title: "t".into(),
        x_label: "x".into(),
        rows: vec![],
        reference: 0.0,
    };
    assert!(write_plot(&bad, &dir.join("bad"), &[ImageFormat::Png]).is_err());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec!["roc.v2.png", "roc.v2.svg"]);

    // A missing directory is a write error, not a panic.
    let missing = dir.join("no-such-dir").join("x");
    assert!(matches!(
        write_plot(&roc(), &missing, &[ImageFormat::Svg]),
        Err(ReportError::Write(_))
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn image_format_names() {
    assert_eq!(ImageFormat::Png.extension(), "png");
    assert_eq!(ImageFormat::Svg.mime_type(), "image/svg+xml");
}

/// Writes one of each plot (and a few variants) as PNG and SVG for a person to look at:
/// `CLVR_PLOT_GALLERY=/some/dir cargo test --release --lib report::tests::gallery -- --ignored`
/// (default: `clvr-plot-gallery` in the system temporary directory).
#[test]
#[ignore]
fn gallery() {
    let dir = std::env::var_os("CLVR_PLOT_GALLERY")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("clvr-plot-gallery"));
    std::fs::create_dir_all(&dir).unwrap();
    let lorenz: Vec<(f64, f64)> = {
        let mut v = skewed_values(2000);
        v.sort_by(f64::total_cmp);
        let total: f64 = v.iter().sum();
        let mut acc = 0.0;
        let mut pts = vec![(0.0, 0.0)];
        for (i, x) in v.iter().enumerate() {
            acc += x;
            pts.push(((i + 1) as f64 / v.len() as f64, acc / total));
        }
        pts
    };
    let segments = Plot::Bars {
        title: "Customers by segment".into(),
        x_label: "segment".into(),
        y_label: "customers".into(),
        categories: [
            "champions",
            "loyal",
            "potential",
            "new",
            "at risk",
            "hibernating",
            "lost",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        series: vec![(
            "customers".into(),
            vec![2310.0, 4120.0, 5230.0, 1980.0, 3410.0, 4020.0, 2500.0],
        )],
    };
    let gains = Plot::Lines {
        title: "Cumulative gains".into(),
        x_label: "share of customers contacted".into(),
        y_label: "share of churners reached".into(),
        series: vec![Series::new(
            "random forest",
            (0..=20)
                .map(|i| {
                    let x = i as f64 / 20.0;
                    (x, 1.0 - (1.0 - x).powf(3.2))
                })
                .collect(),
        )],
        vlines: vec![(0.2, "top 20 %".into())],
        diagonal: true,
    };
    let mut with_gaps = lines();
    if let Plot::Lines { series, title, .. } = &mut with_gaps {
        *title = "Tracking with missing weeks (gaps)".into();
        series[0].points[20].1 = f64::NAN;
        series[0].points[50].1 = f64::NAN;
        series[0].points[51].1 = f64::NAN;
    }
    let plots = vec![
        ("bars_conditional_expectations", bars()),
        ("bars_segments", segments),
        ("lines_tracking", lines()),
        ("lines_tracking_gaps", with_gaps),
        ("lines_roc", roc()),
        ("lines_calibration", calibration()),
        (
            "lines_lorenz",
            Plot::Lines {
                title: "Lorenz curve of 12-month CLV".into(),
                x_label: "share of customers (lowest CLV first)".into(),
                y_label: "share of total CLV".into(),
                series: vec![Series::new("CLV", lorenz)],
                vlines: vec![],
                diagonal: true,
            },
        ),
        ("lines_gains", gains),
        ("heatmap_p_alive", heatmap()),
        ("histogram_clv", histogram()),
        (
            "histogram_clv_log",
            Plot::Histogram {
                title: "12-month CLV (log count)".into(),
                x_label: "CLV (USD)".into(),
                values: skewed_values(20_000),
                bins: 60,
                clip_quantile: None,
                log_counts: true,
            },
        ),
        ("forest_uplift", forest()),
    ];
    for (name, plot) in plots {
        let paths = write_plot(
            &plot,
            &dir.join(name),
            &[ImageFormat::Png, ImageFormat::Svg],
        )
        .unwrap();
        eprintln!("wrote {}", paths[0].display());
    }
    // The smallest and a large size, to check that the layout scales.
    for (name, plot, size) in [
        ("small_forest_300x200", forest(), MIN_SIZE),
        ("small_bars_450x280", bars(), (450, 280)),
        ("large_heatmap_1800x1120", heatmap(), (1800, 1120)),
    ] {
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, render_sized(&plot, ImageFormat::Png, size).unwrap()).unwrap();
        eprintln!("wrote {}", path.display());
    }
}

/// Times the large cases: `cargo test --release --lib report::tests::timing -- --ignored
/// --nocapture`.
#[test]
#[ignore]
fn timing() {
    let big_line = Plot::Lines {
        title: "10,000 points".into(),
        x_label: "x".into(),
        y_label: "y".into(),
        series: vec![Series::new(
            "s",
            (0..10_000)
                .map(|i| {
                    (
                        i as f64,
                        (i as f64 / 300.0).sin() + (i as f64 * 0.37).sin() * 0.2,
                    )
                })
                .collect(),
        )],
        vlines: vec![],
        diagonal: false,
    };
    let (x, y, z) = heatmap_data(50, 50);
    let big_heat = Plot::Heatmap {
        title: "50 x 50".into(),
        x_label: "x".into(),
        y_label: "y".into(),
        x,
        y,
        z,
        z_label: "z".into(),
    };
    for (name, plot) in [
        ("10,000-point line", &big_line),
        ("50x50 heatmap", &big_heat),
    ] {
        for format in [ImageFormat::Png, ImageFormat::Svg] {
            let _ = render(plot, format).unwrap();
            let mut times: Vec<f64> = (0..7)
                .map(|_| {
                    let t = Instant::now();
                    let bytes = render(plot, format).unwrap();
                    std::hint::black_box(bytes);
                    t.elapsed().as_secs_f64() * 1e3
                })
                .collect();
            times.sort_by(f64::total_cmp);
            let size = render(plot, format).unwrap().len();
            eprintln!(
                "{name} {format:?}: median {:.1} ms (min {:.1}, max {:.1}) over 7 runs, {} bytes",
                times[3], times[0], times[6], size
            );
        }
    }
}
