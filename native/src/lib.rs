//! opinion-spiders' keyword rules, compiled: a second implementation of Python code that stays
//! the reference and the fallback (`opinion_spiders/text/`), held to it by the tests.
//!
//! - `judge` (`WordJudge`): whether candidate spans are whole words — the decisions of
//!   `_boundaries.py` and `_route.py` on the same dictionary (jieba's prefix dictionary: every
//!   word with its frequency, every prefix of a word with 0), with the same floating-point
//!   arithmetic, so the same route and ties. A span it cannot settle exactly (an edge whose
//!   letter-or-digit test needs a character beyond the Basic Multilingual Plane, for which
//!   Python's `str.isalnum` table is not passed in) comes back `UNDECIDED`, for Python.
//! - `form`: the match form of `_match_form.py`, from the tables Python builds.
//! - `rules` (`FlatRules`): the flat rules matched in one call, as `_matcher.py` matches them.
//! - `minhash` (`MinHasher`): a text's near-duplicate signature and band keys in one call, as
//!   `clusters/_minhash.py` computes them.

mod form;
mod judge;
mod minhash;
mod rules;

use pyo3::prelude::*;

#[pymodule]
fn opinion_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<judge::WordJudge>()?;
    m.add_class::<rules::FlatRules>()?;
    m.add_class::<minhash::MinHasher>()?;
    Ok(())
}
