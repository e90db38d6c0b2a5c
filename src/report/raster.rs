//! The PNG side: a bitmap backend whose text is rasterised here from the embedded font, and
//! the PNG encoder.
//!
//! plotters' own `ab_glyph` text drawing places each glyph at a truncated whole-pixel caret
//! and ignores its left side bearing, which leaves visibly uneven letter spacing, and puts the
//! baseline half a font size below the anchor. [`PngCanvas`] draws every other primitive with
//! plotters' bitmap backend and replaces only `draw_text`: glyphs at subpixel positions with
//! kerning and bearings, anti-aliased, with the em size and baseline the SVG backend asks a
//! browser for (`font-size = size / 1.24`; `dy` of 0.76 em, 0.5 ex or -0.5 ex for a top,
//! centre or bottom anchor), so PNG and SVG look alike. Text layout (label areas, legend
//! widths) still uses plotters' estimate from the same font, identical for both formats.

use std::io::Write as _;
use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use plotters::prelude::BitMapBackend;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};

use super::ReportError;

/// DejaVu Sans 2.37; its licence is `assets/fonts/LICENSE-DejaVu.txt`.
pub(super) static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The embedded font, parsed once.
pub(super) fn font() -> Result<&'static FontRef<'static>, ReportError> {
    static FONT: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice(FONT_BYTES).ok())
        .as_ref()
        .ok_or_else(|| {
            ReportError::Draw("the embedded DejaVu Sans font could not be parsed".into())
        })
}

/// DejaVu Sans's x-height in em (OS/2 sxHeight 1120 / 2048), for the SVG-like `0.5ex`.
const X_HEIGHT_EM: f32 = 0.547;

/// plotters' bitmap backend with text drawn from the embedded font (see the module docs).
pub(super) struct PngCanvas<'a> {
    inner: BitMapBackend<'a>,
    font: &'static FontRef<'static>,
}

impl<'a> PngCanvas<'a> {
    /// Draws into `rgb` (`width * height * 3` bytes) at `size`.
    pub(super) fn new(
        rgb: &'a mut [u8],
        size: (u32, u32),
        font: &'static FontRef<'static>,
    ) -> Self {
        PngCanvas {
            inner: BitMapBackend::with_buffer(rgb, size),
            font,
        }
    }
}

type Error<'a> = DrawingErrorKind<<BitMapBackend<'a> as DrawingBackend>::ErrorType>;

impl<'a> DrawingBackend for PngCanvas<'a> {
    type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), Error<'a>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), Error<'a>> {
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), Error<'a>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), Error<'a>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), Error<'a>> {
        let color = style.color();
        if color.alpha == 0.0 || text.is_empty() {
            return Ok(());
        }
        let font = self.font;
        let em = (style.size() / 1.24) as f32;
        // PxScale is the pixel height of ascent - descent; scale it to the wanted em.
        let units_per_em = font.units_per_em().unwrap_or(2048.0);
        let scale = PxScale::from(em * font.height_unscaled() / units_per_em);
        let scaled = font.as_scaled(scale);

        let mut caret = 0.0f32;
        let mut prev = None;
        let mut glyphs = Vec::with_capacity(text.len());
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = prev {
                caret += scaled.kern(p, id);
            }
            glyphs.push((id, caret));
            caret += scaled.h_advance(id);
            prev = Some(id);
        }
        let anchor = style.anchor();
        let dx = match anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Center => -caret / 2.0,
            HPos::Right => -caret,
        };
        let baseline = match anchor.v_pos {
            VPos::Top => 0.76 * em,
            VPos::Center => 0.5 * X_HEIGHT_EM * em,
            VPos::Bottom => -0.5 * X_HEIGHT_EM * em,
        };
        let transform = style.transform();
        let (w, h) = self.inner.get_size();
        let inner = &mut self.inner;
        let mut result = Ok(());
        for (id, x) in glyphs {
            let glyph = id.with_scale_and_position(scale, point(dx + x, baseline));
            let Some(outline) = font.outline_glyph(glyph) else {
                continue; // a space, or a character the font lacks
            };
            let bounds = outline.px_bounds();
            let (x0, y0) = (bounds.min.x as i32, bounds.min.y as i32);
            outline.draw(|gx, gy, coverage| {
                if coverage <= 0.0 || result.is_err() {
                    return;
                }
                let (tx, ty) = transform.transform(x0 + gx as i32, y0 + gy as i32);
                let (px, py) = (pos.0 + tx, pos.1 + ty);
                if px >= 0 && py >= 0 && (px as u32) < w && (py as u32) < h {
                    let c = BackendColor {
                        alpha: color.alpha * f64::from(coverage.min(1.0)),
                        rgb: color.rgb,
                    };
                    result = inner.draw_pixel((px, py), c);
                }
            });
            std::mem::replace(&mut result, Ok(()))?;
        }
        Ok(())
    }
}

/// The eight bytes every PNG file starts with.
pub(super) const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];

/// Encodes an 8-bit RGB buffer (`width * height * 3` bytes, rows top to bottom) as a PNG:
/// signature, IHDR (8-bit truecolour, not interlaced), one zlib IDAT, IEND. Each row uses
/// the Sub or the Up filter, whichever leaves smaller residuals. Deterministic.
pub(super) fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, ReportError> {
    let row_len = width as usize * 3;
    if rgb.len() != row_len * height as usize {
        return Err(ReportError::Encode(format!(
            "buffer has {} bytes, expected {}",
            rgb.len(),
            row_len * height as usize
        )));
    }
    let mut filtered = Vec::with_capacity((row_len + 1) * height as usize);
    let mut sub = vec![0u8; row_len];
    let mut up = vec![0u8; row_len];
    let zero_row = vec![0u8; row_len];
    let mut prev: &[u8] = &zero_row;
    for row in rgb.chunks_exact(row_len) {
        for i in 0..row_len {
            let left = if i >= 3 { row[i - 3] } else { 0 };
            sub[i] = row[i].wrapping_sub(left);
            up[i] = row[i].wrapping_sub(prev[i]);
        }
        // The usual heuristic: the smaller sum of residuals read as signed bytes.
        let cost = |r: &[u8]| {
            r.iter()
                .map(|&b| (b as i8).unsigned_abs() as u64)
                .sum::<u64>()
        };
        if cost(&up) < cost(&sub) {
            filtered.push(2);
            filtered.extend_from_slice(&up);
        } else {
            filtered.push(1);
            filtered.extend_from_slice(&sub);
        }
        prev = row;
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&filtered)
        .map_err(|e| ReportError::Encode(e.to_string()))?;
    let idat = z.finish().map_err(|e| ReportError::Encode(e.to_string()))?;

    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    // Bit depth 8, colour type 2 (RGB), deflate, adaptive filtering, no interlace.
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);

    let mut out = Vec::with_capacity(idat.len() + 64);
    out.extend_from_slice(&PNG_SIGNATURE);
    for (kind, data) in [
        (b"IHDR", &ihdr[..]),
        (b"IDAT", &idat[..]),
        (b"IEND", &[][..]),
    ] {
        let len = u32::try_from(data.len())
            .map_err(|_| ReportError::Encode("image data too large for one PNG chunk".into()))?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut crc = crc32fast::Hasher::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(&crc.finalize().to_be_bytes());
    }
    Ok(out)
}
