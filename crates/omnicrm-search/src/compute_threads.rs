//! The thread count of the local model's arithmetic, fixed once per process.
//!
//! candle asks how many threads to use on every matrix operation: it reads
//! `RAYON_NUM_THREADS` and, when that is unset, asks the operating system for the CPU count
//! (cgroup and `/proc` files: system calls on every operation). Embedding one search query runs
//! a few hundred operations, so on the 2-core benchmark machine the query's embedding took
//! 11.6 ms (median; p95 17.2 ms) with the variable unset and 7.2 ms (p95 8.7 ms) with it set,
//! and hybrid search 27.4 → 21.3 ms (`docs/benchmarks.md`).

/// Sets `RAYON_NUM_THREADS` to the number of CPUs available, unless it is already set. Call it
/// first thing in `main`, before any thread is started: changing the environment while other
/// threads may read it is not safe.
pub fn pin_compute_thread_count() {
    if std::env::var_os("RAYON_NUM_THREADS").is_some() {
        return;
    }
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    std::env::set_var("RAYON_NUM_THREADS", threads.to_string());
}

#[cfg(test)]
mod tests {
    use super::*;

    // Each test runs in its own process under nextest, so the environment is its own.
    #[test]
    fn the_cpu_count_is_set_once_and_a_chosen_count_is_kept() {
        std::env::remove_var("RAYON_NUM_THREADS");
        pin_compute_thread_count();
        let pinned: usize = std::env::var("RAYON_NUM_THREADS").unwrap().parse().unwrap();
        assert!(pinned >= 1);
        std::env::set_var("RAYON_NUM_THREADS", "3");
        pin_compute_thread_count();
        assert_eq!(std::env::var("RAYON_NUM_THREADS").unwrap(), "3");
    }
}
