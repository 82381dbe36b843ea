using System.Text.Json;
using LmsCloud.Core.Database;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Core.Learning.Grades;

/// <summary>What a whole-district recompute did: shells, students and grade cells (students × assignments).</summary>
public sealed record DistrictRecompute(int Shells, int Students, long GradeCells);

/// <summary>One student's stored score: the engine's result as last computed, and whether a recompute is pending.</summary>
public sealed record StoredScore(Guid ShellId, Guid StudentId, GradeResult Result, DateTimeOffset ComputedAt, bool Stale);

/// <summary>
/// Keeps <c>student_scores</c> current: <see cref="RecomputeAsync"/> runs the engine for the given students (or all of the
/// shell's) and upserts their rows in one statement. Call it in the transaction of the change that caused it, after the
/// change: a grade change and its score commit together, and readers meanwhile see the previous committed score.
/// </summary>
public sealed class ScoreKeeper(LmsDbContext db, GradeInputs inputs, TimeProvider clock)
{
    /// <summary>Recomputes and stores; returns the new results by student. <paramref name="students"/> null: the whole shell.</summary>
    public async Task<IReadOnlyDictionary<Guid, GradeResult>> RecomputeAsync(Guid shellId, IReadOnlyCollection<Guid>? students, CancellationToken ct)
    {
        var tenant = db.TenantId ?? throw new InvalidOperationException("No district for this request.");
        var who = await inputs.StudentsAsync(shellId, students, ct);
        var descriptions = await inputs.ForStudentsAsync(shellId, who, clock.GetUtcNow(), ct);
        var results = descriptions.ToDictionary(d => d.Key, d => GradeEngine.Compute(d.Value));
        await StoreAsync(tenant, shellId, results, ct);
        return results;
    }

