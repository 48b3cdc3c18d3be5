//! Input rules shared by several operations, worded as AWS words them.

use sysman_api::{ApiError, Tag};

// The backend's path for it, used by the fleet and compliance operations.

/// Most tags one resource may carry.
pub const MAX_TAGS_PER_RESOURCE: usize = 50;

const TAG_PATTERN: &str =
    r"Member must satisfy regular expression pattern: ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$";

/// `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`: letters, separators, numbers and a
/// few punctuation marks.
pub fn is_tag_text(s: &str) -> bool {
    s.chars().all(|c| {
        c.is_alphabetic()
            || c.is_numeric()
            || (c.is_whitespace() && !c.is_control())
            || "_.:/=+-@".contains(c)
    })
}

pub fn tag_key(key: &str, field: &str) -> Result<(), ApiError> {
    let len = key.chars().count();
    if len == 0 || len > 128 {
        return Err(ApiError::constraint(
            field,
            key,
            "Member must have length between 1 and 128",
        ));
    }
    if !is_tag_text(key) {
        return Err(ApiError::constraint(field, key, TAG_PATTERN));
    }
    if key.to_ascii_lowercase().starts_with("aws:") {
        return Err(ApiError::validation(format!(
            "Tag key '{key}' starts with 'aws:', which is reserved; choose another key"
        )));
    }
    Ok(())
}

/// Checks each tag and that no key appears twice.
pub fn tags(tags: &[Tag], field: &str) -> Result<(), ApiError> {
    if tags.len() > 1000 {
        return Err(ApiError::constraint(
            field,
            format!("{} tags", tags.len()),
            "Member must have length less than or equal to 1000",
        ));
    }
    for (i, tag) in tags.iter().enumerate() {
        tag_key(&tag.key, &format!("{field}.{}.member.key", i + 1))?;
        if tag.value.chars().count() > 256 {
            return Err(ApiError::constraint(
                &format!("{field}.{}.member.value", i + 1),
                &tag.value,
                "Member must have length less than or equal to 256",
            ));
        }
        if !is_tag_text(&tag.value) {
            return Err(ApiError::constraint(
                &format!("{field}.{}.member.value", i + 1),
                &tag.value,
                TAG_PATTERN,
            ));
        }
        if tags[..i].iter().any(|t| t.key == tag.key) {
            return Err(ApiError::validation(format!(
                "Tag key '{}' appears more than once; give each key once",
                tag.key
            )));
        }
    }
    Ok(())
}

/// Checks how many members a list has: `{n} {field}` between min and max.
pub fn count(n: usize, field: &str, min: usize, max: usize) -> Result<(), ApiError> {
    if (min..=max).contains(&n) {
        Ok(())
    } else {
        Err(ApiError::constraint(
            field,
            format!("{n} {field}"),
            &format!("Member must have length between {min} and {max}"),
        ))
    }
}

/// Checks an optional string's length in characters.
pub fn length(value: Option<&str>, field: &str, min: usize, max: usize) -> Result<(), ApiError> {
    if let Some(v) = value {
        let len = v.chars().count();
        if len < min || len > max {
            return Err(ApiError::constraint(
                field,
                v,
                &format!("Member must have length between {min} and {max}"),
            ));
        }
    }
    Ok(())
}

/// MaxResults within `min..=max`, or `default` when absent.
pub fn max_results(
    value: Option<i64>,
    min: i64,
    max: i64,
    default: i64,
) -> Result<usize, ApiError> {
    match value {
        None => Ok(default as usize),
        Some(v) if (min..=max).contains(&v) => Ok(v as usize),
        Some(v) if v < min => Err(ApiError::constraint(
            "maxResults",
            v,
            &format!("Member must have value greater than or equal to {min}"),
        )),
        Some(v) => Err(ApiError::constraint(
            "maxResults",
            v,
            &format!("Member must have value less than or equal to {max}"),
        )),
    }
}

/// A managed node id as the model's `InstanceId` pattern allows it.
pub fn instance_id(id: &str, field: &str) -> Result<(), ApiError> {
    if is_managed_instance_id(id) || sysman_api::fleet::is_instance_id(id) {
        return Ok(());
    }
    Err(ApiError::constraint(
        field,
        id,
        "Member must satisfy regular expression pattern: (^i-(\\w{8}|\\w{17})$)|(^mi-\\w{17}$)",
    ))
}

/// `^mi-[0-9a-f]{17}$` (or an EC2-style `i-` id where the model allows it).
pub fn is_managed_instance_id(id: &str) -> bool {
    id.strip_prefix("mi-").is_some_and(|hex| {
        hex.len() == 17 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// A lowercase UUID, as activation ids are.
pub fn is_activation_id(id: &str) -> bool {
    let groups: Vec<&str> = id.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}

/// `^[0-9]{1,6}(\.[0-9]{1,6}){2,3}$`
pub fn is_agent_version(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    (3..=4).contains(&parts.len())
        && parts
            .iter()
            .all(|p| (1..=6).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_the_model_patterns() {
        assert!(is_managed_instance_id("mi-0123456789abcdef0"));
        assert!(!is_managed_instance_id("mi-0123456789ABCDEF0"));
        assert!(!is_managed_instance_id("node-42"));
        assert!(is_activation_id("0f8fad5b-d9cb-469f-a165-70867728950e"));
        assert!(!is_activation_id("0F8FAD5B-D9CB-469F-A165-70867728950E"));
        assert!(is_agent_version("3.3.1142.0"));
        assert!(!is_agent_version("3.3"));
    }

    #[test]
    fn tag_text_allows_letters_numbers_and_the_listed_marks() {
        assert!(is_tag_text("Environment"));
        assert!(is_tag_text("team: web/ops +1 @here = é"));
        assert!(!is_tag_text("semi;colon"));
        assert!(!is_tag_text("new\nline"));
    }
}
