using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Shells;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Core.Learning.Analytics;

/// <summary>
/// One published item's funnel. Started = viewed; completion rate = completed / enrolled; drop-off = of the enrolled
/// students who completed the previous item (course order), the share who never started this one (null for the first
/// item, or when nobody completed the previous one). Median time on task over the students who started it.
/// </summary>
public sealed record ItemAnalytics(Guid ModuleItemId, string Title, string ModuleTitle, string? Requirement, int Started, int Completed,
    decimal CompletionRate, int? PreviousCompleted, decimal? DropOff, double? MedianTimeSeconds);

public sealed record NeverStartedStudent(Guid StudentId, string DisplayName);

/// <summary>
/// A course's numbers over its actively enrolled students: completed = required items all done (stored numerator ≥
/// denominator, with at least one required item); median percent over every enrolled student (0 for those who never
/// started).
/// </summary>
public sealed record CourseAnalyticsResponse(Guid ShellId, string Title, int RequiredItemCount, int Enrolled, int Started, int NeverStarted,
    int Completed, decimal CompletionRate, decimal MedianPercent, IReadOnlyList<NeverStartedStudent> NeverStartedStudents,
    IReadOnlyList<ItemAnalytics> Items);

/// <summary>
/// Course and item analytics for a shell's editors (teachers of its classes, school admins of its school, district
/// admins); 404 for anyone else. Two set-based statements (items; course), whatever the number of items or students.
/// </summary>
public sealed class CourseAnalytics(LmsDbContext db, ShellAccess access)
{
    /// <summary>$1 district, $2 shell, $3 null (all classes).</summary>
    public const string ItemsSql = "with " + AnalyticsSql.Roster + """
        ,
        items as (
          select mi.id, ci.title, m.title as module_title, mi.requirement,
                 row_number() over (order by m.position, mi.position) as ord
          from module_items mi
          join modules m on m.tenant_id = mi.tenant_id and m.id = mi.module_id
          join content_items ci on ci.tenant_id = mi.tenant_id and ci.id = mi.content_item_id
          where mi.tenant_id = $1 and mi.shell_id = $2 and mi.published),
        progress as (
          select p.module_item_id, p.student_id, p.first_viewed_at is not null as started, p.completed_at is not null as completed,
                 p.time_spent_s
          from roster r
          join item_progress p on p.tenant_id = $1 and p.shell_id = $2 and p.student_id = r.student_id),
        funnel as (
          select i.id, count(*) filter (where p.started) as started, count(*) filter (where p.completed) as completed,
                 percentile_cont(0.5) within group (order by p.time_spent_s) filter (where p.started) as median_time
          from items i join progress p on p.module_item_id = i.id
          group by i.id),
        drop_off as (
          select i.id, count(*) as previous_completed, count(*) filter (where not coalesce(cur.started, false)) as never_started
          from items i
          join items prev on prev.ord = i.ord - 1
          join progress pp on pp.module_item_id = prev.id and pp.completed
          left join progress cur on cur.module_item_id = i.id and cur.student_id = pp.student_id
          group by i.id)
        select i.id, i.title, i.module_title, i.requirement, i.ord, coalesce(f.started, 0), coalesce(f.completed, 0), f.median_time,
               d.previous_completed, d.never_started, (select count(*) from roster)
        from items i
        left join funnel f on f.id = i.id
        left join drop_off d on d.id = i.id
        order by i.ord
        """;

    /// <summary>$1 district, $2 shell, $3 null (all classes), $4 the shell's required item count.</summary>
    public const string CourseSql = "with " + AnalyticsSql.Roster + """
        ,
        students as (
          select r.student_id, u.display_name, coalesce(u.family_name, '') as family_name, coalesce(u.given_name, '') as given_name,
                 sp.student_id is not null as started, coalesce(sp.completed_required_count, 0) as done
          from roster r
          join users u on u.tenant_id = $1 and u.id = r.student_id
          left join shell_progress sp on sp.tenant_id = $1 and sp.shell_id = $2 and sp.student_id = r.student_id)
        select count(*), count(*) filter (where started),
               count(*) filter (where $4::int > 0 and done >= $4::int),
               coalesce(percentile_cont(0.5) within group (
                 order by case when $4::int > 0 then round(100.0 * least(done, $4::int) / $4::int, 2) else 0 end), 0),
               coalesce(array_agg(student_id order by lower(family_name), lower(given_name), student_id) filter (where not started), '{}'),
               coalesce(array_agg(display_name order by lower(family_name), lower(given_name), student_id) filter (where not started), '{}')
        from students
        """;

    public async Task<CourseAnalyticsResponse> ForShellAsync(ShellViewer viewer, Guid shellId, CancellationToken ct)
    {
        var shell = await access.Editable(viewer).SingleOrDefaultAsync(s => s.Id == shellId, ct) ?? throw ShellRefusal.NotFound("Course");
        var items = await AnalyticsSql.QueryAsync(db, ItemsSql, r =>
        {
            int enrolled = (int)r.GetInt64(10), started = (int)r.GetInt64(5), completed = (int)r.GetInt64(6);
            int? previous = r.IsDBNull(8) ? null : (int)r.GetInt64(8);
            int? never = r.IsDBNull(9) ? null : (int)r.GetInt64(9);
            return new ItemAnalytics(r.GetGuid(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), started, completed,
                Rate(completed, enrolled), previous, previous is > 0 ? Rate(never!.Value, previous.Value) : null, r.Double(7));
        }, ct, shellId, null);
        var required = shell.RequiredItemCount;
        var course = (await AnalyticsSql.QueryAsync(db, CourseSql, r => (Enrolled: (int)r.GetInt64(0), Started: (int)r.GetInt64(1),
            Completed: (int)r.GetInt64(2), Median: r.GetDouble(3), Ids: r.GetFieldValue<Guid[]>(4), Names: r.GetFieldValue<string[]>(5)),
            ct, shellId, null, required)).Single();
        var never = course.Ids.Zip(course.Names, (id, name) => new NeverStartedStudent(id, name)).ToList();
        return new CourseAnalyticsResponse(shellId, shell.Title, required, course.Enrolled, course.Started, course.Enrolled - course.Started,
            course.Completed, Rate(course.Completed, course.Enrolled), Math.Round((decimal)course.Median, 2, MidpointRounding.AwayFromZero),
            never, items);
    }

    /// <summary>A share as a percentage, 2 dp half up (0 when there is nothing to divide by).</summary>
    public static decimal Rate(int part, int whole) =>
        whole <= 0 ? 0m : Math.Round(100m * part / whole, 2, MidpointRounding.AwayFromZero);
}
