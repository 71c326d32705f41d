//! Flat keyword rules matched in one call: the prefilter's pass, the judging of strict
//! terms and each fired rule's evidence, as `_matcher.Matcher.match` gives them.
//!
//! A flat rule is a bare term, an any-group of bare terms, or an all-group of bare terms and
//! any- and none-groups of bare terms (no `near`, no deeper groups, no `not_in`): most rules
//! are (`_rule_nodes.flat_clauses`). Others stay in Python. The Python matcher is the reference: this
//! gives the same results, in the same form, for the rules it is given; a post with a span
//! the judge cannot settle (see `judge`) is answered with `None`, for Python to match.

use daachorse::CharwiseDoubleArrayAhoCorasick;
use pyo3::exceptions::PyValueError;
use pyo3::ffi;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyMapping, PyString, PyTuple};
use rustc_hash::FxHashMap;

use crate::form::MatchForm;
use crate::judge::{code_points, WordJudge, UNDECIDED, YES};

/// Characters of original text kept on each side of a hit (`_matcher.CONTEXT`).
const CONTEXT: usize = 15;
/// Hits kept a term (`_matcher.MAX_HITS_PER_TERM`).
const MAX_HITS_PER_TERM: usize = 20;
/// Occurrences of one term judged a field (`_matcher.MAX_CANDIDATES`).
const MAX_CANDIDATES: usize = 200;

struct Term {
    nid: u32,
    text: Py<PyString>,
    /// The term as written, for ordering hits as Python orders its strings.
    key: String,
    strict: bool,
    joints: Vec<usize>,
    length: usize,
    /// The clause of the rule the term is in.
    clause: usize,
    /// The same number for every term judged alike (same needle, strictness and joints):
    /// what `Judged` keeps a field's judged occurrences under.
    judged_as: u32,
}

#[derive(Clone, Copy, PartialEq)]
enum Op {
    /// Each term found.
    All,
    /// One of them.
    Any,
    /// None of them.
    None,
}

struct Rule {
    index: usize,
    id: PyObject,
    name: PyObject,
    severity: PyObject,
    weight: PyObject,
    fields: Vec<(String, Py<PyString>)>,
    /// Each field's number among every rule's fields (`FlatRules::field_ids`).
    field_ids: Vec<usize>,
    /// Where each field sorts its hits: the last place of its name in `fields`, as Python's
    /// `{name: i for i, name in enumerate(rule.fields)}` has it.
    order: Vec<usize>,
    sites: Vec<String>,
    kinds: Vec<String>,
    terms: Vec<Term>,
    /// The rule's clauses, in order, each with its terms.
    clauses: Vec<(Op, Vec<usize>)>,
}

/// One field of a post: its original text, its match form and where the two line up.
struct Field<'py> {
    /// The field's number among the rules' fields (None: no rule here looks at it).
    id: Option<usize>,
    original: Bound<'py, PyString>,
    text: Vec<u32>,
    seg_norm: Vec<usize>,
    seg_orig: Vec<usize>,
    candidates: FxHashMap<u32, Vec<usize>>,
}

impl Field<'_> {
    /// `MatchText.original_index`.
    fn original_index(&self, i: usize) -> usize {
        if self.seg_norm.is_empty() {
            return i;
        }
        let at = self.seg_norm.partition_point(|&x| x <= i);
        let k = if at == 0 {
            self.seg_norm.len() - 1
        } else {
            at - 1
        }; // Python's [-1]
        self.seg_orig[k] + i - self.seg_norm[k]
    }

    /// `MatchText.original_span` of a hit (never empty).
    fn original_span(&self, start: usize, end: usize) -> (usize, usize) {
        if self.seg_norm.is_empty() {
            return (start, end);
        }
        (self.original_index(start), self.original_index(end - 1) + 1)
    }
}

