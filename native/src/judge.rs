//! Whether candidate spans are whole words: jieba's route (without the HMM) over small
//! windows, on a compact copy of a segmenter's prefix dictionary.

use pyo3::exceptions::PyValueError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use rustc_hash::{FxHashMap, FxHashSet};

/// Characters of Hanzi looked at on each side of a span for the nearest sure cuts.
const WINDOW: usize = 16;
/// Longest dictionary word looked for when asking whether a word crosses a boundary.
const MAX_WORD: usize = 8;
/// Keys of up to this many characters are packed into one integer (16 bits a character).
const SHORT: usize = 4;
/// Characters of the dictionary's alphabet numbered beyond this go to the long keys.
const SHORT_INDEX: u32 = 0xFFFF;

const NO: u8 = 0;
pub(crate) const YES: u8 = 1;
pub(crate) const UNDECIDED: u8 = 2;

/// A span's boundaries cannot be settled here (see the module).
struct Undecided;

#[inline]
fn is_han(c: u32) -> bool {
    (0x3400..0xA000).contains(&c)
        || (0xF900..0xFB00).contains(&c)
        || (0x20000..0x2FA20).contains(&c)
}

/// `_subwords._HAN`: the Hanzi of the Basic Multilingual Plane.
#[inline]
fn is_bmp_han(c: u32) -> bool {
    (0x3400..0xA000).contains(&c) || (0xF900..0xFB00).contains(&c)
}

/// jieba's prefix dictionary, compact: the characters its entries use are numbered, and an
/// entry of up to four characters numbered below 65,536 (nearly all) is one 64-bit key; the
/// rest are keyed by their characters.
struct Dictionary {
    /// Number of each character of the Basic Multilingual Plane (0: in no entry).
    bmp: Vec<u32>,
    /// The same for the other planes.
    astral: FxHashMap<u32, u32>,
    letters: u32,
    short: FxHashMap<u64, u64>,
    long: FxHashMap<Box<[u32]>, u64>,
    /// Adjacent pairs of characters inside entries (a word crossing a position holds the pair
    /// around it; a piece holding a pair no entry holds is in no entry): most positions and
    /// most walks are settled by this one lookup.
    pairs: PairFilter,
    log_total: f64,
}

impl Dictionary {
    fn new(total: u64) -> Self {
        Dictionary {
            bmp: vec![0; 0x10000],
            astral: FxHashMap::default(),
            letters: 0,
            short: FxHashMap::default(),
            long: FxHashMap::default(),
            pairs: PairFilter::new(),
            log_total: (total as f64).ln(),
        }
    }

    #[inline]
    fn number(&self, c: u32) -> u32 {
        if c < 0x10000 {
            self.bmp[c as usize]
        } else {
            self.astral.get(&c).copied().unwrap_or(0)
        }
    }

    fn numbered(&mut self, c: u32) -> u32 {
        let n = self.number(c);
        if n != 0 {
            return n;
        }
        self.letters += 1;
        if c < 0x10000 {
            self.bmp[c as usize] = self.letters;
        } else {
            self.astral.insert(c, self.letters);
        }
        self.letters
    }

    /// The entry's short key, or None when it needs a long one (or holds an unknown
    /// character: then it is in neither).
    #[inline]
    fn short_key(&self, chars: &[u32]) -> Option<u64> {
        if chars.len() > SHORT {
            return None;
        }
        let mut key = 0u64;
        for &c in chars {
            let n = self.number(c);
            if n == 0 || n > SHORT_INDEX {
                return None;
            }
            key = key << 16 | n as u64;
        }
        Some(key)
    }

    fn get(&self, chars: &[u32]) -> Option<u64> {
        match self.short_key(chars) {
            Some(key) => self.short.get(&key).copied(),
            None => self.long.get(chars).copied(),
        }
    }

