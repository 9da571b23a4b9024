//! SVG → PDF through svg2pdf (usvg), with the bundled font loaded so text stays text and the
//! font is embedded (subset) in the PDF.

use crate::error::PlotError;
use crate::font::{FONT_BYTES, FONT_FAMILY};
use svg2pdf::usvg;

pub fn render(svg: &str) -> Result<Vec<u8>, PlotError> {
    let mut opt = usvg::Options::default();
    let db = opt.fontdb_mut();
    db.load_font_data(FONT_BYTES.to_vec());
    db.set_sans_serif_family(FONT_FAMILY);
    // Nothing else is loaded: the output never depends on the fonts of the machine.
    opt.font_family = FONT_FAMILY.to_string();
    let tree = usvg::Tree::from_str(svg, &opt)
        .map_err(|e| PlotError::Render(format!("reading the SVG for PDF conversion: {e}")))?;
    svg2pdf::to_pdf(
        &tree,
        svg2pdf::ConversionOptions::default(),
        svg2pdf::PageOptions::default(),
    )
    .map_err(|e| PlotError::Render(format!("PDF conversion: {e:?}")))
}
