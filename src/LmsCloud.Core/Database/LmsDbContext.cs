using System.Text;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Compliance;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Integrations;
using LmsCloud.Core.Rostering;
using LmsCloud.Core.Sso;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LmsCloud.Core.Database;

/// <summary>A row that belongs to one district. Tenant-owned entities get the tenant query filter automatically.</summary>
public interface ITenantOwned
{
    Guid TenantId { get; }
}

/// <summary>
/// EF Core over the tables our SQL migrations create. A context serves exactly one district, fixed when it is
/// created; <see cref="TenantConnectionInterceptor"/> puts that district into the connection's RLS setting and the
/// query filter below repeats it for the planner.
/// </summary>
public sealed class LmsDbContext(DbContextOptions<LmsDbContext> options, IMultiTenantContextAccessor<District> tenant)
    : DbContext(options)
{
    public const string TenantFilter = "Tenant";

    /// <summary>The district this context serves; null means no rows at all (RLS sees no tenant).</summary>
    public Guid? TenantId { get; } = tenant.MultiTenantContext.TenantInfo?.TenantId;

    public DbSet<DistrictProfile> DistrictProfiles => Set<DistrictProfile>();
    public DbSet<User> Users => Set<User>();
    public DbSet<UserRole> UserRoles => Set<UserRole>();
    public DbSet<PasswordResetToken> PasswordResetTokens => Set<PasswordResetToken>();
    public DbSet<IntegrationClient> IntegrationClients => Set<IntegrationClient>();
    public DbSet<AuditEventRecord> AuditEvents => Set<AuditEventRecord>();
    public DbSet<Org> Orgs => Set<Org>();
    public DbSet<AcademicSession> AcademicSessions => Set<AcademicSession>();
    public DbSet<RosterCourse> RosterCourses => Set<RosterCourse>();
    public DbSet<RosterClass> RosterClasses => Set<RosterClass>();
    public DbSet<Enrollment> Enrollments => Set<Enrollment>();
    public DbSet<GuardianLink> GuardianLinks => Set<GuardianLink>();
    public DbSet<Demographics> Demographics => Set<Demographics>();
    public DbSet<ImportRun> ImportRuns => Set<ImportRun>();
    public DbSet<ImportRowError> ImportRowErrors => Set<ImportRowError>();
    public DbSet<ImportChange> ImportChanges => Set<ImportChange>();
    public DbSet<SisSchedule> SisSchedules => Set<SisSchedule>();
    public DbSet<IdentityProvider> IdentityProviders => Set<IdentityProvider>();
    public DbSet<SsoLink> SsoLinks => Set<SsoLink>();
    public DbSet<ComplianceRequest> ComplianceRequests => Set<ComplianceRequest>();
    public DbSet<ComplianceRequestEvent> ComplianceRequestEvents => Set<ComplianceRequestEvent>();

    /// <summary>A context for work outside a request (jobs, tools, tests): the district is fixed here, for its whole life.</summary>
    public static LmsDbContext Create(NpgsqlDataSource db, District? district) =>
        new(new DbContextOptionsBuilder<LmsDbContext>().UseNpgsql(db).AddInterceptors(new TenantConnectionInterceptor()).Options,
            new StaticTenantAccessor(district));

    protected override void OnModelCreating(ModelBuilder model)
    {
        // Each feature maps its own entities (Users/UserConfigurations.cs, Rostering/RosterConfigurations.cs, ...).
        model.ApplyConfigurationsFromAssembly(typeof(LmsDbContext).Assembly);
        Auth.OpenIddictModel.Configure(model);

        foreach (var entity in model.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
                if (property.FindAnnotation(Microsoft.EntityFrameworkCore.Metadata.RelationalAnnotationNames.ColumnName) == null)
                    property.SetColumnName(SnakeCase(property.Name)); // unless named explicitly (oneroster_version)
            if (typeof(ITenantOwned).IsAssignableFrom(entity.ClrType))
                GetType().GetMethod(nameof(AddTenantFilter), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
                    .MakeGenericMethod(entity.ClrType).Invoke(this, [model]);
        }
    }

    void AddTenantFilter<T>(ModelBuilder model) where T : class, ITenantOwned =>
        model.Entity<T>().HasQueryFilter(TenantFilter, e => e.TenantId == TenantId);

    static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0) sb.Append('_');
            sb.Append(char.ToLowerInvariant(name[i]));
        }
        return sb.ToString();
    }
}
