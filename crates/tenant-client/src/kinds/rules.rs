//! A group's rules, wire <-> model: the classic rule set (`sets`) and the rule-based policy
//! (`policies`). They are written with their group (`groups`).

mod policies;
mod sets;

pub use policies::*;
pub use sets::*;

#[cfg(test)]
mod tests;
