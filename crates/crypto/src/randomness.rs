use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use latchkey_application::ports::Randomness;

/// The operating system's CSPRNG, through aws-lc.
#[derive(Debug, Default, Clone)]
pub struct SystemRandomness(SystemRandom);

impl Randomness for SystemRandomness {
    #[expect(
        clippy::expect_used,
        reason = "a token must never be minted from a failed RNG"
    )]
    fn fill(&self, destination: &mut [u8]) {
        self.0
            .fill(destination)
            .expect("the system random source failed");
    }
}
