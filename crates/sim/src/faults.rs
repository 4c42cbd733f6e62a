//! Fault injection: which rule or random fault hits a request, and the bodies faults answer
//! with.

use crate::config::FaultAction;
use crate::response::{ApiErr, GENERIC_DETAIL};
use crate::{Shared, lock, util};
use roost_model::Dialect;

/// What fault injection decided for one request.
#[derive(Default)]
pub struct FaultPlan {
    pub delay_ms: u64,
    pub before: Option<FaultAction>,
    pub after: Option<FaultAction>,
}

pub fn plan_faults(sh: &Shared, method: &str, api_path: &str) -> FaultPlan {
    let mut rt = lock(&sh.rt);
    rt.requests += 1;
    let n = rt.requests;
    let mut plan = FaultPlan {
        delay_ms: rt.faults.latency_ms,
        ..Default::default()
    };
    let f = rt.faults.clone();
    for (i, rule) in f.rules.iter().enumerate() {
        let m_ok = rule
            .method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method));
        if !m_ok || !api_path.starts_with(&rule.path) {
            continue;
        }
        let Some(hit) = rt.rule_hits.get_mut(i) else {
            continue;
        };
        *hit += 1;
        let k = *hit;
        let fires = k >= rule.nth && k < rule.nth.saturating_add(rule.times.max(1));
        if !fires {
            continue;
        }
        match &rule.action {
            FaultAction::Delay { ms } => plan.delay_ms += ms,
            a @ (FaultAction::Status {
                after_commit: true, ..
            }
            | FaultAction::Drop { after_commit: true }) => {
                if plan.before.is_none() && plan.after.is_none() {
                    plan.after = Some(a.clone());
                }
            }
            a => {
                if plan.before.is_none() && plan.after.is_none() {
                    plan.before = Some(a.clone());
                }
            }
        }
    }
    if plan.before.is_none() && plan.after.is_none() {
        let h = util::splitmix(f.seed ^ n.wrapping_mul(0x2545_F491_4F6C_DD1D));
        let x = util::unit_f64(h);
        if x < f.drop_rate {
            plan.before = Some(FaultAction::Drop {
                after_commit: false,
            });
        } else if x < f.drop_rate + f.error_rate {
            plan.before = Some(FaultAction::Status {
                status: 500,
                after_commit: false,
            });
        }
    }
    plan
}

pub fn fault_status_body(d: Dialect, status: u16) -> String {
    let (code, detail) = match (d, status) {
        (Dialect::Pterodactyl, 504) => (
            "DaemonConnectionException",
            "Could not establish a connection to the machine running this server. Please try again.",
        ),
        (Dialect::Pelican, s) if s >= 500 => ("ConnectionException", GENERIC_DETAIL),
        (_, 429) => ("ThrottleRequestsException", "Too Many Attempts."),
        _ => ("HttpException", GENERIC_DETAIL),
    };
    let mut e = ApiErr::new(status, "", detail);
    e.code = code;
    e.body()
}