    /// <summary>The engine's results for the shell's students under the given rules, stored nowhere (a policy preview).</summary>
    public async Task<IReadOnlyDictionary<Guid, GradeResult>> ComputeAsync(Guid shellId, GradingRules? rules, CancellationToken ct)
    {
        var who = await inputs.StudentsAsync(shellId, null, ct);
        var now = clock.GetUtcNow();
        var descriptions = rules == null ? await inputs.ForStudentsAsync(shellId, who, now, ct) : await inputs.ForStudentsAsync(shellId, who, now, rules, ct);
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
    /// Recomputes every shell of the district that has students, one shell per batch (its inputs in a few statements, its
    /// rows in one upsert). Returns what was done; grade cells are students × published assignments.
    /// </summary>
    public async Task<DistrictRecompute> RecomputeDistrictAsync(CancellationToken ct)
    {
        var shells = await db.Database.SqlQuery<Guid>($"""
            select distinct sc.shell_id as "Value" from course_shell_classes sc
            where exists (select 1 from enrollments e where e.tenant_id = sc.tenant_id and e.class_id = sc.class_id and e.role = 'student' and e.status = 'active')
            order by 1
            """).ToListAsync(ct);
        var (students, cells) = (0, 0L);
        foreach (var shell in shells)
        {
            var tenant = db.TenantId ?? throw new InvalidOperationException("No district for this request.");
            var who = await inputs.StudentsAsync(shell, null, ct);
            var descriptions = await inputs.ForStudentsAsync(shell, who, clock.GetUtcNow(), ct);
            var results = descriptions.ToDictionary(d => d.Key, d => GradeEngine.Compute(d.Value));
            await StoreAsync(tenant, shell, results, ct);
            students += results.Count;
            cells += descriptions.Values.Sum(d => (long)d.Assignments.Count);
        }
        return new DistrictRecompute(shells.Count, students, cells);
    }

    async Task StoreAsync(Guid tenant, Guid shellId, IReadOnlyDictionary<Guid, GradeResult> results, CancellationToken ct)
    {
        if (results.Count == 0) return;
        var ids = results.Keys.ToArray();
        var r = ids.Select(id => results[id]).ToArray();
        var current = r.Select(x => x.Current).ToArray();
        var final = r.Select(x => x.EffectiveFinal).ToArray();
        var currentLetter = r.Select(x => x.CurrentLetter).ToArray();
        var finalLetter = r.Select(x => x.EffectiveFinalLetter).ToArray();
        var unpostedCurrent = r.Select(x => x.UnpostedCurrent).ToArray();
        var unpostedFinal = r.Select(x => x.UnpostedFinal).ToArray();
        var unpostedCurrentLetter = r.Select(x => x.UnpostedCurrentLetter).ToArray();
        var unpostedFinalLetter = r.Select(x => x.UnpostedFinalLetter).ToArray();
        var json = r.Select(x => JsonSerializer.Serialize(x, GradeDescriptionJson.WriteOptions)).ToArray();
        await db.Database.ExecuteSqlAsync($"""
            insert into student_scores (tenant_id, shell_id, student_id, current_score, final_score, current_letter, final_letter,
                                        unposted_current_score, unposted_final_score, unposted_current_letter, unposted_final_letter,
                                        result, computed_at, stale_since)
            select {tenant}, {shellId}, x.student_id, x.cur, x.fin, x.cur_l, x.fin_l, x.ucur, x.ufin, x.ucur_l, x.ufin_l, x.result::jsonb, now(), null
            from unnest({ids}::uuid[], {current}::numeric[], {final}::numeric[], {currentLetter}::text[], {finalLetter}::text[],
                        {unpostedCurrent}::numeric[], {unpostedFinal}::numeric[], {unpostedCurrentLetter}::text[], {unpostedFinalLetter}::text[],
                        {json}::text[])
                 as x(student_id, cur, fin, cur_l, fin_l, ucur, ufin, ucur_l, ufin_l, result)
            on conflict (tenant_id, shell_id, student_id) do update set
              current_score = excluded.current_score, final_score = excluded.final_score, current_letter = excluded.current_letter,
              final_letter = excluded.final_letter, unposted_current_score = excluded.unposted_current_score,
              unposted_final_score = excluded.unposted_final_score, unposted_current_letter = excluded.unposted_current_letter,
              unposted_final_letter = excluded.unposted_final_letter, result = excluded.result, computed_at = excluded.computed_at,
              stale_since = null
            """, ct);
    }

    /// <summary>The stored score of one student in a shell, or null when none was ever computed. Access checks are the caller's.</summary>
    public async Task<StoredScore?> GetAsync(Guid shellId, Guid studentId, CancellationToken ct)
    {
        var row = await db.Database.SqlQuery<ScoreRow>($"""
            select result::text as "Result", computed_at as "ComputedAt", stale_since is not null as "Stale"
            from student_scores where shell_id = {shellId} and student_id = {studentId}
            """).SingleOrDefaultAsync(ct);
        return row == null ? null
            : new StoredScore(shellId, studentId, JsonSerializer.Deserialize<GradeResult>(row.Result, GradeDescriptionJson.WriteOptions)!, row.ComputedAt, row.Stale);
    }

    /// <summary>The stored scores of a shell's students (those with a row), for before/after comparisons.</summary>
    public async Task<IReadOnlyDictionary<Guid, GradeResult>> StoredAsync(Guid shellId, CancellationToken ct)
    {
        var rows = await db.Database.SqlQuery<StoredRow>($"""
            select student_id as "StudentId", result::text as "Result" from student_scores where shell_id = {shellId}
            """).ToListAsync(ct);
        return rows.ToDictionary(r => r.StudentId, r => JsonSerializer.Deserialize<GradeResult>(r.Result, GradeDescriptionJson.WriteOptions)!);
    }

    sealed record StoredRow(Guid StudentId, string Result);
    sealed record ScoreRow(string Result, DateTimeOffset ComputedAt, bool Stale);
}