/// Tuple extracted for each rule: index, id, name, severity, weight, fields, sites, kinds,
/// clause ops ("all", "any", "none"), terms (needle id, text, strict, joints, needle length,
/// clause).
type RuleArgs = (
    usize,
    PyObject,
    PyObject,
    PyObject,
    PyObject,
    Vec<String>,
    Vec<String>,
    Vec<String>,
    Vec<String>,
    Vec<(u32, Py<PyString>, bool, Vec<usize>, usize, usize)>,
);

/// The match form's tables (see `form::MatchForm::new`).
type FormArgs = (Vec<(u32, u32)>, Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>);

/// Judged occurrences by (field, the terms' `judged_as`: needle, strict, joints), as `_Scan`
/// keeps them.
type Judged = FxHashMap<(usize, u32), Vec<(usize, usize)>>;

/// A hit: the field's place in the rule's fields, start and end in match form, the term.
type Hit = (usize, usize, usize, usize);

/// (rule, term) positions by needle id, flat: `spans[nid]` is the range of `pairs` a needle
/// has (needle ids are dense, 0 to the number of needles).
struct ByNeedle {
    spans: Vec<(u32, u32)>,
    pairs: Vec<(u32, u32)>,
}

impl ByNeedle {
    fn new(mut by: FxHashMap<u32, Vec<(u32, u32)>>) -> Self {
        let top = by.keys().copied().max().map_or(0, |n| n as usize + 1);
        let mut spans = vec![(0, 0); top];
        let mut pairs = Vec::new();
        for (nid, span) in spans.iter_mut().enumerate() {
            if let Some(list) = by.remove(&(nid as u32)) {
                *span = (pairs.len() as u32, list.len() as u32);
                pairs.extend(list);
            }
        }
        ByNeedle { spans, pairs }
    }

    #[inline]
    fn get(&self, nid: u32) -> &[(u32, u32)] {
        match self.spans.get(nid as usize) {
            Some(&(at, len)) => &self.pairs[at as usize..(at + len) as usize],
            None => &[],
        }
    }
}

#[pyclass(module = "opinion_native")]
pub(crate) struct FlatRules {
    judge: Py<WordJudge>,
    form: MatchForm,
    automaton: Option<CharwiseDoubleArrayAhoCorasick<u32>>,
    rules: Vec<Rule>,
    /// needle id → (rule, term) positions
    by_needle: ByNeedle,
    /// Every field name a rule looks at, numbered.
    field_ids: FxHashMap<String, usize>,
}

