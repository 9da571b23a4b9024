//! Test helpers: a tiny parser for the SVG this crate writes, queries on it, the plot-area
//! mapping computed independently of the library, and PNG/PDF inspection.
#![allow(dead_code)]

use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct El {
    pub name: String,
    pub attrs: HashMap<String, String>,
    pub children: Vec<El>,
    pub text: String,
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn parse_attrs(s: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut rest = s;
    while let Some(eq) = rest.find("=\"") {
        let key = rest[..eq].trim().to_string();
        let after = &rest[eq + 2..];
        let end = after.find('"').expect("closing quote");
        out.insert(key, unescape(&after[..end]));
        rest = &after[end + 1..];
    }
    out
}

/// Parses the SVG into its root element (`<svg>`).
pub fn parse(svg: &str) -> El {
    let mut stack: Vec<El> = vec![El {
        name: "#doc".into(),
        attrs: HashMap::new(),
        children: vec![],
        text: String::new(),
    }];
    let mut i = 0;
    let b = svg.as_bytes();
    while i < b.len() {
        if b[i] == b'<' {
            let end = svg[i..].find('>').expect("tag end") + i;
            let tag = &svg[i + 1..end];
            i = end + 1;
            if tag.starts_with('?') || tag.starts_with('!') {
                continue;
            }
            if let Some(name) = tag.strip_prefix('/') {
                let el = stack.pop().expect("open element");
                assert_eq!(el.name, name.trim(), "mismatched tag");
                stack.last_mut().expect("parent").children.push(el);
                continue;
            }
            let self_closing = tag.ends_with('/');
            let tag = tag.trim_end_matches('/');
            let (name, attrs) = match tag.find(' ') {
                Some(sp) => (&tag[..sp], parse_attrs(&tag[sp..])),
                None => (tag, HashMap::new()),
            };
            let el = El {
                name: name.to_string(),
                attrs,
                children: vec![],
                text: String::new(),
            };
            if self_closing {
                stack.last_mut().expect("parent").children.push(el);
            } else {
                stack.push(el);
            }
        } else {
            let end = svg[i..].find('<').map_or(b.len(), |e| e + i);
            let text = unescape(&svg[i..end]);
            stack
                .last_mut()
                .expect("element")
                .text
                .push_str(text.trim_matches('\n'));
            i = end;
        }
    }
    let mut doc = stack.pop().expect("document");
    assert!(stack.is_empty(), "unclosed elements");
    doc.children.remove(0)
}

impl El {
    pub fn attr(&self, k: &str) -> &str {
        self.attrs.get(k).map_or("", |s| s.as_str())
    }
    pub fn num(&self, k: &str) -> f64 {
        self.attr(k)
            .parse()
            .unwrap_or_else(|_| panic!("attribute {k} of {self:?}"))
    }
    /// All descendants (depth first) matching `pred`.
    pub fn find_all<'a>(&'a self, pred: &dyn Fn(&El) -> bool) -> Vec<&'a El> {
        let mut out = Vec::new();
        fn walk<'a>(e: &'a El, pred: &dyn Fn(&El) -> bool, out: &mut Vec<&'a El>) {
            for c in &e.children {
                if pred(c) {
                    out.push(c);
                }
                walk(c, pred, out);
            }
        }
        walk(self, pred, &mut out);
        out
    }
    /// Groups with this exact class.
    pub fn groups(&self, class: &str) -> Vec<&El> {
        self.find_all(&|e| e.name == "g" && e.attr("class") == class)
    }
    /// The group with this class and `data-label`.
    pub fn series(&self, class: &str, label: &str) -> &El {
        let found: Vec<&El> = self
            .groups(class)
            .into_iter()
            .filter(|g| g.attr("data-label") == label)
            .collect();
        assert_eq!(
            found.len(),
            1,
            "expected one `{class}` group labelled `{label}`"
        );
        found[0]
    }
    /// Text of every `<text>` element.
    pub fn texts(&self) -> Vec<String> {
        self.find_all(&|e| e.name == "text")
            .iter()
            .map(|e| e.text.clone())
            .collect()
    }
    pub fn text_el(&self, text: &str) -> &El {
        let found = self.find_all(&|e| e.name == "text" && e.text == text);
        assert!(!found.is_empty(), "no text `{text}` in {:?}", self.texts());
        found[0]
    }
    /// Centres of markers (circles and translated paths) in this element.
    pub fn marker_centres(&self) -> Vec<(f64, f64)> {
        self.find_all(&|e| e.attr("class") == "marker")
            .iter()
            .map(|m| {
                if m.name == "circle" {
                    (m.num("cx"), m.num("cy"))
                } else {
                    let t = m.attr("transform");
                    let inner = t.trim_start_matches("translate(").trim_end_matches(')');
                    let (a, b) = inner.split_once(',').expect("translate(x,y)");
                    (a.parse().unwrap(), b.parse().unwrap())
                }
            })
            .collect()
    }
    /// Point lists of polylines in this element.
    pub fn polylines(&self) -> Vec<Vec<(f64, f64)>> {
        self.find_all(&|e| e.name == "polyline")
            .iter()
            .map(|p| points(p.attr("points")))
            .collect()
    }
    pub fn rects(&self) -> Vec<(f64, f64, f64, f64)> {
        self.find_all(&|e| e.name == "rect")
            .iter()
            .map(|r| {
                let (x, y) = (r.num("x"), r.num("y"));
                (x, y, x + r.num("width"), y + r.num("height"))
            })
            .collect()
    }
    /// The legend entry labels, in order.
    pub fn legend_labels(&self) -> Vec<String> {
        self.groups("legend-entry")
            .iter()
            .map(|g| g.attr("data-label").to_string())
            .collect()
    }
}

