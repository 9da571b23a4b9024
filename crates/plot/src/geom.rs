//! Plane geometry in pixel space: clipping lines and polygons to a plot area, and cutting a
//! polyline into dashes (plotters' bitmap backend draws only solid strokes).

/// An axis-aligned rectangle in pixels, y down: `left < right`, `top < bottom`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left edge, in pixels.
    pub left: f64,
    /// Top edge, in pixels (y grows downwards).
    pub top: f64,
    /// Right edge, in pixels.
    pub right: f64,
    /// Bottom edge, in pixels.
    pub bottom: f64,
}

impl Rect {
    /// `right − left`, in pixels.
    pub fn width(&self) -> f64 {
        self.right - self.left
    }
    /// `bottom − top`, in pixels.
    pub fn height(&self) -> f64 {
        self.bottom - self.top
    }
    /// Whether the point `(x, y)` lies inside or on the edge (within 1e-9 px).
    pub fn contains(&self, (x, y): (f64, f64)) -> bool {
        x >= self.left - 1e-9
            && x <= self.right + 1e-9
            && y >= self.top - 1e-9
            && y <= self.bottom + 1e-9
    }
}

/// Clips one segment to `r` (Liang–Barsky); `None` if it lies wholly outside.
fn clip_segment(r: &Rect, a: (f64, f64), b: (f64, f64)) -> Option<((f64, f64), (f64, f64))> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let mut t0 = 0.0f64;
    let mut t1 = 1.0f64;
    for (p, q) in [
        (-dx, a.0 - r.left),
        (dx, r.right - a.0),
        (-dy, a.1 - r.top),
        (dy, r.bottom - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
            if t0 > t1 {
                return None;
            }
        }
    }
    Some((
        (a.0 + t0 * dx, a.1 + t0 * dy),
        (a.0 + t1 * dx, a.1 + t1 * dy),
    ))
}

/// Clips a polyline to `r`, returning the visible runs (each with at least two points).
/// Non-finite points break the line, so a gap in the data shows as a gap.
pub fn clip_polyline(r: &Rect, points: &[(f64, f64)]) -> Vec<Vec<(f64, f64)>> {
    let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    let close = |current: &mut Vec<(f64, f64)>, runs: &mut Vec<Vec<(f64, f64)>>| {
        if current.len() >= 2 {
            runs.push(std::mem::take(current));
        } else {
            current.clear();
        }
    };
    for w in points.windows(2) {
        let (a, b) = (w[0], w[1]);
        let finite = a.0.is_finite() && a.1.is_finite() && b.0.is_finite() && b.1.is_finite();
        match (finite, finite.then(|| clip_segment(r, a, b)).flatten()) {
            (true, Some((ca, cb))) => {
                let joins = current
                    .last()
                    .is_some_and(|&l| (l.0 - ca.0).abs() < 1e-9 && (l.1 - ca.1).abs() < 1e-9);
                if !joins {
                    close(&mut current, &mut runs);
                    current.push(ca);
                }
                current.push(cb);
            }
            _ => close(&mut current, &mut runs),
        }
    }
    close(&mut current, &mut runs);
    runs
}

/// Clips a polygon to `r` (Sutherland–Hodgman; the rectangle is convex, so this is exact).
pub fn clip_polygon(r: &Rect, points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    type Inside = fn(&Rect, (f64, f64)) -> bool;
    type Cross = fn(&Rect, (f64, f64), (f64, f64)) -> (f64, f64);
    let edges: [(Inside, Cross); 4] = [
        (
            |r, p| p.0 >= r.left,
            |r, a, b| {
                let t = (r.left - a.0) / (b.0 - a.0);
                (r.left, a.1 + t * (b.1 - a.1))
            },
        ),
        (
            |r, p| p.0 <= r.right,
            |r, a, b| {
                let t = (r.right - a.0) / (b.0 - a.0);
                (r.right, a.1 + t * (b.1 - a.1))
            },
        ),
        (
            |r, p| p.1 >= r.top,
            |r, a, b| {
                let t = (r.top - a.1) / (b.1 - a.1);
                (a.0 + t * (b.0 - a.0), r.top)
            },
        ),
        (
            |r, p| p.1 <= r.bottom,
            |r, a, b| {
                let t = (r.bottom - a.1) / (b.1 - a.1);
                (a.0 + t * (b.0 - a.0), r.bottom)
            },
        ),
    ];
    let mut out: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|p| p.0.is_finite() && p.1.is_finite())
        .collect();
    for (inside, cross) in edges {
        if out.is_empty() {
            break;
        }
        let input = std::mem::take(&mut out);
        for i in 0..input.len() {
            let cur = input[i];
            let prev = input[(i + input.len() - 1) % input.len()];
            match (inside(r, cur), inside(r, prev)) {
                (true, true) => out.push(cur),
                (true, false) => {
                    out.push(cross(r, prev, cur));
                    out.push(cur);
                }
                (false, true) => out.push(cross(r, prev, cur)),
                (false, false) => {}
            }
        }
    }
    out
}