#[pymethods]
impl FlatRules {
    /// `judge`: the segmenter's compiled judge (words added to it later count here too);
    /// `form`: the match form's tables; `needles`: every non-empty needle with its id; `rules`: see `RuleArgs`, in order.
    #[new]
    fn new(
        judge: Py<WordJudge>,
        form: FormArgs,
        needles: Vec<(String, u32)>,
        rules: Vec<RuleArgs>,
    ) -> PyResult<Self> {
        let form = MatchForm::new(form.0, form.1, form.2, form.3, form.4)?;
        let automaton = if needles.is_empty() {
            None
        } else {
            Some(
                CharwiseDoubleArrayAhoCorasick::with_values(needles)
                    .map_err(|e| PyValueError::new_err(format!("needles: {e}")))?,
            )
        };
        let mut by_needle: FxHashMap<u32, Vec<(u32, u32)>> = FxHashMap::default();
        let mut kept = Vec::with_capacity(rules.len());
        let mut field_ids: FxHashMap<String, usize> = FxHashMap::default();
        let mut judged_as: FxHashMap<(u32, bool, Vec<usize>), u32> = FxHashMap::default();
        for (r, (index, id, name, severity, weight, fields, sites, kinds, ops, terms)) in
            rules.into_iter().enumerate()
        {
            let mut clauses: Vec<(Op, Vec<usize>)> = Vec::with_capacity(ops.len());
            for op in &ops {
                let op = match op.as_str() {
                    "all" => Op::All,
                    "any" => Op::Any,
                    "none" => Op::None,
                    other => return Err(PyValueError::new_err(format!("clause op {other:?}"))),
                };
                clauses.push((op, Vec::new()));
            }
            let terms: Vec<Term> = Python::with_gil(|py| {
                terms
                    .into_iter()
                    .map(|(nid, text, strict, joints, length, clause)| {
                        let next = judged_as.len() as u32;
                        let judged_as = *judged_as
                            .entry((nid, strict, joints.clone()))
                            .or_insert(next);
                        Term {
                            nid,
                            key: text.bind(py).to_string(),
                            text,
                            strict,
                            joints,
                            length,
                            clause,
                            judged_as,
                        }
                    })
                    .collect()
            });
            for (t, term) in terms.iter().enumerate() {
                let Some(clause) = clauses.get_mut(term.clause) else {
                    return Err(PyValueError::new_err("a term's clause is out of range"));
                };
                clause.1.push(t);
            }
            for (t, term) in terms.iter().enumerate() {
                by_needle
                    .entry(term.nid)
                    .or_default()
                    .push((r as u32, t as u32));
            }
            let order = fields
                .iter()
                .map(|f| fields.iter().rposition(|g| g == f).unwrap_or(0))
                .collect();
            let field_ids_of = fields
                .iter()
                .map(|f| {
                    let next = field_ids.len();
                    *field_ids.entry(f.clone()).or_insert(next)
                })
                .collect();
            let fields = Python::with_gil(|py| {
                fields
                    .into_iter()
                    .map(|f| (f.clone(), PyString::new(py, &f).unbind()))
                    .collect()
            });
            kept.push(Rule {
                index,
                id,
                name,
                severity,
                weight,
                fields,
                field_ids: field_ids_of,
                order,
                sites,
                kinds,
                terms,
                clauses,
            });
        }
        Ok(FlatRules {
            judge,
            form,
            automaton,
            rules: kept,
            by_needle: ByNeedle::new(by_needle),
            field_ids,
        })
    }

