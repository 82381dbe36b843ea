using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Users;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Core.Learning.Analytics;

/// <summary>
/// A school's (or one shell's) numbers over its published shells. Enrollments are course enrollments: (shell, actively
/// enrolled student) pairs, so a student taking three courses counts three times; Students counts them once. Started:
/// the pair has progress; completed: all required items done (stored numerator ≥ denominator, at least one required).
/// </summary>
public sealed record SchoolAnalytics(Guid SchoolId, string Name, int ShellsPublished, int Students, int Enrollments, int Started,
    int Completed, decimal CompletionRate);

public sealed record DistrictAnalyticsResponse(IReadOnlyList<SchoolAnalytics> Schools);

public sealed record ShellAnalyticsRow(Guid ShellId, string Title, int RequiredItemCount, int Enrollments, int Started, int Completed,
    decimal CompletionRate);

public enum ShellAnalyticsSort { Title, Enrollments, Started, CompletionRate }

public sealed record SchoolShellsResponse(Guid SchoolId, string Name, ShellAnalyticsSort Sort, bool Descending, PagedList<ShellAnalyticsRow> Shells);

/// <summary>
/// The district view across schools, and the drill into one school's published shells. District admins see every
/// school; school admins the schools they belong to (user_orgs); anyone else is refused (403), and a school outside the
/// caller's scope is 404. Each answer is one set-based statement; the drill pages and sorts in SQL.
/// </summary>
public sealed class DistrictAnalytics(LmsDbContext db)
{
    /// <summary>$1 district, $2 the schools in scope (null: all).</summary>
    const string Pairs = """
        scope as (
          select o.id, o.name from orgs o
          where o.tenant_id = $1 and o.type = 'school' and ($2::uuid[] is null or o.id = any($2))),
        shells as (
          select s.id, s.title, s.school_id, s.required_item_count
          from scope join course_shells s on s.tenant_id = $1 and s.school_id = scope.id
          where s.status = 'published'),
        pairs as (
          select distinct sh.id as shell_id, sh.school_id, sh.required_item_count, e.user_id
          from shells sh
          join course_shell_classes l on l.tenant_id = $1 and l.shell_id = sh.id
          -- per class through enrollments_class (tenant, class): "offset 0" keeps the lateral from being flattened into a
          -- hash join over every enrollment, which a district holding most of the table would otherwise get (a plan that
          -- depends on how big this district is next to the others)
          cross join lateral (
            select e.user_id from enrollments e
            where e.tenant_id = $1 and e.class_id = l.class_id and e.role = 'student' and e.status = 'active'
              and (e.begin_date is null or e.begin_date <= current_date) and (e.end_date is null or e.end_date >= current_date)
            offset 0) e),
        outcomes as (
          select p.shell_id, p.school_id, p.user_id, sp.student_id is not null as started,
                 p.required_item_count > 0 and coalesce(sp.completed_required_count, 0) >= p.required_item_count as completed
          from pairs p
          left join shell_progress sp on sp.tenant_id = $1 and sp.shell_id = p.shell_id and sp.student_id = p.user_id)
        """;

    public const string SchoolsSql = "with " + Pairs + """
        ,
        per_school as (
          select school_id, count(distinct user_id) as students, count(*) as enrollments,
                 count(*) filter (where started) as started, count(*) filter (where completed) as completed
          from outcomes group by school_id)
        select scope.id, scope.name, (select count(*) from shells where shells.school_id = scope.id),
               coalesce(ps.students, 0), coalesce(ps.enrollments, 0), coalesce(ps.started, 0), coalesce(ps.completed, 0)
        from scope left join per_school ps on ps.school_id = scope.id
        order by lower(scope.name), scope.id
        """;

