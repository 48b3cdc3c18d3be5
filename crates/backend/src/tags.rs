//! Tags on any resource: checks the request, then hands the edit to the
//! capability that owns the resource.

use sysman_api::fleet::{
    AddTagsToResource, ListTagsForResource, ListTagsForResourceResult, RemoveTagsFromResource,
};
use sysman_api::messages::tag as msg;
use sysman_api::{ApiError, Empty, Tag};

use crate::gate::{Ctx, Handler};
use crate::{Inner, validate};

/// The resource types sysman can tag so far. The model's other taggable
/// types (MaintenanceWindow, OpsItem, ...) hold nothing yet, so no id of
/// theirs exists: AWS's answer for an id that does not exist.
const TAGGABLE_NOW: [&str; 4] = ["Document", "ManagedInstance", "Parameter", "PatchBaseline"];
const TAGGABLE_LATER: [&str; 5] = [
    "MaintenanceWindow",
    "OpsItem",
    "OpsMetadata",
    "Automation",
    "Association",
];

fn check_resource_type(resource_type: &str) -> Result<(), ApiError> {
    if TAGGABLE_NOW.contains(&resource_type) {
        Ok(())
    } else if TAGGABLE_LATER.contains(&resource_type) {
        Err(msg::invalid_resource_id())
    } else {
        Err(msg::invalid_resource_type())
    }
}

/// Applies `edit` to the tags of the resource, through its owner.
async fn edit_tags(
    b: &Inner,
    ctx: &mut Ctx,
    resource_type: &str,
    id: &str,
    edit: impl FnOnce(&mut Vec<Tag>) -> Result<(), ApiError>,
) -> Result<Empty, ApiError> {
    match resource_type {
        "Parameter" => crate::parameters::edit_tags(b, ctx, id, edit).await,
        "Document" => crate::documents::edit_tags(b, ctx, id, edit).await,
        "PatchBaseline" => crate::patch::edit_tags(b, ctx, id, edit).await,
        _ => crate::fleet::tags::edit_tags(b, ctx, id, edit).await,
    }
}

impl Handler for AddTagsToResource {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_resource_type(&self.resource_type)?;
        validate::tags(&self.tags, "tags")?;
        edit_tags(
            b,
            ctx,
            &self.resource_type,
            &self.resource_id,
            move |tags| {
                for tag in self.tags {
                    match tags.iter_mut().find(|t| t.key == tag.key) {
                        Some(existing) => existing.value = tag.value,
                        None => tags.push(tag),
                    }
                }
                if tags.len() > validate::MAX_TAGS_PER_RESOURCE {
                    return Err(msg::too_many(validate::MAX_TAGS_PER_RESOURCE));
                }
                Ok(())
            },
        )
        .await
    }
}

impl Handler for RemoveTagsFromResource {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_resource_type(&self.resource_type)?;
        for (i, key) in self.tag_keys.iter().enumerate() {
            validate::tag_key(key, &format!("tagKeys.{}.member", i + 1))?;
        }
        edit_tags(
            b,
            ctx,
            &self.resource_type,
            &self.resource_id,
            move |tags| {
                tags.retain(|t| !self.tag_keys.contains(&t.key));
                Ok(())
            },
        )
        .await
    }
}

impl Handler for ListTagsForResource {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_resource_type(&self.resource_type)?;
        let tag_list = match self.resource_type.as_str() {
            "Parameter" => crate::parameters::list_tags(b, &self.resource_id)?,
            "Document" => crate::documents::list_tags(b, &self.resource_id)?,
            "PatchBaseline" => crate::patch::list_tags(b, &self.resource_id)?,
            _ => crate::fleet::tags::list_tags(b, &self.resource_id)?,
        };
        Ok(ListTagsForResourceResult { tag_list })
    }
}
