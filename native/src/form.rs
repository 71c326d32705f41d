//! The match form of a text (`_match_form.match_form`): one character for one through the
//! fold table, then separator runs and invisible characters dropped, with the way back to
//! original positions. The tables come from Python, which builds them from Unicode's and
//! OpenCC's data; the steps are those of `_match_form`.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use rustc_hash::FxHashMap;

/// Bit `c` of a table of the Basic Multilingual Plane.
#[inline]
fn bit(bits: &[u8], c: u32) -> bool {
    c < 0x10000 && bits[(c >> 3) as usize] >> (c & 7) & 1 == 1
}

/// A text in match form: its characters, and where its kept runs start in it and in the
/// original (`MatchText.seg_norm`, `seg_orig`; both empty when nothing was dropped).
pub(crate) struct Form {
    pub(crate) text: Vec<u32>,
    pub(crate) seg_norm: Vec<usize>,
    pub(crate) seg_orig: Vec<usize>,
}

pub(crate) struct MatchForm {
    /// The fold of each BMP character (0: kept as it is); other planes in `astral`.
    bmp: Vec<u32>,
    astral: FxHashMap<u32, u32>,
    /// Characters that make a text need work: the table's keys, the separators, and every
    /// character beyond the BMP (`_Tables.special`).
    special: Vec<u8>,
    /// Separators (`_Tables.runs`: of the BMP; the table turns the others into one).
    separators: Vec<u8>,
    /// Invisible characters (`_INVISIBLE`) and Hanzi of the BMP (`_HAN`).
    invisible: Vec<u8>,
    han: Vec<u8>,
}

impl MatchForm {
    /// `table`: (character, its fold) pairs; the four bit tables: 8,192 bytes each.
    pub(crate) fn new(
        table: Vec<(u32, u32)>,
        special: Vec<u8>,
        separators: Vec<u8>,
        invisible: Vec<u8>,
        han: Vec<u8>,
    ) -> PyResult<Self> {
        for bits in [&special, &separators, &invisible, &han] {
            if bits.len() != 0x10000 / 8 {
                return Err(PyValueError::new_err("each bit table holds 8,192 bytes"));
            }
        }
        let mut bmp = vec![0u32; 0x10000];
        let mut astral = FxHashMap::default();
        for (c, folded) in table {
            if c < 0x10000 {
                bmp[c as usize] = folded;
            } else {
                astral.insert(c, folded);
            }
        }
        Ok(MatchForm {
            bmp,
            astral,
            special,
            separators,
            invisible,
            han,
        })
    }

    #[inline]
    fn is_han(&self, c: u32) -> bool {
        bit(&self.han, c) || (0x20000..=0x2FA1F).contains(&c)
    }

    #[inline]
    fn fold(&self, c: u32) -> u32 {
        let folded = if c < 0x10000 {
            self.bmp[c as usize]
        } else {
            self.astral.get(&c).copied().unwrap_or(0)
        };
        if folded == 0 {
            c
        } else {
            folded
        }
    }

    /// Whether the text is its own match form (`in_match_form`).
    pub(crate) fn is_settled(&self, text: &[u32]) -> bool {
        !text.iter().any(|&c| c >= 0x10000 || bit(&self.special, c))
    }

    /// `match_form`: `text` as rules see it.
    pub(crate) fn form(&self, original: Vec<u32>) -> Form {
        if self.is_settled(&original) {
            return Form {
                text: original,
                seg_norm: Vec::new(),
                seg_orig: Vec::new(),
            };
        }
        let text: Vec<u32> = original.iter().map(|&c| self.fold(c)).collect();
        let dropped = self.dropped_spans(&text);
        if dropped.is_empty() {
            return Form {
                text,
                seg_norm: Vec::new(),
                seg_orig: Vec::new(),
            };
        }
        let n = text.len();
        let mut kept_text = Vec::with_capacity(n);
        let (mut seg_norm, mut seg_orig) = (Vec::new(), Vec::new());
        let mut pos = 0;
        for (start, end) in dropped.into_iter().chain([(n, n)]) {
            if start > pos {
                seg_norm.push(kept_text.len());
                seg_orig.push(pos);
                kept_text.extend_from_slice(&text[pos..start]);
            }
            pos = pos.max(end);
        }
        Form {
            text: kept_text,
            seg_norm,
            seg_orig,
        }
    }

    /// `_dropped_spans`: sorted, disjoint spans the match form leaves out.
    fn dropped_spans(&self, text: &[u32]) -> Vec<(usize, usize)> {
        let n = text.len();
        let mut spans = Vec::new();
        let mut i = 0;
        while i < n {
            if !bit(&self.separators, text[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < n && bit(&self.separators, text[i]) {
                i += 1;
            }
            let end = i;
            if start > 0 && end < n {
                let (left, right) = (text[start - 1], text[end]);
                if (self.is_han(left) && self.is_han(right))
                    || (single(text, start - 1) && single(text, end))
                {
                    spans.push((start, end));
                    continue;
                }
            }
            // a run that stays: invisible characters, and spaces after its first space
            let mut seen_space = false;
            for (k, &c) in text[start..end].iter().enumerate() {
                if c == ' ' as u32 {
                    if seen_space {
                        spans.push((start + k, start + k + 1));
                    }
                    seen_space = true;
                } else if bit(&self.invisible, c) {
                    spans.push((start + k, start + k + 1));
                }
            }
        }
        spans
    }
}

#[inline]
fn latin(c: u32) -> bool {
    c < 0x80 && (c as u8).is_ascii_alphanumeric()
}

/// `_single`: a Latin letter or digit standing alone (v in v.p.n).
fn single(text: &[u32], i: usize) -> bool {
    latin(text[i])
        && (i == 0 || !latin(text[i - 1]))
        && (i + 1 == text.len() || !latin(text[i + 1]))
}
