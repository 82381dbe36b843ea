using LmsCloud.Api.Development;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace LmsCloud.Api.Database;

public static class DatabaseExtensions
{
    public static IServiceCollection AddLmsDatabase(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => DatabaseConnectionStrings.Resolve(
            sp.GetRequiredService<IConfiguration>(),
            message => sp.GetRequiredService<ILoggerFactory>().CreateLogger("LmsCloud.Database").LogInformation("{Message}", message)));
        services.AddSingleton(sp => NpgsqlDataSource.Create(sp.GetRequiredService<DatabaseConnectionStrings>().App));
        services.AddSingleton<TenantConnectionInterceptor>();
        services.AddDbContext<LmsDbContext>((sp, options) => options
            .UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>())
            .AddInterceptors(sp.GetRequiredService<TenantConnectionInterceptor>()));
        return services;
    }

    /// <summary>
    /// Before serving: starts the embedded cluster if no connection string is configured, applies pending
    /// migrations when the owner's connection string is known, and seeds the demo districts in Development.
    /// </summary>
    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        var strings = app.Services.GetRequiredService<DatabaseConnectionStrings>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("LmsCloud.Database");
        if (strings.Owner != null)
            foreach (var name in await MigrationRunner.ApplyAsync(strings.Owner))
                logger.LogInformation("Applied migration {Migration}", name);
        if (app.Environment.IsDevelopment())
            await DevelopmentSeed.RunAsync(app.Services, logger);
    }
}
