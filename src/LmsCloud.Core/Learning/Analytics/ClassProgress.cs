using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Progress;
using LmsCloud.Core.Learning.Shells;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Core.Learning.Analytics;

/// <summary>How the class progress table is sorted.</summary>
public enum ClassProgressSort { Name, Percent, LastActivity, TimeOnTask }

/// <summary>Which students (one class of a merged shell, or all) and in which order.</summary>
public sealed record ClassProgressQuery(Guid? ClassId = null, ClassProgressSort Sort = ClassProgressSort.Name, bool Descending = false);

public sealed record ClassOption(Guid ClassId, string Title);

/// <summary>A required item (published, with a requirement), in course order: module position, then item position.</summary>
public sealed record ClassProgressItem(Guid ModuleItemId, string Title, string ModuleTitle, string Requirement);

/// <summary>One student × one required item. No progress row: not viewed, not completed, no time.</summary>
public sealed record ClassProgressCell(Guid ModuleItemId, bool Completed, DateTimeOffset? FirstViewedAt, DateTimeOffset? CompletedAt,
    long TimeSpentSeconds);

public sealed record ClassProgressStudent(Guid StudentId, string DisplayName, IReadOnlyList<Guid> ClassIds, int CompletedRequiredCount,
    int RequiredItemCount, decimal Percent, long TimeSpentSeconds, DateTimeOffset? LastActivityAt, IReadOnlyList<ClassProgressCell> Items);

public sealed record ClassProgressResponse(Guid ShellId, string Title, int RequiredItemCount, IReadOnlyList<ClassOption> Classes,
    Guid? ClassId, ClassProgressSort Sort, bool Descending, IReadOnlyList<ClassProgressItem> Items, IReadOnlyList<ClassProgressStudent> Students);

/// <summary>
/// The teacher's class progress view: every actively enrolled student of the shell's classes and every learner enrolled
/// from the catalog (<see cref="AnalyticsSql.Roster"/>; with or without progress)
/// × the shell's required items. Percent is <see cref="ProgressRecorder.Percent"/> of the stored numerator
/// (shell_progress) and denominator (course_shells.required_item_count), so it agrees with the student's own page.
/// Editors only (teachers of its classes, school admins of its school, district admins); anyone else gets 404.
/// Three set-based statements whatever the class size: items, roster with shell progress, item progress of the roster.
/// </summary>
public sealed class ClassProgress(LmsDbContext db, ShellAccess access)
{
    public const string ItemsSql = """
        select mi.id, ci.title, m.title, mi.requirement
        from module_items mi
        join modules m on m.tenant_id = mi.tenant_id and m.id = mi.module_id
        join content_items ci on ci.tenant_id = mi.tenant_id and ci.id = mi.content_item_id
        where mi.tenant_id = $1 and mi.shell_id = $2 and mi.published and mi.requirement is not null
        order by m.position, mi.position
        """;

    public const string StudentsSql = "with " + AnalyticsSql.Roster + """

        select r.student_id, u.display_name, r.class_ids, coalesce(sp.completed_required_count, 0), sp.last_activity_at,
               coalesce(u.family_name, ''), coalesce(u.given_name, '')
        from roster r
        join users u on u.tenant_id = $1 and u.id = r.student_id
        left join shell_progress sp on sp.tenant_id = $1 and sp.shell_id = $2 and sp.student_id = r.student_id
        """;

    public const string CellsSql = "with " + AnalyticsSql.Roster + """

        select p.student_id, p.module_item_id, p.first_viewed_at, p.completed_at, p.time_spent_s, p.last_viewed_at
        from roster r
        join item_progress p on p.tenant_id = $1 and p.shell_id = $2 and p.student_id = r.student_id
        """;

    public async Task<ClassProgressResponse> ForShellAsync(ShellViewer viewer, Guid shellId, ClassProgressQuery query, CancellationToken ct)
    {
        var shell = await access.Editable(viewer).SingleOrDefaultAsync(s => s.Id == shellId, ct) ?? throw ShellRefusal.NotFound("Course");
        var classes = await (from l in db.Set<CourseShellClass>()
                             join c in db.RosterClasses on l.ClassId equals c.Id
                             where l.ShellId == shellId
                             orderby c.Title, c.Id
                             select new ClassOption(c.Id, c.Title)).ToListAsync(ct);
        if (query.ClassId is { } cid && classes.All(c => c.ClassId != cid))
            throw ShellRefusal.Invalid("classId", "That class is not served by this course.");

        var items = await AnalyticsSql.QueryAsync(db, ItemsSql,
            r => new ClassProgressItem(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3)), ct, shellId);
        var students = await AnalyticsSql.QueryAsync(db, StudentsSql, r => (Id: r.GetGuid(0), Name: r.GetString(1), Classes: r.GetFieldValue<Guid[]>(2),
            Done: r.GetInt32(3), Last: r.Time(4), Family: r.GetString(5), Given: r.GetString(6)), ct, shellId, query.ClassId);
        var cells = (await AnalyticsSql.QueryAsync(db, CellsSql, r => (Student: r.GetGuid(0), Item: r.GetGuid(1), First: r.Time(2),
                Completed: r.Time(3), Seconds: r.GetInt64(4), LastViewed: r.Time(5)), ct, shellId, query.ClassId))
            .ToLookup(c => c.Student);

        var required = shell.RequiredItemCount;
        var rows = students.Select(s =>
        {
            var mine = cells[s.Id].ToDictionary(c => c.Item);
            var row = items.Select(i => mine.TryGetValue(i.ModuleItemId, out var c)
                ? new ClassProgressCell(i.ModuleItemId, c.Completed != null, c.First, c.Completed, c.Seconds)
                : new ClassProgressCell(i.ModuleItemId, false, null, null, 0)).ToList();
            var lastViewed = mine.Values.Max(c => c.LastViewed);
            var last = s.Last is { } a && (lastViewed is not { } b || a >= b) ? s.Last : lastViewed;
            return (s.Family, s.Given, Row: new ClassProgressStudent(s.Id, s.Name, s.Classes.Order().ToList(), s.Done, required,
                ProgressRecorder.Percent(s.Done, required), mine.Values.Sum(c => c.Seconds), last, row));
        });
        var byName = rows.OrderBy(r => r.Family, StringComparer.OrdinalIgnoreCase).ThenBy(r => r.Given, StringComparer.OrdinalIgnoreCase)
            .ThenBy(r => r.Row.StudentId).Select(r => r.Row).ToList();
        IEnumerable<ClassProgressStudent> sorted = query.Sort switch
        {
            ClassProgressSort.Percent => query.Descending ? byName.OrderByDescending(r => r.Percent) : byName.OrderBy(r => r.Percent),
            ClassProgressSort.TimeOnTask => query.Descending ? byName.OrderByDescending(r => r.TimeSpentSeconds) : byName.OrderBy(r => r.TimeSpentSeconds),
            // never active sorts last either way: "who was active most/least recently" is about students who were
            ClassProgressSort.LastActivity => query.Descending
                ? byName.OrderBy(r => r.LastActivityAt == null).ThenByDescending(r => r.LastActivityAt)
                : byName.OrderBy(r => r.LastActivityAt == null).ThenBy(r => r.LastActivityAt),
            _ => query.Descending ? Enumerable.Reverse(byName) : byName,
        };
        return new ClassProgressResponse(shellId, shell.Title, required, classes, query.ClassId, query.Sort, query.Descending, items, sorted.ToList());
    }
}
