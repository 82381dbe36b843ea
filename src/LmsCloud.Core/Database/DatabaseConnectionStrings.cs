using LmsCloud.Core.Database.Local;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace LmsCloud.Core.Database;

/// <summary>The two database roles: the owner runs migrations, the application role (no ownership, no RLS bypass) runs everything else.</summary>
public static class DatabaseRoles
{
    public const string Owner = "lms_owner";
    public const string App = "lms_app";
}

/// <summary>Connection strings of the application role and (for migrations) the owner role.</summary>
public sealed record DatabaseConnectionStrings(string App, string? Owner)
{
    /// <summary>
    /// A connection outside the pool, for the owner's and superuser's rare work (migrations, provisioning, cluster
    /// setup): those roles should keep no idle sessions around.
    /// </summary>
    public static NpgsqlConnection Unpooled(string connectionString) =>
        new(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);

    /// <summary>
    /// <c>ConnectionStrings:App</c> (and optionally <c>ConnectionStrings:Owner</c>) when configured; otherwise the
    /// embedded local cluster, started if needed.
    /// </summary>
    public static DatabaseConnectionStrings Resolve(IConfiguration configuration, Action<string>? log = null)
    {
        var app = configuration.GetConnectionString("App");
        if (!string.IsNullOrWhiteSpace(app))
            return new DatabaseConnectionStrings(app, NullIfBlank(configuration.GetConnectionString("Owner")));
        return EmbeddedPostgres.EnsureRunning(DataFolder.EmbeddedOptions(configuration), log);
    }

    static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
