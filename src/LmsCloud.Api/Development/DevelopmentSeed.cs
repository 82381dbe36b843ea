using LmsCloud.Api.Districts;
using Npgsql;

namespace LmsCloud.Api.Development;

/// <summary>In the Development environment, an empty database gets the two demo districts.</summary>
public static class DevelopmentSeed
{
    public static async Task RunAsync(NpgsqlDataSource db, ILogger logger, CancellationToken ct = default)
    {
        if ((await DistrictProvisioning.ListAsync(db, ct)).Count > 0) return;
        await DistrictProvisioning.CreateAsync(db, "northwind", "Northwind Unified School District", "America/Chicago", ct);
        await DistrictProvisioning.CreateAsync(db, "riverside", "Riverside County Schools", "America/Los_Angeles", ct);
        logger.LogInformation("Seeded demo districts northwind and riverside");
    }
}
