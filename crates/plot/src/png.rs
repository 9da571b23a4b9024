//! Scene → PNG at 300 dpi, drawn with plotters' bitmap backend. Dashes are cut here because
//! the backend strokes only solid lines; glyphs come from the bundled font through ab_glyph so
//! text sits exactly where the layout (and the SVG) put it.

use crate::error::PlotError;
use crate::font;
use crate::geom::dash_polyline;
use crate::scene::{marker_is_stroke, marker_outline, Anchor, Item, Scene};
use crate::style::{sizes, Rgb, DPI};
use plotters::prelude::{BitMapBackend, DrawingBackend, RGBAColor, ShapeStyle};
use plotters::style::Color;

fn style(c: Rgb, opacity: f64, width: f64, filled: bool) -> ShapeStyle {
    ShapeStyle {
        color: RGBAColor(c.0, c.1, c.2, opacity),
        filled,
        stroke_width: width.round().max(1.0) as u32,
    }
}

fn px((x, y): (f64, f64)) -> (i32, i32) {
    (x.round() as i32, y.round() as i32)
}

fn render_err<E: std::fmt::Debug>(e: E) -> PlotError {
    PlotError::Render(format!("{e:?}"))
}

/// Draws the scene into an RGB buffer (3 bytes per pixel, rows top to bottom).
pub(crate) fn rasterize(scene: &Scene) -> Result<Vec<u8>, PlotError> {
    let (w, h) = (scene.width, scene.height);
    let mut buf = vec![255u8; (w as usize) * (h as usize) * 3];
    {
        let mut b = BitMapBackend::with_buffer(&mut buf, (w, h));
        for item in &scene.items {
            draw_item(&mut b, item)?;
        }
        b.present().map_err(render_err)?;
    }
    Ok(buf)
}

fn draw_item(b: &mut BitMapBackend<'_>, item: &Item) -> Result<(), PlotError> {
    match item {
        Item::Begin { .. } | Item::End => {}
        Item::Line {
            points,
            color,
            width,
            dash,
        } => {
            let st = style(*color, 1.0, *width, false);
            for piece in dash_polyline(points, dash) {
                let pts: Vec<(i32, i32)> = piece.iter().map(|&p| px(p)).collect();
                b.draw_path(pts, &st).map_err(render_err)?;
            }
        }
        Item::Polygon {
            points,
            color,
            opacity,
        } => {
            let pts: Vec<(i32, i32)> = points.iter().map(|&p| px(p)).collect();
            b.fill_polygon(pts, &style(*color, *opacity, 1.0, true))
                .map_err(render_err)?;
        }
        Item::Rect {
            x0,
            y0,
            x1,
            y1,
            fill,
            opacity,
        } => {
            // Pixel (i, j) covers [i, i+1): the rectangle covers columns round(x0)..round(x1)-1.
            let ul = px((*x0, *y0));
            let br = (x1.round() as i32 - 1, y1.round() as i32 - 1);
            if br.0 >= ul.0 && br.1 >= ul.1 {
                b.draw_rect(ul, br, &style(*fill, *opacity, 1.0, true), true)
                    .map_err(render_err)?;
            }
        }
        Item::Marker {
            x,
            y,
            shape,
            size,
            color,
            filled,
        } => {
            let outline: Vec<(i32, i32)> = marker_outline(*shape, *size)
                .iter()
                .map(|&(dx, dy)| px((x + dx, y + dy)))
                .collect();
            let stroke = style(*color, 1.0, sizes::axis_line(), false);
            if marker_is_stroke(*shape) {
                for pair in outline.chunks(2) {
                    b.draw_path(pair.to_vec(), &stroke).map_err(render_err)?;
                }
            } else if *filled {
                b.fill_polygon(outline, &style(*color, 1.0, 1.0, true))
                    .map_err(render_err)?;
            } else {
                let mut closed = outline.clone();
                closed.push(outline[0]);
                b.draw_path(closed, &stroke).map_err(render_err)?;
            }
        }
        Item::Text {
            x,
            y,
            text,
            size,
            anchor,
            color,
            vertical,
        } => {
            let width = font::text_width(text, *size);
            let shift = match anchor {
                Anchor::Start => 0.0,
                Anchor::Middle => -width / 2.0,
                Anchor::End => -width,
            };
            let (ax, ay) = (*x, *y);
            let mut result = Ok(());
            font::rasterize(text, *size, |u, v, cov| {
                // (u, v): pixel in the unrotated text frame, origin at the baseline start.
                let u = u as f64 + shift;
                let v = v as f64;
                let (sx, sy) = if *vertical {
                    (ax + v, ay - u - 1.0)
                } else {
                    (ax + u, ay + v)
                };
                let c = RGBAColor(color.0, color.1, color.2, f64::from(cov.min(1.0)));
                if let Err(e) =
                    b.draw_pixel((sx.round() as i32, sy.round() as i32), c.to_backend_color())
                {
                    result = Err(render_err(e));
                }
            });
            result?;
        }
    }
    Ok(())
}

/// Encodes an RGB buffer as PNG with a pHYs chunk saying 300 dpi.
pub(crate) fn encode(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, PlotError> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        // Figures are mostly flat colour: the best deflate level with adaptive filtering
        // roughly halves the file at a negligible cost for a few megapixels.
        enc.set_compression(png::Compression::Best);
        enc.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
        let per_metre = (DPI / 0.0254).round() as u32;
        enc.set_pixel_dims(Some(png::PixelDimensions {
            xppu: per_metre,
            yppu: per_metre,
            unit: png::Unit::Meter,
        }));
        let mut writer = enc.write_header().map_err(render_err)?;
        writer.write_image_data(rgb).map_err(render_err)?;
        writer.finish().map_err(render_err)?;
    }
    Ok(out)
}

pub fn render(scene: &Scene) -> Result<Vec<u8>, PlotError> {
    let rgb = rasterize(scene)?;
    encode(&rgb, scene.width, scene.height)
}
