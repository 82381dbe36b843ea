using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Progress;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Rostering;
using LmsCloud.Core.Users;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Web.Pages.Courses;

/// <summary>A student's standing in one course: the stored numerator over the shell's denominator, items done, time on task.</summary>
public sealed record CourseStanding(int CompletedRequired, int Required, int ItemsDone, long SecondsOnTask)
{
    public decimal Percent => ProgressRecorder.Percent(CompletedRequired, Required);
}

/// <summary>One of a guardian's children's courses with the child's standing in it.</summary>
public sealed record ChildCourse(Guid ShellId, string Title, CourseStanding Standing);

/// <summary>A guardian's view of one child's course: the shell as the child sees it (their locks) and their item progress.</summary>
public sealed record ChildCourseDetail(string ChildName, ShellDetail Course, CourseStanding Standing, IReadOnlyDictionary<Guid, ItemProgressRow> Items);

/// <summary>
/// The progress the course pages show: a student's own per course (My courses, course home) and a guardian's child's
/// (My children). Read from shell_progress (numerator) and item_progress; the denominator is the shell's
/// required_item_count, as <see cref="ProgressRecorder.ForViewerAsync"/> does. A guardian reads only a child linked to
/// them (<c>guardian_links</c>) in a course they may read (<see cref="ShellAccess.Readable"/>); anything else is null (404).
/// </summary>
public sealed class CourseProgress(LmsDbContext db, ShellAccess access, ShellReading reading)
{
    /// <summary>The student's standing in each of the given shells (set-based: two queries for the page).</summary>
    public async Task<Dictionary<Guid, CourseStanding>> StandingsAsync(Guid student, IReadOnlyCollection<(Guid ShellId, int Required)> shells, CancellationToken ct)
    {
        var ids = shells.Select(s => s.ShellId).ToArray();
        var numerators = await db.Set<ShellProgressRow>().AsNoTracking().Where(p => p.StudentId == student && ids.Contains(p.ShellId))
            .ToDictionaryAsync(p => p.ShellId, p => p.CompletedRequiredCount, ct);
        var items = await db.Set<ItemProgressRow>().AsNoTracking().Where(p => p.StudentId == student && ids.Contains(p.ShellId))
            .GroupBy(p => p.ShellId)
            .Select(g => new { ShellId = g.Key, Done = g.Count(p => p.CompletedAt != null), Seconds = g.Sum(p => p.TimeSpentSeconds) })
            .ToDictionaryAsync(x => x.ShellId, ct);
        return shells.ToDictionary(s => s.ShellId, s => new CourseStanding(numerators.GetValueOrDefault(s.ShellId), s.Required,
            items.GetValueOrDefault(s.ShellId)?.Done ?? 0, items.GetValueOrDefault(s.ShellId)?.Seconds ?? 0));
    }

    /// <summary>The courses of one child of this guardian that the guardian may read, with the child's standing; null when not their child.</summary>
    public async Task<(string Name, List<ChildCourse> Courses)?> ChildCoursesAsync(ShellViewer guardian, Guid childId, CancellationToken ct)
    {
        if (await ChildNameAsync(guardian, childId, ct) is not { } name) return null;
        var shells = await access.Readable(guardian)
            .Where(s => s.Status == ShellStatus.Published && db.Set<CourseShellClass>().Any(l => l.ShellId == s.Id &&
                db.Enrollments.Any(e => e.ClassId == l.ClassId && e.UserId == childId && e.Role == RosterRoles.Student && e.Status == "active")))
            .OrderBy(s => s.Title).ThenBy(s => s.Id).Select(s => new { s.Id, s.Title, s.RequiredItemCount }).ToListAsync(ct);
        var standings = await StandingsAsync(childId, shells.Select(s => (s.Id, s.RequiredItemCount)).ToList(), ct);
        return (name, shells.Select(s => new ChildCourse(s.Id, s.Title, standings[s.Id])).ToList());
    }

    /// <summary>One course of the child as the child sees it (their lock states), read-only; null when not visible to this guardian.</summary>
    public async Task<ChildCourseDetail?> ChildCourseAsync(ShellViewer guardian, Guid childId, Guid shellId, CancellationToken ct)
    {
        if (await ChildNameAsync(guardian, childId, ct) is not { } name) return null;
        if (!await access.Readable(guardian).AnyAsync(s => s.Id == shellId, ct)) return null;
        // Evaluated as the child would see it, only after both checks above: the locks are per student.
        var asChild = new ShellViewer(childId, new HashSet<string> { Roles.Student });
        if (await reading.GetAsync(asChild, shellId, ct) is not { } course) return null;
        var items = await db.Set<ItemProgressRow>().AsNoTracking().Where(p => p.StudentId == childId && p.ShellId == shellId)
            .ToDictionaryAsync(p => p.ModuleItemId, ct);
        var standing = (await StandingsAsync(childId, [(shellId, course.Shell.RequiredItemCount)], ct))[shellId];
        return new ChildCourseDetail(name, course, standing, items);
    }

    async Task<string?> ChildNameAsync(ShellViewer guardian, Guid childId, CancellationToken ct)
    {
        if (!guardian.Is(Roles.Guardian) || guardian.PersonId is not { } me) return null;
        return await (from g in db.GuardianLinks
                      join u in db.Users on g.StudentId equals u.Id
                      where g.GuardianId == me && g.StudentId == childId
                      select u.DisplayName).FirstOrDefaultAsync(ct);
    }

    /// <summary>Time on task in words: minutes, or hours and minutes.</summary>
    public static string Duration(long seconds)
    {
        var minutes = seconds / 60;
        return minutes < 1 ? "under a minute" : minutes < 60 ? $"{minutes} min" : $"{minutes / 60} h {minutes % 60} min";
    }
}
