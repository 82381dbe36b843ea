using LmsCloud.Api.Database;
using LmsCloud.Tests.Infrastructure;
using Npgsql;

namespace LmsCloud.Tests.Database;

public sealed class MigrationRunnerTests : IAsyncLifetime
{
    readonly string _name = $"m_{Guid.NewGuid():N}";
    DatabaseConnectionStrings _empty = null!;

    public async Task InitializeAsync() => _empty = await TestCluster.CreateDatabaseAsync(_name, migrated: false);

    public Task DisposeAsync() => TestCluster.DropDatabaseAsync(_name);

    [Fact]
    public async Task An_empty_database_gets_every_migration_once_in_order()
    {
        var first = await MigrationRunner.ApplyAsync(_empty.Owner!);
        var second = await MigrationRunner.ApplyAsync(_empty.Owner!);

        Assert.Equal(MigrationRunner.Embedded.Select(m => m.Name), first);
        Assert.Equal(["0001_tenants.sql", "0002_district_profiles.sql"], first.Take(2));
        Assert.Empty(second);
    }

    [Fact]
    public async Task An_applied_migration_that_was_edited_is_refused()
    {
        await MigrationRunner.ApplyAsync(_empty.Owner!);
        await TestCluster.ExecAsync(_empty.Owner!, "update schema_migrations set checksum = 'deadbeef0000' || checksum where version = '0002'");

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => MigrationRunner.ApplyAsync(_empty.Owner!));
        Assert.Contains("0002_district_profiles.sql was edited after it was applied", e.Message);
    }

    [Fact]
    public async Task The_application_role_cannot_touch_the_migration_history()
    {
        await MigrationRunner.ApplyAsync(_empty.Owner!);
        var e = await Assert.ThrowsAsync<PostgresException>(() => TestCluster.ExecAsync(_empty.App, "delete from schema_migrations"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, e.SqlState);
    }
}
