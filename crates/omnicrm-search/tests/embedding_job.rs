//! The embedding job, semantic and hybrid search, with a deterministic stand-in embedder.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{contact, embed_everything, ids, open_core, service, HashEmbedder};
use omnicrm_core::notes::NoteInput;
use omnicrm_jobs::{JobQueue, JobRunner, JobStatus};
use omnicrm_search::{
    enqueue_embedding, register_embedding_handler, EmbeddingIndexer, EmbeddingTrigger, ItemKind,
    MatchReason, SearchMode, SearchRequest, EMBED_JOB,
};

fn semantic(text: &str) -> SearchRequest {
    SearchRequest {
        text: text.to_owned(),
        mode: SearchMode::Semantic,
        ..SearchRequest::default()
    }
}

fn chunk_count(core: &omnicrm_core::Core, item_id: &str) -> i64 {
    core.database
        .read(|connection| {
            Ok(connection.query_row(
                "SELECT count(*) FROM search_chunks WHERE item_id = ?1",
                [item_id],
                |row| row.get(0),
            )?)
        })
        .unwrap()
}

#[tokio::test]
async fn new_and_changed_records_are_embedded_and_found_by_meaning() {
    let (_directory, core) = open_core();
    let ann = contact(&core, "Ann");
    let embedder = HashEmbedder::local("test-model");
    let indexer = EmbeddingIndexer::new(core.database.clone(), embedder.clone());
    let oil = core
        .notes
        .create(&ann, NoteInput::plain("lavender oil for relaxation"))
        .unwrap();
    let tax = core
        .notes
        .create(&ann, NoteInput::plain("quarterly tax filing"))
        .unwrap();
    assert_eq!(indexer.pending().unwrap(), 2);

    embed_everything(&core, embedder.clone()).await;
    assert_eq!(indexer.pending().unwrap(), 0);
    let search = service(&core, embedder.clone());
    let response = search
        .search(semantic("relaxation with lavender"))
        .await
        .unwrap();
    assert_eq!(response.mode_used, SearchMode::Semantic);
    assert_eq!(ids(&response, ItemKind::Note).first(), Some(&oil.id));
    assert!(response.notice.is_none());

    core.notes
        .update(
            &tax.id,
            NoteInput::plain("sleep hygiene and relaxation tips"),
        )
        .unwrap();
    assert_eq!(
        indexer.pending().unwrap(),
        1,
        "an edit marks the record for embedding"
    );
    let waiting = search.search(semantic("sleep hygiene")).await.unwrap();
    assert_eq!(
        waiting.notice.map(|notice| notice.reason),
        Some(omnicrm_search::ModeNotice::IndexingInProgress)
    );
    embed_everything(&core, embedder).await;
    let response = search.search(semantic("sleep hygiene")).await.unwrap();
    assert_eq!(ids(&response, ItemKind::Note).first(), Some(&tax.id));
}

#[tokio::test]
async fn long_notes_are_chunked_and_deleted_records_lose_their_chunks() {
    let (_directory, core) = open_core();
    let ann = contact(&core, "Ann");
    let long_text: String = (0..400).map(|n| format!("word{n} ")).collect();
    let note = core
        .notes
        .create(&ann, NoteInput::plain(&long_text))
        .unwrap();
    let embedder = HashEmbedder::local("test-model");
    embed_everything(&core, embedder.clone()).await;
    assert_eq!(
        chunk_count(&core, &note.id),
        5,
        "400 words in 120-word chunks stepping by 90"
    );

    let search = service(&core, embedder.clone());
    let response = search
        .search(semantic("word350 word351 word352"))
        .await
        .unwrap();
    let notes = response
        .groups
        .iter()
        .find(|group| group.kind == ItemKind::Note)
        .expect("a note group");
    let hit = &notes.hits[0];
    assert_eq!(hit.item_id, note.id);
    assert!(
        hit.snippet
            .iter()
            .any(|part| part.highlighted && part.text == "word350"),
        "the matching passage is shown: {:?}",
        hit.snippet
    );

    core.notes.delete(&note.id).unwrap();
    assert_eq!(chunk_count(&core, &note.id), 0);
    let response = search.search(semantic("word350")).await.unwrap();
    assert!(response.groups.is_empty());
    // The next run also clears the orphaned bit vectors.
    embed_everything(&core, embedder).await;
    let orphans: i64 = core
        .database
        .read(|connection| {
            Ok(
                connection.query_row("SELECT count(*) FROM search_vector_bits_384", [], |row| {
                    row.get(0)
                })?,
            )
        })
        .unwrap();
    assert_eq!(orphans, 0);
}

