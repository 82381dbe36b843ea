using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using LmsCloud.Core.Database;
using LmsCloud.Core.Database.Local;
using Npgsql;

namespace LmsCloud.Tests.Infrastructure;

/// <summary>
/// One throwaway PostgreSQL cluster per test run (the product's own launcher, durability off), with the
/// <c>lmscloud</c> database migrated once to serve as the template every test class clones.
/// </summary>
public static class TestCluster
{
    public const string TemplateDatabase = EmbeddedPostgres.DatabaseName;

    static readonly Lazy<Task<RunningCluster>> Instance = new(() => Task.Run(StartAsync));
    static readonly SemaphoreSlim CloneLock = new(1, 1);

    public sealed record RunningCluster(EmbeddedPostgresOptions Options, DatabaseConnectionStrings Template, string Superuser);

    public static Task<RunningCluster> GetAsync() => Instance.Value;

    /// <summary>A fresh database: a clone of the migrated template, or empty (for migration tests).</summary>
    public static async Task<DatabaseConnectionStrings> CreateDatabaseAsync(string name, bool migrated = true)
    {
        var cluster = await GetAsync();
        await CloneLock.WaitAsync(); // CREATE DATABASE refuses a template that another clone is reading
        try
        {
            await ExecAsync(cluster.Superuser, migrated
                ? $"create database {name} template {TemplateDatabase} owner {DatabaseRoles.Owner}"
                : $"create database {name} owner {DatabaseRoles.Owner}");
        }
        finally
        {
            CloneLock.Release();
        }
        return new DatabaseConnectionStrings(WithDatabase(cluster.Template.App, name), WithDatabase(cluster.Template.Owner!, name));
    }

    public static async Task DropDatabaseAsync(string name) =>
        await ExecAsync((await GetAsync()).Superuser, $"drop database if exists {name} with (force)");

    public static async Task ExecAsync(string connectionString, string sql)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    public static string WithDatabase(string connectionString, string database) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Database = database }.ConnectionString;

    /// <summary>
    /// Deletes the folders of earlier runs whose server is gone: killed (its pid file remains) or never started and
    /// untouched for minutes (so a concurrent run's initdb is left alone).
    /// </summary>
    static void RemoveStoppedClusters()
    {
        foreach (var dir in Directory.GetDirectories(Path.GetTempPath(), "lmscloud-tests-*"))
            if (ServerProcess(dir) == null && (File.Exists(Path.Combine(dir, "postgres", "postmaster.pid")) ||
                                               Directory.GetLastWriteTimeUtc(dir) < DateTime.UtcNow.AddMinutes(-5)))
                try { Directory.Delete(dir, recursive: true); } catch (Exception) { /* busy or not ours: next time */ }
    }

    /// <summary>The postmaster of the cluster in <paramref name="dataDirectory"/>, if it still runs.</summary>
    static Process? ServerProcess(string dataDirectory)
    {
        try
        {
            var pid = int.Parse(File.ReadLines(Path.Combine(dataDirectory, "postgres", "postmaster.pid")).First());
            var process = Process.GetProcessById(pid);
            return process.ProcessName is "postgres" or "postmaster" ? process : null;
        }
        catch (Exception e) when (e is IOException or ArgumentException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    static async Task<RunningCluster> StartAsync()
    {
        RemoveStoppedClusters();
        var options = new EmbeddedPostgresOptions
        {
            DataDirectory = Path.Combine(Path.GetTempPath(), $"lmscloud-tests-{Guid.NewGuid():N}"),
            Port = FreePort(),
            DurabilityOff = true,
        };
        var template = EmbeddedPostgres.EnsureRunning(options);
        // The test host is killed moments after the last test, too soon for pg_ctl stop: kill the server outright
        // (its data is throwaway) and remove what we can; the next run sweeps the rest.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            if (ServerProcess(options.DataDirectory) is { } server) server.Kill();
            try { Directory.Delete(options.DataDirectory, recursive: true); } catch (Exception) { /* swept by a later run */ }
        };
        await MigrationRunner.ApplyAsync(template.Owner!);
        // Pooling off: an idle superuser session in the template would block every clone.
        var superuser = new NpgsqlConnectionStringBuilder(EmbeddedPostgres.SuperuserConnectionString(options)) { Pooling = false };
        return new RunningCluster(options, template, superuser.ConnectionString);
    }
}
