//! Tags on managed nodes. Other resource types are tagged by the
//! capability that owns them, once it exists.

use sysman_api::fleet::{
    AddTagsToResource, ListTagsForResource, ListTagsForResourceResult, RemoveTagsFromResource,
};
use sysman_api::{ApiError, Empty, Tag};

use super::Node;
use crate::gate::{Ctx, Handler};
use crate::{Event, Inner, validate};

const TAGGABLE: [&str; 9] = [
    "Document",
    "ManagedInstance",
    "MaintenanceWindow",
    "Parameter",
    "PatchBaseline",
    "OpsItem",
    "OpsMetadata",
    "Automation",
    "Association",
];

/// Only ManagedInstance can be tagged so far; say so plainly for the rest.
fn check_resource_type(resource_type: &str) -> Result<(), ApiError> {
    if resource_type == "ManagedInstance" {
        Ok(())
    } else if TAGGABLE.contains(&resource_type) {
        Err(ApiError::new(
            "InvalidResourceType",
            format!(
                "sysman cannot tag {resource_type} resources yet; only ManagedInstance can be tagged"
            ),
        ))
    } else {
        Err(ApiError::constraint(
            "resourceType",
            resource_type,
            &format!(
                "Member must satisfy enum value set: [{}]",
                TAGGABLE.join(", ")
            ),
        ))
    }
}

fn resource_not_found(id: &str) -> ApiError {
    ApiError::new(
        "InvalidResourceId",
        format!("No managed node with id {id}; list nodes with DescribeInstanceInformation"),
    )
}

/// Applies `edit` to a node's tags and commits the node.
async fn edit_tags(
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

impl Handler for AddTagsToResource {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_resource_type(&self.resource_type)?;
        validate::tags(&self.tags, "tags")?;
        let id = self.resource_id.clone();
        edit_tags(b, ctx, &self.resource_id, move |tags| {
            for tag in self.tags {
                match tags.iter_mut().find(|t| t.key == tag.key) {
                    Some(existing) => existing.value = tag.value,
                    None => tags.push(tag),
                }
            }
            if tags.len() > validate::MAX_TAGS_PER_RESOURCE {
                return Err(ApiError::new(
                    "TooManyTagsError",
                    format!(
                        "A resource can carry at most {} tags; {id} would have {}. Remove some first",
                        validate::MAX_TAGS_PER_RESOURCE,
                        tags.len()
                    ),
                ));
            }
            Ok(())
        })
        .await
    }
}

impl Handler for RemoveTagsFromResource {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_resource_type(&self.resource_type)?;
        for (i, key) in self.tag_keys.iter().enumerate() {
            validate::tag_key(key, &format!("tagKeys.{}.member", i + 1))?;
        }
        edit_tags(b, ctx, &self.resource_id, move |tags| {
            tags.retain(|t| !self.tag_keys.contains(&t.key));
            Ok(())
        })
        .await
    }
}

impl Handler for ListTagsForResource {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_resource_type(&self.resource_type)?;
        let state = b.fleet.state.read();
        let node = state
            .nodes
            .get(&self.resource_id)
            .ok_or_else(|| resource_not_found(&self.resource_id))?;
        Ok(ListTagsForResourceResult {
            tag_list: node.tags.clone(),
        })
    }
}
