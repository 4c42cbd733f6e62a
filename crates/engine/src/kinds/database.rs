//! Server databases.

use crate::context::ApplyCx;
use roost_plan::Change;
use roost_plan::kinds::database::Op;

pub(crate) async fn execute(op: &Op, _cx: &ApplyCx, change: &Change) -> Result<(), String> {
    match op {
        Op::Create { .. } | Op::Delete { .. } => Err(format!(
            "{}: this build of roost cannot write server databases yet",
            change.address
        )),
    }
}
