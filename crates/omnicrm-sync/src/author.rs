//! Who made a document change, and when. Automerge keeps a message and a time with each
//! change; OmniCRM writes the teammate's name and the time there, so a conflict can say who
//! wrote the value it was chosen over. Both are advisory: they never decide a merge.

use automerge::transaction::CommitOptions;
use automerge::{Automerge, ObjId};

/// The author of the changes a device writes: the teammate's name (as the team's server
/// knows them) and the time of the change, in seconds since 1970 (UTC).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeAuthor {
    pub name: Option<String>,
    pub time_seconds: Option<i64>,
}

impl ChangeAuthor {
    /// `name`'s change, made now.
    pub fn now(name: Option<&str>) -> Self {
        let time_seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .and_then(|elapsed| i64::try_from(elapsed.as_secs()).ok());
        Self {
            name: name.map(str::to_owned),
            time_seconds,
        }
    }

    pub(crate) fn commit_options(&self) -> CommitOptions {
        let mut options = CommitOptions::default();
        if let Some(name) = &self.name {
            options = options.with_message(name.clone());
        }
        if let Some(time) = self.time_seconds {
            options = options.with_time(time);
        }
        options
    }
}

/// Who made the change that wrote operation `op` of `document`, as far as the change says
/// (a change written without a name or time, by another client, says nothing).
pub fn author_of(document: &Automerge, op: &ObjId) -> ChangeAuthor {
    let ObjId::Id(counter, actor, _) = op else {
        return ChangeAuthor::default();
    };
    document
        .get_changes(&[])
        .into_iter()
        .find(|change| {
            let start = change.start_op().get();
            change.actor_id() == actor
                && start <= *counter
                && *counter < start + change.len() as u64
        })
        .map(|change| ChangeAuthor {
            name: change
                .message()
                .map(str::to_owned)
                .filter(|name| !name.trim().is_empty()),
            time_seconds: Some(change.timestamp()).filter(|time| *time > 0),
        })
        .unwrap_or_default()
}
