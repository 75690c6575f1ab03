/// A cryptographically secure source of random bytes.
pub trait Randomness: Send + Sync {
    /// Fills `destination` with unpredictable bytes; a source that cannot must panic rather
    /// than hand out guessable tokens.
    fn fill(&self, destination: &mut [u8]);
}
