using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using LmsCloud.Sis;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LmsCloud.Api.Development;

/// <summary>
/// Development only: the demo districts northwind and riverside, each with one user per role
/// (<c>{role}@{district}.test</c>, password <see cref="Password"/>; listed in the README).
/// </summary>
public static class DevelopmentSeed
{
    public const string Password = "LmsCloud-dev-only";

    static readonly (string Slug, string Name, string TimeZone, string Roster)[] Districts =
    [
        ("northwind", "Northwind Unified School District", "America/Chicago", "northwind-1.1-bulk"),
        ("riverside", "Riverside County Schools", "America/Los_Angeles", "riverside-1.2-bulk"),
    ];

    public static readonly IReadOnlyDictionary<string, string> UserNames = new Dictionary<string, string>
    {
        [Roles.DistrictAdmin] = "admin", [Roles.SchoolAdmin] = "schooladmin", [Roles.Teacher] = "teacher",
        [Roles.Student] = "student", [Roles.Guardian] = "guardian", [Roles.ComplianceOfficer] = "compliance",
    };

    public static async Task RunAsync(IServiceProvider services, ILogger logger, CancellationToken ct = default)
    {
        var db = services.GetRequiredService<NpgsqlDataSource>();
        var strings = services.GetRequiredService<DatabaseConnectionStrings>();
        if ((await DistrictProvisioning.ListAsync(db, ct)).Count == 0)
        {
            if (strings.Owner == null)
            {
                logger.LogWarning("No demo districts: creating districts needs the owner's connection string (ConnectionStrings:Owner)");
                return;
            }
            foreach (var (slug, name, timeZone, _) in Districts)
                await DistrictProvisioning.CreateAsync(strings, slug, name, timeZone, ct);
            logger.LogInformation("Seeded demo districts northwind and riverside");
        }

        var store = services.GetRequiredService<DistrictStore>();
        foreach (var (slug, _, _, roster) in Districts)
        {
            if (await store.GetByIdentifierAsync(slug, ct) is not { } district) continue;
            var created = await DistrictScope.RunAsync(services, district, async scope =>
            {
                var admin = scope.GetRequiredService<UserAdministration>();
                if (await admin.AnyLocalUsersAsync(ct)) return 0;
                foreach (var (role, name) in UserNames)
                    await admin.CreateAsync(new NewUser($"{name}@{slug}.test", $"Demo {role}", [role], Password),
                        new AuditActor("system", "development-seed"), ct);
                return UserNames.Count;
            });
            if (created > 0) logger.LogInformation("Seeded {Count} demo users in {District}", created, slug);
            await ImportSampleRosterAsync(services, district, roster, logger, ct);
        }
    }

    /// <summary>A district without any import gets its sample roster from samples/rosters (when the checkout has it).</summary>
    static async Task ImportSampleRosterAsync(IServiceProvider services, District district, string roster, ILogger logger, CancellationToken ct)
    {
        var root = DataFolder.CheckoutRoot();
        var package = Path.Combine(root, "samples", "rosters", roster);
        if (!Directory.Exists(package)) return;
        if (await DistrictScope.RunAsync(services, district, scope => scope.GetRequiredService<LmsDbContext>().ImportRuns.AnyAsync(ct))) return;
        var seed = new AuditActor("system", "development-seed");
        var (_, outcome) = await services.GetRequiredService<ImportRuns>().ImportAsync(
            new ImportRequest(district.TenantId, package, roster, ImportTrigger.Cli, seed), ct: ct);
        logger.LogInformation("Imported sample roster {Roster} into {District}: {Status}", roster, district.Slug, outcome.Status);
    }
}