    /// The rules that fire on the fields (a mapping of names to texts; empty ones and None
    /// skipped), as `[(rule index, result), …]` in rule order — or, not `indexed`, the
    /// results alone (for a caller with no other rules to merge them with); None when a span
    /// needs Python's judging, or a field is not text (for Python to say so).
    #[pyo3(signature = (fields, site, kind, indexed = true))]
    fn matches<'py>(
        &self,
        py: Python<'py>,
        fields: &Bound<'py, PyAny>,
        site: &str,
        kind: &str,
        indexed: bool,
    ) -> PyResult<Option<Bound<'py, PyList>>> {
        let out = PyList::empty(py);
        let Some(automaton) = &self.automaton else {
            return Ok(Some(out));
        };
        let items = match fields.downcast::<PyDict>() {
            Ok(dict) => dict.items(),
            Err(_) => fields.downcast::<PyMapping>()?.items()?,
        };
        let mut post: Vec<Field<'py>> = Vec::with_capacity(items.len());
        let mut found: Vec<u32> = Vec::new();
        for item in items.iter() {
            let (name, value): (Bound<'py, PyAny>, Bound<'py, PyAny>) = item.extract()?;
            if value.is_none() {
                continue;
            }
            let Ok(original) = value.downcast_into::<PyString>() else {
                return Ok(None);
            };
            let chars = code_points(&original);
            if chars.is_empty() {
                continue;
            }
            let Ok(name) = name.downcast_into::<PyString>() else {
                return Ok(None);
            };
            let id = self.field_ids.get(name.to_cow()?.as_ref()).copied();
            let form = self.form.form(chars);
            let candidates = scan(automaton, &form.text);
            found.extend(candidates.keys().copied());
            post.push(Field {
                id,
                original,
                text: form.text,
                seg_norm: form.seg_norm,
                seg_orig: form.seg_orig,
                candidates,
            });
        }
        if found.is_empty() {
            return Ok(Some(out));
        }
        found.sort_unstable();
        found.dedup();
        // each rule with a found term, with those terms
        let mut wanted: FxHashMap<u32, Vec<u32>> =
            FxHashMap::with_capacity_and_hasher(found.len(), Default::default());
        for nid in &found {
            for &(r, t) in self.by_needle.get(*nid) {
                wanted.entry(r).or_default().push(t);
            }
        }
        let mut chosen: Vec<(&Rule, Vec<u32>)> = wanted
            .into_iter()
            .map(|(r, terms)| (&self.rules[r as usize], terms))
            .filter(|(rule, _)| {
                (rule.sites.is_empty() || rule.sites.iter().any(|s| s == site))
                    && (rule.kinds.is_empty() || rule.kinds.iter().any(|k| k == kind))
            })
            .collect();
        chosen.sort_unstable_by_key(|(rule, _)| rule.index);
        let judge = self.judge.borrow(py);
        let mut judged: Judged = FxHashMap::default();
        if found.len() > 1 && !judge_together(&judge, &post, &chosen, &mut judged) {
            return Ok(None);
        }
        for (rule, terms) in chosen {
            let mut hits: Vec<Hit> = Vec::new();
            let mut with_hits: Vec<usize> = Vec::new(); // terms found in the rule's fields
            for (place, &field_id) in rule.field_ids.iter().enumerate() {
                let Some(f) = post.iter().position(|f| f.id == Some(field_id)) else {
                    continue;
                };
                let field = &post[f];
                for &t in &terms {
                    let term = &rule.terms[t as usize];
                    let Some(starts) = field.candidates.get(&term.nid) else {
                        continue;
                    };
                    let key = (f, term.judged_as);
                    let spans = match judged.get(&key) {
                        Some(spans) => spans,
                        None => {
                            let Some(spans) = spans_of(&judge, field, term, starts) else {
                                return Ok(None);
                            };
                            judged.entry(key).or_insert(spans)
                        }
                    };
                    if !spans.is_empty() && !with_hits.contains(&(t as usize)) {
                        with_hits.push(t as usize);
                    }
                    if rule.clauses[term.clause].0 != Op::None {
                        hits.extend(spans.iter().map(|&(s, e)| (place, s, e, t as usize)));
                    }
                }
            }
            if hits.is_empty() || !fires(rule, &with_hits) {
                continue;
            }
            let evidence = evidence_list(py, rule, &post, hits)?;
            let result = PyDict::new(py);
            result.set_item(intern!(py, "rule"), &rule.id)?;
            result.set_item(intern!(py, "name"), &rule.name)?;
            result.set_item(intern!(py, "severity"), &rule.severity)?;
            result.set_item(intern!(py, "weight"), &rule.weight)?;
            result.set_item(intern!(py, "hits"), evidence)?;
            if indexed {
                out.append(PyTuple::new(
                    py,
                    [rule.index.into_pyobject(py)?.into_any(), result.into_any()],
                )?)?;
            } else {
                out.append(result)?;
            }
        }
        Ok(Some(out))
    }
}

/// Whether every clause of the rule holds, given the terms found in its fields (the
/// top-level all-group of `_rule_nodes.GroupNode.evaluate`).
fn fires(rule: &Rule, with_hits: &[usize]) -> bool {
    rule.clauses
        .iter()
        .enumerate()
        .all(|(k, (op, members))| match op {
            Op::All => members.iter().all(|t| with_hits.contains(t)),
            Op::Any => with_hits.iter().any(|&t| rule.terms[t].clause == k),
            Op::None => !with_hits.iter().any(|&t| rule.terms[t].clause == k),
        })
}

