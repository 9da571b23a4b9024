//! The bundled font (DejaVu Sans, Bitstream Vera licence: `assets/DejaVuSans-LICENSE.txt`) and
//! text metrics. Every figure is laid out with these metrics, so the SVG (rendered by the
//! viewer with the same font), the PNG (rasterised here) and the PDF (font embedded) agree.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use std::sync::OnceLock;

/// The font file embedded in the library.
pub const FONT_BYTES: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

/// The family name written into SVG files and used to find the font when converting to PDF.
pub const FONT_FAMILY: &str = "DejaVu Sans";

/// What an SVG viewer without DejaVu Sans should fall back to (metrically close first).
pub(crate) const SVG_FONT_STACK: &str = "'DejaVu Sans', 'Bitstream Vera Sans', Verdana, sans-serif";

pub(crate) fn font() -> &'static FontRef<'static> {
    static FONT: OnceLock<FontRef<'static>> = OnceLock::new();
    // The bytes are compiled in and parsed by a test; failure here is a build defect.
    FONT.get_or_init(|| FontRef::try_from_slice(FONT_BYTES).expect("bundled font parses"))
}

/// ab_glyph scales by the font's height (ascent − descent); SVG and PDF by the em size.
pub(crate) fn px_scale(em_px: f64) -> PxScale {
    let f = font();
    let upem = f.units_per_em().unwrap_or(2048.0);
    PxScale::from((em_px as f32) * f.height_unscaled() / upem)
}

/// Advance width of `text` at an em size of `em_px` pixels (with kerning).
pub(crate) fn text_width(text: &str, em_px: f64) -> f64 {
    let f = font().as_scaled(px_scale(em_px));
    let mut width = 0.0f32;
    let mut prev = None;
    for c in text.chars() {
        let id = f.glyph_id(c);
        if let Some(p) = prev {
            width += f.kern(p, id);
        }
        width += f.h_advance(id);
        prev = Some(id);
    }
    f64::from(width)
}

/// Height of capital letters and digits above the baseline, used to centre text vertically.
pub(crate) fn cap_height(em_px: f64) -> f64 {
    // DejaVu Sans: cap height 1493 of 2048 units per em.
    em_px * 1493.0 / 2048.0
}

/// Depth of descenders below the baseline.
pub(crate) fn descent(em_px: f64) -> f64 {
    let f = font().as_scaled(px_scale(em_px));
    f64::from(-f.descent())
}

/// Calls `paint(x, y, coverage)` for every pixel covered by `text` laid out with its
/// baseline starting at (0, 0), x to the right and y down.
pub(crate) fn rasterize(text: &str, em_px: f64, mut paint: impl FnMut(i32, i32, f32)) {
    let scale = px_scale(em_px);
    let f = font();
    let scaled = f.as_scaled(scale);
    let mut caret = 0.0f32;
    let mut prev = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            caret += scaled.kern(p, id);
        }
        let glyph = id.with_scale_and_position(scale, ab_glyph::point(caret, 0.0));
        if let Some(outlined) = f.outline_glyph(glyph) {
            let b = outlined.px_bounds();
            outlined.draw(|gx, gy, cov| {
                paint(b.min.x as i32 + gx as i32, b.min.y as i32 + gy as i32, cov);
            });
        }
        caret += scaled.h_advance(id);
        prev = Some(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_font_is_dejavu_sans_with_the_glyphs_figures_use() {
        let f = font();
        for c in ['μ', 'σ', '−', '²', 'χ', '×', 'Δ', '₁'] {
            assert_ne!(f.glyph_id(c).0, 0, "glyph for {c:?} missing");
        }
    }

    #[test]
    fn width_grows_linearly_with_size_and_text() {
        let w1 = text_width("0.5", 10.0);
        let w2 = text_width("0.5", 20.0);
        assert!((w2 / w1 - 2.0).abs() < 1e-3);
        // DejaVu Sans digits advance 1303/2048 em.
        assert!((text_width("0", 2048.0) - 1303.0).abs() < 1.0);
    }
}