pub fn points(s: &str) -> Vec<(f64, f64)> {
    s.split_whitespace()
        .map(|p| {
            let (a, b) = p.split_once(',').expect("x,y");
            (a.parse().unwrap(), b.parse().unwrap())
        })
        .collect()
}

fn nums(s: &str) -> Vec<f64> {
    s.split_whitespace().map(|v| v.parse().unwrap()).collect()
}

/// A panel's mapping from data to SVG pixels, read from its `data-*` attributes and computed
/// here, independently of the library.
#[derive(Debug, Clone, Copy)]
pub struct Map {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
    pub x0: f64,
    pub x1: f64,
    pub y0: f64,
    pub y1: f64,
    pub y_down: bool,
}

impl Map {
    pub fn of(panel: &El) -> Map {
        let a = nums(panel.attr("data-plot-area"));
        let x = nums(panel.attr("data-x-range"));
        let y = nums(panel.attr("data-y-range"));
        Map {
            left: a[0],
            top: a[1],
            right: a[2],
            bottom: a[3],
            x0: x[0],
            x1: x[1],
            y0: y[0],
            y1: y[1],
            y_down: false,
        }
    }
    pub fn categories(mut self) -> Map {
        self.y_down = true;
        self
    }
    pub fn x(&self, v: f64) -> f64 {
        self.left + (v - self.x0) / (self.x1 - self.x0) * (self.right - self.left)
    }
    pub fn y(&self, v: f64) -> f64 {
        let f = (v - self.y0) / (self.y1 - self.y0);
        if self.y_down {
            self.top + f * (self.bottom - self.top)
        } else {
            self.bottom - f * (self.bottom - self.top)
        }
    }
    pub fn xy(&self, (x, y): (f64, f64)) -> (f64, f64) {
        (self.x(x), self.y(y))
    }
}

/// SVG coordinates carry two decimals.
pub const TOL: f64 = 0.011;

pub fn assert_close(a: (f64, f64), b: (f64, f64), what: &str) {
    assert!(
        (a.0 - b.0).abs() <= TOL && (a.1 - b.1).abs() <= TOL,
        "{what}: got {a:?}, expected {b:?}"
    );
}

/// Checks that the axis spines sit on the plot area's edges and that each numeric tick label
/// of the x and y axes is centred on the mapped position of its value: the data mapping and
/// the printed scale agree.
pub fn check_axes(panel: &El, m: &Map) {
    let x_axis = &panel.groups("axis x")[0];
    let spine = &x_axis.polylines()[0];
    assert_close(spine[0], (m.left, m.bottom), "x spine start");
    assert_close(spine[1], (m.right, m.bottom), "x spine end");
    let mut checked = 0;
    for t in x_axis.find_all(&|e| e.name == "text" && e.attr("text-anchor") == "middle") {
        if let Ok(v) = t.text.replace('−', "-").parse::<f64>() {
            assert!(
                (t.num("x") - m.x(v)).abs() <= TOL,
                "x tick {v} at {} not {}",
                t.num("x"),
                m.x(v)
            );
            checked += 1;
        }
    }
    assert!(checked >= 2, "fewer than two numeric x ticks");
}

