using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace LmsCloud.Core.Database;

public static class DatabaseExtensions
{
    /// <summary>The application role's data source and the district-bound <see cref="LmsDbContext"/>.</summary>
    public static IServiceCollection AddLmsDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(sp => DatabaseConnectionStrings.Resolve(configuration,
            message => sp.GetRequiredService<ILoggerFactory>().CreateLogger("LmsCloud.Database").LogInformation("{Message}", message)));
        services.AddSingleton(sp => NpgsqlDataSource.Create(WithAutoPrepare(sp.GetRequiredService<DatabaseConnectionStrings>().App)));
        services.AddSingleton<TenantConnectionInterceptor>();
        services.AddDbContext<LmsDbContext>((sp, options) => options
            .UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>())
            .AddInterceptors(sp.GetRequiredService<TenantConnectionInterceptor>()));
        return services;
    }

    /// <summary>
    /// Npgsql prepares a statement on each connection once it has run twice there and keeps up to 64: planning is a real
    /// share of a short query's cost, more so under row-level security (the policies are planned into every statement),
    /// and prepared statements survive the pool's reset. A connection string that sets <c>Max Auto Prepare</c> itself
    /// wins: 0 turns it off (a pooler in transaction mode without prepared-statement support, PgBouncer before 1.21).
    /// </summary>
    public static string WithAutoPrepare(string connectionString)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        if (given.ContainsKey("Max Auto Prepare") || given.ContainsKey("MaxAutoPrepare")) return connectionString;
        return new NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = 64, AutoPrepareMinUsages = 2 }.ConnectionString;
    }
}
