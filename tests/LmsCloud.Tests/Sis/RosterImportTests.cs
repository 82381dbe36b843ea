using LmsCloud.Sis;
using LmsCloud.Tests.Infrastructure;
using Npgsql;

namespace LmsCloud.Tests.Sis;

/// <summary>The import engine against a real database: idempotence, deletions, deltas, thresholds, atomicity, errors.</summary>
public sealed class RosterImportTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    async Task<ImportOutcome> ImportAsync(Guid tenant, string folder, bool dryRun = false, RosterImporter? importer = null)
    {
        var run = await RosterImporter.CreateRunAsync(db.App, tenant, folder, "test", "sha", "cli", dryRun, "test");
        return await (importer ?? new RosterImporter(db.App, TimeProvider.System)).RunAsync(tenant, run);
    }

    async Task<long> CountAsync(Guid tenant, string sql)
    {
        await using var conn = await db.OpenAsTenantAsync(tenant);
        return await TestDatabase.ScalarAsync<long>(conn, sql);
    }

    [Fact]
    public async Task Importing_the_same_package_twice_changes_nothing_the_second_time()
    {
        var district = await db.CreateDistrictAsync();
        using var package = RosterPackageBuilder.Standard();

        var first = await ImportAsync(district.Id, package.Folder);
        Assert.True(first.Status == RunStatus.Succeeded, first.FailureReason ?? string.Join("; ", first.Counts));
        Assert.Equal(13, first.Counts["users"].Created);
        Assert.Equal(12, first.Counts["enrollments"].Created);
        Assert.Equal(3, first.Counts["orgs"].Created);
        Assert.Equal(13, await CountAsync(district.Id, "select count(*) from users where source = 'sis' and status = 'active'"));

        var second = await ImportAsync(district.Id, package.Folder);
        Assert.Equal(RunStatus.Succeeded, second.Status);
        foreach (var (entity, c) in second.Counts)
            Assert.True(c.Created + c.Updated + c.Deleted + c.Revived == 0, $"{entity}: {c}");
    }
}
