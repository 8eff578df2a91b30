//! `ppgov approvals PLANFILE --approved-by a,b`: the approvals a saved plan requires that
//! were not given; exit 1 listing them, so CI can gate a merge on the pull request's reviewers.

use crate::plan_cmd;
use clap::Args;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct ApprovalsArgs {
    /// A plan saved with `ppgov plan --out FILE`.
    #[arg(value_name = "PLANFILE")]
    pub plan: PathBuf,
    /// Who approved (comma-separated or repeated): an approver as the policies name it, or
    /// the e-mail address inside its `<...>`; case-insensitive.
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    pub approved_by: Vec<String>,
}

pub fn run(args: ApprovalsArgs) -> Result<ExitCode, String> {
    let plan = plan_cmd::read_plan(&args.plan)?;
    match &plan.seal {
        Some(seal) if seal.body == plan.body_hash() => {}
        Some(_) => {
            return Err(format!(
                "`{}` was modified after it was made (its approvals cannot be trusted); plan again",
                args.plan.display()
            ));
        }
        None => {
            return Err(format!(
                "`{}` is not a saved plan (no seal): save it with `ppgov plan --out FILE`",
                args.plan.display()
            ));
        }
    }
    let given: Vec<String> = args
        .approved_by
        .iter()
        .map(|a| a.trim().to_lowercase())
        .filter(|a| !a.is_empty())
        .collect();
    let approved = |approver: &str| {
        let whole = approver.trim().to_lowercase();
        let address = whole
            .rsplit_once('<')
            .and_then(|(_, rest)| rest.strip_suffix('>'))
            .map(str::to_owned);
        given
            .iter()
            .any(|g| *g == whole || address.as_deref() == Some(g.as_str()))
    };
    let mut missing: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (address, approvals) in &plan.approvals {
        for a in approvals {
            if !approved(&a.approver) {
                missing.entry(&a.approver).or_default().push(address);
            }
        }
    }
    let required = plan.approvers().len();
    if missing.is_empty() {
        println!("All {required} required approval(s) given.");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "Missing {} of {required} required approval(s):",
        missing.len()
    );
    for (approver, addresses) in &missing {
        println!("  - {approver}: {}", addresses.join(", "));
    }
    Ok(ExitCode::from(1))
}
