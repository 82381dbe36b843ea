using System.Security.Claims;
using System.Text.Json;
using LmsCloud.Api.Auth;
using LmsCloud.Api.Http;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Rostering;
using LmsCloud.Core.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Api.Rostering;

public sealed record SchoolResponse(Guid Id, string Name, string? Identifier, Guid? ParentId);

public sealed record CourseResponse(Guid Id, string Title, string? CourseCode, IReadOnlyList<string> Grades, Guid OrgId, Guid? SchoolYearId,
    IReadOnlyList<string> Subjects);

public sealed record GuardianResponse(Guid Id, string DisplayName, string? GivenName, string? FamilyName, string? Email, string? Phone, string? Sms);

public sealed record DemographicsResponse(Guid UserId, DateOnly? BirthDate, string? Sex, JsonElement Flags, string Status);

/// <summary>
/// The imported roster, read-only and role-aware. Schools, terms and courses: anyone signed in. Classes: admins see
/// all, teachers the classes they teach, students the classes they are in. A class roster: its teachers and admins.
/// A student's guardians: admins, the student's teachers and the guardians themselves. Demographics (sensitive):
/// DistrictAdmin and ComplianceOfficer only, and every read is audited. Only active records are shown.
/// <c>/api/me/classes</c> (teachers, students) and <c>/api/me/children</c> (guardians) answer what a person's own page
/// asks in one call: each class with its teachers and terms, and a guardian's children with theirs.
/// </summary>
public static class RosterEndpoints
{
    const string Active = "active";
    const int MaxPageSize = 500;

    public static IEndpointRouteBuilder MapRosterEndpoints(this IEndpointRouteBuilder app)
    {
        var roster = app.MapGroup("/api").WithTags("Roster");
        roster.MapGet("/schools", SchoolsAsync);
        roster.MapGet("/terms", TermsAsync);
        roster.MapGet("/courses", CoursesAsync);
        roster.MapGet("/classes", ClassesAsync);
        roster.MapGet("/classes/{id:guid}/roster", ClassRosterAsync);
        roster.MapGet("/students/{id:guid}/guardians", GuardiansAsync);
        roster.MapGet("/me/classes", MyClassesAsync);
        roster.MapGet("/me/children", MyChildrenAsync);
        roster.MapGet("/students/{id:guid}/demographics", DemographicsAsync).RequireAuthorization(Policies.DemographicsReader);
        return app;
    }

    static async Task<Results<Ok<PagedList<SchoolResponse>>, ValidationProblem>> SchoolsAsync(LmsDbContext db, [AsParameters] PageRequest paging,
        CancellationToken ct)
    {
        if (paging.Validate(MaxPageSize) is { Count: > 0 } errors) return TypedResults.ValidationProblem(errors);
        return TypedResults.Ok(await PagedList.CreateAsync(
            db.Orgs.AsNoTracking().Where(o => o.Type == "school" && o.Status == Active).OrderBy(o => o.Name).ThenBy(o => o.Id),
            paging.Page, paging.Size, o => new SchoolResponse(o.Id, o.Name, o.Identifier, o.ParentId), ct));
    }

    static async Task<Results<Ok<PagedList<TermResponse>>, ValidationProblem>> TermsAsync(LmsDbContext db, int? schoolYear,
        [AsParameters] PageRequest paging, CancellationToken ct)
    {
        if (paging.Validate(MaxPageSize) is { Count: > 0 } errors) return TypedResults.ValidationProblem(errors);
        var query = db.AcademicSessions.AsNoTracking().Where(s => s.Status == Active);
        if (schoolYear is { } year) query = query.Where(s => s.SchoolYear == year);
        return TypedResults.Ok(await PagedList.CreateAsync(query.OrderBy(s => s.StartDate).ThenBy(s => s.Title).ThenBy(s => s.Id), paging.Page, paging.Size,
            s => new TermResponse(s.Id, s.Title, s.Type, s.StartDate, s.EndDate, s.ParentId, s.SchoolYear), ct));
    }

    static async Task<Results<Ok<PagedList<CourseResponse>>, ValidationProblem>> CoursesAsync(LmsDbContext db, Guid? schoolId,
        [AsParameters] PageRequest paging, CancellationToken ct)
    {
        if (paging.Validate(MaxPageSize) is { Count: > 0 } errors) return TypedResults.ValidationProblem(errors);
        var query = db.RosterCourses.AsNoTracking().Where(c => c.Status == Active);
        if (schoolId is { } school) query = query.Where(c => c.OrgId == school);
        return TypedResults.Ok(await PagedList.CreateAsync(query.OrderBy(c => c.Title).ThenBy(c => c.Id), paging.Page, paging.Size,
            c => new CourseResponse(c.Id, c.Title, c.CourseCode, c.Grades ?? [], c.OrgId, c.SchoolYearId, c.Subjects ?? []), ct));
    }