pub fn check_y_ticks(panel: &El, m: &Map) {
    let y_axis = &panel.groups("axis y")[0];
    let mut checked = 0;
    for t in y_axis.find_all(&|e| e.name == "text" && e.attr("text-anchor") == "end") {
        if let Ok(v) = t.text.replace('−', "-").parse::<f64>() {
            // Labels sit on the tick, shifted down by half the cap height (7 pt × 1493/2048 / 2).
            let cap_half = 7.0 * 300.0 / 72.0 * 1493.0 / 2048.0 / 2.0;
            assert!((t.num("y") - cap_half - m.y(v)).abs() <= TOL, "y tick {v}");
            checked += 1;
        }
    }
    assert!(checked >= 2, "fewer than two numeric y ticks");
}

pub struct Png {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
    pub dpi_x: Option<f64>,
}

pub fn decode_png(bytes: &[u8]) -> Png {
    let decoder = png::Decoder::new(bytes);
    let mut reader = decoder.read_info().expect("PNG header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("PNG frame");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    let dpi_x = reader.info().pixel_dims.map(|d| d.xppu as f64 * 0.0254);
    buf.truncate(info.buffer_size());
    Png {
        width: info.width,
        height: info.height,
        rgb: buf,
        dpi_x,
    }
}

impl Png {
    pub fn pixel(&self, x: f64, y: f64) -> (u8, u8, u8) {
        let (x, y) = (x.floor() as usize, y.floor() as usize);
        let i = (y * self.width as usize + x) * 3;
        (self.rgb[i], self.rgb[i + 1], self.rgb[i + 2])
    }
    /// Share of non-white pixels inside a rectangle.
    pub fn ink(&self, m: &Map) -> f64 {
        let (mut ink, mut all) = (0usize, 0usize);
        for y in m.top.ceil() as usize..m.bottom.floor() as usize {
            for x in m.left.ceil() as usize..m.right.floor() as usize {
                all += 1;
                if self.pixel(x as f64, y as f64) != (255, 255, 255) {
                    ink += 1;
                }
            }
        }
        ink as f64 / all as f64
    }
}

/// Checks a PNG made from `svg`: the stated size (width = inches × 300), 300 dpi metadata,
/// ink inside every plot area.
pub fn check_png(png_bytes: &[u8], svg_root: &El) -> Png {
    let p = decode_png(png_bytes);
    let w_in: f64 = svg_root
        .attr("width")
        .trim_end_matches("in")
        .parse()
        .unwrap();
    assert_eq!(p.width as f64, (w_in * 300.0).round());
    let vb = nums(&svg_root.attr("viewBox").replace(',', " "));
    assert_eq!((p.width as f64, p.height as f64), (vb[2], vb[3]));
    assert!((p.dpi_x.expect("pHYs chunk") - 300.0).abs() < 0.1);
    for panel in svg_root.groups("panel") {
        let m = Map::of(panel);
        assert!(p.ink(&m) > 0.002, "plot area without ink");
    }
    p
}

/// Checks that a PDF embeds the bundled font: a FontFile2 stream and the DejaVuSans name.
pub fn check_pdf(pdf: &[u8]) {
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    let text = String::from_utf8_lossy(pdf);
    assert!(
        text.contains("/FontFile2") || text.contains("/FontFile3"),
        "no embedded font program in the PDF"
    );
    assert!(
        text.contains("DejaVuSans"),
        "font name missing from the PDF"
    );
}

/// Colour distance for pixel checks (antialiasing blurs edges).
pub fn near(a: (u8, u8, u8), b: (u8, u8, u8), tol: i32) -> bool {
    (a.0 as i32 - b.0 as i32).abs() <= tol
        && (a.1 as i32 - b.1 as i32).abs() <= tol
        && (a.2 as i32 - b.2 as i32).abs() <= tol
}
