using LmsCloud.Core.Users;

namespace LmsCloud.Web;

/// <summary>One line of a role's landing: a link when the page exists, plain text for what the API alone does today.</summary>
public sealed record LandingItem(string Text, string? Href = null);

public sealed record RoleLanding(string Role, string Title, string Summary, IReadOnlyList<LandingItem> Items);

/// <summary>
/// What each role's home lists. Only pages that exist are links; later pages add their links here (no dead links).
/// </summary>
public static class RoleLandings
{
    static readonly LandingItem Profile = new("Your profile: your name as others see it, and your password", "/profile");

    public static string Name(string role) => role switch
    {
        Roles.DistrictAdmin => "district admin",
        Roles.SchoolAdmin => "school admin",
        Roles.Teacher => "teacher",
        Roles.Student => "student",
        Roles.Guardian => "guardian",
        Roles.ComplianceOfficer => "compliance officer",
        _ => role,
    };

    public static RoleLanding For(string role) => role switch
    {
        Roles.DistrictAdmin => new(role, "District administration",
            "You run the district's accounts, roster imports, integrations and sign-in providers.",
            [new("District settings, users, integration clients and SSO providers", "/admin"),
             new("Roster imports: upload, review and apply, the inbox and the nightly schedule", "/imports"),
             new("Audit events and chain verification", "/audit"),
             new("Compliance: data requests, retention, legal holds and deletion certificates (read-only)", "/compliance"), Profile]),
        Roles.SchoolAdmin => new(role, "School administration", "You look after your school's people and classes.", [Profile]),
        Roles.Teacher => new(role, "Teaching", "Your classes and their rosters come from the district's student information system.",
            [new("My classes, and each class's roster", "/classes"), new("My courses: build modules and lessons, publish them", "/courses"), Profile]),
        Roles.Student => new(role, "Learning", "Your classes, teachers and terms come from your school's records.",
            [new("My to-do: assignments due and overdue in all my courses", "/todo"),
             new("My classes: their teachers and terms", "/classes"), new("My courses: modules and lessons, and my grades in each", "/courses"), Profile]),
        Roles.Guardian => new(role, "Your children", "See your children's classes.",
            [new("My children: their classes and teachers", "/children"),
             new("My children's courses: what they are learning, and their grades (from My children)", "/courses"),
             new("My requests: copies of your children's records you asked for", "/children/requests"), Profile]),
        Roles.ComplianceOfficer => new(role, "Compliance",
            "You answer data requests, set how long student data is kept, place legal holds and review the audit trail.",
            [new("Data requests, retention, legal holds and deletion certificates", "/compliance"),
             new("Audit events and chain verification", "/audit"), Profile]),
        _ => new(role, role, "", [Profile]),
    };
}
