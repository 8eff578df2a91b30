//! Test helpers: an emulator on loopback and a small JSON client over reqwest.
#![allow(dead_code)]

use ppgov_emulator::{Config, Emulator, RunningEmulator, SeedRequest, Tenant};
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::Value;

pub const ENVS: &str = "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments";
pub const V_BAP: &str = "api-version=2023-06-01";
pub const V_2021: &str = "api-version=2021-04-01";
pub const V_PP: &str = "api-version=2024-10-01";
pub const DLP: &str = "/providers/PowerPlatform.Governance/v2/policies";

pub struct Api {
    pub emu: RunningEmulator,
    pub http: reqwest::Client,
    pub token: String,
}

pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Answer {
    pub fn code(&self) -> &str {
        self.json
            .pointer("/error/code")
            .or_else(|| self.json.pointer("/title"))
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        self
    }

    #[track_caller]
    pub fn expect_error(&self, status: u16, code: &str) -> &Self {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        assert_eq!(self.code(), code, "unexpected code; body: {}", self.text);
        self
    }
}

impl Api {
    pub async fn start(config: Config) -> Api {
        let emu = Emulator::start(config).await.expect("emulator starts");
        let token = emu.token().expect("static token").to_owned();
        Api {
            emu,
            http: reqwest::Client::new(),
            token,
        }
    }

    /// An emulator with a small generated tenant and pages of `page_size`.
    pub async fn seeded(seed: SeedRequest, page_size: usize) -> Api {
        Api::start(Config {
            page_size,
            ..Config::default().seeded(seed)
        })
        .await
    }

    pub async fn empty() -> Api {
        Api::start(Config::default()).await
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.emu.base_url())
        }
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut req = self
            .http
            .request(method, self.url(path))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        Self::answer(req.send().await.expect("request is answered")).await
    }

    pub async fn answer(r: reqwest::Response) -> Answer {
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.expect("body");
        let json = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::Null)
        };
        Answer {
            status,
            headers,
            text,
            json,
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn post_empty(&self, path: &str) -> Answer {
        self.call(Method::POST, path, None).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Answer {
        self.call(Method::PUT, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Answer {
        self.call(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.call(Method::DELETE, path, None).await
    }

    /// Follows `nextLink` / `@odata.nextLink` from `path`; returns every item and the page count.
    pub async fn get_all(&self, path: &str) -> (Vec<Value>, usize) {
        let mut items = Vec::new();
        let mut pages = 0;
        let mut next = Some(path.to_owned());
        while let Some(url) = next {
            let a = self.get(&url).await;
            a.expect(200);
            pages += 1;
            items.extend(a.json["value"].as_array().cloned().unwrap_or_default());
            next = ["nextLink", "@odata.nextLink"]
                .iter()
                .find_map(|k| a.json.get(*k))
                .and_then(Value::as_str)
                .map(str::to_owned);
            assert!(pages < 1000, "paging does not end");
        }
        (items, pages)
    }

    pub fn state(&self) -> Tenant {
        self.emu.state()
    }

    /// A managed environment without a group, made so if needed.
    pub fn free_managed_env(&self) -> String {
        self.emu.update_state(|t| {
            let key = t
                .environments
                .iter()
                .find(|(_, e)| e.is_managed() && e.group_id().is_none())
                .or_else(|| t.environments.iter().find(|(_, e)| e.is_managed()))
                .map(|(k, _)| k.clone())
                .expect("a managed environment");
            t.environments
                .get_mut(&key)
                .unwrap()
                .properties
                .parent_environment_group = None;
            key
        })
    }

    pub fn unmanaged_env(&self) -> String {
        let t = self.state();
        t.environments
            .iter()
            .find(|(_, e)| !e.is_managed())
            .map(|(k, _)| k.clone())
            .expect("an unmanaged environment")
    }
}

pub fn seed(environments: usize, groups: usize, dlp: usize, rbac: usize) -> SeedRequest {
    SeedRequest {
        environments,
        groups,
        dlp_policies: dlp,
        role_assignments: rbac,
        seed: 7,
        tenant_id: None,
        apps: 0,
        flows: 0,
    }
}
