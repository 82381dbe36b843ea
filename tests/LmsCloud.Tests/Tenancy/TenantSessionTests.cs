using LmsCloud.Core.Database;
using LmsCloud.Tests.Infrastructure;

namespace LmsCloud.Tests.Tenancy;

public sealed class TenantSessionTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    [Fact]
    public void Only_TenantSession_writes_the_rls_setting()
    {
        var root = DataFolder.CheckoutRoot();
        var needle = "set_config('app" + ".tenant_id'"; // split, so this file does not match itself
        var writers = new[] { "src", "tests" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(root, folder), "*.*", SearchOption.AllDirectories))
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".sql", StringComparison.Ordinal))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") &&
                        !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Where(f => File.ReadAllText(f).Contains(needle, StringComparison.OrdinalIgnoreCase))
            .Select(f => Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/'))
            .ToList();
        Assert.Equal(["src/LmsCloud.Core/Database/TenantSession.cs"], writers);
    }

    [Fact]
    public async Task A_transaction_local_setting_ends_with_the_transaction()
    {
        var district = await db.CreateDistrictAsync();
        await using var conn = await db.App.OpenConnectionAsync();
        await using (var tx = await conn.BeginTransactionAsync())
        {
            await TenantSession.SetAsync(conn, district.Id, transactionLocal: true);
            Assert.Equal(1L, await TestDatabase.ScalarAsync<long>(conn, "select count(*) from district_profiles"));
            await tx.CommitAsync();
        }
        Assert.Equal(0L, await TestDatabase.ScalarAsync<long>(conn, "select count(*) from district_profiles"));

        await TenantSession.SetAsync(conn, district.Id);
        Assert.Equal(1L, await TestDatabase.ScalarAsync<long>(conn, "select count(*) from district_profiles"));
    }
}