    /// <summary>$1 district, $2 {the school}, $3 sort key, $4 descending, $5 limit, $6 offset.</summary>
    public const string ShellsSql = "with " + Pairs + """
        ,
        per_shell as (
          select shell_id, count(*) as enrollments, count(*) filter (where started) as started,
                 count(*) filter (where completed) as completed
          from outcomes group by shell_id),
        rows as (
          select sh.id, sh.title, sh.required_item_count, coalesce(ps.enrollments, 0) as enrollments, coalesce(ps.started, 0) as started,
                 coalesce(ps.completed, 0) as completed,
                 case when coalesce(ps.enrollments, 0) = 0 then 0 else ps.completed::numeric / ps.enrollments end as rate
          from shells sh left join per_shell ps on ps.shell_id = sh.id)
        select id, title, required_item_count, enrollments, started, completed, count(*) over ()
        from rows
        order by
          case when $4 then null else case $3 when 'enrollments' then enrollments::numeric when 'started' then started::numeric
            when 'rate' then rate end end,
          case when $4 then case $3 when 'enrollments' then enrollments::numeric when 'started' then started::numeric
            when 'rate' then rate end end desc,
          case when $4 then null else lower(title) end, case when $4 and $3 = 'title' then lower(title) end desc, id
        limit $5 offset $6
        """;

    public async Task<DistrictAnalyticsResponse> SchoolsAsync(ShellViewer viewer, CancellationToken ct)
    {
        var scope = await ScopeAsync(viewer, ct);
        var rows = await AnalyticsSql.QueryAsync(db, SchoolsSql, r =>
        {
            int enrollments = (int)r.GetInt64(4), completed = (int)r.GetInt64(6);
            return new SchoolAnalytics(r.GetGuid(0), r.GetString(1), (int)r.GetInt64(2), (int)r.GetInt64(3), enrollments, (int)r.GetInt64(5),
                completed, CourseAnalytics.Rate(completed, enrollments));
        }, ct, scope);
        return new DistrictAnalyticsResponse(rows);
    }

    public async Task<SchoolShellsResponse> SchoolShellsAsync(ShellViewer viewer, Guid schoolId, int page, int pageSize, ShellAnalyticsSort sort,
        bool descending, CancellationToken ct)
    {
        if (page < 1) throw ShellRefusal.Invalid("page", "The page must be 1 or more.");
        if (pageSize is < 1 or > 100) throw ShellRefusal.Invalid("pageSize", "The page size must be between 1 and 100.");
        var scope = await ScopeAsync(viewer, ct);
        if (scope != null && !scope.Contains(schoolId)) throw ShellRefusal.NotFound("School");
        var name = await db.Orgs.Where(o => o.Id == schoolId && o.Type == "school").Select(o => o.Name).SingleOrDefaultAsync(ct)
            ?? throw ShellRefusal.NotFound("School");
        var key = sort switch
        {
            ShellAnalyticsSort.Enrollments => "enrollments", ShellAnalyticsSort.Started => "started", ShellAnalyticsSort.CompletionRate => "rate",
            _ => "title",
        };
        var offset = (long)(page - 1) * pageSize;
        var total = 0;
        var rows = await AnalyticsSql.QueryAsync(db, ShellsSql, r =>
        {
            total = (int)r.GetInt64(6);
            int enrollments = r.GetInt32(3), completed = r.GetInt32(5);
            return new ShellAnalyticsRow(r.GetGuid(0), r.GetString(1), r.GetInt32(2), enrollments, r.GetInt32(4), completed,
                CourseAnalytics.Rate(completed, enrollments));
        }, ct, new[] { schoolId }, key, descending, pageSize, offset);
        if (rows.Count == 0 && page > 1)   // past the end: the total still tells the pager how many there are
            total = (await AnalyticsSql.QueryAsync(db, ShellsSql, r => (int)r.GetInt64(6), ct, new[] { schoolId }, key, descending, 1, 0L))
                .FirstOrDefault();
        return new SchoolShellsResponse(schoolId, name, sort, descending, new PagedList<ShellAnalyticsRow>(rows, page, pageSize, total));
    }

    /// <summary>The schools the viewer sees: null for all (district admin), their user_orgs schools (school admin); else 403.</summary>
    async Task<Guid[]?> ScopeAsync(ShellViewer viewer, CancellationToken ct)
    {
        if (viewer.Is(Roles.DistrictAdmin)) return null;
        if (viewer.Is(Roles.SchoolAdmin) && viewer.PersonId is { } me)
            return await db.Set<UserOrgMembership>().Where(o => o.UserId == me).Select(o => o.OrgId).Distinct().ToArrayAsync(ct);
        throw ShellRefusal.Forbidden("Only district and school administrators see the district's analytics.");
    }
}
