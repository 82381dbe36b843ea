using LmsCloud.Core.Database;

namespace LmsCloud.Core.Users;

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

    /// <summary>'local' (created here) or 'sis' (imported; the import keeps it in step with the district's SIS).</summary>
    public string Source { get; set; } = "local";

    /// <summary>'active', or 'tobedeleted' when the SIS dropped the person (they can no longer sign in).</summary>
    public string Status { get; set; } = "active";
    public bool EnabledUser { get; set; } = true;

    // Imported from the SIS (null for local accounts); read by the roster endpoints.
    public string? GivenName { get; set; }
    public string? FamilyName { get; set; }
    public string? Phone { get; set; }
    public string? Sms { get; set; }

    /// <summary>The SIS's own identifier of the person (OneRoster <c>identifier</c>: student or employee number); district SSO can match on it.</summary>
    public string? Identifier { get; set; }

    /// <summary>Fields a district admin changed by hand; the district's import policy decides whether the SIS may overwrite them.</summary>
    public List<string> LocallyEdited { get; set; } = [];

    /// <summary>Whether the person may sign in at all (imported people can be disabled or dropped by the SIS).</summary>
    public bool CanSignIn => Status == "active" && EnabledUser && PasswordHash != null;

    public bool IsLocked(DateTimeOffset now) => LockoutEnd is { } end && end > now;
}

/// <summary>A role a user holds in their district (table <c>user_roles</c>).</summary>
public sealed class UserRole : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid UserId { get; set; }
    public string Role { get; set; } = "";
    public DateTimeOffset GrantedAt { get; set; }
    public string Source { get; set; } = "local";
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