/// Start positions of every needle in the text, by needle id, from one automaton pass (a
/// lone surrogate searched as U+FFFD, one character for one, as the Python prefilter does).
fn scan(
    automaton: &CharwiseDoubleArrayAhoCorasick<u32>,
    chars: &[u32],
) -> FxHashMap<u32, Vec<usize>> {
    let haystack: String = chars
        .iter()
        .map(|&c| char::from_u32(c).unwrap_or('\u{FFFD}'))
        .collect();
    let bytes = haystack.as_bytes();
    let chars_in = |from: usize, to: usize| {
        bytes[from..to]
            .iter()
            .filter(|&&b| b & 0xC0 != 0x80)
            .count()
    };
    // the matches come by their ends, in order: an end's character index is counted on from
    // the one before, a start's is its end's less the characters matched
    let (mut at_byte, mut at_char) = (0usize, 0usize);
    let mut found: FxHashMap<u32, Vec<usize>> = FxHashMap::default();
    for m in automaton.find_overlapping_iter(&haystack) {
        at_char = if m.end() >= at_byte {
            at_char + chars_in(at_byte, m.end())
        } else {
            chars_in(0, m.end()) // (never: daachorse reports by end)
        };
        at_byte = m.end();
        found
            .entry(m.value())
            .or_default()
            .push(at_char - chars_in(m.start(), m.end()));
    }
    found
}

/// `_matcher._judge_together`: each field's strict single words, of every chosen rule that
/// looks at the field, judged in one call (the edges and windows they share worked out
/// once) into `judged`; false when one needs Python's judging.
fn judge_together(
    judge: &WordJudge,
    post: &[Field<'_>],
    chosen: &[(&Rule, Vec<u32>)],
    judged: &mut Judged,
) -> bool {
    for (f, field) in post.iter().enumerate() {
        let mut spans: Vec<(usize, usize, Vec<usize>)> = Vec::new();
        // needle, its terms' `judged_as`, its spans' range
        let mut owners: Vec<(u32, u32, usize, usize)> = Vec::new();
        for (rule, terms) in chosen {
            if field.id.is_none_or(|id| !rule.field_ids.contains(&id)) {
                continue;
            }
            for &t in terms {
                let term = &rule.terms[t as usize];
                if !term.strict || !term.joints.is_empty() || owners.iter().any(|o| o.0 == term.nid)
                {
                    continue;
                }
                let Some(starts) = field.candidates.get(&term.nid) else {
                    continue;
                };
                let at = spans.len();
                let starts = &starts[..starts.len().min(MAX_CANDIDATES)];
                spans.extend(starts.iter().map(|&s| (s, s + term.length, Vec::new())));
                owners.push((term.nid, term.judged_as, at, spans.len()));
            }
        }
        if owners.len() < 2 {
            continue; // judged alone, when its rule's hits are gathered
        }
        let codes = judge.judge(&field.text, &spans);
        if codes.contains(&UNDECIDED) {
            return false;
        }
        for (_, judged_as, at, stop) in owners {
            let kept = (at..stop)
                .filter(|&k| codes[k] == YES)
                .map(|k| (spans[k].0, spans[k].1))
                .collect();
            judged.insert((f, judged_as), kept);
        }
    }
    true
}

/// `_Scan._judge`: the term's occurrences in the field that count (strict ones only where
/// they are whole words); None when one needs Python's judging.
fn spans_of(
    judge: &WordJudge,
    field: &Field<'_>,
    term: &Term,
    starts: &[usize],
) -> Option<Vec<(usize, usize)>> {
    let starts = &starts[..starts.len().min(MAX_CANDIDATES)];
    let spans: Vec<(usize, usize)> = starts.iter().map(|&s| (s, s + term.length)).collect();
    if !term.strict {
        return Some(spans);
    }
    let checks: Vec<(usize, usize, Vec<usize>)> = spans
        .iter()
        .map(|&(s, e)| (s, e, term.joints.iter().map(|j| s + j).collect()))
        .collect();
    let codes = judge.judge(&field.text, &checks);
    if codes.contains(&UNDECIDED) {
        return None;
    }
    Some(
        spans
            .into_iter()
            .zip(codes)
            .filter(|&(_, code)| code == YES)
            .map(|(span, _)| span)
            .collect(),
    )
}

/// `_matcher._result`'s hits: each in original positions with its context, in reading
/// order, each original span once, at most `MAX_HITS_PER_TERM` a term.
fn evidence_list<'py>(
    py: Python<'py>,
    rule: &Rule,
    post: &[Field<'py>],
    mut hits: Vec<Hit>,
) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    let field_of = |place: usize| {
        post.iter()
            .find(|f| f.id == Some(rule.field_ids[place]))
            .expect("a hit's field")
    };
    if hits.len() == 1 {
        let (place, s, e, t) = hits[0];
        let field = field_of(place);
        let (o_start, o_end) = field.original_span(s, e);
        list.append(evidence(py, rule, place, field, o_start, o_end, t)?)?;
        return Ok(list);
    }
    let order = &rule.order;
    hits.sort_by(|a, b| {
        (order[a.0], a.1, a.2)
            .cmp(&(order[b.0], b.1, b.2))
            .then_with(|| {
                if a.3 == b.3 {
                    std::cmp::Ordering::Equal
                } else {
                    rule.terms[a.3].key.cmp(&rule.terms[b.3].key)
                }
            })
    });
    let mut seen: Vec<(usize, usize, usize, &str)> = Vec::new();
    let mut per_term: FxHashMap<&str, usize> = FxHashMap::default();
    for (place, s, e, t) in hits {
        let field = field_of(place);
        let (o_start, o_end) = field.original_span(s, e);
        let term = rule.terms[t].key.as_str();
        let key = (order[place], o_start, o_end, term);
        let count = per_term.get(term).copied().unwrap_or(0);
        if count >= MAX_HITS_PER_TERM || seen.contains(&key) {
            continue;
        }
        seen.push(key);
        per_term.insert(term, count + 1);
        list.append(evidence(py, rule, place, field, o_start, o_end, t)?)?;
    }
    Ok(list)
}

