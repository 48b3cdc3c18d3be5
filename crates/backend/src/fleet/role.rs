//! UpdateManagedInstanceRole: a hybrid node takes another IAM role.

use sysman_api::fleet::UpdateManagedInstanceRole;
use sysman_api::{ApiError, Empty};

use super::Fleet;
use crate::gate::{Ctx, Handler};
use crate::{Event, Inner, validate};

impl Handler for UpdateManagedInstanceRole {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        if !validate::is_managed_instance_id(&self.instance_id) {
            return Err(ApiError::constraint(
                "instanceId",
                &self.instance_id,
                "Member must satisfy regular expression pattern: (^mi-[0-9a-f]{17}$)",
            ));
        }
        validate::length(Some(&self.iam_role), "iamRole", 0, 64)?;
        if self.iam_role.is_empty() {
            return Err(ApiError::validation(
                "IamRole is required: name the role the node takes",
            ));
        }
        let config = b.fleet.config();
        let (commit, summary) = {
            let mut state = b.fleet.state.write();
            let Some(node) = state.nodes.get(&self.instance_id) else {
                return Err(Fleet::node_not_found(&self.instance_id));
            };
            let mut node = node.clone();
            node.iam_role = Some(self.iam_role);
            let commit = ctx.commit(&b.store, vec![node.change()]);
            let summary = node.summary(config, ctx.now);
            state.upsert(node, config, ctx.now);
            (commit, summary)
        };
        commit.await?;
        ctx.publish(Event::NodeChanged(Box::new(summary)));
        Ok(Empty {})
    }
}
