//! The near-duplicate signature of a normalised text in one call: its character shingles,
//! their MinHash values and the LSH band keys, as `clusters/_minhash.py` computes them with
//! numpy (`shingle_hashes`, `Permutations.minhash`, `band_keys`) — the same integers, the same
//! keys. Python stays the reference and the fallback; the tests hold this to it.

use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// Larger than every code point: a shingle of code points packs into one integer exactly.
const BASE: u64 = 0x110000;
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// splitmix64's finaliser (`_minhash._mix`).
#[inline]
fn mix(z: u64) -> u64 {
    let mut z = z.wrapping_add(GOLDEN);
    z ^= z >> 30;
    z = z.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z ^= z >> 27;
    z = z.wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[pyclass(frozen)]
pub struct MinHasher {
    a: Vec<u64>,
    b: Vec<u64>,
    seeds: Vec<u64>,
    size: usize,
    rows: usize,
}

#[pymethods]
impl MinHasher {
    /// Permutation ``i`` is ``a[i]*h + b[i]`` modulo 2**64; ``seeds`` are the band seeds
    /// (one a band), ``size`` the shingle length, ``rows`` the values a band.
    #[new]
    fn new(a: Vec<u64>, b: Vec<u64>, seeds: Vec<u64>, size: usize, rows: usize) -> PyResult<Self> {
        if a.len() != b.len() || seeds.len() * rows > a.len() || size == 0 || rows == 0 {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "inconsistent MinHash parameters",
            ));
        }
        Ok(MinHasher {
            a,
            b,
            seeds,
            size,
            rows,
        })
    }

    /// The text's signature: its values as bytes (one native-endian u32 each, as
    /// ``array("I")`` holds them) and its band keys (16 hex digits each).
    fn sign<'py>(&self, py: Python<'py>, text: &str) -> (Bound<'py, PyBytes>, Vec<String>) {
        let points: Vec<u64> = text.chars().map(|c| c as u64).collect();
        let hashes = self.shingles(&points);
        let mut low = vec![u64::MAX; self.a.len()];
        for &h in &hashes {
            for (slot, (&a, &b)) in low.iter_mut().zip(self.a.iter().zip(self.b.iter())) {
                let v = a.wrapping_mul(h).wrapping_add(b);
                if v < *slot {
                    *slot = v;
                }
            }
        }
        let values: Vec<u32> = low.iter().map(|&v| (v >> 32) as u32).collect();
        let mut keys = Vec::with_capacity(self.seeds.len());
        for (band, &seed) in self.seeds.iter().enumerate() {
            let mut key = seed;
            for row in 0..self.rows {
                key = mix(key ^ values[band * self.rows + row] as u64);
            }
            keys.push(format!("{key:016x}"));
        }
        let raw: Vec<u8> = values.iter().flat_map(|v| v.to_ne_bytes()).collect();
        (PyBytes::new(py, &raw), keys)
    }
}

impl MinHasher {
    /// One hash a shingle of ``size`` code points (the whole text when it is shorter; none
    /// for an empty one), as `_minhash.shingle_hashes`.
    fn shingles(&self, points: &[u64]) -> Vec<u64> {
        let (count, size) = if points.len() >= self.size {
            (points.len() - self.size + 1, self.size)
        } else {
            (points.len().min(1), points.len())
        };
        (0..count)
            .map(|start| {
                let packed = points[start..start + size]
                    .iter()
                    .fold(0u64, |acc, &p| acc.wrapping_mul(BASE).wrapping_add(p));
                mix(packed)
            })
            .collect()
    }
}
