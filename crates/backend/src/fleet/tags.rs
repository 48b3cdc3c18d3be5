//! Tags on managed nodes.

use sysman_api::{ApiError, Empty, Tag};

use super::Node;
use crate::gate::Ctx;
use crate::{Event, Inner};

fn resource_not_found(_id: &str) -> ApiError {
    sysman_api::messages::tag::invalid_resource_id()
}

/// Applies `edit` to a node's tags and commits the node.
pub(crate) async fn edit_tags(
    b: &Inner,
    ctx: &mut Ctx,
    id: &str,
    edit: impl FnOnce(&mut Vec<Tag>) -> Result<(), ApiError>,
) -> Result<Empty, ApiError> {
    let config = b.fleet.config();
    let (commit, node): (_, Node) = {
        let mut state = b.fleet.state.write();
        let mut node = state
            .nodes
            .get(id)
            .cloned()
            .ok_or_else(|| resource_not_found(id))?;
        edit(&mut node.tags)?;
        node.tags.sort();
        let commit = ctx.commit(&b.store, vec![node.change()]);
        // Tags leave the ping status alone: no need to wake the scheduler.
        state.upsert(node.clone(), config, ctx.now);
        (commit, node)
    };
    commit.await?;
    ctx.publish(Event::NodeChanged(Box::new(node.summary(config, ctx.now))));
    Ok(Empty {})
}

/// A node's tags.
pub(crate) fn list_tags(b: &Inner, id: &str) -> Result<Vec<Tag>, ApiError> {
    let state = b.fleet.state.read();
    let node = state.nodes.get(id).ok_or_else(|| resource_not_found(id))?;
    Ok(node.tags.clone())
}