    static async Task<Results<Ok<PagedList<ClassResponse>>, ValidationProblem, ProblemHttpResult>> ClassesAsync(LmsDbContext db,
        ClaimsPrincipal principal, Guid? schoolId, Guid? courseId, Guid? termId, [AsParameters] PageRequest paging, CancellationToken ct)
    {
        if (paging.Validate(MaxPageSize) is { Count: > 0 } errors) return TypedResults.ValidationProblem(errors);
        var query = db.RosterClasses.AsNoTracking().Where(c => c.Status == Active);
        if (!IsAdmin(principal))
        {
            // Not an admin: only the classes this person is actively enrolled in, as teacher or as student.
            var roles = RosterRoles.EnrollmentRolesOf(principal);
            if (roles.Count == 0 || PersonId(principal) is not { } me)
                return Forbidden("Classes are listed for administrators, teachers and students.");
            query = query.Where(c => db.Enrollments.Any(e => e.ClassId == c.Id && e.UserId == me && roles.Contains(e.Role) && e.Status == Active));
        }
        if (schoolId is { } school) query = query.Where(c => c.SchoolId == school);
        if (courseId is { } course) query = query.Where(c => c.CourseId == course);
        if (termId is { } term) query = query.Where(c => c.TermIds.Contains(term));
        return TypedResults.Ok(await PagedList.CreateAsync(query.OrderBy(c => c.Title).ThenBy(c => c.Id), paging.Page, paging.Size, ClassResponse.From, ct));
    }

    static async Task<Results<Ok<ClassRosterResponse>, ProblemHttpResult>> ClassRosterAsync(Guid id, MyRoster roster, ClaimsPrincipal principal,
        CancellationToken ct)
    {
        if (!IsAdmin(principal) && !(PersonId(principal) is { } me && principal.IsInRole(Roles.Teacher) && await roster.TeachesAsync(me, id, ct)))
            return Forbidden("A class roster is for the class's teachers and administrators.");
        return await roster.ClassRosterAsync(id, ct) is { } found ? TypedResults.Ok(found) : NotFound("Class", id);
    }

    static async Task<Results<Ok<List<GuardianResponse>>, ProblemHttpResult>> GuardiansAsync(Guid id, LmsDbContext db, ClaimsPrincipal principal,
        CancellationToken ct)
    {
        var me = PersonId(principal);
        var allowed = IsAdmin(principal) ||
            me != null && principal.IsInRole(Roles.Guardian) && await db.GuardianLinks.AnyAsync(g => g.StudentId == id && g.GuardianId == me, ct) ||
            me != null && principal.IsInRole(Roles.Teacher) && await TeachesAsync(db, me.Value, id, ct);
        if (!allowed) return Forbidden("A student's guardians are shown to administrators, the student's teachers and the guardians themselves.");
        if (!await db.Users.AnyAsync(u => u.Id == id, ct)) return NotFound("Student", id);

        var guardians = await (
            from g in db.GuardianLinks.AsNoTracking()
            join u in db.Users.AsNoTracking() on g.GuardianId equals u.Id
            where g.StudentId == id && u.Status == Active
            orderby u.FamilyName, u.GivenName, u.Id
            select new GuardianResponse(u.Id, u.DisplayName, u.GivenName, u.FamilyName, u.Email, u.Phone, u.Sms))
            .ToListAsync(ct);
        return TypedResults.Ok(guardians);
    }

    static async Task<Results<Ok<List<MyClassResponse>>, ProblemHttpResult>> MyClassesAsync(MyRoster roster, ClaimsPrincipal principal,
        CancellationToken ct)
    {
        var roles = RosterRoles.EnrollmentRolesOf(principal);
        if (roles.Count == 0 || PersonId(principal) is not { } me) return Forbidden("My classes are for teachers and students.");
        return TypedResults.Ok(await roster.ClassesAsync(me, roles, ct));
    }

    static async Task<Results<Ok<List<ChildResponse>>, ProblemHttpResult>> MyChildrenAsync(MyRoster roster, ClaimsPrincipal principal,
        CancellationToken ct)
    {
        if (!principal.IsInRole(Roles.Guardian) || PersonId(principal) is not { } me) return Forbidden("My children are for guardians.");
        return TypedResults.Ok(await roster.ChildrenAsync(me, ct));
    }

    /// <summary>Sensitive data: each read is an audit event naming the student, in the same transaction as the read.</summary>
    static async Task<Results<Ok<DemographicsResponse>, ProblemHttpResult>> DemographicsAsync(Guid id, LmsDbContext db, AuditLog audit,
        CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var row = await db.Demographics.AsNoTracking().SingleOrDefaultAsync(d => d.UserId == id, ct);
        if (row == null) return NotFound("Demographics of student", id);
        await audit.WriteAsync(new AuditEntry("demographics.viewed", "demographics", id.ToString(), SubjectUserId: id), ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(new DemographicsResponse(row.UserId, row.BirthDate, row.Sex, row.Flags, row.Status));
    }

    /// <summary>Whether the teacher has an active teacher enrollment in a class where the student is actively enrolled.</summary>
    static Task<bool> TeachesAsync(LmsDbContext db, Guid teacherId, Guid studentId, CancellationToken ct) =>
        db.Enrollments.AnyAsync(t => t.UserId == teacherId && t.Role == RosterRoles.Teacher && t.Status == Active &&
            db.Enrollments.Any(s => s.ClassId == t.ClassId && s.UserId == studentId && s.Role == RosterRoles.Student && s.Status == Active), ct);

    static bool IsAdmin(ClaimsPrincipal principal) => principal.IsInRole(Roles.DistrictAdmin) || principal.IsInRole(Roles.SchoolAdmin);

    /// <summary>The signed-in person (integration clients are not people).</summary>
    static Guid? PersonId(ClaimsPrincipal principal) =>
        principal.FindFirstValue("client_id") == null && Guid.TryParse(principal.FindFirstValue("sub"), out var id) ? id : null;

    static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: detail);

    static ProblemHttpResult NotFound(string what, Guid id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"{what} not found", detail: $"{what} {id} is not in this district's roster.");
}
