//! Diagnostic plots as image bytes: a pure plotting layer for the report.
//!
//! Plain data goes in (a [`Plot`]: grouped bars, lines, a heatmap, a histogram or a forest
//! plot), PNG or SVG bytes come out ([`render`]), or files next to each other on disk
//! ([`write_plot`]). Nothing here knows about tables, models or polars: the callers (holdout
//! evaluation, scoring, churn, uplift) turn their results into a [`Plot`] and later embed the
//! bytes into a one-file HTML report.
//!
//! ```
//! use clvr::report::{render, ImageFormat, Plot};
//!
//! let plot = Plot::Bars {
//!     title: "Repeat purchases in the holdout".into(),
//!     x_label: "purchases in calibration".into(),
//!     y_label: "mean purchases in holdout".into(),
//!     categories: vec!["0".into(), "1".into(), "2+".into()],
//!     series: vec![
//!         ("actual".into(), vec![0.2, 0.9, 2.1]),
//!         ("predicted".into(), vec![0.25, 0.8, 2.3]),
//!     ],
//! };
//! let svg = render(&plot, ImageFormat::Svg).unwrap();
//! assert!(String::from_utf8(svg).unwrap().contains("Repeat purchases in the holdout"));
//! let png = render(&plot, ImageFormat::Png).unwrap();
//! assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
//! ```
//!
//! # Rendering rules
//!
//! - Images are [`DEFAULT_SIZE`] (900 x 560 px) unless [`render_sized`] asks otherwise; fonts
//!   and strokes scale with the size.
//! - PNGs are 8-bit RGB, encoded here with flate2 (no image crate).
//! - Text in PNGs is drawn with DejaVu Sans, embedded in the library (`assets/fonts/`, with its
//!   licence), so no system font, fontconfig or freetype is needed. SVGs name the generic
//!   `sans-serif` family and need no font file; the viewer's sans-serif is used.
//! - The same input gives byte-identical output, in both formats.
//! - Invalid input is a [`ReportError`], never a panic and never a silently wrong picture. What
//!   is skipped rather than refused is stated on each [`Plot`] variant (for example, non-finite
//!   points split a line, and a histogram states how many values it dropped).

pub mod html;
mod plots;
mod raster;
#[cfg(test)]
mod tests;

pub use plots::{LineStyle, Plot, Series, uplift_forest};

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::prelude::*;

#[cfg(test)]
use raster::PNG_SIGNATURE;
use raster::{PngCanvas, encode_png};

use crate::data::{DataError, write_atomic};

/// The image size [`render`] uses, in pixels (width, height).
pub const DEFAULT_SIZE: (u32, u32) = (900, 560);

/// The smallest image [`render_sized`] accepts, in pixels (width, height).
pub const MIN_SIZE: (u32, u32) = (300, 200);

/// The largest image [`render_sized`] accepts, in pixels (width, height).
pub const MAX_SIZE: (u32, u32) = (8000, 8000);

/// An output image format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageFormat {
    /// A PNG bitmap (8-bit RGB).
    Png,
    /// An SVG document (UTF-8 text).
    Svg,
}

impl ImageFormat {
    /// The file extension, without the dot: `png` or `svg`.
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Svg => "svg",
        }
    }

    /// The media type, for example for a `data:` URI in an HTML report.
    pub fn mime_type(self) -> &'static str {
        match self {
            ImageFormat::Png => "image/png",
            ImageFormat::Svg => "image/svg+xml",
        }
    }
}

