using LmsCloud.Api.Audit;
using LmsCloud.Api.Districts;
using LmsCloud.Api.Tenancy;
using LmsCloud.Api.Users;
using Npgsql;

namespace LmsCloud.Api.Development;

/// <summary>
/// Development only: the demo districts northwind and riverside, each with one user per role
/// (<c>{role}@{district}.test</c>, password <see cref="Password"/>; listed in the README).
/// </summary>
public static class DevelopmentSeed
{
    public const string Password = "LmsCloud-dev-only";

    static readonly (string Slug, string Name, string TimeZone)[] Districts =
    [
        ("northwind", "Northwind Unified School District", "America/Chicago"),
        ("riverside", "Riverside County Schools", "America/Los_Angeles"),
    ];

    public static readonly IReadOnlyDictionary<string, string> UserNames = new Dictionary<string, string>
    {
        [Roles.DistrictAdmin] = "admin", [Roles.SchoolAdmin] = "schooladmin", [Roles.Teacher] = "teacher",
        [Roles.Student] = "student", [Roles.Guardian] = "guardian", [Roles.ComplianceOfficer] = "compliance",
    };

    public static async Task RunAsync(IServiceProvider services, ILogger logger, CancellationToken ct = default)
    {
        var db = services.GetRequiredService<NpgsqlDataSource>();
        if ((await DistrictProvisioning.ListAsync(db, ct)).Count == 0)
        {
            foreach (var (slug, name, timeZone) in Districts)
                await DistrictProvisioning.CreateAsync(db, slug, name, timeZone, ct);
            logger.LogInformation("Seeded demo districts northwind and riverside");
        }

        var store = services.GetRequiredService<DistrictStore>();
        foreach (var (slug, _, _) in Districts)
        {
            if (await store.GetByIdentifierAsync(slug, ct) is not { } district) continue;
            var created = await DistrictScope.RunAsync(services, district, async scope =>
            {
                var admin = scope.GetRequiredService<UserAdministration>();
                if (await admin.AnyUsersAsync(ct)) return 0;
                foreach (var (role, name) in UserNames)
                    await admin.CreateAsync(new NewUser($"{name}@{slug}.test", $"Demo {role}", [role], Password),
                        new AuditActor("system", "development-seed"), ct);
                return UserNames.Count;
            });
            if (created > 0) logger.LogInformation("Seeded {Count} demo users in {District}", created, slug);
        }
    }
}
