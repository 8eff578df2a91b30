//! The writes and reads the executor needs, as a trait: implemented by the real client, and
//! by in-memory fakes in tests. Each kind declares the calls its steps make, and the client's
//! implementation of them, in its own `step/<kind>.rs` (`Writes`); [`TenantWrites`] is all
//! of them, generated from the list of kinds.

macro_rules! tenant_writes {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident => $module:ident $(, after_tag = $after_tag:literal)?;
    )*) => {
        /// Every client call apply makes: each kind's in its step module's `Writes`
        /// (`step/<kind>.rs`, with the client's implementation), from the one list of kinds
        /// ([`ppgov_planner::resource_kinds!`]). Each write returns the value read back.
        pub trait TenantWrites: $( crate::step::$module::Writes + )* {}

        impl<T: $( crate::step::$module::Writes + )*> TenantWrites for T {}

        /// Each kind's `Writes`, by the kind's module, for implementations outside this crate
        /// (test fakes).
        pub mod writes {
            $( pub mod $module {
                pub use crate::step::$module::Writes;
            } )*
        }
    };
}
ppgov_planner::resource_kinds!(tenant_writes);