#[tokio::test]
async fn a_new_model_re_embeds_everything_and_only_its_vectors_are_searched() {
    let (_directory, core) = open_core();
    let ann = contact(&core, "Ann");
    core.notes
        .create(&ann, NoteInput::plain("cupping therapy"))
        .unwrap();
    core.notes
        .create(&ann, NoteInput::plain("posture check"))
        .unwrap();
    embed_everything(&core, HashEmbedder::local("model-a")).await;

    let model_b = HashEmbedder::local("model-b");
    let indexer = EmbeddingIndexer::new(core.database.clone(), model_b.clone());
    assert_eq!(indexer.pending().unwrap(), 2);
    let before = service(&core, model_b.clone())
        .search(semantic("cupping"))
        .await
        .unwrap();
    assert!(
        before.groups.is_empty(),
        "model-a vectors are not compared with model-b queries"
    );
    embed_everything(&core, model_b.clone()).await;
    let after = service(&core, model_b)
        .search(semantic("cupping"))
        .await
        .unwrap();
    assert_eq!(ids(&after, ItemKind::Note).len(), 2);
    let models: Vec<String> = core
        .database
        .read(|connection| {
            let mut statement =
                connection.prepare("SELECT DISTINCT model_id FROM search_chunks")?;
            let rows = statement.query_map([], |row| row.get(0))?;
            Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
        })
        .unwrap();
    assert_eq!(models, vec!["model-b".to_owned()]);
}

#[tokio::test]
async fn private_notes_are_never_sent_to_a_remote_embedder() {
    let (_directory, core) = open_core();
    let ann = contact(&core, "Ann");
    let private = core
        .notes
        .create(
            &ann,
            NoteInput {
                is_private: true,
                ..NoteInput::plain("confidential history")
            },
        )
        .unwrap();
    let public = core
        .notes
        .create(&ann, NoteInput::plain("public reminder"))
        .unwrap();
    let remote = Arc::new(HashEmbedder {
        model: "remote-test".into(),
        dimensions: 384,
        remote: true,
    });
    embed_everything(&core, remote).await;
    assert_eq!(chunk_count(&core, &private.id), 0);
    assert_eq!(chunk_count(&core, &public.id), 1);
}

#[tokio::test]
async fn hybrid_fuses_keyword_and_semantic_matches() {
    let (_directory, core) = open_core();
    let ann = contact(&core, "Ann");
    let both = core
        .notes
        .create(&ann, NoteInput::plain("ankle sprain rehab exercises"))
        .unwrap();
    let keyword_only = core
        .notes
        .create(&ann, NoteInput::plain("sprained wrist"))
        .unwrap();
    let embedder = HashEmbedder::local("test-model");
    embed_everything(&core, embedder.clone()).await;
    let response = service(&core, embedder)
        .search(SearchRequest {
            text: "ankle rehab".to_owned(),
            ..SearchRequest::default()
        })
        .await
        .unwrap();
    assert_eq!(response.mode_used, SearchMode::Hybrid);
    let notes = &response
        .groups
        .iter()
        .find(|group| group.kind == ItemKind::Note)
        .unwrap()
        .hits;
    assert_eq!(notes[0].item_id, both.id);
    assert_eq!(notes[0].matched_by, MatchReason::Both);
    assert!(notes
        .iter()
        .all(|hit| hit.item_id != keyword_only.id || hit.matched_by == MatchReason::Semantic));
}

