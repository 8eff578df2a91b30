//! One module per kind of resource the planner plans, each a step that adds its changes
//! through the [`crate::builder::PlanBuilder`]; the foundation steps (environments, groups,
//! memberships) run first from `crate::diff::plan` and return what later steps need, every
//! other step runs from the list of kinds (`crate::plan_step`). Helpers the kinds share live
//! here.
//!
//! Each module's `Rules` implements [`crate::plan::KindRules`]; the modules are declared by
//! the one list of kinds, [`crate::resource_kinds!`].

macro_rules! kind_modules {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident => $module:ident $(, after_tag = $after_tag:literal)?;
    )*) => {
        $( pub mod $module; )*
    };
}
crate::resource_kinds!(kind_modules);

use crate::plan::AttributeChange;
use ppgov_core::model::EnvironmentType;
use serde_json::Value;
use std::collections::BTreeSet;

fn to_json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).expect("model values serialize")
}

fn attr(path: impl Into<String>, before: Option<Value>, after: Option<Value>) -> AttributeChange {
    AttributeChange {
        path: path.into(),
        before,
        after,
    }
}

fn type_name(t: EnvironmentType) -> String {
    to_json(&t).as_str().unwrap_or_default().to_owned()
}

/// A create's attributes turned into what a deleted object held (before-values only); the
/// display name is in the change's heading already.
fn as_held(attributes: Vec<AttributeChange>) -> Vec<AttributeChange> {
    attributes
        .into_iter()
        .filter(|a| a.path != "displayName")
        .map(|a| AttributeChange {
            path: a.path,
            before: a.after,
            after: None,
        })
        .collect()
}

/// Leaf-level differences of two JSON values, as dotted paths.
fn json_diff(
    prefix: &str,
    before: Option<&Value>,
    after: Option<&Value>,
    out: &mut Vec<AttributeChange>,
) {
    let empty = Value::Object(Default::default());
    // An object appearing or disappearing is shown field by field, like a changed one.
    let (before, after) = match (before, after) {
        (None | Some(Value::Null), Some(a @ Value::Object(_))) => (Some(&empty), Some(a)),
        (Some(b @ Value::Object(_)), None | Some(Value::Null)) => (Some(b), Some(&empty)),
        other => other,
    };
    match (before, after) {
        (Some(Value::Object(b)), Some(Value::Object(a))) => {
            let keys: BTreeSet<&String> = b.keys().chain(a.keys()).collect();
            for k in keys {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                json_diff(&path, b.get(k), a.get(k), out);
            }
        }
        (b, a) => {
            let b = b.filter(|v| !v.is_null());
            let a = a.filter(|v| !v.is_null());
            if b != a {
                out.push(attr(prefix, b.cloned(), a.cloned()));
            }
        }
    }
}
