using LmsCloud.Core.Database;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Core.Learning.Grades;

/// <summary>What one refresh of a district's stored scores looked at and did.</summary>
public sealed record ScoreRefreshRun(DateTimeOffset Since, DateTimeOffset Through, DistrictRecompute Recompute);

/// <summary>
/// Brings the district's stored scores up to date where no write did: shells with stale scores (a recompute that was
/// cut short) and shells where a due date passed since the last refresh (a missing assignment's deduction, and its
/// "missing" status, start then). Both are found from indexes, so a run costs what changed, not the district's size;
/// unchanged scores are not rewritten (<see cref="ScoreKeeper.RecomputeShellsAsync"/>). Runs every few minutes
/// (the API's score refresh job). The district's mark advances only after its recompute, so a failed run is redone.
/// </summary>
public sealed class ScoreRefresh(LmsDbContext db, ScoreKeeper scores, TimeProvider clock)
{
    public async Task<ScoreRefreshRun> RunAsync(CancellationToken ct)
    {
        var tenant = db.TenantId ?? throw new InvalidOperationException("No district for this request.");
        var through = clock.GetUtcNow();
        // The first run looks back to the oldest stored score: anything due after it may have changed since.
        var since = await db.Database.SqlQuery<DateTimeOffset?>($"""
            select coalesce((select refreshed_through from grade_refresh_marks where tenant_id = {tenant}),
                            (select min(computed_at) from student_scores where tenant_id = {tenant})) as "Value"
            """).SingleAsync(ct) ?? through;
        var shells = await db.Database.SqlQuery<Guid>($"""
            select shell_id as "Value" from student_scores where tenant_id = {tenant} and stale_since is not null
            union
            select a.shell_id from effective_due_dates d
            join assignments a on a.tenant_id = d.tenant_id and a.id = d.assignment_id
            where d.tenant_id = {tenant} and a.tenant_id = {tenant} and d.due_at > {since} and d.due_at <= {through} and a.published
            """).ToListAsync(ct);
        var recompute = await scores.RecomputeShellsAsync(shells, ct);
        await db.Database.ExecuteSqlAsync($"""
            insert into grade_refresh_marks (tenant_id, refreshed_through) values ({tenant}, {through})
            on conflict (tenant_id) do update set refreshed_through = excluded.refreshed_through
            """, ct);
        return new ScoreRefreshRun(since, through, recompute);
    }
}
