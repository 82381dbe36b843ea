using LmsCloud.Api.Development;
using LmsCloud.Core.Database;

namespace LmsCloud.Api.Database;

public static class DatabaseStartup
{
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