    fn set(&mut self, chars: &[u32], count: u64) {
        for &c in chars {
            self.numbered(c);
        }
        match self.short_key(chars) {
            Some(key) => {
                self.short.insert(key, count);
            }
            None => {
                self.long.insert(chars.into(), count);
            }
        }
        // every entry's pairs, prefixes' too: a piece holding a pair no entry holds is in
        // no entry, so walks stop there without a lookup
        for w in chars.windows(2) {
            self.pairs.insert(w[0], w[1]);
        }
    }

    /// jieba's `add_word` on its prefix dictionary: the word's frequency, its prefixes kept
    /// (0 where they were not there).
    fn add(&mut self, chars: &[u32], count: u64) {
        self.set(chars, count);
        for end in 1..chars.len() {
            if self.get(&chars[..end]).is_none() {
                self.set(&chars[..end], 0);
            }
        }
    }

    /// Calls `seen(i, count)` for `text[k..i]`, `i` from `k + 1` to `stop`, as long as the
    /// piece is in the dictionary (a word or a prefix) and `seen` says go on.
    #[inline]
    fn walk(&self, text: &[u32], k: usize, stop: usize, mut seen: impl FnMut(usize, u64) -> bool) {
        let mut key = 0u64;
        let mut short = true;
        for i in k + 1..=stop {
            if i - k >= 2 && !self.pairs.contains(text[i - 2], text[i - 1]) {
                return; // no entry holds this pair, so none holds the piece
            }
            if short && i - k <= SHORT {
                let n = self.number(text[i - 1]);
                if n == 0 {
                    return; // a character no entry holds
                }
                if n > SHORT_INDEX {
                    short = false;
                } else {
                    key = key << 16 | n as u64;
                }
            } else {
                short = false;
            }
            let found = if short {
                self.short.get(&key)
            } else {
                self.long.get(&text[k..i])
            };
            match found {
                Some(&count) if seen(i, count) => {}
                _ => return,
            }
        }
    }

    /// `_route.route_cuts`: where jieba's best route (without the HMM) over
    /// `text[start..stop]` cuts; with `split`, the best one that does not keep it whole.
    fn route(&self, text: &[u32], start: usize, stop: usize, split: bool) -> Vec<usize> {
        let lt = self.log_total;
        let m = stop - start;
        let mut score = vec![0.0f64; m + 1];
        let mut ends = vec![0usize; m];
        for k in (start..stop).rev() {
            let base = k - start;
            let mut best = -lt + score[base + 1];
            let mut end = k + 1;
            let mut found = false;
            self.walk(text, k, stop, |i, count| {
                if count != 0 && !(split && k == start && i == stop) {
                    let value = (count as f64).ln() - lt + score[i - start];
                    if !found || value >= best {
                        best = value;
                        end = i;
                        found = true;
                    }
                }
                true
            });
            score[base] = best;
            ends[base] = end;
        }
        let mut cuts = Vec::with_capacity(m + 1);
        cuts.push(start);
        let mut x = start;
        while x < stop {
            x = ends[x - start];
            cuts.push(x);
        }
        cuts
    }

    /// `_boundaries._crossed`: whether a dictionary word spans position `i`.
    fn crossed(&self, text: &[u32], i: usize) -> bool {
        let n = text.len();
        if i >= n || i == 0 {
            return false;
        }
        let lowest = i.saturating_sub(MAX_WORD - 1);
        for left in (lowest..i).rev() {
            if !self.pairs.contains(text[left], text[left + 1]) {
                return false;
            }
            // the piece up to i + 1 at once (its prefixes are in the dictionary when it is),
            // then longer ones while they are
            let stop = n.min(left + MAX_WORD);
            let mut end = i + 1;
            while let Some(count) = self.get(&text[left..end]) {
                if count != 0 {
                    return true;
                }
                end += 1;
                if end > stop {
                    break;
                }
            }
        }
        false
    }

