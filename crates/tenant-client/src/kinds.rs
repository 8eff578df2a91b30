//! One module per wire kind (`kinds/<kind>.rs`, named like its `ppgov-tenant-api` module and
//! declared from `ppgov_tenant_api::wire_kinds!`):
//! the kind's conversions, wire <-> model (re-exported by [`crate::convert`]), and its
//! writes, an `impl Client` block, together with the single-object reads that verify them.
//!
//! Writes take model values (the plan stores complete after-values as `Observed*` structs)
//! and return the value read back from the service, so the caller sees what the tenant now
//! holds. Deletes treat 404 as done: a retried delete that already happened is not an error.
//! The helpers the writes share are here.

use crate::convert::ConvertError;
use crate::error::{ClientError, ErrorKind};
use crate::http::Response;

macro_rules! declare_kinds {
    ($( $(#[doc = $doc:literal])* $module:ident; )*) => {
        $( pub(crate) mod $module; )*
    };
}
ppgov_tenant_api::wire_kinds!(declare_kinds);

/// A live object's identity as its listing shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedObject {
    pub id: String,
    pub display_name: String,
    /// ISO 8601 as the service writes it (fixed width, so it sorts as text).
    pub created: String,
}

fn cannot_write(e: ConvertError) -> ClientError {
    ClientError::config(format!("cannot write: {}", e.0))
}

/// `Ok(())` for a 404: the object is already gone.
fn gone_is_fine(r: Result<Response, ClientError>) -> Result<(), ClientError> {
    match r {
        Ok(_) => Ok(()),
        Err(e) if e.kind == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}
