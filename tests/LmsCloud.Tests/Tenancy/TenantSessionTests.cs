using LmsCloud.Core.Database;
using LmsCloud.Tests.Infrastructure;

namespace LmsCloud.Tests.Tenancy;

public sealed class TenantSessionTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    [Fact]
    public void Only_TenantSession_writes_the_rls_setting()
    {
        var root = DataFolder.CheckoutRoot();
        // set_config of the setting, or a SET [LOCAL] statement of it; the pattern is split so this file does not match itself
        var writes = new System.Text.RegularExpressions.Regex(@"set_config\s*\(\s*'app" + @"\.tenant_id'|\bset\s+(local\s+|session\s+)?app" + @"\.tenant_id\b",
            System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        var writers = new[] { "src", "tests" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(root, folder), "*.*", SearchOption.AllDirectories))
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".sql", StringComparison.Ordinal))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") &&
                        !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Where(f => writes.IsMatch(File.ReadAllText(f)))
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