    /// `_boundaries._window`: the stretch between the nearest cuts every segmentation makes.
    fn window(&self, text: &[u32], start: usize, end: usize) -> (usize, usize) {
        let mut left = start;
        while left > 0 && start - left < WINDOW && is_han(text[left - 1]) {
            left -= 1;
            if !(left > 0
                && self.pairs.contains(text[left - 1], text[left])
                && self.crossed(text, left))
            {
                break;
            }
        }
        let mut right = end;
        let n = text.len();
        while right < n && right - end < WINDOW && is_han(text[right]) {
            right += 1;
            if !(right < n
                && self.pairs.contains(text[right - 1], text[right])
                && self.crossed(text, right))
            {
                break;
            }
        }
        (left, right)
    }

    /// `_subwords.compound_boundaries` of `text[a..b]`, as positions in `text`.
    fn compound_boundaries(&self, text: &[u32], a: usize, b: usize) -> Vec<usize> {
        let word = &text[a..b];
        if word.len() < 3 || !word.iter().all(|&c| is_bmp_han(c)) {
            return vec![a, b];
        }
        self.route(word, 0, word.len(), true)
            .into_iter()
            .map(|x| x + a)
            .collect()
    }
}

/// Bits of a filter of adjacent pairs (2^22: 512 KB, which stays in the cache, where a set
/// of jieba's ~300,000 pairs took 4.7 MB); a pair no word holds may share a bit with one
/// that does (~7 %), which only sends its position to the dictionary.
const PAIR_BITS: u32 = 22;

struct PairFilter {
    bits: Vec<u64>,
}

impl PairFilter {
    fn new() -> Self {
        PairFilter {
            bits: vec![0; 1 << (PAIR_BITS - 6)],
        }
    }

    #[inline]
    fn slot(a: u32, b: u32) -> usize {
        let key = ((a as u64) << 32 | b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (key >> (64 - PAIR_BITS)) as usize
    }

    fn insert(&mut self, a: u32, b: u32) {
        let slot = Self::slot(a, b);
        self.bits[slot >> 6] |= 1 << (slot & 63);
    }

    #[inline]
    fn contains(&self, a: u32, b: u32) -> bool {
        let slot = Self::slot(a, b);
        self.bits[slot >> 6] >> (slot & 63) & 1 == 1
    }
}

/// One text being judged, with `str.isalnum` of the Basic Multilingual Plane.
struct Judging<'a> {
    text: &'a [u32],
    alnum: &'a [u8],
}

impl Judging<'_> {
    #[inline]
    fn han_pair_at(&self, i: usize) -> bool {
        i + 1 < self.text.len() && is_han(self.text[i]) && is_han(self.text[i + 1])
    }

    /// `_subwords._is_latin`: a letter or digit of an alphabetic script.
    fn is_latin(&self, c: u32) -> Result<bool, Undecided> {
        if c >= 0x10000 {
            return Err(Undecided);
        }
        let alnum = self.alnum[(c >> 3) as usize] >> (c & 7) & 1 == 1;
        Ok(alnum && !is_bmp_han(c))
    }

    /// `_boundaries._edge`: `Some(ok)` when letters settle position `i`, `None` when only
    /// segmentation can.
    fn edge(&self, i: usize) -> Result<Option<bool>, Undecided> {
        if i > 0 && self.han_pair_at(i - 1) {
            return Ok(None);
        }
        if i == 0 || i >= self.text.len() {
            return Ok(Some(true));
        }
        let left = self.is_latin(self.text[i - 1])?;
        let right = self.is_latin(self.text[i])?;
        if left || right {
            return Ok(Some(!(left && right)));
        }
        Ok(None)
    }

    /// `_boundaries._needed`: the boundaries only segmentation can judge; `None` when
    /// letters already rule the span out.
    fn needed(
        &self,
        start: usize,
        end: usize,
        inner: &[usize],
    ) -> Result<Option<Vec<usize>>, Undecided> {
        if inner.is_empty()
            && 0 < start
            && start < end
            && self.han_pair_at(start - 1)
            && self.han_pair_at(end - 1)
        {
            return Ok(Some(vec![start, end]));
        }
        if !(start < end && end <= self.text.len()) {
            return Ok(None);
        }
        let mut needed = Vec::with_capacity(2 + inner.len());
        for i in [start, end] {
            match self.edge(i)? {
                Some(false) => return Ok(None),
                None => needed.push(i),
                Some(true) => {}
            }
        }
        for &i in inner {
            if start < i && i < end && self.edge(i)?.is_none() {
                needed.push(i);
            }
        }
        Ok(Some(needed))
    }
}

