using LmsCloud.Core.Database.Local;
using LmsCloud.Tests.Infrastructure;
using Npgsql;

namespace LmsCloud.Tests.Database;

/// <summary>The launcher behind <c>dotnet run</c>: a second start reuses the cluster, and two starters share it.</summary>
public sealed class EmbeddedPostgresTests : IDisposable
{
    readonly EmbeddedPostgresOptions _options = new()
    {
        DataDirectory = Path.Combine(Path.GetTempPath(), $"lmscloud-tests-{Guid.NewGuid():N}"),
        Port = TestCluster.FreePort(),
        DurabilityOff = true,
    };

    [Fact]
    public async Task Two_starters_share_one_cluster_and_its_data_survives_a_restart()
    {
        // The API and the CLI starting at the same moment: both get the same cluster, neither fails.
        var starts = await Task.WhenAll(Task.Run(() => EmbeddedPostgres.EnsureRunning(_options)),
                                        Task.Run(() => EmbeddedPostgres.EnsureRunning(_options)));
        Assert.Equal(starts[0], starts[1]);
        var owner = new NpgsqlConnectionStringBuilder(starts[0].Owner) { Pooling = false }.ConnectionString; // survives the restart
        await TestCluster.ExecAsync(owner, "create table kept (v text); insert into kept values ('still here')");

        Assert.True(EmbeddedPostgres.Stop(_options));
        var again = EmbeddedPostgres.EnsureRunning(_options);

        Assert.Equal(starts[0], again);
        await using var conn = new NpgsqlConnection(owner);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("select v from kept", conn);
        Assert.Equal("still here", await cmd.ExecuteScalarAsync());
    }

    [Fact]
    public void Missing_server_binaries_give_one_line_naming_what_to_install()
    {
        _options.BinDirectory = "/nonexistent/postgresql/bin";
        var e = Assert.Throws<PostgresNotInstalledException>(() => EmbeddedPostgres.EnsureRunning(_options));
        Assert.Contains("has no initdb and pg_ctl", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    public void Dispose()
    {
        _options.BinDirectory = null;
        EmbeddedPostgres.Stop(_options);
        Directory.Delete(_options.DataDirectory!, recursive: true);
    }
}
