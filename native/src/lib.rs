//! Word-boundary judging for opinion-spiders' keyword rules, compiled.
//!
//! The same decisions as `opinion_spiders/text/_boundaries.py` and `_route.py`, on the same
//! dictionary (jieba's prefix dictionary: every word with its frequency, every prefix of a
//! word with 0), with the same floating-point arithmetic, so the same route and ties. The
//! Python module stays the reference: a span this code cannot settle exactly (an edge whose
//! letter-or-digit test needs a character beyond the Basic Multilingual Plane, for which
//! Python's `str.isalnum` table is not passed in) comes back as `UNDECIDED` for Python to judge.

mod form;
mod judge;
mod rules;

use pyo3::prelude::*;

#[pymodule]
fn opinion_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<judge::WordJudge>()?;
    m.add_class::<rules::FlatRules>()?;
    Ok(())
}