#[tokio::test]
async fn the_durable_job_embeds_what_was_written_and_enqueueing_is_idempotent() {
    let (_directory, core) = open_core();
    let ann = contact(&core, "Ann");
    let note = core
        .notes
        .create(&ann, NoteInput::plain("breathing exercises"))
        .unwrap();
    let queue = JobQueue::new(core.database.clone());
    assert!(enqueue_embedding(&queue).unwrap());
    assert!(
        !enqueue_embedding(&queue).unwrap(),
        "one waiting job is enough"
    );

    let indexer = Arc::new(EmbeddingIndexer::new(
        core.database.clone(),
        HashEmbedder::local("test-model"),
    ));
    let runner = register_embedding_handler(JobRunner::new(queue.clone(), 1), indexer.clone())
        .poll_interval(Duration::from_millis(20));
    let handle = runner.start();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let jobs = queue.list(&[JobStatus::Succeeded], 10).unwrap();
        if let Some(job) = jobs.first() {
            assert_eq!(job.progress_done, 1);
            assert_eq!(job.progress_total, Some(1));
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the job did not finish"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    handle.shutdown().await.unwrap();
    assert_eq!(chunk_count(&core, &note.id), 1);
    assert_eq!(indexer.pending().unwrap(), 0);
    assert!(
        enqueue_embedding(&queue).unwrap(),
        "after it finished, the next write enqueues again"
    );
}

#[tokio::test]
async fn a_write_queues_the_embedding_job_by_itself_and_a_failed_job_is_not_chased() {
    let (_directory, core) = open_core();
    let ann = contact(&core, "Ann");
    let queue = JobQueue::new(core.database.clone());
    let embedder = HashEmbedder::local("test-model");
    let indexer = Arc::new(EmbeddingIndexer::new(
        core.database.clone(),
        embedder.clone(),
    ));
    let mut trigger = EmbeddingTrigger::new(indexer.clone(), queue.clone());
    let lease = Duration::from_secs(60);

    assert!(!trigger.check().unwrap(), "nothing written, nothing queued");
    core.notes
        .create(&ann, NoteInput::plain("breathing exercises"))
        .unwrap();
    assert!(trigger.check().unwrap(), "a new note queues the job");
    assert!(!trigger.check().unwrap(), "the queued job will take it");

    let job = queue.claim("worker", &[EMBED_JOB], lease).unwrap().unwrap();
    embed_everything(&core, embedder).await;
    queue.succeed(&job.id, "worker").unwrap();
    assert!(!indexer.has_pending().unwrap());
    assert!(!trigger.check().unwrap(), "nothing waits after the job");

    core.notes
        .create(&ann, NoteInput::plain("sleep hygiene"))
        .unwrap();
    assert!(
        trigger.check().unwrap(),
        "the next write queues the next job"
    );
    let job = queue.claim("worker", &[EMBED_JOB], lease).unwrap().unwrap();
    queue
        .fail_permanently(&job.id, "worker", "the embedder refused the key")
        .unwrap();
    assert!(indexer.has_pending().unwrap());
    assert!(
        !trigger.check().unwrap(),
        "a job that failed for good is not followed by another at once"
    );
    assert!(!trigger.check().unwrap());
    assert!(queue.list(&[JobStatus::Queued], 10).unwrap().is_empty());
}

#[tokio::test]
async fn bit_quantized_search_recalls_the_exact_neighbours() {
    let (_directory, core) = open_core();
    let ann = contact(&core, "Ann");
    let vocabulary: Vec<String> = (0..400).map(|n| format!("term{n}")).collect();
    let mut seed: u64 = 42;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    for _ in 0..1500 {
        let text: Vec<&str> = (0..8)
            .map(|_| vocabulary[next() % vocabulary.len()].as_str())
            .collect();
        core.notes
            .create(&ann, NoteInput::plain(&text.join(" ")))
            .unwrap();
    }
    let embedder = HashEmbedder {
        model: "test-model".into(),
        dimensions: 384,
        remote: false,
    };
    embed_everything(
        &core,
        Arc::new(HashEmbedder {
            model: "test-model".into(),
            dimensions: 384,
            remote: false,
        }),
    )
    .await;
    let mut found = 0usize;
    let mut wanted = 0usize;
    let cache = omnicrm_search::vectors::VectorCache::default();
    for _ in 0..50 {
        let query_text: Vec<&str> = (0..4)
            .map(|_| vocabulary[next() % vocabulary.len()].as_str())
            .collect();
        let query = embedder.vector(&query_text.join(" "));
        let (approximate, exact) = core
            .database
            .read(|connection| {
                Ok((
                    omnicrm_search::vectors::nearest(connection, &cache, "test-model", &query, 10)?,
                    omnicrm_search::vectors::nearest_exact(connection, "test-model", &query, 10)?,
                ))
            })
            .unwrap();
        let approximate: std::collections::HashSet<i64> =
            approximate.iter().map(|n| n.chunk_id).collect();
        wanted += exact.len();
        found += exact
            .iter()
            .filter(|n| approximate.contains(&n.chunk_id))
            .count();
    }
    let recall = found as f64 / wanted as f64;
    eprintln!("recall@10 of the bit pass + rescoring vs exact: {recall:.3}");
    assert!(recall >= 0.95, "recall@10 {recall:.3} is below 0.95");
}

#[tokio::test]
async fn a_contact_is_found_by_meaning_through_her_notes_with_the_passage_as_why() {
    let (_directory, core) = open_core();
    let maya = contact(&core, "Maya Lindqvist");
    let omar = contact(&core, "Omar Haddad");
    core.notes
        .create(
            &maya,
            NoteInput::plain("prefers lavender oil during relaxation massage"),
        )
        .unwrap();
    core.notes
        .create(&omar, NoteInput::plain("quarterly tax filing reminder"))
        .unwrap();
    let embedder = HashEmbedder::local("test-model");
    embed_everything(&core, embedder.clone()).await;
    let search = service(&core, embedder);

    // Only contacts asked for: the notes are read to find their contact, not listed.
    let response = search
        .search(SearchRequest {
            filters: omnicrm_search::SearchFilters {
                kinds: vec![ItemKind::Contact],
                ..Default::default()
            },
            ..semantic("lavender relaxation")
        })
        .await
        .unwrap();
    assert_eq!(ids(&response, ItemKind::Contact).first(), Some(&maya));
    assert!(ids(&response, ItemKind::Note).is_empty());
    let group = response
        .groups
        .iter()
        .find(|group| group.kind == ItemKind::Contact)
        .unwrap();
    let first = group.hits.first().unwrap();
    assert_eq!(first.title, "Maya Lindqvist");
    assert_eq!(first.matched_by, MatchReason::Semantic);
    let why: String = first
        .snippet
        .iter()
        .map(|part| part.text.as_str())
        .collect();
    assert!(
        why.contains("lavender oil during relaxation"),
        "the matching passage of her note is the why: {why}"
    );
    // Each contact once, however many of their chunks matched.
    let contacts = ids(&response, ItemKind::Contact);
    let mut unique = contacts.clone();
    unique.dedup();
    assert_eq!(contacts, unique);
}

/// The search service keeps the chunks' bit vectors in memory between searches; a record
/// embedded after a search must still be found by the next one (the in-memory copy is
/// reloaded when the table's generation token changes, migration 0014), and one removed must
/// not come back.
#[tokio::test]
async fn records_embedded_after_a_search_are_found_by_the_next_one() {
    let (_directory, core) = open_core();
    let ann = contact(&core, "Ann");
    let embedder = HashEmbedder::local("test-model");
    let oil = core
        .notes
        .create(&ann, NoteInput::plain("lavender oil for relaxation"))
        .unwrap();
    embed_everything(&core, embedder.clone()).await;
    let search = service(&core, embedder.clone());
    let first = search
        .search(semantic("quarterly tax filing"))
        .await
        .unwrap();
    assert_eq!(ids(&first, ItemKind::Note), vec![oil.id.clone()]);

    let tax = core
        .notes
        .create(&ann, NoteInput::plain("quarterly tax filing"))
        .unwrap();
    embed_everything(&core, embedder.clone()).await;
    let second = search
        .search(semantic("quarterly tax filing"))
        .await
        .unwrap();
    assert_eq!(ids(&second, ItemKind::Note).first(), Some(&tax.id));

    core.notes.delete(&tax.id).unwrap();
    embed_everything(&core, embedder).await;
    let third = search
        .search(semantic("quarterly tax filing"))
        .await
        .unwrap();
    assert_eq!(ids(&third, ItemKind::Note), vec![oil.id]);
}
