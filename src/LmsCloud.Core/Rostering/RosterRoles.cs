using LmsCloud.Core.Users;

namespace LmsCloud.Core.Rostering;

/// <summary>
/// The OneRoster role names, defined once: which a file may name (users/roles and enrollments), which are the guardian
/// side of a guardian link, and the district role each grants at sign-in.
/// </summary>
public static class RosterRoles
{
    public const string Student = "student", Teacher = "teacher", Administrator = "administrator", Aide = "aide", Guardian = "guardian",
        Parent = "parent", Relative = "relative", Proctor = "proctor", Counselor = "counselor", DistrictAdministrator = "districtAdministrator",
        Principal = "principal", SiteAdministrator = "siteAdministrator", SystemAdministrator = "systemAdministrator";

    /// <summary>The enrollment roles whose classes a signed-in teacher or student sees: teacher, student, both or none.</summary>
    public static List<string> EnrollmentRolesOf(System.Security.Claims.ClaimsPrincipal person)
    {
        var roles = new List<string>();
        if (person.IsInRole(Users.Roles.Teacher)) roles.Add(Teacher);
        if (person.IsInRole(Users.Roles.Student)) roles.Add(Student);
        return roles;
    }

    /// <summary>A person's role in users.csv (1.1) or roles.csv (1.2).</summary>
    public static readonly string[] OfPeople =
    [
        Student, Teacher, Administrator, Aide, Guardian, Parent, Relative, Proctor, Counselor,
        DistrictAdministrator, Principal, SiteAdministrator, SystemAdministrator,
    ];

    /// <summary>A role in a class (enrollments.csv).</summary>
    public static readonly string[] InClasses = [Student, Teacher, Administrator, Proctor, Aide, Guardian, Parent];

    /// <summary>The roles on the guardian side of a guardian link.</summary>
    public static readonly string[] GuardianSide = [Guardian, Parent, Relative];

    /// <summary>
    /// The district role a SIS role grants. District-wide SIS roles still map to SchoolAdmin: DistrictAdmin is granted
    /// by people, never by a file.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> SignInRole = new Dictionary<string, string>
    {
        [Student] = Roles.Student, [Teacher] = Roles.Teacher, [Aide] = Roles.Teacher, [Proctor] = Roles.Teacher, [Counselor] = Roles.Teacher,
        [Guardian] = Roles.Guardian, [Parent] = Roles.Guardian, [Relative] = Roles.Guardian,
        [Administrator] = Roles.SchoolAdmin, [Principal] = Roles.SchoolAdmin, [SiteAdministrator] = Roles.SchoolAdmin,
        [DistrictAdministrator] = Roles.SchoolAdmin, [SystemAdministrator] = Roles.SchoolAdmin,
    };
}
