/**
 * How many cases each property runs. CI runs a fixed, seeded number (minutes, not hours);
 * `FUZZ_RUNS=20000 npm run fuzz` runs longer, `FUZZ_SEED=N` replays a reported failure.
 */
export const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
export const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : 20261125;
export const fcOptions = { numRuns: RUNS, seed: SEED };
/** Per-test time limit, scaled to the number of runs (a bound, not a speed target). */
export const TIMEOUT = 10_000 + RUNS * 60;
