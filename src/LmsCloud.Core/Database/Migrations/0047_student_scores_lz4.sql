-- A stored score's result is the engine's whole explanation (kilobytes per student, rewritten on every recompute of a
-- whole district). lz4 compresses and decompresses it several times faster than the default pglz, which is what a
-- district-wide recompute spends its time on once the engine itself is fast (docs/benchmarks.md, "Gradebook").
alter table student_scores alter column result set compression lz4;
