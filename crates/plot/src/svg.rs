//! Scene → SVG. Text stays text (`<text>` elements with the bundled font's family), the page
//! size is given in inches and the `viewBox` in 300-dpi pixels, and every series is a `<g>`
//! with a class and `data-label`, so scripts and tests can find what a figure shows.

use crate::font::SVG_FONT_STACK;
use crate::scene::{marker_is_stroke, marker_outline, Anchor, Item, Scene};
use crate::style::{sizes, DPI};
use std::fmt::Write;

/// Escapes text for XML content and attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Formats a coordinate with two decimals (1/30000 in), trimming trailing zeros.
fn num(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

fn points_attr(points: &[(f64, f64)]) -> String {
    let mut s = String::new();
    for (i, (x, y)) in points.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        let _ = write!(s, "{},{}", num(*x), num(*y));
    }
    s
}

pub fn render(scene: &Scene) -> String {
    let mut out = String::new();
    let w_in = scene.width as f64 / DPI;
    let h_in = scene.height as f64 / DPI;
    let _ = writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}in" height="{h}in" viewBox="0 0 {pw} {ph}" font-family="{font}">"#,
        w = num(w_in),
        h = num(h_in),
        pw = scene.width,
        ph = scene.height,
        font = SVG_FONT_STACK.replace('\'', "&#39;"),
    );
    let _ = writeln!(
        out,
        r##"<rect x="0" y="0" width="{}" height="{}" fill="#FFFFFF"/>"##,
        scene.width, scene.height
    );
    for item in &scene.items {
        match item {
            Item::Begin { class, attrs } => {
                let _ = write!(out, r#"<g class="{}""#, escape(class));
                for (k, v) in attrs {
                    let _ = write!(out, r#" data-{}="{}""#, k, escape(v));
                }
                out.push_str(">\n");
            }
            Item::End => out.push_str("</g>\n"),
            Item::Line {
                points,
                color,
                width,
                dash,
            } => {
                let _ = write!(
                    out,
                    r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="{}" stroke-linejoin="round""#,
                    points_attr(points),
                    color.hex(),
                    num(*width)
                );
                if !dash.is_empty() {
                    let d: Vec<String> = dash.iter().map(|v| num(*v)).collect();
                    let _ = write!(out, r#" stroke-dasharray="{}""#, d.join(" "));
                }
                out.push_str("/>\n");
            }
            Item::Polygon {
                points,
                color,
                opacity,
            } => {
                let _ = writeln!(
                    out,
                    r#"<polygon points="{}" fill="{}" fill-opacity="{}" stroke="none"/>"#,
                    points_attr(points),
                    color.hex(),
                    num(*opacity)
                );
            }
            Item::Rect {
                x0,
                y0,
                x1,
                y1,
                fill,
                opacity,
            } => {
                let _ = write!(
                    out,
                    r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}""#,
                    num(*x0),
                    num(*y0),
                    num(x1 - x0),
                    num(y1 - y0),
                    fill.hex()
                );
                if *opacity < 1.0 {
                    let _ = write!(out, r#" fill-opacity="{}""#, num(*opacity));
                }
                out.push_str("/>\n");
            }
            Item::Marker {
                x,
                y,
                shape,
                size,
                color,
                filled,
            } => {
                let stroke_w = num(sizes::axis_line());
                let (fill, stroke) = if *filled && !marker_is_stroke(*shape) {
                    (color.hex(), "none".to_string())
                } else {
                    ("none".to_string(), color.hex())
                };
                if *shape == crate::style::Marker::Circle {
                    let _ = writeln!(
                        out,
                        r#"<circle class="marker" cx="{}" cy="{}" r="{}" fill="{}" stroke="{}" stroke-width="{}"/>"#,
                        num(*x),
                        num(*y),
                        num(size / 2.0),
                        fill,
                        stroke,
                        stroke_w
                    );
                } else {
                    let outline = marker_outline(*shape, *size);
                    let mut d = String::new();
                    if marker_is_stroke(*shape) {
                        for pair in outline.chunks(2) {
                            let _ = write!(
                                d,
                                "M{},{}L{},{}",
                                num(pair[0].0),
                                num(pair[0].1),
                                num(pair[1].0),
                                num(pair[1].1)
                            );
                        }
                    } else {
                        for (i, (px, py)) in outline.iter().enumerate() {
                            let _ = write!(
                                d,
                                "{}{},{}",
                                if i == 0 { 'M' } else { 'L' },
                                num(*px),
                                num(*py)
                            );
                        }
                        d.push('Z');
                    }
                    let _ = writeln!(
                        out,
                        r#"<path class="marker" transform="translate({},{})" d="{}" fill="{}" stroke="{}" stroke-width="{}"/>"#,
                        num(*x),
                        num(*y),
                        d,
                        fill,
                        stroke,
                        stroke_w
                    );
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
                let anchor = match anchor {
                    Anchor::Start => "start",
                    Anchor::Middle => "middle",
                    Anchor::End => "end",
                };
                let _ = write!(
                    out,
                    r#"<text x="{}" y="{}" font-size="{}" text-anchor="{}" fill="{}""#,
                    num(*x),
                    num(*y),
                    num(*size),
                    anchor,
                    color.hex()
                );
                if *vertical {
                    let _ = write!(out, r#" transform="rotate(-90 {} {})""#, num(*x), num(*y));
                }
                let _ = writeln!(out, ">{}</text>", escape(text));
            }
        }
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::style::Rgb;

    #[test]
    fn text_is_escaped_and_stays_text() {
        let mut s = Scene::new(100, 50);
        s.text(
            (10.0, 20.0),
            "a<b & \"c\"",
            12.0,
            Anchor::Middle,
            Rgb(0, 0, 0),
            true,
        );
        let svg = render(&s);
        assert!(svg.contains(">a&lt;b &amp; &quot;c&quot;</text>"), "{svg}");
        assert!(svg.contains(r#"transform="rotate(-90 10 20)""#));
        assert!(svg.contains(r#"width="0.33in""#));
    }

    #[test]
    fn numbers_are_compact() {
        assert_eq!(num(1.0), "1");
        assert_eq!(num(1.256), "1.26");
        assert_eq!(num(-0.001), "0");
    }
}
