using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using LmsCloud.Sis;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LmsCloud.Api.Development;

/// <summary>
/// Development only: the demo districts northwind and riverside, each with one user per role
/// (<c>{role}@{district}.test</c>, password <see cref="Password"/>; listed in the README).
/// The demo teacher, student and guardian are people of the sample roster, not separate local accounts: the sample
/// packages give three of their people the emails <c>teacher@</c>, <c>student@</c> and <c>guardian@{district}.test</c>
/// (a teacher of one of the student's classes, and the student's guardian), and the seed only sets their demo password
/// after the import. So their pages show the roster's real classes, classmates and children, and a re-import keeps them
/// (the SIS owns who they are; the password is ours). The other roles are not in a roster and are local accounts.
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

    /// <summary>The roles whose demo accounts are imported roster people (their emails are in the sample users.csv).</summary>
    public static readonly IReadOnlyList<string> RosterPeopleRoles = [Roles.Teacher, Roles.Student, Roles.Guardian];

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
        var seed = new AuditActor("system", "development-seed");
        foreach (var (slug, _, _, roster) in Districts)
        {
            if (await store.GetByIdentifierAsync(slug, ct) is not { } district) continue;
            // The roster first: the demo teacher, student and guardian come from it.
            await ImportSampleRosterAsync(services, district, roster, logger, ct);
            var created = await DistrictScope.RunAsync(services, district, async scope =>
            {
                var admin = scope.GetRequiredService<UserAdministration>();
                if (await admin.AnyLocalUsersAsync(ct)) return 0;
                foreach (var (role, name) in UserNames.Where(u => !RosterPeopleRoles.Contains(u.Key)))
                    await admin.CreateAsync(new NewUser($"{name}@{slug}.test", $"Demo {role}", [role], Password), seed, ct);
                return UserNames.Count - RosterPeopleRoles.Count;
            });
            if (created > 0) logger.LogInformation("Seeded {Count} demo users in {District}", created, slug);
            await SetRosterPeoplePasswordsAsync(services, district, logger, ct);
            await CourseSeed.RunAsync(services, district, logger, ct);
        }
    }

    /// <summary>Gives the imported demo teacher, student and guardian the demo password (once; a missing person is logged).</summary>
    static Task SetRosterPeoplePasswordsAsync(IServiceProvider services, District district, ILogger logger, CancellationToken ct) =>
        DistrictScope.RunAsync(services, district, async scope =>
        {
            var users = scope.GetRequiredService<UserManager<User>>();
            var audit = scope.GetRequiredService<AuditLog>();
            var db = scope.GetRequiredService<LmsDbContext>();
            foreach (var role in RosterPeopleRoles)
            {
                var email = $"{UserNames[role]}@{district.Slug}.test";
                if (await users.FindByEmailAsync(email) is not { } person)
                {
                    logger.LogWarning("No demo {Role} in {District}: the sample roster has no person with the email {Email}", role, district.Slug, email);
                    continue;
                }
                if (person.PasswordHash != null) continue;
                await using var tx = await db.Database.BeginTransactionAsync(ct);
                var set = await users.AddPasswordAsync(person, Password);
                if (!set.Succeeded) throw new InvalidOperationException($"The demo password for {email} was refused: {set.Errors.First().Description}");
                await audit.WriteAsync(new AuditEntry("password.set", "user", person.Id.ToString(), person.Id,
                    Actor: new AuditActor("system", "development-seed")), ct);
                await tx.CommitAsync(ct);
            }
            return 0;
        });

    /// <summary>A district without any import gets its sample roster from samples/rosters (when the checkout has it).</summary>
    static async Task ImportSampleRosterAsync(IServiceProvider services, District district, string roster, ILogger logger, CancellationToken ct)
    {
        var root = DataFolder.CheckoutRoot();
        var package = Path.Combine(root, "samples", "rosters", roster);
        if (!Directory.Exists(package)) return;
        if (await DistrictScope.RunAsync(services, district, scope => scope.GetRequiredService<LmsDbContext>().ImportRuns.AnyAsync(ct))) return;
        var (_, outcome) = await services.GetRequiredService<ImportRuns>().ImportAsync(
            new ImportRequest(district.TenantId, package, roster, ImportTrigger.Cli, new AuditActor("system", "development-seed")), ct: ct);
        logger.LogInformation("Imported sample roster {Roster} into {District}: {Status}", roster, district.Slug, outcome.Status);
    }
}
