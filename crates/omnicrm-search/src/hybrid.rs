//! Hybrid ranking: reciprocal rank fusion of the keyword and semantic lists. RRF needs no score
//! calibration between bm25 and cosine, only ranks; k = 60 as in the original paper.

use crate::types::{MatchReason, SearchHit};

/// The RRF constant: larger flattens the advantage of the very first ranks.
pub const RRF_K: f64 = 60.0;

/// Fuses two ranked lists of one kind into one, best first. A record in both lists keeps the
/// keyword snippet (highlighted words) and is marked as matched by both.
pub fn reciprocal_rank_fusion(keyword: Vec<SearchHit>, semantic: Vec<SearchHit>) -> Vec<SearchHit> {
    let mut fused: Vec<SearchHit> = Vec::with_capacity(keyword.len() + semantic.len());
    for (rank, mut hit) in keyword.into_iter().enumerate() {
        hit.score = 1.0 / (RRF_K + rank as f64 + 1.0);
        fused.push(hit);
    }
    for (rank, hit) in semantic.into_iter().enumerate() {
        let score = 1.0 / (RRF_K + rank as f64 + 1.0);
        match fused.iter_mut().find(|known| known.item_id == hit.item_id) {
            Some(known) => {
                known.score += score;
                known.matched_by = MatchReason::Both;
            }
            None => fused.push(SearchHit { score, ..hit }),
        }
    }
    fused.sort_by(|left, right| right.score.total_cmp(&left.score));
    fused
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::ItemKind;

    fn hit(id: &str, matched_by: MatchReason) -> SearchHit {
        SearchHit {
            kind: ItemKind::Note,
            item_id: id.to_owned(),
            contact_id: None,
            title: id.to_owned(),
            snippet: Vec::new(),
            matched_by,
            happened_at: String::new(),
            score: 0.0,
        }
    }

    #[test]
    fn a_record_found_by_both_outranks_one_found_first_by_one() {
        let keyword = vec![
            hit("a", MatchReason::Keyword),
            hit("b", MatchReason::Keyword),
        ];
        let semantic = vec![
            hit("c", MatchReason::Semantic),
            hit("b", MatchReason::Semantic),
        ];
        let fused = reciprocal_rank_fusion(keyword, semantic);
        let order: Vec<&str> = fused.iter().map(|hit| hit.item_id.as_str()).collect();
        assert_eq!(order.first(), Some(&"b"));
        assert_eq!(fused[0].matched_by, MatchReason::Both);
        assert_eq!(order.len(), 3);
    }
}
