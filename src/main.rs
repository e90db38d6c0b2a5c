//! The `clvr` command: parses arguments and dispatches to the library. Nothing else.
#![deny(unsafe_code)]

mod cli;

fn main() -> std::process::ExitCode {
    keep_freed_memory();
    cli::run()
}

/// A scoring run allocates and frees many column-sized buffers (80 MB per float column at
/// 10M customers). glibc serves each of those with a fresh `mmap` and unmaps it on free, so
/// every buffer is page-faulted in again: 2M page faults, ~3.5 s of kernel time in a
/// 10M-customer `predict`. Serving them from the heap, and not trimming it, lets freed
/// buffers be reused: half the page faults, `predict` at 10M 15.1 → 12.8 s, for ~25%
/// more peak RSS (docs/benchmarks.md). Set `CLVR_MALLOC=default` to keep glibc's defaults
/// (or tune with `GLIBC_TUNABLES`, which this then leaves alone).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn keep_freed_memory() {
    use std::ffi::c_int;
    // <malloc.h>
    const M_TRIM_THRESHOLD: c_int = -1;
    const M_MMAP_MAX: c_int = -4;
    unsafe extern "C" {
        fn mallopt(param: c_int, value: c_int) -> c_int;
    }
    if std::env::var_os("CLVR_MALLOC").is_some_and(|v| v == "default")
        || std::env::var_os("GLIBC_TUNABLES").is_some()
    {
        return;
    }
    // SAFETY: mallopt only changes allocator parameters; it is called before any other
    // thread exists. A refused setting (return 0) leaves glibc's default, which is correct,
    // only slower.
    unsafe {
        mallopt(M_MMAP_MAX, 0);
        mallopt(M_TRIM_THRESHOLD, c_int::MAX);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_freed_memory() {}
