using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using LmsCloud.Core.Database;
using LmsCloud.Core.Tenancy;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LmsCloud.Core.Learning.Grades;

/// <summary>
/// What a recompute of many shells did: shells, students and grade cells (students × assignments) computed, and how many
/// stored scores it rewrote (the others were unchanged and kept).
/// </summary>
public sealed record DistrictRecompute(int Shells, int Students, long GradeCells, int Rewritten);

/// <summary>One student's stored score: the engine's result as last computed, and whether a recompute is pending.</summary>
public sealed record StoredScore(Guid ShellId, Guid StudentId, GradeResult Result, DateTimeOffset ComputedAt, bool Stale);

/// <summary>
/// Keeps <c>student_scores</c> current: <see cref="RecomputeAsync"/> runs the engine for the given students (or all of the
/// shell's) and upserts their rows in one statement. Call it in the transaction of the change that caused it, after the
/// change: a grade change and its score commit together, and readers meanwhile see the previous committed score.
/// </summary>
public sealed class ScoreKeeper(LmsDbContext db, GradeInputs inputs, TimeProvider clock, NpgsqlDataSource dataSource,
    IMultiTenantContextAccessor<District> tenant)
{
    /// <summary>Recomputes and stores; returns the new results by student. <paramref name="students"/> null: the whole shell.</summary>
    public async Task<IReadOnlyDictionary<Guid, GradeResult>> RecomputeAsync(Guid shellId, IReadOnlyCollection<Guid>? students, CancellationToken ct)
    {
        var tenant = db.TenantId ?? throw new InvalidOperationException("No district for this request.");
        var loaded = await inputs.LoadAsync([shellId], students, clock.GetUtcNow(), null, ct);
        var rows = Compute(loaded);
        await StoreAsync(tenant, rows, ct);
        return rows.Where(r => r.Shell == shellId).ToDictionary(r => r.Student, r => r.Result);
    }

    /// <summary>
    /// The stored JSON. When the teacher's view is the student's (everything posted: the engine computed it once), it is
    /// written once and <see cref="Expand"/> restores it on reading: half the bytes for most students.
    /// </summary>
    public static byte[] Serialize(GradeResult result) =>
        JsonSerializer.SerializeToUtf8Bytes(ReferenceEquals(result.UnpostedExplanation, result.Explanation)
            ? result with { UnpostedExplanation = null!, UnpostedGroups = null! } : result, StoredResultJson.Default.GradeResult);

    static GradeResult Expand(GradeResult stored) =>
        stored.UnpostedExplanation == null ? stored with { UnpostedExplanation = stored.Explanation, UnpostedGroups = stored.Groups } : stored;

    static GradeResult Read(string json) => Expand(JsonSerializer.Deserialize<GradeResult>(json, GradeDescriptionJson.WriteOptions)!);

    /// <summary>The engine over every description, on every core when there are many; one row per (shell, student).</summary>
    static List<ScoreRow> Compute(Dictionary<Guid, Dictionary<Guid, GradeDescription>> loaded)
    {
        var work = loaded.SelectMany(s => s.Value.Select(d => (Shell: s.Key, Student: d.Key, Description: d.Value))).ToList();
        var rows = new ScoreRow[work.Count];
        void One(int i)
        {
            var (shell, student, description) = work[i];
            var result = GradeEngine.Compute(description);
            var json = Serialize(result);
            rows[i] = new ScoreRow(shell, student, result, json, SHA256.HashData(json), description.Assignments.Count);
        }
        if (work.Count < 64) for (var i = 0; i < work.Count; i++) One(i);
        else Parallel.For(0, work.Count, One);
        return rows.ToList();
    }

    /// <summary>The engine's results for the shell's students under the given rules, stored nowhere (a policy preview).</summary>
    public async Task<IReadOnlyDictionary<Guid, GradeResult>> ComputeAsync(Guid shellId, GradingRules? rules, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var descriptions = rules == null ? await inputs.ForStudentsAsync(shellId, null, now, ct) : await inputs.ForStudentsAsync(shellId, null, now, rules, ct);
        return descriptions.ToDictionary(d => d.Key, d => GradeEngine.Compute(d.Value));
    }

    /// <summary>
    /// Marks the stored rows of the given shells out of date in one statement: readers return them with
    /// <c>stale: true</c> until a recompute clears the mark. A change that recomputes later (a large policy change) marks first.
    /// </summary>
    public Task<int> MarkStaleAsync(IReadOnlyCollection<Guid> shellIds, CancellationToken ct)
    {
        var ids = shellIds.Distinct().ToArray();
        return db.Database.ExecuteSqlAsync($"""
            update student_scores set stale_since = now() where shell_id = any ({ids}) and stale_since is null
            """, ct);
    }

    /// <summary>
    /// Recomputes every shell of the district that has students (<see cref="RecomputeShellsAsync"/>).
    /// </summary>
    public async Task<DistrictRecompute> RecomputeDistrictAsync(CancellationToken ct, IProgress<DistrictRecompute>? progress = null)
    {
        var tenant = db.TenantId ?? throw new InvalidOperationException("No district for this request.");
        var shells = await db.Database.SqlQuery<Guid>($"""
            select distinct shell_id as "Value" from shell_students where tenant_id = {tenant} order by 1
            """).ToListAsync(ct);
        return await RecomputeShellsAsync(shells, ct, progress);
    }

    /// <summary>
    /// Recomputes the given shells, <see cref="ShellsPerBatch"/> at a time, on <see cref="Workers"/> connections at once
    /// (while one worker's batch is in the engine on the cores, another's is in the database). A batch is one
    /// repeatable-read transaction: its inputs in one round trip (<see cref="GradeInputs.LoadAsync"/>), the engine, and one
    /// upsert of the rows that changed (a stored hash tells; a stale row is rewritten either way, which clears its mark).
    /// A grade change that commits in between makes the upsert fail to serialise, and the batch runs again on fresh
    /// inputs, so an older computation never overwrites a newer score. Each batch commits on its own: a crash leaves
    /// earlier batches recomputed and later ones as they were (both correct; stale marks stay until cleared).
    /// </summary>
    public async Task<DistrictRecompute> RecomputeShellsAsync(IReadOnlyCollection<Guid> shellIds, CancellationToken ct,
        IProgress<DistrictRecompute>? progress = null)
    {
        var district = tenant.MultiTenantContext.TenantInfo ?? throw new InvalidOperationException("No district for this request.");
        var chunks = shellIds.Distinct().Chunk(ShellsPerBatch).ToList();
        var next = -1;
        var totals = new DistrictRecompute(0, 0, 0, 0);
        var gate = new object();
        async Task WorkAsync()
        {
            await using var workerDb = LmsDbContext.Create(dataSource, district);
            var keeper = new ScoreKeeper(workerDb, new GradeInputs(workerDb), clock, dataSource, tenant);
            for (var i = Interlocked.Increment(ref next); i < chunks.Count; i = Interlocked.Increment(ref next))
            {
                var (students, cells, rewritten) = await keeper.RecomputeBatchAsync(district.TenantId, chunks[i], ct);
                DistrictRecompute now;
                lock (gate) now = totals = new DistrictRecompute(totals.Shells + chunks[i].Length, totals.Students + students,
                    totals.GradeCells + cells, totals.Rewritten + rewritten);
                progress?.Report(now);
            }
        }
        await Task.WhenAll(Enumerable.Range(0, Math.Min(Workers, chunks.Count)).Select(_ => Task.Run(WorkAsync, ct)));
        return totals;
    }

    async Task<(int Students, long Cells, int Rewritten)> RecomputeBatchAsync(Guid tenantId, Guid[] shells, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var tx = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
                var rows = Compute(await inputs.LoadAsync(shells, null, clock.GetUtcNow(), null, ct));
                var stored = (await db.Database.SqlQuery<StoredHash>($"""
                    select shell_id as "ShellId", student_id as "StudentId", result_sha256 as "Hash", stale_since is not null as "Stale"
                    from student_scores where tenant_id = {tenantId} and shell_id = any ({shells})
                    """).ToListAsync(ct)).ToDictionary(h => (h.ShellId, h.StudentId));
                var changed = rows.Where(r => !stored.TryGetValue((r.Shell, r.Student), out var s) || s.Stale || s.Hash == null
                                              || !s.Hash.AsSpan().SequenceEqual(r.Hash)).ToList();
                await StoreAsync(tenantId, changed, ct);
                await tx.CommitAsync(ct);
                return (rows.Count, rows.Sum(r => (long)r.Cells), changed.Count);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.SerializationFailure && attempt < 5)
            {
                db.ChangeTracker.Clear();
            }
        }
    }

    /// <summary>Connections a recompute of many shells uses at once: two keep both the engine and the database busy.</summary>
    public const int Workers = 2;

    /// <summary>Shells per round trip in a recompute of many: large enough to amortise, small enough to keep memory flat.</summary>
    public const int ShellsPerBatch = 200;

    async Task StoreAsync(Guid tenant, IReadOnlyList<ScoreRow> rows, CancellationToken ct)
    {
        if (rows.Count == 0) return;
        var shells = rows.Select(x => x.Shell).ToArray();
        var ids = rows.Select(x => x.Student).ToArray();
        var current = rows.Select(x => x.Result.Current).ToArray();
        var final = rows.Select(x => x.Result.EffectiveFinal).ToArray();
        var currentLetter = rows.Select(x => x.Result.CurrentLetter).ToArray();
        var finalLetter = rows.Select(x => x.Result.EffectiveFinalLetter).ToArray();
        var unpostedCurrent = rows.Select(x => x.Result.UnpostedCurrent).ToArray();
        var unpostedFinal = rows.Select(x => x.Result.UnpostedFinal).ToArray();
        var unpostedCurrentLetter = rows.Select(x => x.Result.UnpostedCurrentLetter).ToArray();
        var unpostedFinalLetter = rows.Select(x => x.Result.UnpostedFinalLetter).ToArray();
        var json = rows.Select(x => x.Json).ToArray();
        var hash = rows.Select(x => x.Hash).ToArray();
        await db.Database.ExecuteSqlAsync($"""
            insert into student_scores (tenant_id, shell_id, student_id, current_score, final_score, current_letter, final_letter,
                                        unposted_current_score, unposted_final_score, unposted_current_letter, unposted_final_letter,
                                        result, result_sha256, computed_at, stale_since)
            select {tenant}, x.shell_id, x.student_id, x.cur, x.fin, x.cur_l, x.fin_l, x.ucur, x.ufin, x.ucur_l, x.ufin_l, convert_from(x.result, 'UTF8')::jsonb, x.hash, now(), null
            from unnest({shells}::uuid[], {ids}::uuid[], {current}::numeric[], {final}::numeric[], {currentLetter}::text[], {finalLetter}::text[],
                        {unpostedCurrent}::numeric[], {unpostedFinal}::numeric[], {unpostedCurrentLetter}::text[], {unpostedFinalLetter}::text[],
                        {json}::bytea[], {hash}::bytea[])
                 as x(shell_id, student_id, cur, fin, cur_l, fin_l, ucur, ufin, ucur_l, ufin_l, result, hash)
            on conflict (tenant_id, shell_id, student_id) do update set
              current_score = excluded.current_score, final_score = excluded.final_score, current_letter = excluded.current_letter,
              final_letter = excluded.final_letter, unposted_current_score = excluded.unposted_current_score,
              unposted_final_score = excluded.unposted_final_score, unposted_current_letter = excluded.unposted_current_letter,
              unposted_final_letter = excluded.unposted_final_letter, result = excluded.result, result_sha256 = excluded.result_sha256,
              computed_at = excluded.computed_at,
              stale_since = null
            """, ct);
    }

    /// <summary>The stored score of one student in a shell, or null when none was ever computed. Access checks are the caller's.</summary>
    public async Task<StoredScore?> GetAsync(Guid shellId, Guid studentId, CancellationToken ct)
    {
        var row = await db.Database.SqlQuery<StoredScoreRow>($"""
            select result::text as "Result", computed_at as "ComputedAt", stale_since is not null as "Stale"
            from student_scores where shell_id = {shellId} and student_id = {studentId}
            """).SingleOrDefaultAsync(ct);
        return row == null ? null
            : new StoredScore(shellId, studentId, Read(row.Result), row.ComputedAt, row.Stale);
    }

    /// <summary>The stored scores of a shell's students (those with a row), for before/after comparisons.</summary>
    public async Task<IReadOnlyDictionary<Guid, GradeResult>> StoredAsync(Guid shellId, CancellationToken ct)
    {
        var rows = await db.Database.SqlQuery<StoredRow>($"""
            select student_id as "StudentId", result::text as "Result" from student_scores where shell_id = {shellId}
            """).ToListAsync(ct);
        return rows.ToDictionary(r => r.StudentId, r => Read(r.Result));
    }

    sealed record StoredRow(Guid StudentId, string Result);
    sealed record StoredHash(Guid ShellId, Guid StudentId, byte[]? Hash, bool Stale);
    sealed record ScoreRow(Guid Shell, Guid Student, GradeResult Result, byte[] Json, byte[] Hash, int Cells);
    sealed record StoredScoreRow(string Result, DateTimeOffset ComputedAt, bool Stale);
}

/// <summary>
/// How results are stored: compact UTF-8, defaults left out (null, false and 0 read back as themselves, and SQL reading
/// a key with <c>-&gt;&gt;</c> gets null for them, so it coalesces to the default; a district's
/// first recompute spends most of its time parsing these into jsonb, so every byte counts), written by generated code
/// (a district recompute serialises hundreds of thousands; this is several times faster than reflection into a string).
/// The numbers and words are exactly the engine's; reading uses <see cref="GradeDescriptionJson.WriteOptions"/>.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = false, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(GradeResult))]
sealed partial class StoredResultJson : JsonSerializerContext;
