using LmsCloud.Api.Database;

namespace LmsCloud.Api.Users;

/// <summary>A person with an account in one district (table <c>users</c>); ASP.NET Core Identity's fields.</summary>
public sealed class User : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public string UserName { get; set; } = "";
    public string NormalizedUserName { get; set; } = "";
    public string? Email { get; set; }
    public string? NormalizedEmail { get; set; }
    public bool EmailConfirmed { get; set; }
    public string DisplayName { get; set; } = "";
    public string? PasswordHash { get; set; }
    public string SecurityStamp { get; set; } = "";
    public string ConcurrencyStamp { get; set; } = Guid.NewGuid().ToString();
    public bool LockoutEnabled { get; set; } = true;
    public DateTimeOffset? LockoutEnd { get; set; }
    public int AccessFailedCount { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public List<UserRole> Roles { get; set; } = [];

    public bool IsLocked(DateTimeOffset now) => LockoutEnd is { } end && end > now;
}

/// <summary>A role a user holds in their district (table <c>user_roles</c>).</summary>
public sealed class UserRole : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid UserId { get; set; }
    public string Role { get; set; } = "";
    public DateTimeOffset GrantedAt { get; set; }
}

/// <summary>The roles of a district. Platform operators are not a district role: they use the CLI.</summary>
public static class Roles
{
    public const string DistrictAdmin = "DistrictAdmin";
    public const string SchoolAdmin = "SchoolAdmin";
    public const string Teacher = "Teacher";
    public const string Student = "Student";
    public const string Guardian = "Guardian";
    public const string ComplianceOfficer = "ComplianceOfficer";

    public static readonly IReadOnlyList<string> All = [DistrictAdmin, SchoolAdmin, Teacher, Student, Guardian, ComplianceOfficer];

    /// <summary>The canonical spelling of a role name, whatever its case, or null.</summary>
    public static string? Canonical(string? name) => All.FirstOrDefault(r => string.Equals(r, name?.Trim(), StringComparison.OrdinalIgnoreCase));
}
