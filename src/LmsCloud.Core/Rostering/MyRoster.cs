using Microsoft.EntityFrameworkCore;
using LmsCloud.Core.Database;
using Microsoft.Extensions.DependencyInjection;

namespace LmsCloud.Core.Rostering;

// The roster as people read it: the shapes the API answers (GET /api/me/classes, /api/me/children,
// /api/classes/{id}/roster) and the web pages show, so both read the same data the same way.

public sealed record TermResponse(Guid Id, string Title, string Type, DateOnly StartDate, DateOnly EndDate, Guid? ParentId, int SchoolYear);

public sealed record ClassResponse(Guid Id, string Title, string? ClassCode, string ClassType, string? Location, Guid CourseId, Guid SchoolId,
    IReadOnlyList<Guid> TermIds, IReadOnlyList<string> Grades, IReadOnlyList<string> Subjects, IReadOnlyList<string> Periods)
{
    public static ClassResponse From(RosterClass c) => new(c.Id, c.Title, c.ClassCode, c.ClassType, c.Location, c.CourseId, c.SchoolId, c.TermIds,
        c.Grades ?? [], c.Subjects ?? [], c.Periods ?? []);
}

public sealed record RosterMemberResponse(Guid UserId, string DisplayName, string? GivenName, string? FamilyName, string Role, bool IsPrimary,
    DateOnly? BeginDate, DateOnly? EndDate);

public sealed record ClassRosterResponse(ClassResponse Class, IReadOnlyList<RosterMemberResponse> Members);

public sealed record TeacherResponse(Guid UserId, string DisplayName, bool IsPrimary);

/// <summary>A class as a person's page shows it: the class, this person's role in it, its teachers and its terms.</summary>
public sealed record MyClassResponse(ClassResponse Class, string Role, IReadOnlyList<TeacherResponse> Teachers, IReadOnlyList<TermResponse> Terms);

public sealed record ChildResponse(Guid Id, string DisplayName, string? GivenName, string? FamilyName, IReadOnlyList<MyClassResponse> Classes);

/// <summary>
/// A person's own roster: their classes (with teachers and terms), a guardian's children and theirs, and a class's
/// roster. Only active records. It does not decide who may ask: the API endpoints and the pages do, by role.
/// </summary>
public sealed class MyRoster(LmsDbContext db)
{
    const string Active = "active";

    /// <summary>The person's active classes in these enrollment roles (<see cref="RosterRoles"/>), by title.</summary>
    public async Task<List<MyClassResponse>> ClassesAsync(Guid person, List<string> roles, CancellationToken ct) =>
        (await ClassesOfAsync([person], roles, ct)).GetValueOrDefault(person) ?? [];

    /// <summary>The guardian's active children, by family and given name, each with the classes they take.</summary>
    public async Task<List<ChildResponse>> ChildrenAsync(Guid guardian, CancellationToken ct)
    {
        var children = await (
            from g in db.GuardianLinks.AsNoTracking()
            join u in db.Users.AsNoTracking() on g.StudentId equals u.Id
            where g.GuardianId == guardian && u.Status == Active
            orderby u.FamilyName, u.GivenName, u.Id
            select new { u.Id, u.DisplayName, u.GivenName, u.FamilyName })
            .ToListAsync(ct);
        var classes = await ClassesOfAsync(children.Select(c => c.Id).ToList(), [RosterRoles.Student], ct);
        return children.Select(c => new ChildResponse(c.Id, c.DisplayName, c.GivenName, c.FamilyName,
            classes.GetValueOrDefault(c.Id) ?? [])).ToList();
    }

    /// <summary>Whether the person has an active teacher enrollment in the class.</summary>
    public Task<bool> TeachesAsync(Guid teacher, Guid classId, CancellationToken ct) =>
        db.Enrollments.AnyAsync(e => e.ClassId == classId && e.UserId == teacher && e.Role == RosterRoles.Teacher && e.Status == Active, ct);

    /// <summary>The active class with its active members, teachers first; null when there is no such active class.</summary>
    public async Task<ClassRosterResponse?> ClassRosterAsync(Guid classId, CancellationToken ct)
    {
        var rosterClass = await db.RosterClasses.AsNoTracking().SingleOrDefaultAsync(c => c.Id == classId && c.Status == Active, ct);
        if (rosterClass == null) return null;
        var members = await (
            from e in db.Enrollments.AsNoTracking()
            join u in db.Users.AsNoTracking() on e.UserId equals u.Id
            where e.ClassId == classId && e.Status == Active && u.Status == Active
            orderby e.Role descending, u.FamilyName, u.GivenName, u.Id // teachers before students
            select new RosterMemberResponse(u.Id, u.DisplayName, u.GivenName, u.FamilyName, e.Role, e.IsPrimary, e.BeginDate, e.EndDate))
            .ToListAsync(ct);
        return new ClassRosterResponse(ClassResponse.From(rosterClass), members);
    }

    /// <summary>The active classes of these people in these enrollment roles, each with its teachers and terms (three queries).</summary>
    async Task<Dictionary<Guid, List<MyClassResponse>>> ClassesOfAsync(List<Guid> people, List<string> roles, CancellationToken ct)
    {
        var enrolled = await (
            from e in db.Enrollments.AsNoTracking()
            join c in db.RosterClasses.AsNoTracking() on e.ClassId equals c.Id
            where people.Contains(e.UserId) && roles.Contains(e.Role) && e.Status == Active && c.Status == Active
            orderby c.Title, c.Id
            select new { e.UserId, e.Role, Class = c })
            .ToListAsync(ct);
        var classIds = enrolled.Select(e => e.Class.Id).Distinct().ToList();
        var teachers = (await (
                from e in db.Enrollments.AsNoTracking()
                join u in db.Users.AsNoTracking() on e.UserId equals u.Id
                where classIds.Contains(e.ClassId) && e.Role == RosterRoles.Teacher && e.Status == Active && u.Status == Active
                orderby e.IsPrimary descending, u.FamilyName, u.GivenName, u.Id // the primary teacher first
                select new { e.ClassId, Teacher = new TeacherResponse(u.Id, u.DisplayName, e.IsPrimary) })
                .ToListAsync(ct))
            .ToLookup(t => t.ClassId, t => t.Teacher);
        var termIds = enrolled.SelectMany(e => e.Class.TermIds).Distinct().ToList();
        var terms = await db.AcademicSessions.AsNoTracking().Where(s => termIds.Contains(s.Id) && s.Status == Active)
            .OrderBy(s => s.StartDate).ThenBy(s => s.Title)
            .Select(s => new TermResponse(s.Id, s.Title, s.Type, s.StartDate, s.EndDate, s.ParentId, s.SchoolYear))
            .ToListAsync(ct);
        return enrolled.GroupBy(e => e.UserId).ToDictionary(g => g.Key, g => g.Select(e => new MyClassResponse(ClassResponse.From(e.Class), e.Role,
            teachers[e.Class.Id].ToList(), terms.Where(t => e.Class.TermIds.Contains(t.Id)).ToList())).ToList());
    }
}

public static class RosterExtensions
{
    public static IServiceCollection AddRoster(this IServiceCollection services) => services.AddScoped<MyRoster>();
}