/// `_matcher._evidence`: `{term, field, start, end, context}`.
fn evidence<'py>(
    py: Python<'py>,
    rule: &Rule,
    place: usize,
    field: &Field<'py>,
    o_start: usize,
    o_end: usize,
    t: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let hit = PyDict::new(py);
    hit.set_item(intern!(py, "term"), &rule.terms[t].text)?;
    hit.set_item(intern!(py, "field"), &rule.fields[place].1)?;
    hit.set_item(intern!(py, "start"), o_start)?;
    hit.set_item(intern!(py, "end"), o_end)?;
    hit.set_item(
        intern!(py, "context"),
        substring(
            py,
            &field.original,
            o_start.saturating_sub(CONTEXT),
            o_end + CONTEXT,
        )?,
    )?;
    // Strings and ints only, so no cycle runs through it: the cyclic collector need not walk
    // it (CPython untracks such a dict itself, but only after a collection has walked it; a
    // dict given a container later is tracked again by the insert).
    // SAFETY: a live dict with the GIL held, tracked since PyDict_New.
    unsafe { ffi::PyObject_GC_UnTrack(hit.as_ptr().cast()) };
    Ok(hit)
}

/// `text[start:end]` as Python slices it (clamped to the text).
fn substring<'py>(
    py: Python<'py>,
    text: &Bound<'py, PyString>,
    start: usize,
    end: usize,
) -> PyResult<Bound<'py, PyAny>> {
    // SAFETY: a live str with the GIL held; PyUnicode_Substring clamps `end` to the length
    // and returns a new reference (or NULL with an exception set).
    unsafe {
        let out = ffi::PyUnicode_Substring(
            text.as_ptr(),
            start as ffi::Py_ssize_t,
            end as ffi::Py_ssize_t,
        );
        Bound::from_owned_ptr_or_err(py, out)
    }
}
