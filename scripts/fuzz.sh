#!/usr/bin/env bash
# Fuzzes storyline's readers of outside input for a bounded time, one target after another, at
# the lowest CPU priority. Not run by CI (it takes minutes per target); the crashes it finds are
# kept, minimised, in fuzz/regressions/<target>/, which `cargo test` replays
# (crates/storyline/tests/fuzz_regressions.rs).
#
#   scripts/fuzz.sh                       # every target, 60 s each
#   FUZZ_SECONDS=600 scripts/fuzz.sh html # one target, 10 minutes
#
# Settings (environment):
#   FUZZ_SECONDS    seconds per target (default 60)
#   FUZZ_MAX_LEN    largest input in bytes (default 8192; deeply nested HTML and decompression
#                   bombs are input limits handled in the readers, not what fuzzing hunts here)
#   FUZZ_SANITIZER  address (default) or none
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). The machine may have only stable Rust:
# RUSTC_BOOTSTRAP=1 lets it accept the nightly-only flags cargo-fuzz passes.
set -uo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-60}"
max_len="${FUZZ_MAX_LEN:-8192}"
sanitizer="${FUZZ_SANITIZER:-address}"
all_targets=(plain_text html jsonl warc feed dates)
targets=("${@:-${all_targets[@]}}")
export RUSTC_BOOTSTRAP=1

command -v cargo-fuzz >/dev/null || { echo "cargo-fuzz is not installed: cargo install cargo-fuzz" >&2; exit 2; }

echo "building fuzz targets (sanitizer: $sanitizer)" >&2
nice -n 19 cargo fuzz build --fuzz-dir fuzz -O -s "$sanitizer" || exit 2

mkdir -p fuzz/logs
failed=0
printf '%-11s %8s %12s %8s\n' target seconds executions crashes
for target in "${targets[@]}"; do
    corpus="fuzz/corpus/$target"
    artifacts="fuzz/artifacts/$target"
    regressions="fuzz/regressions/$target"
    mkdir -p "$corpus" "$artifacts" "$regressions"
    log="fuzz/logs/$target.log"
    before=$(ls "$artifacts" | wc -l)
    # The seeds are read, never written: new inputs go to the first corpus folder.
    nice -n 19 cargo fuzz run --fuzz-dir fuzz -O -s "$sanitizer" "$target" "$corpus" "fuzz/seeds/$target" -- \
        -max_total_time="$seconds" -max_len="$max_len" -timeout=30 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" >"$log" 2>&1
    status=$?
    executions=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    crashes=$(( $(ls "$artifacts" | wc -l) - before ))
    printf '%-11s %8s %12s %8s\n' "$target" "$seconds" "${executions:-?}" "$crashes"
    if [ "$status" -ne 0 ] || [ "$crashes" -gt 0 ]; then
        failed=1
        echo "  $target failed (exit $status); see $log" >&2
        # Keep each new crash, minimised, for the regression test.
        for crash in $(ls -t "$artifacts" | head -n "$crashes"); do
            case "$crash" in minimized-*) continue ;; esac
            nice -n 19 cargo fuzz tmin --fuzz-dir fuzz -O -s "$sanitizer" "$target" "$artifacts/$crash" \
                -- -max_total_time=120 >>"$log" 2>&1
            minimised=$(ls -t "$artifacts" | grep '^minimized-from-' | head -1)
            cp "$artifacts/${minimised:-$crash}" "$regressions/$crash"
            echo "  kept $regressions/$crash" >&2
        done
    fi
done
exit "$failed"
