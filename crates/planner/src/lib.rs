//! `ppgov-planner`: compares the desired state with the observed tenant.
//!
//! Pure: no I/O, no clock, no randomness; the same inputs give the same output. This crate
//! is being built up in steps; so far it resolves references against the tenant
//! ([`resolve`]) and compares DLP connector classification semantically ([`classification`]).

pub mod classification;
pub mod resolve;