/// A span segmentation must judge: its window, its index, its needed boundaries.
struct Pending {
    left: usize,
    right: usize,
    index: usize,
    needed: Vec<usize>,
}

/// Judges candidate spans as whole words; holds its own copy of a segmenter's dictionary.
#[pyclass(module = "opinion_native")]
pub(crate) struct WordJudge {
    dict: Dictionary,
    alnum: Vec<u8>,
}

#[pymethods]
impl WordJudge {
    /// `words`: jieba's prefix dictionary as UTF-8, entries separated by NUL; `counts`: their
    /// frequencies, one signed 64-bit native-endian integer each (0 for a prefix); `total`:
    /// the sum of the frequencies; `alnum`: 8,192 bytes, bit `c` set where `chr(c).isalnum()`.
    #[new]
    fn new(words: &[u8], counts: &[u8], total: u64, alnum: &[u8]) -> PyResult<Self> {
        if alnum.len() != 0x10000 / 8 {
            return Err(PyValueError::new_err(
                "alnum must hold 8,192 bytes (one bit per BMP character)",
            ));
        }
        let words = std::str::from_utf8(words).map_err(|e| PyValueError::new_err(e.to_string()))?;
        let entries = if words.is_empty() {
            0
        } else {
            words.split('\0').count()
        };
        if counts.len() != entries * 8 {
            return Err(PyValueError::new_err(format!(
                "{} words but {} counts",
                entries,
                counts.len() / 8
            )));
        }
        let mut dict = Dictionary::new(total);
        dict.short.reserve(entries);
        let mut chars: Vec<u32> = Vec::with_capacity(32);
        for (word, count) in words.split('\0').zip(counts.chunks_exact(8)) {
            if words.is_empty() {
                break;
            }
            let count = i64::from_ne_bytes(count.try_into().unwrap()).max(0) as u64;
            chars.clear();
            chars.extend(word.chars().map(|c| c as u32));
            dict.set(&chars, count);
        }
        Ok(WordJudge {
            dict,
            alnum: alnum.to_vec(),
        })
    }

    /// jieba's `add_word(word, count)`, with the dictionary's new `total`.
    fn add_word(&mut self, word: &str, count: u64, total: u64) {
        let chars: Vec<u32> = word.chars().map(|c| c as u32).collect();
        if !chars.is_empty() {
            self.dict.add(&chars, count);
        }
        self.dict.log_total = (total as f64).ln();
    }

    /// For each `(start, end)` span of `text`: 1 where it is whole words, 0 where not, 2
    /// where Python must judge it (see the module).
    fn whole_words<'py>(
        &self,
        py: Python<'py>,
        text: &Bound<'py, PyString>,
        spans: Vec<(usize, usize)>,
    ) -> Bound<'py, PyBytes> {
        let chars = code_points(text);
        let spans: Vec<(usize, usize, Vec<usize>)> =
            spans.into_iter().map(|(s, e)| (s, e, Vec::new())).collect();
        PyBytes::new(py, &self.judge(&chars, &spans))
    }

    /// :meth:`whole_words` for `(start, end, joints)` spans, the joints being the inner
    /// boundaries a phrase needs.
    fn check_spans<'py>(
        &self,
        py: Python<'py>,
        text: &Bound<'py, PyString>,
        spans: Vec<(usize, usize, Vec<usize>)>,
    ) -> Bound<'py, PyBytes> {
        let chars = code_points(text);
        PyBytes::new(py, &self.judge(&chars, &spans))
    }
}

