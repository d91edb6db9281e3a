//! A fast, deterministic hash for the rewrite's indexes and digests: a fixed hash keeps runs
//! repeatable, and the tables it keys are bounded by the reader's limits.

use std::hash::Hasher;

/// A fast hash (in the manner of rustc's FxHash, a word at a time, with a final mix): plenty
/// for a digest compared with its twin and for small lookup tables, and several times
/// faster than SipHash on cell text.
#[derive(Default, Clone, Copy)]
pub struct WordHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl WordHasher {
    pub fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for WordHasher {
    fn finish(&self) -> u64 {
        // A final mix, so that sums of hashes do not cancel by accident.
        let mut x = self.0;
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        x
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.mix(u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.mix(u64::from_le_bytes(last) ^ ((rest.len() as u64) << 56));
        }
    }
}

/// A `BuildHasher` for [`WordHasher`].
pub type FastHash = std::hash::BuildHasherDefault<WordHasher>;
