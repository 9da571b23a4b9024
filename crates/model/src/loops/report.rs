//! The two renderings of a [`LoopReport`] that `pressure loops` prints or writes: a text
//! listing and a JSON document, both from the report and its model.

use super::{Enumeration, LoopPolarity, LoopReport};
use crate::Model;

impl LoopReport {
    /// How many loops have each polarity: reinforcing, balancing, inactive, undetermined.
    pub fn counts(&self) -> [(LoopPolarity, usize); 4] {
        [
            LoopPolarity::Reinforcing,
            LoopPolarity::Balancing,
            LoopPolarity::Inactive,
            LoopPolarity::Undetermined,
        ]
        .map(|p| (p, self.loops.iter().filter(|l| l.polarity == p).count()))
    }

    /// The text listing: a summary line (how many loops, how they were enumerated, their
    /// polarities at `time`), the bound's note, then one line per loop with its id, polarity
    /// letter, length, name and path with the sign of each link.
    ///
    /// ```
    /// use pressure_model::loops::{find_loops, CausalGraph, LinkKind, LoopOptions, Sign};
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let path = dir.path().join("tea.toml");
    /// std::fs::write(&path, r#"
    /// [stocks.tea]
    /// initial = "80"
    /// outflows = ["cooling"]
    /// [flows.cooling]
    /// equation = "(tea - room) / 10"
    /// [constants.room]
    /// value = 20
    /// [loops.cooling_down]
    /// variables = ["tea", "cooling"]
    /// "#).unwrap();
    /// let model = pressure_model::load(&path).unwrap();
    /// let graph = CausalGraph::new(&model);
    /// // d cooling / d tea = 1/10 > 0; the outflow link is negative by structure.
    /// let sign = |l: &pressure_model::loops::Link| match l.kind {
    ///     LinkKind::Instant => Sign::Positive,
    ///     k => Sign::structural(k),
    /// };
    /// let report = find_loops(&model, &graph, &LoopOptions::default(), &sign);
    /// let text = report.text(&model, 0.0);
    /// assert!(text.contains("1 feedback loop"), "{text}");
    /// assert!(text.contains("[cooling_down]  tea -(+)-> cooling -(-)-> tea"), "{text}");
    /// let json: serde_json::Value = serde_json::from_slice(&report.json(&model, 0.0, 1000)).unwrap();
    /// assert_eq!(json["counts"]["balancing"], 1);
    /// assert_eq!(json["loops"][0]["name"], "cooling_down");
    /// ```
    pub fn text(&self, model: &Model, time: f64) -> String {
        let mut s = String::new();
        let n = self.loops.len();
        let how = match (self.enumeration, self.complete) {
            (Enumeration::All, true) => "all loops",
            (Enumeration::All, false) => "enumeration bounded",
            (Enumeration::Independent, _) => "shortest independent loop set",
        };
        let parts: Vec<String> = self
            .counts()
            .iter()
            .filter(|(_, c)| *c > 0)
            .map(|(p, c)| format!("{c} {}", p.name()))
            .collect();
        s += &format!(
            "{}: {n} feedback loop{} ({how}){}{}; polarity at time {time}\n",
            model.name,
            if n == 1 { "" } else { "s" },
            if parts.is_empty() { "" } else { ": " },
            parts.join(", ")
        );
        if let Some(note) = &self.note {
            s += &format!("note: {note}\n");
        }
        for l in &self.loops {
            let mut path = String::new();
            for (k, v) in l.variables.iter().enumerate() {
                path += &model.var(*v).name;
                path += &format!(" -({})-> ", l.links[k].sign.symbol());
            }
            path += &model.var(l.variables[0]).name;
            let name = l
                .name
                .as_ref()
                .map(|n| format!("  [{n}]"))
                .unwrap_or_default();
            s += &format!(
                "{:<4} {}  length {:<3}{name}  {path}\n",
                l.id,
                l.polarity.letter(),
                l.length()
            );
        }
        s
    }

    /// The JSON document (pretty-printed, with a final newline): model, time, enumeration,
    /// completeness, the `max_loops` bound, counts per polarity, every loop with its variables
    /// and signed links, and the warnings.
    pub fn json(&self, model: &Model, time: f64, max_loops: usize) -> Vec<u8> {
        let loops: Vec<serde_json::Value> = self
            .loops
            .iter()
            .map(|l| {
                let links: Vec<serde_json::Value> = l
                    .links
                    .iter()
                    .map(|k| serde_json::json!({"from": model.var(k.from).name, "to": model.var(k.to).name, "sign": k.sign.symbol()}))
                    .collect();
                serde_json::json!({
                    "id": l.id,
                    "name": l.name,
                    "doc": l.doc,
                    "polarity": l.polarity.name(),
                    "length": l.length(),
                    "variables": l.variables.iter().map(|v| model.var(*v).name.clone()).collect::<Vec<_>>(),
                    "links": links,
                })
            })
            .collect();
        let mut count_map = serde_json::Map::new();
        for (p, c) in self.counts() {
            count_map.insert(p.name().into(), c.into());
        }
        let v = serde_json::json!({
            "model": model.name,
            "time": time,
            "enumeration": match self.enumeration { Enumeration::All => "all", Enumeration::Independent => "shortest_independent_loop_set" },
            "complete": self.complete,
            "max_loops": max_loops,
            "note": self.note,
            "counts": count_map,
            "loops": loops,
            "warnings": self.warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
        });
        let mut out = serde_json::to_vec_pretty(&v).unwrap_or_default();
        out.push(b'\n');
        out
    }
}
