using LmsCloud.Core.Database;
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

    [Fact]
    public async Task The_quartz_migration_runs_the_schema_the_quartz_package_ships_and_lets_the_application_role_use_it()
    {
        var quartz = MigrationRunner.Embedded.Single(m => m.Name == "0006_quartz.sql");
        Assert.Contains("CREATE TABLE IF NOT EXISTS qrtz_job_details", quartz.Sql);
        Assert.DoesNotContain("--@include-resource", quartz.Sql);
        Assert.DoesNotContain("{0}", quartz.Sql);
        Assert.StartsWith("Quartz ", Assert.Single(quartz.Includes));

        await MigrationRunner.ApplyAsync(_empty.Owner!);

        await TestCluster.ExecAsync(_empty.App, """
            insert into qrtz_locks (sched_name, lock_name) values ('test', 'TRIGGER_ACCESS');
            update qrtz_locks set lock_name = 'STATE_ACCESS' where sched_name = 'test';
            delete from qrtz_locks where sched_name = 'test';
            """);
        await using var conn = new NpgsqlConnection(_empty.Owner);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "select count(*) from pg_tables where schemaname = 'public' and tablename like 'qrtz\\_%' and has_table_privilege('lms_app', tablename, 'insert')", conn);
        Assert.True((long)(await cmd.ExecuteScalarAsync())! >= 15);
    }
}
