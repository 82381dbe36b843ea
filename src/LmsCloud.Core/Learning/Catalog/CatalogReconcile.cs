using System.Text.Json;
using LmsCloud.Core.Database;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LmsCloud.Core.Learning.Catalog;

/// <summary>One counter of one listing that did not match its rows: what was stored, what the rows say.</summary>
public sealed record CatalogDrift(Guid ShellId, string Counter, int Stored, int Actual);

public sealed record CatalogReconcileResult(Guid RunId, int ListingsChecked, IReadOnlyList<CatalogDrift> Drift);

/// <summary>
/// The nightly recount of the current district's catalog counters against their rows (enrolled enrolments, reviews and
/// their ratings, bookmarks): repairs what drifted and records the run (catalog_reconcile_runs). The listings are locked
/// first, then counted in the next statement: every path that moves a counter holds or takes that lock, so the count
/// sees exactly the rows the stored counters describe.
/// </summary>
public sealed class CatalogReconcile(LmsDbContext db, TimeProvider clock)
{
    const string RecountSql = """
        with actual as (
          select l.shell_id, l.enrollment_count, l.review_count, l.rating_sum, l.bookmark_count,
                 coalesce(e.n, 0) as enrolled, coalesce(r.n, 0) as reviews, coalesce(r.s, 0) as ratings, coalesce(b.n, 0) as bookmarks
          from catalog_listings l
          left join (select shell_id, count(*)::int as n from catalog_enrollments where tenant_id = $1 and state = 'enrolled' group by shell_id) e
            using (shell_id)
          left join (select shell_id, count(*)::int as n, sum(rating)::int as s from catalog_reviews where tenant_id = $1 group by shell_id) r
            using (shell_id)
          left join (select shell_id, count(*)::int as n from catalog_bookmarks where tenant_id = $1 group by shell_id) b using (shell_id)
          where l.tenant_id = $1),
        repaired as (
          update catalog_listings l set enrollment_count = a.enrolled, review_count = a.reviews, rating_sum = a.ratings, bookmark_count = a.bookmarks
          from actual a
          where l.tenant_id = $1 and l.shell_id = a.shell_id
            and (a.enrollment_count, a.review_count, a.rating_sum, a.bookmark_count) is distinct from (a.enrolled, a.reviews, a.ratings, a.bookmarks)
          returning a.*)
        select shell_id, enrollment_count, enrolled, review_count, reviews, rating_sum, ratings, bookmark_count, bookmarks,
               (select count(*)::int from actual) as checked
        from repaired
        union all
        select null, null, null, null, null, null, null, null, null, (select count(*)::int from actual)
        """;

    public async Task<CatalogReconcileResult> RunAsync(CancellationToken ct)
    {
        var tenant = db.TenantId ?? throw new InvalidOperationException("No district.");
        var started = clock.GetUtcNow();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var conn = (NpgsqlConnection)db.Database.GetDbConnection();
        await using (var lockAll = new NpgsqlCommand("select shell_id from catalog_listings where tenant_id = $1 order by shell_id for no key update", conn))
        {
            lockAll.Parameters.AddWithValue(tenant);
            await using var r = await lockAll.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct)) { }
        }
        var drift = new List<CatalogDrift>();
        var checkedCount = 0;
        await using (var recount = new NpgsqlCommand(RecountSql, conn))
        {
            recount.Parameters.AddWithValue(tenant);
            await using var r = await recount.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                checkedCount = r.GetInt32(9);
                if (r.IsDBNull(0)) continue;
                var shell = r.GetGuid(0);
                foreach (var (name, i) in new[] { ("enrollment_count", 1), ("review_count", 3), ("rating_sum", 5), ("bookmark_count", 7) })
                    if (r.GetInt32(i) != r.GetInt32(i + 1)) drift.Add(new CatalogDrift(shell, name, r.GetInt32(i), r.GetInt32(i + 1)));
            }
        }
        var run = new CatalogReconcileRun
        {
            TenantId = tenant, Id = Guid.NewGuid(), StartedAt = started, FinishedAt = clock.GetUtcNow(), ListingsChecked = checkedCount,
            Drifted = drift.Select(d => d.ShellId).Distinct().Count(), Drift = JsonSerializer.Serialize(drift, JsonSerializerOptions.Web),
        };
        db.Add(run);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return new CatalogReconcileResult(run.Id, checkedCount, drift);
    }

    /// <summary>A recorded run's drift, read back from its JSON.</summary>
    public static IReadOnlyList<CatalogDrift> DriftOf(CatalogReconcileRun run) =>
        JsonSerializer.Deserialize<List<CatalogDrift>>(run.Drift, JsonSerializerOptions.Web) ?? [];
}

public static class CatalogExtensions
{
    /// <summary>The course catalog, self-enrolment, reviews, bookmarks and the counters' reconcile (docs/learning.md).</summary>
    public static IServiceCollection AddCourseCatalog(this IServiceCollection services) => services
        .AddScoped<CatalogService>()
        .AddScoped<CatalogReconcile>();
}
