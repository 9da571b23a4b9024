//! The seeded mutations the robustness tests feed to the importers (`xmile_mutations.rs`,
//! `mdl_mutations.rs`): bytes deleted, runs duplicated, bytes replaced by characters that matter
//! to the formats and to equations, runs cut, deep nesting inserted.

/// xorshift64*: a seeded stream for the mutations (reproducible, no dependency).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Up to four mutations of `text`; a replaced byte is one of `bytes`.
pub fn mutate(text: &[u8], rng: &mut Rng, bytes: &[u8]) -> Vec<u8> {
    let mut t = text.to_vec();
    for _ in 0..1 + rng.below(4) {
        if t.is_empty() {
            break;
        }
        let i = rng.below(t.len());
        match rng.below(5) {
            0 => {
                t.remove(i);
            }
            1 => {
                let n = rng.below(40).min(t.len() - i);
                let run: Vec<u8> = t[i..i + n].to_vec();
                t.splice(i..i, run);
            }
            2 => {
                t[i] = bytes[rng.below(bytes.len())];
            }
            3 => {
                let n = rng.below(200).min(t.len() - i);
                t.drain(i..i + n);
            }
            _ => {
                let deep = if rng.below(2) == 0 { "(" } else { "-" };
                let s = deep.repeat(rng.below(3000));
                t.splice(i..i, s.into_bytes());
            }
        }
    }
    t
}
