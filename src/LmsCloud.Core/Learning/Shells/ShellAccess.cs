using System.Security.Claims;
using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Catalog;
using LmsCloud.Core.Rostering;
using LmsCloud.Core.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace LmsCloud.Core.Learning.Shells;

/// <summary>Who is asking about course shells: the person (null for an integration client) and their district roles.</summary>
public sealed record ShellViewer(Guid? PersonId, IReadOnlySet<string> Roles)
{
    public bool Is(string role) => Roles.Contains(role);

    public static ShellViewer From(ClaimsPrincipal principal) => new(
        principal.FindFirstValue("client_id") == null && Guid.TryParse(principal.FindFirstValue("sub"), out var id) ? id : null,
        Users.Roles.All.Where(principal.IsInRole).ToHashSet());
}

/// <summary>
/// Which course shells a person may read or edit, as filtered queries on top of RLS (RLS keeps the district; this keeps
/// the role's slice of it). Read: district admins all; school admins the shells of their schools (user_orgs); teachers
/// the shells of classes they actively teach; students the published shells of classes they are actively enrolled in
/// today (begin/end dates respected); guardians what their children may read; anyone the published shells they enrolled
/// themselves in from the catalog (catalog_enrollments, state enrolled), as a learner. Edit: district admins, school admins of
/// the shell's school, and the teachers of its classes. A person with several roles gets the union.
/// </summary>
public sealed class ShellAccess(LmsDbContext db)
{
    const string Active = "active";

    public IQueryable<CourseShell> Readable(ShellViewer viewer) => Filter(viewer, forEdit: false);

    public IQueryable<CourseShell> Editable(ShellViewer viewer) => Filter(viewer, forEdit: true);

    /// <summary>404 when the viewer cannot see the shell, 403 with <paramref name="forbidden"/> when they may only read it.</summary>
    public async Task CheckEditableAsync(ShellViewer viewer, Guid shellId, string forbidden, CancellationToken ct)
    {
        if (!await Editable(viewer).AnyAsync(s => s.Id == shellId, ct))
            throw await Readable(viewer).AnyAsync(s => s.Id == shellId, ct) ? ShellRefusal.Forbidden(forbidden) : ShellRefusal.NotFound("Course");
    }

    /// <summary>
    /// How a write to a shell's assignments, quizzes or grading starts: a transaction, <see cref="CheckEditableAsync"/>, the
    /// shell's row locked (writes to one shell queue up) and an archived shell refused (409).
    /// </summary>
    public async Task<IDbContextTransaction> BeginEditAsync(ShellViewer viewer, Guid shellId, string forbidden, CancellationToken ct)
    {
        var tx = await db.Database.BeginTransactionAsync(ct);
        try
        {
            await CheckEditableAsync(viewer, shellId, forbidden, ct);
            var status = await db.Database.SqlQuery<string>($"select status as \"Value\" from course_shells where id = {shellId} for update").SingleAsync(ct);
            if (status == ShellStatus.Archived) throw ShellRefusal.Conflict("This course is archived and read-only.");
            return tx;
        }
        catch
        {
            await tx.DisposeAsync();
            throw;
        }
    }

    /// <summary>Whether the viewer reads the shell as a learner (student or guardian) only: published content, lock states.</summary>
    public async Task<bool> SeesAsLearnerAsync(ShellViewer viewer, Guid shellId, CancellationToken ct) =>
        !await Editable(viewer).AnyAsync(s => s.Id == shellId, ct);

    /// <summary>Whether the person enrolled themselves in the shell from the catalog: they learn in it, whatever their roles.</summary>
    public Task<bool> SelfEnrolledAsync(Guid personId, Guid shellId, CancellationToken ct) =>
        db.Set<CatalogEnrollment>().AnyAsync(c => c.ShellId == shellId && c.PersonId == personId && c.State == CatalogEnrollmentState.Enrolled, ct);

    IQueryable<CourseShell> Filter(ShellViewer viewer, bool forEdit)
    {
        var shells = db.Set<CourseShell>().AsNoTracking();
        if (viewer.Is(Roles.DistrictAdmin)) return shells;
        if (viewer.PersonId is not { } me) return shells.Where(_ => false);

        var links = db.Set<CourseShellClass>();
        var enrollments = db.Enrollments;
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var schoolAdmin = viewer.Is(Roles.SchoolAdmin);
        var teacher = viewer.Is(Roles.Teacher);
        var student = !forEdit && viewer.Is(Roles.Student);
        var guardian = !forEdit && viewer.Is(Roles.Guardian);
        var selfEnrolled = !forEdit;
        if (!schoolAdmin && !teacher && !student && !guardian && !selfEnrolled) return shells.Where(_ => false);
        var catalog = db.Set<CatalogEnrollment>();

        // Each role's condition is switched on by a constant, so the SQL keeps only the branches this viewer has.
        return shells.Where(s =>
            schoolAdmin && db.Set<UserOrgMembership>().Any(o => o.UserId == me && o.OrgId == s.SchoolId) ||
            teacher && links.Any(l => l.ShellId == s.Id && enrollments.Any(e =>
                e.ClassId == l.ClassId && e.UserId == me && e.Role == RosterRoles.Teacher && e.Status == Active)) ||
            s.Status == ShellStatus.Published && (
                selfEnrolled && catalog.Any(c => c.ShellId == s.Id && c.PersonId == me && c.State == CatalogEnrollmentState.Enrolled) ||
                student && links.Any(l => l.ShellId == s.Id && enrollments.Any(e =>
                    e.ClassId == l.ClassId && e.UserId == me && e.Role == RosterRoles.Student && e.Status == Active &&
                    (e.BeginDate == null || e.BeginDate <= today) && (e.EndDate == null || e.EndDate >= today))) ||
                guardian && links.Any(l => l.ShellId == s.Id && enrollments.Any(e =>
                    e.ClassId == l.ClassId && e.Role == RosterRoles.Student && e.Status == Active &&
                    (e.BeginDate == null || e.BeginDate <= today) && (e.EndDate == null || e.EndDate >= today) &&
                    db.GuardianLinks.Any(g => g.GuardianId == me && g.StudentId == e.UserId)))));
    }
}
