using LmsCloud.Core.Database;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Tenancy;
using LmsCloud.Sis;
using LmsCloud.Core.Audit;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace LmsCloud.Tests.Infrastructure;

/// <summary>A class fixture: this test class's own clone of the migrated template, reached as the application role.</summary>
public class TestDatabase : IAsyncLifetime
{
    readonly string _name = $"t_{Guid.NewGuid():N}";

    public DatabaseConnectionStrings ConnectionStrings { get; private set; } = null!;

    /// <summary>The application role (no ownership, RLS applies), as the API connects.</summary>
    public NpgsqlDataSource App { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        ConnectionStrings = await TestCluster.CreateDatabaseAsync(_name);
        App = NpgsqlDataSource.Create(DatabaseExtensions.WithAutoPrepare(ConnectionStrings.App)); // as the product runs
    }

    public virtual async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await TestCluster.DropDatabaseAsync(_name);
    }

    /// <summary>The one way runs start (<see cref="ImportRuns"/>), over the application role.</summary>
    public ImportRuns Imports => new(App, TimeProvider.System, NullLogger<ImportRuns>.Instance);

    /// <summary>Who the tests' import runs say asked for them.</summary>
    public static readonly AuditActor TestActor = new("system", "test");

    /// <summary>A new district with a random slug, so tests never depend on each other's districts (provisioned as the owner, as lms does).</summary>
    public Task<DistrictSummary> CreateDistrictAsync(string? name = null) =>
        DistrictProvisioning.CreateAsync(ConnectionStrings, $"d{Guid.NewGuid():N}"[..12], name ?? "Test District", "America/Chicago");

    /// <summary>An application-role connection with the RLS setting for one district (or none).</summary>
    public Task<NpgsqlConnection> OpenAsTenantAsync(Guid? tenantId) => TenantSession.OpenAsync(App, tenantId);

    /// <summary>A run's stored row findings, in the order found.</summary>
    public async Task<List<(string Severity, string File, int? Line, string? Column, string Code)>> RowErrorsAsync(Guid tenant, Guid run)
    {
        await using var conn = await OpenAsTenantAsync(tenant);
        await using var cmd = new NpgsqlCommand("select severity, file, line, column_name, code from import_row_errors where run_id = $1 order by seq", conn);
        cmd.Parameters.AddWithValue(run);
        await using var reader = await cmd.ExecuteReaderAsync();
        var result = new List<(string, string, int?, string?, string)>();
        while (await reader.ReadAsync())
            result.Add((reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt32(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4)));
        return result;
    }

    public static async Task<T> ScalarAsync<T>(NpgsqlConnection conn, string sql, params object[] parameters)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var p in parameters) cmd.Parameters.AddWithValue(p);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>An EF context serving one district (or none), as a request for that district's host would get.</summary>
    public LmsDbContext CreateContext(Guid? tenantId) =>
        LmsDbContext.Create(App, tenantId is { } id ? new District(id, "test", "Test", DistrictStatus.Active) : null);
}