/// Why a plot could not be rendered or written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// There is nothing to draw: no categories, series, points, rows or finite values.
    #[error("{plot} plot: nothing to draw ({what})")]
    Empty {
        /// The plot kind (`bars`, `lines`, `heatmap`, `histogram`, `forest`).
        plot: &'static str,
        /// What is missing.
        what: String,
    },
    /// Two inputs that must match in length do not (including a heatmap grid of the wrong
    /// shape).
    #[error("{plot} plot: {what} has {found} values, expected {expected}")]
    LengthMismatch {
        /// The plot kind.
        plot: &'static str,
        /// The input with the wrong length.
        what: String,
        /// The length it should have.
        expected: usize,
        /// The length it has.
        found: usize,
    },
    /// An input value or option is not usable (a non-finite value where one is required,
    /// `bins == 0`, a quantile outside (0, 1], grid coordinates not increasing, ...).
    #[error("{plot} plot: {what}")]
    Invalid {
        /// The plot kind.
        plot: &'static str,
        /// What is wrong, naming the input.
        what: String,
    },
    /// The requested image size is outside [`MIN_SIZE`]..=[`MAX_SIZE`].
    #[error(
        "image size {width}x{height} is outside {}x{}..={}x{}",
        MIN_SIZE.0, MIN_SIZE.1, MAX_SIZE.0, MAX_SIZE.1
    )]
    Size {
        /// The requested width in pixels.
        width: u32,
        /// The requested height in pixels.
        height: u32,
    },
    /// The drawing library failed (for example, the embedded font could not be loaded).
    #[error("drawing failed: {0}")]
    Draw(String),
    /// The PNG encoder failed.
    #[error("PNG encoding failed: {0}")]
    Encode(String),
    /// Writing an image file failed.
    #[error(transparent)]
    Write(#[from] DataError),
}

/// Renders `plot` at [`DEFAULT_SIZE`] (900 x 560 px) as PNG or SVG bytes.
///
/// Input is validated before anything is drawn; see [`Plot`] for the rules of each kind.
pub fn render(plot: &Plot, format: ImageFormat) -> Result<Vec<u8>, ReportError> {
    render_sized(plot, format, DEFAULT_SIZE)
}

/// Renders `plot` at `size` (width, height in pixels, within [`MIN_SIZE`]..=[`MAX_SIZE`]) as PNG
/// or SVG bytes. Fonts, strokes and margins scale with the size relative to [`DEFAULT_SIZE`].
pub fn render_sized(
    plot: &Plot,
    format: ImageFormat,
    size: (u32, u32),
) -> Result<Vec<u8>, ReportError> {
    let (width, height) = size;
    if width < MIN_SIZE.0 || height < MIN_SIZE.1 || width > MAX_SIZE.0 || height > MAX_SIZE.1 {
        return Err(ReportError::Size { width, height });
    }
    let prepared = plots::prepare(plot)?;
    let font = ensure_font()?;
    match format {
        ImageFormat::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
                plots::draw(&prepared, &root)?;
                root.present().map_err(plots::draw_error)?;
            }
            Ok(svg.into_bytes())
        }
        ImageFormat::Png => {
            let mut rgb = vec![0u8; width as usize * height as usize * 3];
            {
                let root = PngCanvas::new(&mut rgb, size, font).into_drawing_area();
                plots::draw(&prepared, &root)?;
                root.present().map_err(plots::draw_error)?;
            }
            encode_png(&rgb, width, height)
        }
    }
}

/// Renders `plot` once per format and writes `<stem>.png` and/or `<stem>.svg` (the extension
/// is appended, so `out/roc.v2` gives `out/roc.v2.png`). Returns the paths written, in the
/// order of `formats`.
///
/// Every image is rendered before the first file is written, so invalid input writes nothing.
/// Each file is written atomically (a temporary file in the same directory, renamed over the
/// target), so a reader never sees a partial image. The directory must exist.
pub fn write_plot(
    plot: &Plot,
    stem: &Path,
    formats: &[ImageFormat],
) -> Result<Vec<PathBuf>, ReportError> {
    let mut rendered = Vec::with_capacity(formats.len());
    for &format in formats {
        let mut name = stem.as_os_str().to_owned();
        name.push(".");
        name.push(format.extension());
        rendered.push((PathBuf::from(name), render(plot, format)?));
    }
    let mut written = Vec::with_capacity(rendered.len());
    for (path, bytes) in rendered {
        write_atomic(&path, |out| {
            out.write_all(&bytes).map_err(|source| DataError::Io {
                path: path.clone(),
                action: "write",
                source,
            })
        })?;
        written.push(path);
    }
    Ok(written)
}

/// Registers the embedded font as plotters' `sans-serif` once per process (text layout
/// measures with it in both formats; SVG output still names `sans-serif` and embeds no font)
/// and returns it parsed for the PNG text.
fn ensure_font() -> Result<&'static ab_glyph::FontRef<'static>, ReportError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let font = raster::font()?;
    let registered = *REGISTERED.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, raster::FONT_BYTES).is_ok()
    });
    if registered {
        Ok(font)
    } else {
        Err(ReportError::Draw(
            "the embedded DejaVu Sans font could not be registered".into(),
        ))
    }
}
