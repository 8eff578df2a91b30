//! SARIF 2.1.0 for GitHub code scanning: one run, every check (and every Advisor scenario
//! that has findings) as a rule, every finding as a result. Repository findings have a physical location (file, line, column); tenant
//! findings a logical one (the object's address).

use crate::{Report, Severity, advisor, registry};
use serde_json::{Value, json};

/// Where the checks are documented, for rule help links.
const DOCS: &str = "https://github.com/ppgov/ppgov/blob/main/docs/checks.md";

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// SARIF 2.1.0: one run, every check as a rule, every finding as a result. Repository
/// findings have a physical location (`uri_prefix` + the file, line, column); tenant
/// findings a logical one (the object's address).
pub fn sarif(report: &Report, uri_prefix: &str, version: &str) -> Value {
    let infos: Vec<_> = registry::all_infos().collect();
    let mut rules: Vec<Value> = infos
        .iter()
        .map(|i| {
            let mut help = format!("{}\n\nFix: {}", i.rationale, i.fix);
            if let Some(yaml) = i.fix_yaml {
                help.push_str(&format!("\n\n{yaml}"));
            }
            json!({
                "id": i.id,
                "name": i.name,
                "shortDescription": {"text": i.title},
                "fullDescription": {"text": i.rationale},
                "help": {"text": help},
                "helpUri": format!("{DOCS}#{}", i.id.to_lowercase()),
                "defaultConfiguration": {"level": sarif_level(i.severity)},
                "properties": {"tags": [i.area.as_str(), i.stage.as_str()]},
            })
        })
        .collect();
    // Advisor's scenarios are known only at run time: one rule each, after the checks.
    let mut advisor_ids: Vec<&str> = Vec::new();
    for f in report.findings.iter().filter(|f| advisor::is_advisor(f)) {
        if advisor_ids.contains(&f.rule_id.as_ref()) {
            continue;
        }
        advisor_ids.push(&f.rule_id);
        rules.push(json!({
            "id": f.rule_id,
            "name": f.rule_name,
            "shortDescription": {"text": f.title},
            "fullDescription": {"text": format!("Power Platform Advisor recommendation `{}`.", f.title)},
            "help": {"text": f.remediation},
            "helpUri": format!("{DOCS}#power-advisor"),
            "defaultConfiguration": {"level": sarif_level(f.severity)},
            "properties": {"tags": [f.area.as_str(), "advisor"]},
        }));
    }
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let rule_index = infos.iter().position(|i| i.id == f.rule_id).or_else(|| {
                advisor_ids
                    .iter()
                    .position(|id| *id == f.rule_id)
                    .map(|i| infos.len() + i)
            });
            let mut result = json!({
                "ruleId": f.rule_id,
                "level": sarif_level(f.severity),
                "message": {"text": format!("{} Fix: {}", f.message, f.remediation)},
                "partialFingerprints": {"ppgovObject/v1": format!("{}:{}", f.rule_id, f.location.address)},
            });
            if let Some(index) = rule_index {
                result["ruleIndex"] = json!(index);
            }
            let logical = json!([{"fullyQualifiedName": f.location.address, "kind": "resource"}]);
            result["locations"] = match (&f.location.file, f.location.line, f.location.column) {
                (Some(file), Some(line), Some(column)) => json!([{
                    "physicalLocation": {
                        "artifactLocation": {"uri": format!("{uri_prefix}{file}")},
                        "region": {"startLine": line, "startColumn": column},
                    },
                    "logicalLocations": logical,
                }]),
                _ => json!([{"logicalLocations": logical}]),
            };
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "ppgov",
                "informationUri": "https://github.com/ppgov/ppgov",
                "version": version,
                "rules": rules,
            }},
            "results": results,
        }],
    })
}
