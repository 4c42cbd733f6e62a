//! The plan's summary: counts by action, impact and cause, and the requests apply makes.

use crate::ops::OpSpec;
use crate::types::{Action, Cause, Impact, Plan, Summary};

pub(crate) fn summarise(plan: &mut Plan) {
    let mut s = Summary {
        unchanged: plan.summary.unchanged,
        ..Summary::default()
    };
    for c in &plan.changes {
        match c.action {
            Action::Create => s.create += 1,
            Action::Update => s.update += 1,
            Action::Replace => s.replace += 1,
            Action::Delete => s.delete += 1,
            Action::Adopt => s.adopt += 1,
        }
        match c.impact {
            Impact::None => {}
            Impact::Restart => s.restart += 1,
            Impact::Reinstall => s.reinstall += 1,
            Impact::Destroy => s.destroy += 1,
        }
        match c.cause {
            Some(Cause::Intended) => s.intended += 1,
            Some(Cause::Drift) => s.drift += 1,
            Some(Cause::Mixed) => {
                s.intended += 1;
                s.drift += 1;
            }
            None => {}
        }
        // One request per operation that makes one (a batched allocation rides on another's).
        s.requests += c.ops.iter().filter(|op| op.call().is_some()).count();
    }
    s.unmanaged = plan.unmanaged.count();
    s.seconds_at_rate_limit = (s.requests as u64 * 60).div_ceil(u64::from(plan.rate_limit.max(1)));
    plan.summary = s;
}
