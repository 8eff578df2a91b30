use super::*;

const EVERY_KIND: [ResourceKind; ResourceKind::ALL.len()] = ResourceKind::ALL;

/// A live document kind (`ppgov_core::kind::Kind::is_live`) is planned, so it needs a
/// `ResourceKind` of its name, listed in `ResourceKind::ALL` (which `--target` reads).
#[test]
fn every_live_document_kind_is_a_resource_kind() {
    for kind in ppgov_core::Kind::ALL.into_iter().filter(|k| k.is_live()) {
        let resource = parse_kind_name(kind.as_str()).unwrap_or_else(|| {
            panic!("document kind {kind} has no ResourceKind in crates/planner/src/plan.rs")
        });
        assert!(
            ResourceKind::ALL.contains(&resource),
            "ResourceKind::{resource:?} is missing from ResourceKind::ALL (crates/planner/src/plan.rs)"
        );
        assert_eq!(kind_name(resource), kind.as_str());
    }
}

#[test]
fn a_created_group_scope_gives_back_its_address() {
    let address = "EnvironmentGroup.sales";
    let scope = PlannedScope::EnvironmentGroup(Ref::CreatedBy(address.into()));
    assert_eq!(created_group_of(&scope), Some(address));
    assert_eq!(
        created_group_of(&PlannedScope::EnvironmentGroup(Ref::Id("4c9a2f71".into()))),
        None
    );
    assert_eq!(created_group_of(&PlannedScope::Tenant), None);
}

#[test]
fn every_kind_name_reads_back_as_its_kind() {
    for kind in EVERY_KIND {
        assert_eq!(parse_kind_name(kind_name(kind)), Some(kind));
    }
}

#[test]
fn addresses_round_trip_through_their_string_for_every_kind_and_awkward_parts() {
    let names = ["default", "a.b.c", "x:y", "ünïcødé-名前", "-"];
    let keys = [
        "4c9a2f71-8d3e-4b15-a6c0-2e7f9d1b3a58",
        "current][\"Sales: EMEA [prod]\"",
        "p/reader/scope `/x/y`",
        "a.b:c",
        "",
        "日本[]",
    ];
    for kind in EVERY_KIND {
        let mut addresses = vec![Address {
            kind,
            name: None,
            key: None,
        }];
        for name in names {
            addresses.push(Address::named(kind, name));
            for key in keys {
                addresses.push(Address::named_keyed(kind, name, key));
            }
        }
        for key in keys {
            addresses.push(Address::keyed(kind, key));
        }
        for address in addresses {
            let text = address.to_string();
            assert_eq!(text.parse::<Address>(), Ok(address), "{text}");
        }
    }
}

#[test]
fn address_strings_are_those_plans_always_had() {
    use ResourceKind::*;
    assert_eq!(
        Address::named(DlpPolicy, "default").to_string(),
        "DlpPolicy.default"
    );
    assert_eq!(
        Address::keyed(EnvironmentGroup, "g1").to_string(),
        "EnvironmentGroup[g1]"
    );
    assert_eq!(
        Address::named_keyed(GroupMembership, "sales", "\"Dev\"").to_string(),
        "GroupMembership.sales[\"Dev\"]"
    );
    assert_eq!(
        "GroupMembership[old][\"Dev\"]".parse::<Address>(),
        Ok(Address::keyed(GroupMembership, "old][\"Dev\""))
    );
}

#[test]
fn malformed_addresses_say_what_is_wrong() {
    for (text, expected) in [
        ("", "address `` does not start with a kind"),
        (".x", "address `.x` does not start with a kind"),
        (
            "Widget.x",
            "address `Widget.x` names no known kind: `Widget`",
        ),
        (
            "dlpPolicy.x",
            "address `dlpPolicy.x` names no known kind: `dlpPolicy`",
        ),
        (
            "DlpPolicy.",
            "address `DlpPolicy.` has an empty name after `.`",
        ),
        (
            "DlpPolicy.[k]",
            "address `DlpPolicy.[k]` has an empty name after `.`",
        ),
        (
            "DlpPolicy.x[k",
            "address `DlpPolicy.x[k` has a key without a closing `]`: `[k`",
        ),
        (
            "DlpPolicy[k]tail",
            "address `DlpPolicy[k]tail` has a key without a closing `]`: `[k]tail`",
        ),
    ] {
        let error = text.parse::<Address>().expect_err(text);
        assert_eq!(error.to_string(), expected);
    }
}

#[test]
fn fingerprint_keys_round_trip_for_every_kind_and_ids_with_colons() {
    for kind in EVERY_KIND {
        for id in [
            "*",
            "0a1b2c3d",
            "a:b:c",
            "powerPlatform.search.disable",
            "ü名",
            "",
        ] {
            let key = FingerprintKey::new(kind, id);
            let text = key.to_string();
            assert_eq!(text, format!("{}:{id}", kind_name(kind)));
            assert_eq!(text.parse::<FingerprintKey>(), Ok(key), "{text}");
        }
        assert_eq!(exclusive_key(kind), format!("{}:*", kind_name(kind)));
        assert!(FingerprintKey::exclusive(kind).is_exclusive_marker());
    }
}

#[test]
fn malformed_fingerprint_keys_say_what_is_wrong() {
    for (text, expected) in [
        (
            "Environment",
            "fingerprint key `Environment` has no `:` between kind and id",
        ),
        (":x", "fingerprint key `:x` does not start with a kind"),
        (
            "Widget:x",
            "fingerprint key `Widget:x` names no known kind: `Widget`",
        ),
    ] {
        let error = text.parse::<FingerprintKey>().expect_err(text);
        assert_eq!(error.to_string(), expected);
    }
}

#[test]
fn a_fingerprint_is_the_fnv1a_hash_of_the_canonical_json() {
    // Pinned: saved plans carry fingerprints, so the hash of a value may never change.
    assert_eq!(fingerprint(&""), "07cc7607b4949e25");
    let value = serde_json::json!({"b": [1, "x"], "a": null});
    let json = serde_json::to_string(&value).unwrap();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in json.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    assert_eq!(fingerprint(&value), format!("{hash:016x}"));
}

#[test]
fn a_role_assignment_address_gives_back_its_scope() {
    for scope in [
        ObservedScope::Tenant,
        ObservedScope::EnvironmentGroup("4c9a2f71-8d3e-4b15-a6c0-2e7f9d1b3a58".into()),
        ObservedScope::Environment("0a1b2c3d-0000-4000-8000-000000000001".into()),
    ] {
        let label = scope_label(&scope);
        let p = "6d3a9eb4-2f57-4b8c-9d4a-a5e9c7f32b06";
        for address in [
            format!("RoleAssignment[{p}/reader/{label}]"),
            format!("RoleAssignment.auditors[{p}/reader/{label}]"),
        ] {
            assert_eq!(scope_of_address(&address), Some(scope.clone()), "{address}");
        }
    }
    assert_eq!(scope_of_address("DlpPolicy.default"), None);
    assert_eq!(
        scope_of_address("RoleAssignment[p/reader/scope `/x/y`]"),
        None
    );
}