impl WordJudge {
    /// For each `(start, end, joints)` span of `text`: `YES`, `NO` or `UNDECIDED`.
    pub(crate) fn judge(&self, text: &[u32], spans: &[(usize, usize, Vec<usize>)]) -> Vec<u8> {
        let judging = Judging {
            text,
            alnum: &self.alnum,
        };
        let mut results = vec![NO; spans.len()];
        let mut pending: Vec<Pending> = Vec::new();
        let mut crossed: FxHashMap<usize, bool> = FxHashMap::default();
        for (index, (start, end, inner)) in spans.iter().enumerate() {
            let needed = match judging.needed(*start, *end, inner) {
                Err(Undecided) => {
                    results[index] = UNDECIDED;
                    continue;
                }
                Ok(None) => continue,
                Ok(Some(needed)) => needed,
            };
            let cut = needed.iter().any(|&i| {
                *crossed
                    .entry(i)
                    .or_insert_with(|| self.dict.crossed(text, i))
            });
            if cut {
                let (left, right) = self.dict.window(text, *start, *end);
                pending.push(Pending {
                    left,
                    right,
                    index,
                    needed,
                });
            } else {
                results[index] = YES;
            }
        }
        pending.sort_by_key(|p| (p.left, p.right, p.index));
        let mut group: Vec<&Pending> = Vec::new();
        let mut reach = 0usize;
        for item in &pending {
            if !group.is_empty() && item.left > reach {
                self.judge_group(text, spans, &group, &mut results);
                group.clear();
            }
            reach = if group.is_empty() {
                item.right
            } else {
                reach.max(item.right)
            };
            group.push(item);
        }
        if !group.is_empty() {
            self.judge_group(text, spans, &group, &mut results);
        }
        results
    }

    /// `_boundaries._judge`: route one merged window and judge every span inside it.
    fn judge_group(
        &self,
        text: &[u32],
        spans: &[(usize, usize, Vec<usize>)],
        group: &[&Pending],
        results: &mut [u8],
    ) {
        let left = group[0].left;
        let right = group.iter().map(|p| p.right).max().unwrap_or(left);
        let route = self.dict.route(text, left, right, false);
        let bounds: FxHashSet<usize> = route.iter().copied().collect();
        for p in group {
            if p.needed.iter().all(|b| bounds.contains(b)) {
                results[p.index] = YES;
                continue;
            }
            let (start, end, _) = &spans[p.index];
            let at = route.partition_point(|&x| x <= *start); // bisect_right
            if at == 0 {
                continue;
            }
            let at = at - 1;
            if at + 1 < route.len() && *end <= route[at + 1] {
                let parts = self
                    .dict
                    .compound_boundaries(text, route[at], route[at + 1]);
                if p.needed
                    .iter()
                    .all(|b| bounds.contains(b) || parts.contains(b))
                {
                    results[p.index] = YES;
                }
            }
        }
    }
}

/// The code points of a str, read from its own storage (Latin-1, UCS-2 or UCS-4): no UTF-8
/// copy, and a lone surrogate is just a code point no dictionary word holds.
pub(crate) fn code_points(text: &Bound<'_, PyString>) -> Vec<u32> {
    let op = text.as_ptr();
    // SAFETY: `op` is a live str (borrowed for this call, with the GIL held) and CPython's
    // strings are ready and immutable; the data pointer is valid for its length in its kind.
    unsafe {
        let n = ffi::PyUnicode_GET_LENGTH(op) as usize;
        let data = ffi::PyUnicode_DATA(op);
        match ffi::PyUnicode_KIND(op) {
            ffi::PyUnicode_1BYTE_KIND => std::slice::from_raw_parts(data as *const u8, n)
                .iter()
                .map(|&c| c as u32)
                .collect(),
            ffi::PyUnicode_2BYTE_KIND => std::slice::from_raw_parts(data as *const u16, n)
                .iter()
                .map(|&c| c as u32)
                .collect(),
            _ => std::slice::from_raw_parts(data as *const u32, n).to_vec(),
        }
    }
}
