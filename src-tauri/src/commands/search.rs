//! Search across contacts, notes, mail, events, calls, tasks and projects (the Cmd-K palette).

use omnicrm_search::{SearchRequest, SearchResponse, MAX_LIMIT};
use tauri::State;

use super::CommandResult;
use crate::SearchState;

/// Keyword, semantic or hybrid search, grouped by kind. Blank text finds nothing; without the
/// embedding model the search runs in keyword mode and the response says so.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn search_query(
    state: State<'_, SearchState>,
    request: SearchRequest,
) -> CommandResult<SearchResponse> {
    if request
        .limit
        .is_some_and(|limit| limit == 0 || limit > MAX_LIMIT)
    {
        return Err(omnicrm_core::Error::invalid_field(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    state.service()?.search(request).await
}