/// Cuts a polyline into the "on" pieces of a dash pattern measured along its length (the
/// pattern continues across vertices, as in SVG `stroke-dasharray`). An empty or all-zero
/// pattern returns the line whole.
pub fn dash_polyline(points: &[(f64, f64)], pattern: &[f64]) -> Vec<Vec<(f64, f64)>> {
    let total: f64 = pattern.iter().sum();
    if pattern.is_empty() || total <= 0.0 || points.len() < 2 {
        return vec![points.to_vec()];
    }
    let mut dashes = Vec::new();
    let mut idx = 0usize; // index into the pattern
    let mut left = pattern[0]; // length remaining in the current pattern element
    let mut on = true;
    let mut current = vec![points[0]];
    for w in points.windows(2) {
        let (mut a, b) = (w[0], w[1]);
        let mut seg = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
        while seg > left {
            let t = left / seg;
            let p = (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1));
            if on {
                current.push(p);
                dashes.push(std::mem::take(&mut current));
            } else {
                current = vec![p];
            }
            seg -= left;
            a = p;
            on = !on;
            idx = (idx + 1) % pattern.len();
            left = pattern[idx];
        }
        left -= seg;
        if on {
            current.push(b);
        }
    }
    if on && current.len() >= 2 {
        dashes.push(current);
    }
    dashes
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: Rect = Rect {
        left: 0.0,
        top: 0.0,
        right: 10.0,
        bottom: 10.0,
    };

    #[test]
    fn segment_crossing_the_box_is_cut_at_its_edges() {
        let runs = clip_polyline(&R, &[(-5.0, 5.0), (15.0, 5.0)]);
        assert_eq!(runs, vec![vec![(0.0, 5.0), (10.0, 5.0)]]);
    }

    #[test]
    fn line_leaving_and_reentering_makes_two_runs() {
        let runs = clip_polyline(&R, &[(1.0, 1.0), (5.0, 20.0), (9.0, 1.0)]);
        assert_eq!(runs.len(), 2);
        assert!((runs[0][1].1 - 10.0).abs() < 1e-12);
        assert!((runs[1][0].1 - 10.0).abs() < 1e-12);
    }

    #[test]
    fn nan_breaks_a_line() {
        let runs = clip_polyline(
            &R,
            &[
                (1.0, 1.0),
                (2.0, 2.0),
                (f64::NAN, 3.0),
                (4.0, 4.0),
                (5.0, 5.0),
            ],
        );
        assert_eq!(runs.len(), 2);
    }

    #[test]
    fn polygon_is_clipped_to_the_box() {
        let poly = clip_polygon(&R, &[(-5.0, -5.0), (5.0, -5.0), (5.0, 5.0), (-5.0, 5.0)]);
        let area: f64 = (0..poly.len())
            .map(|i| {
                let (a, b) = (poly[i], poly[(i + 1) % poly.len()]);
                a.0 * b.1 - b.0 * a.1
            })
            .sum::<f64>()
            .abs()
            / 2.0;
        assert!((area - 25.0).abs() < 1e-9, "area {area}");
    }

    #[test]
    fn dashes_follow_the_pattern_across_vertices() {
        // An L of length 20 with pattern 3 on, 1 off: dashes at 0-3, 4-7, 8-11, 12-15, 16-19.
        let d = dash_polyline(&[(0.0, 0.0), (10.0, 0.0), (10.0, 10.0)], &[3.0, 1.0]);
        assert_eq!(d.len(), 5);
        assert_eq!(d[0], vec![(0.0, 0.0), (3.0, 0.0)]);
        assert_eq!(d[1], vec![(4.0, 0.0), (7.0, 0.0)]);
        // The third dash turns the corner.
        assert_eq!(d[2], vec![(8.0, 0.0), (10.0, 0.0), (10.0, 1.0)]);
        assert_eq!(d[4], vec![(10.0, 6.0), (10.0, 9.0)]);
        let on: f64 = d
            .iter()
            .map(|p| {
                p.windows(2)
                    .map(|w| ((w[1].0 - w[0].0).powi(2) + (w[1].1 - w[0].1).powi(2)).sqrt())
                    .sum::<f64>()
            })
            .sum();
        assert!((on - 15.0).abs() < 1e-12);
    }

    #[test]
    fn empty_pattern_is_solid() {
        let pts = vec![(0.0, 0.0), (1.0, 1.0)];
        assert_eq!(dash_polyline(&pts, &[]), vec![pts]);
    }
}
