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
        services.AddSingleton(sp => NpgsqlDataSource.Create(sp.GetRequiredService<DatabaseConnectionStrings>().App));
        services.AddSingleton<TenantConnectionInterceptor>();
        services.AddDbContext<LmsDbContext>((sp, options) => options
            .UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>())
            .AddInterceptors(sp.GetRequiredService<TenantConnectionInterceptor>()));
        return services;
    }
}
